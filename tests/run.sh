#!/usr/bin/env bash
# tests/run.sh BUILD_DIR... - the one test entry point: for each build
# (normal, then sanitizers) runs the unit-test runner and every integration
# test, printing PASS/FAIL per test and one closing "N passed, N failed" line.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
passed=0
failed=0
failures=()

count() { # label status
	if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1"); fi
}

for build in "$@"; do
	label=$(basename "$build")
	[ "$build" = build ] && label=release
	echo "== unit tests ($label)"
	out=$(mktemp)
	"$build/bin/unit-tests" >"$out" 2>"$out.err"
	rc=$?
	cat "$out" | grep -E '^(PASS|FAIL) ' | sed "s/^/  /"
	grep -q . "$out.err" && sed 's/^/    /' "$out.err" | head -50
	while read -r st name; do
		case $st in PASS) count "$label/unit/$name" 0 ;; FAIL) count "$label/unit/$name" 1 ;; esac
	done < <(grep -E '^(PASS|FAIL) ' "$out")
	if [ $rc -gt 1 ] || ! grep -q ' passed, ' "$out"; then
		count "$label/unit (runner crashed, status $rc)" 1
	fi
	rm -f "$out" "$out.err"

	for t in tests/integration/test_*.sh; do
		echo "== $(basename "$t" .sh) ($label)"
		res=$(mktemp)
		start=$SECONDS
		FN_BUILD=$build FN_FIRST_BUILD=$1 FN_RESULTS=$res bash "$t"
		echo "   ($((SECONDS - start)) s)"
		while read -r st name; do
			case $st in PASS) count "$label/$name" 0 ;; FAIL) count "$label/$name" 1 ;; esac
		done < "$res"
		rm -f "$res"
	done
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "== failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
