#!/usr/bin/env bash
# testssl.sh against the running server: TLS 1.2 and 1.3 only, AEAD suites
# only, and no finding rated NOT ok or worse.
FN_SUITE=tls
source "$(dirname "$0")/../lib.sh"

# The TLS set-up does not differ between builds and the scan takes a minute
# and a half: it runs with the first build tests/run.sh is given (release in
# make test). The sanitizer build's TLS code meets curl, openssl s_client and
# the client library in every other suite.
run_once_with first "testssl" "the same TLS set-up"

test_testssl_finds_nothing_wrong() {
	command -v testssl >/dev/null || { fail "testssl is not installed (apt-get install testssl.sh)"; return 1; }
	local port=${URL##*:} out=$FN_TMP/testssl.txt
	testssl --quiet --color 0 --warnings off --openssl-timeout 5 --ip one --add-ca "$FN_CA" \
		-p -s -f -S -h -U localhost:"$port" >"$out" 2>&1
	grep -q 'TLS 1.3    offered' "$out" && grep -q 'TLS 1.2    offered' "$out" || { fail "protocols: $(grep 'TLS 1' "$out")"; return 1; }
	grep -qE 'TLS 1.1    (not offered|offered \(deprecated\))' "$out" && ! grep -q 'TLS 1.1    offered' "$out" || { fail "TLS 1.1 offered"; return 1; }
	grep -q 'Obsolete CBC ciphers (AES, ARIA etc.)         not offered' "$out" || { fail "CBC suites offered"; return 1; }
	local bad
	bad=$(grep -E 'NOT ok|VULNERABLE|CRITICAL' "$out")
	[ -z "$bad" ] || { fail "findings: $bad"; return 1; }
	sed -n '/Testing protocols/,/Testing server defaults/p' "$out" | grep -E 'offered' | sed 's/^/    /'
}

run_suite
