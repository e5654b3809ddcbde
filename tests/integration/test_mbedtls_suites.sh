#!/usr/bin/env bash
# mbedTLS's own test suites, built against mbedTLS as fieldnote builds it
# (.ci/deps.sh: GCM from libgcrypt through server/tls/mbedtls_alt, Everest
# x25519, the local patches, the CPU flags): gcm and cipher.gcm always;
# psa_crypto (AEAD among the rest) and ssl with SOAK=1 (make soak). Then
# tests/integration/mbedtls_x25519.c, for what those suites cannot see (the
# build's features, and that x25519 key shares stay off the generic ladder).
# The suites are compiled once into build/deps/mbedtls/tests and rebuilt by
# mbedTLS's Makefile when the library changes; a suite that runs no case, or
# skips them all, is a FAIL.
FN_SUITE=mbedtls
source "$(dirname "$0")/../lib.sh"

MBED=$FN_TOP/build/deps/mbedtls
# Every build of fieldnote links this one mbedTLS (build/deps), so its own
# suites say the same thing each time: they run with the first build that
# tests/run.sh is given (the release build in make test), once.
run_once_with first "mbedTLS's suites" "the same library"
SUITES="gcm.aes128_de gcm.aes128_en gcm.aes192_de gcm.aes192_en gcm.aes256_de gcm.aes256_en
	gcm.camellia gcm.misc cipher.gcm"
[ -n "${SOAK:-}" ] && SUITES="$SUITES psa_crypto ssl"

build_suites() {
	local targets=() s
	for s in $SUITES; do targets+=("test_suite_$s"); done
	# -lgcrypt after mbedTLS's libraries: its GCM is ours (gcm_alt.h).
	nice -n 5 make -s -C "$MBED/tests" CFLAGS="$(cat "$MBED/.cflags")" LDFLAGS=-lgcrypt \
		"${targets[@]}" >"$FN_TMP/build.log" 2>&1
}

# run_suite_bin NAME: runs tests/test_suite_NAME from its directory (it
# reads its .datax there); PASS when it passes with at least one case run.
run_suite_bin() {
	local s=$1 out=$FN_TMP/$1.out rc=0 line total skipped
	( cd "$MBED/tests" && "./test_suite_$s" ) >"$out" 2>&1 || rc=$?
	line=$(grep -E '^(PASSED|FAILED) \(' "$out" | tail -n1)
	total=$(sed -n 's/^[A-Z]* ([0-9]* \/ \([0-9]*\) tests.*/\1/p' <<<"$line")
	skipped=$(sed -n 's/.*(\([0-9]*\) skipped).*/\1/p' <<<"$line")
	if [ $rc -eq 0 ] && [[ $line == PASSED* ]] && [ -n "$total" ] && [ "$total" -gt "${skipped:-0}" ]; then
		result PASS "suite_$s"
		echo "    $line"
	else
		result FAIL "suite_$s"
		echo "    status $rc: ${line:-no summary line}"
		grep -E 'FAILED|Assertion|line [0-9]' "$out" | head -20 | sed 's/^/    /'
	fi
}

x25519_check() {
	local bin=$FN_TMP/mbedtls_x25519
	if ! cc -std=c11 -O2 -Wall -Wextra -Werror -I"$MBED/include" -o "$bin" \
		tests/integration/mbedtls_x25519.c \
		-Wl,--wrap=mbedtls_ecp_mul,--wrap=mbedtls_ecp_mul_restartable \
		"$MBED/library/libmbedcrypto.a" -lgcrypt 2>"$FN_TMP/x.err"; then
		sed 's/^/    /' "$FN_TMP/x.err" | head -20
		result FAIL x25519_everest_and_features
		return
	fi
	if "$bin" >"$FN_TMP/x.out" 2>&1; then
		result PASS x25519_everest_and_features
	else
		sed 's/^/    /' "$FN_TMP/x.out" | head -20
		result FAIL x25519_everest_and_features
	fi
}

start=$(date +%s)
if [ ! -f "$MBED/.cflags" ]; then
	echo "    build/deps/mbedtls is not configured by .ci/deps.sh"
	result FAIL build_suites
elif ! build_suites; then
	tail -30 "$FN_TMP/build.log" | sed 's/^/    /'
	result FAIL build_suites
else
	echo "    suites built or up to date in $(($(date +%s) - start)) s"
	for s in $SUITES; do run_suite_bin "$s"; done
fi
x25519_check
echo "    $(($(date +%s) - start)) s in all"
