#!/usr/bin/env bash
# tests/run.sh BUILD_DIR... - the one test entry point: for each build
# (normal, then sanitizers) runs the unit-test runner and every integration
# test, printing PASS/FAIL per test and one closing "N passed, N failed" line.
#
# The builds' passes run side by side (most of a test's time is spent
# waiting on a server, a handshake or a child process, so two passes share
# two cores well): the first build's output streams, the others' follow when
# it ends. FN_TEST_SERIAL=1 runs them one after another instead;
# FN_ONLY="serve demo" runs only those integration suites.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
work=$(mktemp -d /tmp/fieldnote-run.XXXXXX)
trap 'rm -rf "$work"' EXIT

# record LABEL NAME STATUS: one result line for the summary.
record() { echo "$([ "$3" -eq 0 ] && echo PASS || echo FAIL) $1/$2" >>"$results"; }

# pass BUILD: every test with one build; results in $results.
pass() {
	local build=$1 label out rc t res start st name
	label=$(basename "$build")
	[ "$build" = build ] && label=release
	echo "== unit tests ($label)"
	out=$(mktemp -p "$work")
	"$build/bin/unit-tests" >"$out" 2>"$out.err"
	rc=$?
	grep -E '^(PASS|FAIL) ' "$out" | sed "s/^/  /"
	grep -q . "$out.err" && sed 's/^/    /' "$out.err" | head -50
	while read -r st name; do
		record "$label" "unit/$name" "$([ "$st" = PASS ] && echo 0 || echo 1)"
	done < <(grep -E '^(PASS|FAIL) ' "$out")
	if [ $rc -gt 1 ] || ! grep -q ' passed, ' "$out"; then
		record "$label" "unit (runner crashed, status $rc)" 1
	fi

	for t in tests/integration/test_*.sh; do
		[ -z "${FN_ONLY:-}" ] || [[ " $FN_ONLY " == *" $(basename "$t" .sh | sed 's/^test_//') "* ]] || continue
		echo "== $(basename "$t" .sh) ($label)"
		res=$(mktemp -p "$work")
		start=$SECONDS
		FN_BUILD=$build FN_FIRST_BUILD=$first FN_LAST_BUILD=$last FN_RESULTS=$res bash "$t"
		echo "   ($((SECONDS - start)) s)"
		while read -r st name; do
			case $st in PASS | FAIL) echo "$st $label/$name" >>"$results" ;; esac
		done <"$res"
	done
}

first=$1
# Suites that run once go with the first build (tls, java, mbedtls_suites)
# or, to even out the passes' times, the last (client_arm64).
last=${!#}
start=$SECONDS
pids=()
i=0
for build in "$@"; do
	i=$((i + 1))
	results=$work/results.$i
	: >"$results"
	if [ -n "${FN_TEST_SERIAL:-}" ]; then
		pass "$build"
	elif [ $i -gt 1 ]; then
		pass "$build" >"$work/output.$i" 2>&1 &
		pids+=($!)
	fi
done
if [ -z "${FN_TEST_SERIAL:-}" ]; then
	results=$work/results.1
	pass "$first"
	# The first pass streamed; the others' output follows, in order.
	i=1
	for pid in "${pids[@]}"; do
		i=$((i + 1))
		wait "$pid"
		cat "$work/output.$i"
	done
fi

passed=$(cat "$work"/results.* | grep -c '^PASS ')
failed=$(cat "$work"/results.* | grep -c '^FAIL ')
if [ "$failed" -gt 0 ]; then
	echo "== failed:"
	cat "$work"/results.* | sed -n 's/^FAIL /  /p'
fi
echo "   (all tests: $((SECONDS - start)) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
