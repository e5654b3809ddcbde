#!/usr/bin/env bash
# libfieldnote as shipped: its unit tests, the exported symbols, a self-contained header, and the
# README's example built through pkg-config (shared and static) against an installed copy.
FN_SUITE=client_build
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/test_client.inc"

LIB=$FN_TOP/$FN_BUILD/lib
SANITIZED=
[ "$FN_BUILD" != build ] && SANITIZED=1

# The client's own unit-test binary, one result line per case.
unit_tests() {
	local out=$FN_TMP/unit.out rc=0
	"$FN_TOP/$FN_BUILD/bin/client-unit-tests" >"$out" 2>"$FN_TMP/unit.err" || rc=$?
	grep -E '^(PASS|FAIL) ' "$out" | while read -r st name; do
		echo "  $st $name"
		echo "$st client_unit/${name#client/}" >>"$FN_RESULTS"
	done
	grep -q . "$FN_TMP/unit.err" && sed 's/^/    /' "$FN_TMP/unit.err" | head -30
	if [ $rc -gt 1 ] || ! grep -q ' passed, ' "$out"; then
		echo "  FAIL client-unit-tests (crashed, status $rc)"
		echo "FAIL client_unit/runner" >>"$FN_RESULTS"
	fi
}

# The public API: the FN_API functions fieldnote.h declares.
public_names() {
	grep -o 'FN_API [^(]*(' client-lib/include/fieldnote.h | grep -o 'fn_[a-z0-9_]*' | sort -u
}

# Prints the names in file $1 that fieldnote.h does not declare.
undeclared() {
	grep -vxF -f "$FN_TMP/public" "$1" | grep -v '^LIBFIELDNOTE_1$'
}

test_libraries_export_only_the_public_api() {
	local bad
	[ "$(readelf -d "$LIB/libfieldnote.so.1" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" = libfieldnote.so.1 ] ||
		{ fail "soname"; return 1; }
	[ "$(readlink "$LIB/libfieldnote.so")" = libfieldnote.so.1 ] || { fail "libfieldnote.so link"; return 1; }
	public_names >"$FN_TMP/public"
	grep -q '^fn_sync_run$' "$FN_TMP/public" || { fail "no public names read from fieldnote.h"; return 1; }
	nm -D --defined-only "$LIB/libfieldnote.so.1" | awk '$2 ~ /[TDBRVWiu]/ {print $3}' | sed 's/@.*//' | sort -u >"$FN_TMP/syms"
	bad=$(undeclared "$FN_TMP/syms" | head -5)
	[ -z "$bad" ] || { fail "libfieldnote.so exports names fieldnote.h does not declare: $bad"; return 1; }
	# The static library: one object whose only global definitions are the
	# public API (internal fn_ names included: they are not API).
	nm --defined-only -g "$LIB/libfieldnote.a" 2>/dev/null | awk 'NF==3 {print $3}' | sort -u >"$FN_TMP/asyms"
	bad=$(undeclared "$FN_TMP/asyms" | head -8)
	[ -z "$bad" ] || { fail "libfieldnote.a defines globally names fieldnote.h does not declare: $bad"; return 1; }
	# Every function in the header is exported by both.
	local f
	for f in $(cat "$FN_TMP/public"); do
		grep -qx "$f" "$FN_TMP/syms" || { fail "$f declared but not exported by the .so"; return 1; }
		grep -qx "$f" "$FN_TMP/asyms" || { fail "$f declared but not defined globally by the .a"; return 1; }
	done
}

