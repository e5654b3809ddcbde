# tests/lib.sh - helpers for integration tests: a real server on an
# ephemeral loopback port, curl against it, and the PASS/FAIL protocol.
# Sourced by tests/integration/test_*.sh; FN_BUILD names the build dir.
set -u
FN_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$FN_TOP"
FN_BUILD=${FN_BUILD:-build}
FN_BIN=$FN_TOP/$FN_BUILD/bin/fieldnote
FN_RESULTS=${FN_RESULTS:-/dev/null}
FN_CA=$FN_TOP/certs/dev/ca.crt
FN_TMP=$(mktemp -d /tmp/fieldnote-test.XXXXXX)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# A version manager's python3 (pyenv, asdf) is a shell-script shim that
# costs ~0.4 s a call, and the tests call python3 thousands of times: put
# the interpreter it resolves to first on PATH, once.
if fn_py_dir=$(python3 -c 'import os, sys; print(os.path.dirname(os.path.realpath(sys.executable)))' 2>/dev/null) &&
	[ "$(command -v python3)" != "$fn_py_dir/python3" ]; then
	PATH=$fn_py_dir:$PATH
fi
FN_PID=
# Low Argon2 costs keep tests fast; the defaults are tested separately.
FN_FAST="--argon2-memory-kib 1024 --argon2-passes 1"
PW_OFFICER=officer-pass-1
PW_SUPER=super-pass-1
PW_ADMIN=admin-pass-1
# fn_start serves /metrics with this bearer token (metrics_token).
FN_METRICS_TOKEN=metrics-token-$RANDOM$RANDOM

cleanup() {
	[ -n "$FN_PID" ] && kill -KILL "$FN_PID" 2>/dev/null
	rm -rf "$FN_TMP"
}
trap cleanup EXIT

fail() { echo "    $*" >&2; return 1; }

# tools_locked CMD...: runs a command that may install packages while
# holding a machine-wide lock, so that two test passes running side by side
# (tests/run.sh) never run apt-get or npm at once.
tools_locked() {
	local rc=0
	exec 9>/tmp/fieldnote-test-tools.lock
	flock 9
	"$@" || rc=$?
	exec 9>&-
	return $rc
}

# run_once_with first|last WHAT WHY: ends a suite that runs once per
# tests/run.sh (with its first build, FN_FIRST_BUILD, or its last,
# FN_LAST_BUILD) on the other builds' passes, printing "(WHAT ran with
# BUILD: WHY)"; nothing is recorded. Run alone, the suite runs.
run_once_with() {
	local once
	if [ "$1" = last ]; then once=${FN_LAST_BUILD:-}; else once=${FN_FIRST_BUILD:-}; fi
	if [ -n "$once" ] && [ "$FN_BUILD" != "$once" ]; then
		echo "  ($2 runs with $once: $3)"
		exit 0
	fi
}

