#!/usr/bin/env python3
"""tests/modgraph.py - the module include graph of the server and of the
handheld library, read from the #include lines of the files git tracks.

A module is a file name up to its first '_' (notes.c, notes_index.c and
notes_internal.h are the module notes); server/tls/ is the module tls and
schema/ is one node, the records both sides share. A module "uses" another
when one of its files includes one of the other's headers.

  tests/modgraph.py            prints each module's uses, then any circle
  tests/modgraph.py --table    the Markdown tables docs/design.md carries
  tests/modgraph.py --check    exits 1, naming them, when modules circle
  tests/modgraph.py --rev REV  reads the tree at git revision REV
"""
import argparse
import collections
import re
import subprocess
import sys

TREES = {
    'server': ('server/', 'schema/'),
    'client': ('client-lib/src/', 'schema/'),
}
SOURCE = re.compile(r'\.(c|h|inc|inl)$')


def tracked(rev, dirs):
    cmd = ['git', 'ls-tree', '-r', '--name-only', rev, *dirs] if rev else ['git', 'ls-files', *dirs]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
    # mbedTLS's alternative-implementation headers sit under tls/ but are
    # mbedTLS's interface, not the project's.
    return [f for f in out if SOURCE.search(f) and '/mbedtls_alt/' not in f]


def text(rev, path):
    if rev:
        return subprocess.run(['git', 'show', f'{rev}:{path}'], capture_output=True, text=True).stdout
    with open(path, encoding='utf-8') as f:
        return f.read()


def module(path):
    if path.startswith('schema/'):
        return 'schema'
    if path.startswith('server/tls/'):
        return 'tls'
    stem = SOURCE.sub('', path.rsplit('/', 1)[-1])
    return re.split(r'[_-]', stem)[0]


def graph(rev, tree):
    files = tracked(rev, TREES[tree])
    owner = {f.rsplit('/', 1)[-1]: module(f) for f in files}
    uses, members = collections.defaultdict(set), collections.defaultdict(list)
    for f in files:
        m = module(f)
        members[m].append(f)
        for inc in re.findall(r'#include "([^"]+)"', text(rev, f)):
            other = owner.get(inc.rsplit('/', 1)[-1])
            if other and other != m:
                uses[m].add(other)
    return uses, members


def circles(uses, nodes):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(uses[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return found


def table(tree, uses, members):
    strip = TREES[tree][0]
    rows = [f'| module ({strip}) | files | uses |', '|---|---|---|']
    for m in sorted(members):
        if m == 'schema':
            continue
        names = ' '.join(f'`{f[len(strip):]}`' for f in sorted(members[m]))
        rows.append(f'| {m} | {names} | {" ".join(sorted(uses[m])) or "—"} |')
    return '\n'.join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--rev', help='read the tree at this git revision (default: the working tree)')
    ap.add_argument('--table', action='store_true', help="print docs/design.md's module tables")
    ap.add_argument('--check', action='store_true', help='exit 1 when modules include each other in a circle')
    args = ap.parse_args()
    status = 0
    for tree in TREES:
        uses, members = graph(args.rev, tree)
        found = circles(uses, members)
        if args.table:
            print(table(tree, uses, members))
            print()
            continue
        if not args.check:
            print(f'# {tree}')
            for m in sorted(members):
                if m != 'schema':
                    print(f'{m} -> {" ".join(sorted(uses[m]))}')
        print(f'{tree} circles: ' + ('; '.join(' '.join(c) for c in found) if found else 'none'))
        if found:
            status = 1
    return status if args.check else 0


if __name__ == '__main__':
    sys.exit(main())