# Every function the client's objects define globally is either public
# API or carries the internal prefix fni_ (client-lib/src/client.h), as
# curl's Curl_ beside curl_: client-lib/tools/rename-internal.sh renames.
test_internal_functions_have_the_internal_prefix() {
	local bad
	public_names >"$FN_TMP/public"
	bad=$(nm -g --defined-only "$FN_TOP/$FN_BUILD"/obj/fnclient/src/*.o | awk 'NF==3 {print $3}' | sort -u |
		grep -vxF -f "$FN_TMP/public" | grep -v '^fni_' | head -8)
	[ -z "$bad" ] || fail "internal functions without the fni_ prefix: $(echo $bad)"
}

# Each private header compiles on its own (it includes what it uses), so a
# file can include just the ones it needs (client-lib/src/client.h lists
# them); and only net.h and store.h bring in mbedTLS or LMDB.
test_private_headers_are_self_contained() {
	local h out=$FN_TMP/hdr
	for h in client-lib/src/*.h; do
		printf '#include "%s"\n' "${h##*/}" >"$out.c"
		cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$FN_TOP/build/deps/mbedtls/include" -Ischema \
			-Iclient-lib/include -Iclient-lib/src -DFN_BUILDING_LIBRARY -fsyntax-only "$out.c" 2>"$out.err" ||
			{ fail "$h does not compile on its own: $(head -3 "$out.err")"; return 1; }
	done
	h=$(grep -l '#include <\(mbedtls\|psa\)/\|#include <lmdb.h>' client-lib/src/*.h | grep -v -e '/net.h$' -e '/store.h$')
	[ -z "$h" ] || fail "mbedTLS or LMDB included by $h"
}

# The server's stored-only records (users with password hashes, tokens,
# note heads: server/stored.h) are not compiled into the handheld library.
test_library_carries_no_server_records() {
	local found
	found=$(strings "$LIB/libfieldnote.a" "$LIB/libfieldnote.so.1" | grep -E 'password_hash|user_record|token_record|note_head' | sort -u | head -3)
	[ -z "$found" ] || fail "server-only records in libfieldnote: $found"
}

test_header_is_self_contained_c99() {
	printf '#include <fieldnote.h>\nint main(void) { enum fn_status s = FN_WRONG_KEY; fn_options o; fn_options_init(&o); return s == 25 && o.size == sizeof o ? 0 : 1; }\n' >"$FN_TMP/h.c"
	cc -std=c99 -pedantic -Wall -Wextra -Werror -Iclient-lib/include -c "$FN_TMP/h.c" -o "$FN_TMP/h.o" ||
		fail "fieldnote.h does not compile on its own as C99"
}

# install_copy: make install-client into a scratch DESTDIR.
install_copy() {
	DEST=$FN_TMP/dest
	make -s --no-print-directory install-client BUILD="$FN_BUILD" PREFIX=/usr DESTDIR="$DEST" >"$FN_TMP/install.log" 2>&1 ||
		{ fail "install-client: $(tail -5 "$FN_TMP/install.log")"; return 1; }
	export PKG_CONFIG_PATH=$DEST/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$DEST
	sed -n '/^```c$/,/^```$/p' client-lib/README.md | sed '1d;$d' >"$FN_TMP/app.c"
	grep -q fn_sync_run "$FN_TMP/app.c" || { fail "no example in the README"; return 1; }
}

test_readme_example_builds_with_pkg_config_and_runs() {
	if [ -n "$SANITIZED" ]; then
		echo "    (release build only: an app is not built with the sanitizers)" >&2
		return 0
	fi
	install_copy || return 1
	[ -f "$DEST/usr/include/fieldnote.h" ] && [ -f "$DEST/usr/lib/libfieldnote.a" ] || { fail "install layout"; return 1; }
	# shared, through pkg-config, run from the installed copy
	cc -Wall -Wextra -Werror -o "$FN_TMP/app" "$FN_TMP/app.c" $(pkg-config --cflags --libs fieldnote) ||
		{ fail "shared build: $(pkg-config --cflags --libs fieldnote)"; return 1; }
	LD_LIBRARY_PATH=$DEST/usr/lib "$FN_TMP/app" "$FN_TMP/app-store" >"$FN_TMP/app.out" 2>&1 ||
		{ fail "example (offline): $(cat "$FN_TMP/app.out")"; return 1; }
	grep -q '"state":"queued"' "$FN_TMP/app.out" || { fail "example outbox: $(cat "$FN_TMP/app.out")"; return 1; }
	ldd "$FN_TMP/app" | grep -q "$DEST/usr/lib/libfieldnote.so.1" ||
		LD_LIBRARY_PATH=$DEST/usr/lib ldd "$FN_TMP/app" | grep -q "$DEST/usr/lib/libfieldnote.so.1" ||
		{ fail "not linked to the installed library"; return 1; }
	# static, with the private dependencies from pkg-config
	cc -Wall -Wextra -Werror -o "$FN_TMP/app-static" "$FN_TMP/app.c" $(pkg-config --cflags fieldnote) \
		"$DEST/usr/lib/libfieldnote.a" $(pkg-config --static --libs-only-l fieldnote | sed 's/-lfieldnote//') ||
		{ fail "static build"; return 1; }
	ldd "$FN_TMP/app-static" | grep -q libfieldnote && { fail "static app still wants the .so"; return 1; }
	# online: the same program signs in and syncs with the real server
	FN_PASSWORD=$PW_OFFICER "$FN_TMP/app-static" "$FN_TMP/app-store" "$URL" "$FN_CA" officer1 >"$FN_TMP/app.out" 2>&1 ||
		{ fail "example (online): $(cat "$FN_TMP/app.out")"; return 1; }
	grep -q '^sync: OK .*"pushed":2' "$FN_TMP/app.out" || { fail "example sync: $(cat "$FN_TMP/app.out")"; return 1; }
	grep -q under-18-place-of-safety "$FN_TMP/app.out" || fail "example guidance search: $(cat "$FN_TMP/app.out")"
}

test_device_links_only_the_public_library() {
	# fieldnote-device is an app like any other: the .so, nothing internal.
	local u
	u=$(nm -D --undefined-only "$FN_TOP/$FN_BUILD/bin/fieldnote-device" | awk '{print $2}' | grep -E '^(sc_|mdb_|mbedtls_|msgpack_|json_)' | head -3)
	[ -z "$u" ] || fail "the device reaches past the public API: $u"
}

unit_tests
trap 'proxy_stop; cleanup' EXIT
run_suite
