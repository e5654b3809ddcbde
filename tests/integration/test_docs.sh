#!/usr/bin/env bash
# The settings' defaults are written once, in server/config.c's table;
# `fieldnote config sample` prints them. README.md's settings tables must
# agree with it (a default changed in the table and not in the README, or
# the reverse, fails here). No server is started.
FN_SUITE=docs
source "$(dirname "$0")/../lib.sh"

# Every README table row "| `name` | default ..." whose name is a setting:
# its default (the cell's first word) must be the sample's.
test_readme_defaults_match_config_sample() {
	"$FN_BUILD/bin/fieldnote" config sample >"$FN_TMP/sample" || { fail "config sample failed"; return 1; }
	python3 - README.md "$FN_TMP/sample" <<'PY'
import re, sys
readme, sample = open(sys.argv[1]).read(), open(sys.argv[2]).read()
defaults = dict(re.findall(r'^#(\w+) = (.*)$', sample, re.M))
rows = re.findall(r'^\| `(\w+)` \| ([^|]*) \|', readme, re.M)
checked, bad = 0, []
for name, cell in rows:
    if name not in defaults:
        continue
    checked += 1
    first = cell.strip().split(' ')[0].strip('`')
    if first != defaults[name]:
        bad.append(f"{name}: README says {first!r}, config sample {defaults[name]!r}")
for b in bad:
    print("    " + b, file=sys.stderr)
if checked == 0:
    print("    no README row names a setting (the table format changed?)", file=sys.stderr)
sys.exit(1 if bad or checked == 0 else 0)
PY
}

run_tests
