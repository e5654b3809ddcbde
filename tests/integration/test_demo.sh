#!/usr/bin/env bash
# `make run`'s script (server/demo.sh) as a new operator meets it: the first
# run creates a store and prints passwords and a sign-in pipeline that works;
# the pipeline fails cleanly on a wrong password; a second run while the
# first is serving refuses before touching the store, and says how to pick
# another port or store.
FN_SUITE=demo
source "$(dirname "$0")/../lib.sh"

DEMO_PID=
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
export FN_DATA=$FN_TMP/demo/data FN_LISTEN=127.0.0.1:$PORT
OUT1=$FN_TMP/demo1.out

start_demo() {
	server/demo.sh "$FN_BUILD" >"$OUT1" 2>&1 &
	DEMO_PID=$!
	local i
	for i in $(seq 1 300); do
		grep -q 'serving https://' "$OUT1" && return 0
		kill -0 "$DEMO_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "demo.sh did not start: $(tail -5 "$OUT1")"
}

# The banner's sign-in lines, with PASSWORD replaced, run by bash.
pipeline() { # password
	sed -n '/^  TOKEN=/,/^  \[ -n/p' "$OUT1" | sed "s/PASSWORD/$1/" >"$FN_TMP/pipe.sh"
	echo 'echo "TOKEN=$TOKEN"' >>"$FN_TMP/pipe.sh"
	bash "$FN_TMP/pipe.sh" 2>&1
}

test_first_run_prints_passwords_and_serves() {
	grep -q 'officer1 .*password: ' "$OUT1" || { fail "no password printed: $(head -20 "$OUT1")"; return 1; }
	grep -q "serving https://127.0.0.1:$PORT " "$OUT1" || { fail "banner: $(grep serving "$OUT1")"; return 1; }
}

test_sign_in_pipeline_works() {
	local pw out
	pw=$(sed -n 's/^  officer1 .*password: //p' "$OUT1")
	out=$(pipeline "$pw")
	[[ "$out" == *TOKEN=?* ]] && [[ "$out" != *"TOKEN="$'\n'* ]] || { fail "no token: $out"; return 1; }
	[[ "$out" != *refused* ]] || { fail "$out"; return 1; }
}

test_sign_in_pipeline_fails_cleanly_on_a_wrong_password() {
	local out
	out=$(pipeline not-the-password)
	[[ "$out" == *"sign-in refused"* ]] || { fail "no clear refusal: $out"; return 1; }
	[[ "$out" != *Traceback* ]] || { fail "a traceback: $out"; return 1; }
}

test_second_run_refuses_before_touching_the_store() {
	local before after out rc=0
	before=$(stat -c %Y "$FN_DATA/data.mdb")
	out=$(timeout 20 server/demo.sh "$FN_BUILD" 2>&1) || rc=$?
	after=$(stat -c %Y "$FN_DATA/data.mdb")
	[ "$rc" = 1 ] || { fail "second run exited $rc: $out"; return 1; }
	[[ "$out" == *"already listening on 127.0.0.1:$PORT"* ]] || { fail "no port message: $out"; return 1; }
	[[ "$out" == *FN_LISTEN=* ]] || { fail "does not say how to pick another port: $out"; return 1; }
	[[ "$out" != *password:* && "$out" != *imported* && "$out" != *Sign\ in* ]] || { fail "printed the banner or imported: $out"; return 1; }
	[ "$before" = "$after" ] || { fail "the store was written"; return 1; }
}

test_second_run_on_another_port_refuses_the_open_store() {
	local out rc=0
	out=$(FN_LISTEN=127.0.0.1:$(free_port) timeout 20 server/demo.sh "$FN_BUILD" 2>&1) || rc=$?
	[ "$rc" = 1 ] || { fail "exited $rc: $out"; return 1; }
	[[ "$out" == *"is open in process"* && "$out" == *FN_DATA=* ]] || { fail "no store message: $out"; return 1; }
}

if start_demo; then
	fn_record start 0
	run_tests
else
	fn_record start 1
fi
if [ -n "$DEMO_PID" ]; then
	# demo.sh execs the server: SIGTERM reaches it directly.
	kill -TERM "$DEMO_PID" 2>/dev/null
	rc=0
	wait "$DEMO_PID" || rc=$?
	fn_record clean_shutdown $rc
fi
