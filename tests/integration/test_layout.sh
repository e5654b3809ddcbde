#!/usr/bin/env bash
# The shape of the tree, as issue 15 left it: no file over 600 lines, no two
# modules including each other, presence bits set one way, and the docs'
# layout (README) and module tables (docs/design.md) matching the files.
# No server is started; each test reads the files git tracks.
FN_SUITE=layout
source "$(dirname "$0")/../lib.sh"

# Every text file git tracks; lock files and encoded test vectors are data.
test_no_file_over_600_lines() {
	git ls-files -z | python3 -c '
import re, sys
bad = []
for f in sys.stdin.read().split("\0"):
    if not f or re.search(r"(^|/)package-lock\.json$|\.(msgpack|png|jpe?g)$", f):
        continue
    try:
        data = open(f, "rb").read()
    except (FileNotFoundError, IsADirectoryError):
        continue
    if b"\0" not in data and data.count(b"\n") > 600:
        bad.append(f"    {f}: {data.count(chr(10).encode())} lines")
if bad:
    print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)'
}

test_modules_do_not_include_each_other_in_a_circle() {
	local out
	out=$(python3 tests/modgraph.py --check) || { fail "$out"; return 1; }
}

# docs/design.md carries tests/modgraph.py --table between two markers.
test_design_module_tables_match_the_files() {
	python3 tests/modgraph.py --table >"$FN_TMP/want" || return 1
	sed -n '/<!-- modules:begin -->/,/<!-- modules:end -->/p' docs/design.md | sed '1d;$d' >"$FN_TMP/have"
	[ -s "$FN_TMP/have" ] || { fail "docs/design.md has no modules:begin/end block"; return 1; }
	diff <(sed '/^$/d' "$FN_TMP/have") <(sed '/^$/d' "$FN_TMP/want") >"$FN_TMP/diff" ||
		{ fail "docs/design.md's module tables differ from tests/modgraph.py --table:"; sed 's/^/      /' "$FN_TMP/diff" | head -20 >&2; return 1; }
}

# Every directory git tracks, one or two levels down, starts a line of the
# README's layout block, and every directory named there exists.
test_readme_layout_names_every_directory() {
	sed -n '/^## Layout/,/^## /p' README.md | sed -n '/^```$/,/^```$/p' |
		grep -oE '^[.a-z][a-z_.-]*/([a-z_.-]+/)?' | sort -u >"$FN_TMP/named"
	git ls-files | awk -F/ 'NF > 1 { print $1 "/" } NF > 2 { print $1 "/" $2 "/" }' | sort -u >"$FN_TMP/dirs"
	local missing extra
	missing=$(comm -23 "$FN_TMP/dirs" "$FN_TMP/named")
	extra=$(comm -13 "$FN_TMP/dirs" "$FN_TMP/named")
	[ -s "$FN_TMP/named" ] || { fail "README.md has no layout block"; return 1; }
	[ -z "$missing" ] || fail "README layout leaves out: $(echo $missing)"
	[ -z "$extra" ] || fail "README layout names what git does not track: $(echo $extra)"
	[ -z "$missing$extra" ]
}

# schema/records.h's SC_SET / SC_BIT / SC_ALL macros are the one way to
# set presence bits; a hand-made mask elsewhere drifts when fields move.
test_presence_bits_only_through_the_macros() {
	local hits
	hits=$(git grep -nE '~0ull >> \(64 - SC_NF_|1ull << SC_F_' -- server client-lib schema tests ':!schema/records.h' ':!tests/integration/test_layout.sh')
	[ -z "$hits" ] || { fail "hand-made presence masks:"; echo "$hits" | sed 's/^/      /' | head -20 >&2; return 1; }
}

run_tests
