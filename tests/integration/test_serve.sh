#!/usr/bin/env bash
# serve --listen (issue 9, "serve --listen"): a bare port or ":PORT" means
# 127.0.0.1, the banner prints a URL that works, a non-loopback address is
# announced loudly before anything else, and errors name the port plainly.
FN_SUITE=serve
source "$(dirname "$0")/../lib.sh"

# start_with LISTEN: fn_start with that --listen; checks the banner's URL.
start_with() {
	fn_start --listen "$1" || return 1
	local banner
	banner=$(grep 'serving' "$FN_TMP/out")
	echo "$banner" | grep -qE 'serving https://127\.0\.0\.1:[0-9]+ \(store' || { fail "banner: $banner"; fn_stop; return 1; }
	PORT=${URL##*:}
}

# Only 127.0.0.1 answers: 127.0.0.2 is another loopback address, so a
# server bound to every interface would answer there too.
bound_to_127_0_0_1_only() {
	curl -sS --cacert "$FN_CA" --max-time 5 -o /dev/null "https://localhost:$PORT/healthz" || { fail "no answer on 127.0.0.1"; return 1; }
	if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.2", int(sys.argv[1])), 2)' "$PORT" 2>/dev/null; then
		fail "the server also answers on 127.0.0.2"
		return 1
	fi
}

test_bare_port_means_loopback() {
	start_with 0 || return 1
	bound_to_127_0_0_1_only; local rc=$?
	fn_stop && return $rc
}

test_colon_port_means_loopback() {
	start_with :0 || return 1
	bound_to_127_0_0_1_only; local rc=$?
	fn_stop && return $rc
}

test_non_loopback_is_announced() {
	# An unreadable certificate stops the server before it binds anything,
	# so no port is opened beyond loopback; the warning comes first.
	"$FN_BIN" serve --data "$FN_TMP/data" --listen 0.0.0.0:0 --cert /nonexistent.crt \
		--key certs/dev/server.key >"$FN_TMP/o" 2>"$FN_TMP/e" && { fail "started"; return 1; }
	grep -q 'WARNING: serving on https://0.0.0.0:0, reachable from every network' "$FN_TMP/e" ||
		{ fail "no warning: $(cat "$FN_TMP/e")"; return 1; }
	"$FN_BIN" serve --data "$FN_TMP/data" --listen 127.0.0.1:0 --cert /nonexistent.crt \
		--key certs/dev/server.key >"$FN_TMP/o" 2>"$FN_TMP/e"
	! grep -q WARNING "$FN_TMP/e" || fail "warned about loopback: $(cat "$FN_TMP/e")"
}

test_bad_listen_values_are_refused() {
	local v
	for v in 8443s host.example:8443 70000 '::1:8443'; do
		"$FN_BIN" serve --data "$FN_TMP/data" --listen "$v" >"$FN_TMP/o" 2>"$FN_TMP/e"
		[ $? -eq 2 ] || { fail "--listen $v: not a usage error: $(cat "$FN_TMP/e")"; return 1; }
		grep -q "listen '$v'" "$FN_TMP/e" || { fail "--listen $v: $(cat "$FN_TMP/e")"; return 1; }
	done
}

test_port_in_use_names_the_port_plainly() {
	start_with 0 || return 1
	local port=$PORT pid=$FN_PID
	"$FN_BIN" serve --data "$FN_TMP/data" --listen "$port" --cert certs/dev/server.crt \
		--key certs/dev/server.key >"$FN_TMP/o" 2>"$FN_TMP/e" && { fail "second server started"; fn_stop; return 1; }
	fn_stop
	grep -q "127.0.0.1:$port" "$FN_TMP/e" && ! grep -q "${port}s" "$FN_TMP/e" ||
		{ fail "message: $(cat "$FN_TMP/e")"; return 1; }
}

# init creates the parents of --data (issue 10, "The first hour").
test_init_creates_missing_parents() {
	local d=$FN_TMP/new/deeper/store
	"$FN_BIN" init --data "$d" >"$FN_TMP/o" 2>"$FN_TMP/e" || { fail "init: $(cat "$FN_TMP/e")"; return 1; }
	[ -f "$d/data.mdb" ] || { fail "no store in $d"; return 1; }
	[ "$(stat -c %a "$d")" = 700 ] || fail "store directory mode $(stat -c %a "$d"), expected 700"
}

# A server key others can read is refused before anything is served, with
# the file and the fix named.
test_key_readable_by_others_is_refused() {
	local k=$FN_TMP/open.key mode
	for mode in 644 640 604; do
		cp certs/dev/server.key "$k" && chmod $mode "$k"
		timeout 20 "$FN_BIN" serve --data "$FN_TMP/data" --listen 127.0.0.1:0 --cert certs/dev/server.crt \
			--key "$k" >"$FN_TMP/o" 2>"$FN_TMP/e" && { fail "served with a mode $mode key"; return 1; }
		grep -q "$k" "$FN_TMP/e" && grep -q "chmod 600 $k" "$FN_TMP/e" ||
			{ fail "mode $mode: message: $(cat "$FN_TMP/e")"; return 1; }
		grep -q serving "$FN_TMP/o" && { fail "banner printed"; return 1; }
	done
	return 0
}

fn_store "$FN_TMP/data" >/dev/null || { fn_record store 1; exit 0; }
run_tests