# fn_store DIR: a store with three users and the guidance pack.
fn_store() {
	local d=$1
	"$FN_BIN" init --data "$d" >/dev/null || return 1
	echo "$PW_OFFICER" | "$FN_BIN" user add --data "$d" --username officer1 --role officer --team north --agency police $FN_FAST >/dev/null || return 1
	echo "$PW_SUPER" | "$FN_BIN" user add --data "$d" --username super1 --role supervisor --team north $FN_FAST >/dev/null || return 1
	echo "$PW_ADMIN" | "$FN_BIN" user add --data "$d" --username admin1 --role admin --team ops $FN_FAST >/dev/null || return 1
	"$FN_BIN" guidance import --data "$d" server/guidance-pack/*.md >/dev/null || return 1
}

# fn_store_users "USER PASSWORD ROLE --team|--agency NAME"...: fn_store's
# store in $FN_TMP/data (the one fn_start serves) with these users as well.
fn_store_users() {
	local d=$FN_TMP/data u name pw role opt val
	fn_store "$d" || return 1
	for u in "$@"; do
		read -r name pw role opt val <<<"$u"
		echo "$pw" | "$FN_BIN" user add --data "$d" --username "$name" --role "$role" "$opt" "$val" $FN_FAST >/dev/null ||
			return 1
	done
}

# fn_start [extra serve options]: starts a server on a free port; sets URL.
fn_start() {
	local d=$FN_TMP/data
	[ -d "$d" ] || fn_store "$d" || { echo "    store set-up failed" >&2; return 1; }
	: >"$FN_TMP/out"
	echo 0 >"$FN_TMP/clock"
	FN_TEST_CLOCK_FILE=$FN_TMP/clock "$FN_BIN" serve --data "$d" --listen 127.0.0.1:0 --cert certs/dev/server.crt \
		--key certs/dev/server.key --access-log no --metrics-token "$FN_METRICS_TOKEN" "$@" >"$FN_TMP/out" 2>"$FN_TMP/err" &
	FN_PID=$!
	local i
	for i in $(seq 1 200); do
		if grep -q 'serving https://' "$FN_TMP/out"; then
			URL=$(sed -n 's/.*serving \(https:[^ ]*\).*/\1/p' "$FN_TMP/out")
			URL=${URL/127.0.0.1/localhost}
			return 0
		fi
		kill -0 "$FN_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "    server did not start:" >&2
	cat "$FN_TMP/err" >&2
	return 1
}

# clock_advance SECONDS: moves the running server's clock forward (fn_start
# gives every server a test clock at its real time; server/clock.h).
clock_advance() {
	echo $(($(cat "$FN_TMP/clock") + $1)) >"$FN_TMP/clock.new" && mv "$FN_TMP/clock.new" "$FN_TMP/clock"
}

# fn_stop: SIGTERM, then the server must exit 0 (sanitizers report here).
fn_stop() {
	[ -n "$FN_PID" ] || return 0
	kill -TERM "$FN_PID"
	local rc=0
	wait "$FN_PID" || rc=$?
	FN_PID=
	if [ $rc -ne 0 ]; then
		echo "    server exited with status $rc:" >&2
		tail -30 "$FN_TMP/err" >&2
		return 1
	fi
}

# req METHOD PATH [curl args...]: sets STATUS, body in $BODY, headers in $HDRS.
BODY=$FN_TMP/body
HDRS=$FN_TMP/headers
req() {
	local m=$1 p=$2
	shift 2
	rm -f "$BODY" "$HDRS"
	STATUS=$(curl -sS --cacert "$FN_CA" -X "$m" -o "$BODY" -D "$HDRS" -w '%{http_code}' \
		--max-time 20 "$@" "$URL$p") || STATUS=000
}

# login USER PASSWORD: sets TOKEN.
login() {
	req POST /v1/session -H 'Content-Type: application/json' \
		-d "{\"username\":\"$1\",\"password\":\"$2\",\"device_id\":\"dev-test-1\"}"
	[ "$STATUS" = 201 ] || { fail "login $1: status $STATUS: $(cat "$BODY")"; return 1; }
	TOKEN=$(json_get token)
}

# json_get EXPR: evaluates a Python expression on the JSON body as `j`.
json_get() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); v=eval(sys.argv[2]) if not sys.argv[2].isidentifier() else j[sys.argv[2]]; print(v if not isinstance(v,bool) else str(v).lower())' "$BODY" "$1"
}

expect_status() {
	[ "$STATUS" = "$1" ] || fail "expected HTTP $1, got $STATUS: $(head -c 300 "$BODY" 2>/dev/null)"
}

# expect_error STATUS NAME: an error reply with that HTTP status and name.
expect_error() {
	expect_status "$1" || return 1
	local name
	name=$(json_get name 2>/dev/null) || { fail "error reply is not JSON: $(head -c 200 "$BODY")"; return 1; }
	[ "$name" = "$2" ] || fail "expected error $2, got $name"
}

