#!/usr/bin/env bash
# libfieldnote on arm64 (issue 14, "Handhelds are ARM"): make CROSS=aarch64-linux-gnu- builds the client into
# build/arm64 (its own mbedTLS, Debian's arm64 LMDB/msgpack/jansson); under qemu-aarch64 the client unit tests
# pass and fieldnote-device signs in, saves and syncs against this (x86) server. The toolchain comes from
# .ci/cross-arm64.sh; when it cannot be installed that is a FAIL, loudly, not a skip. Runs with the last build
# tests/run.sh is given only (FN_LAST_BUILD): the arm64 build is one, whatever the host build's flags, and the
# first build's pass already carries the other run-once suites (testssl, Java).
FN_SUITE=client_arm64
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/test_client.inc"

run_once_with last "the arm64 client" "one arm64 build"
CROSS=aarch64-linux-gnu-
ARM=build/arm64

# make test starts the toolchain install and the arm64 build at its outset
# (tests/prepare-arm64.sh); wait for them, then the steps below are quick.
tests/prepare-arm64.sh wait
if ! tools_locked .ci/cross-arm64.sh >"$FN_TMP/cross.log" 2>&1; then
	result FAIL toolchain
	echo "    ********************************************************************" >&2
	echo "    ** arm64 NOT TESTED: the cross toolchain or qemu-user could not be  **" >&2
	echo "    ** installed (.ci/cross-arm64.sh):                                  **" >&2
	sed 's/^/    ** /' "$FN_TMP/cross.log" | tail -5 >&2
	echo "    ********************************************************************" >&2
	exit 0
fi
# Only the client: library, device and unit tests (no server, no shared Java).
if ! nice -n 5 make -s --no-print-directory CROSS=$CROSS BUILD=$ARM client >"$FN_TMP/build.log" 2>&1; then
	result FAIL cross_build
	tail -20 "$FN_TMP/build.log" | sed 's/^/    /' >&2
	exit 0
fi
result PASS cross_build

# arm64 programs run through qemu-user with Debian's multiarch arm64 libc
# and libraries (/lib/ld-linux-aarch64.so.1, /lib/aarch64-linux-gnu), not
# with the cross toolchain's /usr/aarch64-linux-gnu: its loader is another
# glibc build than the multiarch libc.so.6 that ld.so.cache finds, and that
# pair (seen: 2.36-8cross1 with 2.36-9+deb12u14) loops for ever in the
# first pthread_create.
unset QEMU_LD_PREFIX
DEV=$FN_TMP/device-arm64
printf '#!/bin/sh\nexec qemu-aarch64 %s "$@"\n' "$FN_TOP/$ARM/bin/fieldnote-device" >"$DEV"
chmod +x "$DEV"

test_binaries_are_arm64() {
	local f m
	for f in "$ARM/bin/fieldnote-device" "$ARM/bin/client-unit-tests" "$ARM/lib/libfieldnote.so.1" "$ARM/lib/libfieldnote.a"; do
		m=$(readelf -h "$f" 2>/dev/null | sed -n 's/^ *Machine: *//p' | sort -u)
		[ "$m" = AArch64 ] || { fail "$f: machine '$m'"; return 1; }
	done
	# No libgcrypt: the arm64 mbedTLS has its own GCM.
	readelf -d "$ARM/lib/libfieldnote.so.1" | grep -q gcrypt && { fail "libfieldnote.so.1 needs libgcrypt"; return 1; }
	return 0
}

# The client unit tests under qemu, one result per case (client_arm64/unit/NAME).
unit_tests_under_qemu() {
	local out=$FN_TMP/unit.out rc=0
	qemu-aarch64 "$ARM/bin/client-unit-tests" >"$out" 2>"$FN_TMP/unit.err" || rc=$?
	grep -E '^(PASS|FAIL) ' "$out" | while read -r st name; do result "$st" "unit/${name#client/}"; done
	grep -q . "$FN_TMP/unit.err" && sed 's/^/    /' "$FN_TMP/unit.err" | head -20
	if [ $rc -gt 1 ] || ! grep -q ' passed, ' "$out"; then
		result FAIL "unit/runner (status $rc under qemu-aarch64)"
	fi
}

test_device_signin_save_sync_against_x86_server() {
	local id s
	devlogin arm || return 1
	id=$(addnote arm) || return 1
	[ "$(dev arm status | python3 -c 'import json,sys; print(json.load(sys.stdin)["signed_in"])')" = True ] ||
		{ fail "status: $(dev arm status)"; return 1; }
	s=$(dev arm sync) || { fail "sync failed: $s"; return 1; }
	[ "$(summary_get "$s" "j['pushed']")" = 1 ] || { fail "summary: $s"; return 1; }
	[ "$(server_revs "$id")" = 1 ] || { fail "note $id not on the server"; return 1; }
	[ "$(outbox_count arm)" = 0 ] || fail "outbox not empty"
}

unit_tests_under_qemu
run_suite
