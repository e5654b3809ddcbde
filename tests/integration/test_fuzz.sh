#!/usr/bin/env bash
# The short fuzz run for `make test`: tests/fuzz/run.sh for about 20 seconds
# (libFuzzer, clang-14, ASan + UBSan on the schema decoders); passes when it
# finds nothing. The fuzz build has its own sanitizers, so it runs once, in
# the release pass; `make fuzz` is the long run.
FN_SUITE=fuzz
source "$(dirname "$0")/../lib.sh"

FUZZ_SECONDS=${FUZZ_SECONDS:-20}

test_fuzz_decode() {
	local out=$FN_TMP/fuzz.out rc=0
	tests/fuzz/run.sh "$FUZZ_SECONDS" >"$out" 2>&1 || rc=$?
	grep -E '^fuzz: (fuzz_decode:|clang-14)' "$out" | sed 's/^/    /'
	grep -A20 'clang-14 warnings' "$out" | grep '^  ' | sed 's/^/  /'
	if [ $rc -ne 0 ]; then
		sed 's/^/    /' "$out" | tail -60 >&2
		fail "tests/fuzz/run.sh $FUZZ_SECONDS exited with status $rc"
		return 1
	fi
}

# The attachment upload's headers and file walkers (issue 16).
test_fuzz_attach() {
	local out=$FN_TMP/fuzz-attach.out rc=0
	tests/fuzz/run_attach.sh "${FUZZ_ATTACH_SECONDS:-10}" >"$out" 2>&1 || rc=$?
	grep '^fuzz: fuzz_attach:' "$out" | sed 's/^/    /'
	if [ $rc -ne 0 ]; then
		sed 's/^/    /' "$out" | tail -40 >&2
		fail "tests/fuzz/run_attach.sh exited with status $rc"
		return 1
	fi
}

if [ "$FN_BUILD" = build ]; then
	run_tests
else
	echo "  fuzz: runs once, in the release pass (its build has its own ASan + UBSan); nothing to do for $FN_BUILD"
fi