# result PASS|FAIL NAME [NOTE]: prints the result (NOTE right after the
# name) and appends it to $FN_RESULTS as the suite's test NAME.
result() {
	echo "  $1 $2${3:-}"
	echo "$1 ${FN_SUITE:-integration}/$2" >>"$FN_RESULTS"
}

# fn_record NAME STATUS [NOTE]: result PASS when STATUS is 0, else FAIL.
fn_record() {
	if [ "$2" = 0 ]; then result PASS "$1" "${3:-}"; else result FAIL "$1" "${3:-}"; fi
}

# stop_suite: fn_stop, recorded as the suite's clean_shutdown test.
stop_suite() {
	local rc=0
	fn_stop || rc=$?
	fn_record clean_shutdown $rc
}

# run_test T [inline]: runs the test function T in a subshell (in this shell
# with "inline", for a test that restarts the server) and records it with
# its seconds.
run_test() {
	local start=$SECONDS rc=0
	if [ "${2:-}" = inline ]; then
		$1 || rc=$?
	else
		( set -u; $1 ) || rc=$?
	fi
	fn_record "$1" $rc " ($((SECONDS - start)) s)"
}

# run_suite [serve options]: starts a server, runs the tests, then checks
# that it shuts down cleanly on SIGTERM (sanitizer reports fail it).
run_suite() {
	if ! fn_start "$@"; then
		fn_record server_start 1
		return
	fi
	run_tests
	stop_suite
}

# run_tests: runs every test_* function defined by the sourcing file (only
# those whose name contains $FN_TEST, when it is set).
run_tests() {
	local t
	for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
		[ -z "${FN_TEST:-}" ] || [[ $t == *"$FN_TEST"* ]] || continue
		run_test "$t"
	done
}

# wait_until TRIES CMD...: runs CMD every 0.05 s until it succeeds, at most
# TRIES times; fails when it never did (a bounded wait on a condition).
wait_until() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# acked_count: how many ids the uploaders of a load test appended to
# $FN_TMP/acked.* (notes the server answered stored).
acked_count() { cat "$FN_TMP"/acked.* 2>/dev/null | wc -l; }
acked_at_least() { [ "$(acked_count)" -ge "$1" ]; }

# mknote ID CHILD_REF OCCURRED_AT [PYTHON-EXPR]: prints a note in JSON, from
# schema/examples/note.json with id, revision 1, child_ref and times set;
# the optional expression edits `n` (e.g. "n.pop('child_words')").
mknote() {
	python3 - "$@" <<'PY'
import json, sys
n = json.load(open('schema/examples/note.json'))
n['id'], n['child_ref'] = sys.argv[1], sys.argv[2]
n['revision'] = 1
n.pop('replaces', None)
n['occurred_at'] = int(sys.argv[3])
n['created_at'] = int(sys.argv[3]) + 60
if len(sys.argv) > 4:
    exec(sys.argv[4])
print(json.dumps(n))
PY
}

# mknotes DIR WRITERS PER ID_PREFIX REF_PREFIX: writes DIR/W-I.json for
# every writer W and note I, from schema/examples/note.json, ids
# ID_PREFIX-W-I, child_ref REF_PREFIX-WWW-IIII, a day old; in one Python run.
mknotes() {
	python3 - "$1" "$2" "$3" "$4" "$5" "$(($(date +%s) - 86400))" <<'PY'
import json, os, sys
out, writers, per, idp, refp, t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
os.makedirs(out, exist_ok=True)
base = json.load(open('schema/examples/note.json'))
for w in range(writers):
    for i in range(per):
        n = dict(base, id=f"{idp}-{w}-{i}", child_ref=f"{refp}-{w:03d}-{i:04d}", occurred_at=t, created_at=t + 60)
        open(f"{out}/{w}-{i}.json", "w").write(json.dumps(n))
PY
}

# post_note JSON [curl args]: POST /v1/notes as the signed-in $TOKEN.
post_note() {
	local body=$1
	shift
	req POST /v1/notes -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary "$body" "$@"
}
