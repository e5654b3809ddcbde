#!/usr/bin/env bash
# Sync through network faults (tests/fault/proxy.py): cut at byte offsets of the request and reply,
# reset, stall, slow, latency, cancel; and a device clock a day off (faketime). Nothing lost or doubled.
# make test samples about 20 offsets each way; SOAK=1 cuts at every byte offset.
FN_SUITE=client_fault
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/test_client.inc"

# One note on NAME, a sync through a proxy with the given fault, then a
# plain sync through the same proxy (the fault hits the first connection
# only), which must succeed. The caller checks the server at the end
# (all_stored_once): every note once, the outbox empty. FAULT_ATTEMPTS:
# tries of the faulty sync (1: it fails and the next sync resumes; more:
# it must recover by itself).
fault_round() {
	local name=$1 rc
	shift
	ADDNOTE_WHY="$*" addnote "$name" >/dev/null || return 1
	proxy_start "$@" || return 1
	DEV_URL=$PROXY_URL DEV_ATTEMPTS=${FAULT_ATTEMPTS:-1} DEV_TIMEOUT=${FAULT_TIMEOUT:-3000} \
		dev "$name" sync >"$FN_TMP/fault.out" 2>"$FN_TMP/fault.err"
	rc=$?
	if [ "${FAULT_ATTEMPTS:-1}" -gt 1 ] && [ $rc != 0 ]; then
		fail "sync did not recover from $*: $(cat "$FN_TMP/fault.err")"
		proxy_stop
		return 1
	fi
	DEV_URL=$PROXY_URL dev "$name" sync >/dev/null 2>"$FN_TMP/fault.err" || {
		fail "resumed sync after $* failed: $(cat "$FN_TMP/fault.err")"
		proxy_stop
		return 1
	}
	proxy_stop
}

# synced NAME: device NAME signed in and through its first sync.
synced() { devlogin "$1" && dev "$1" sync >/dev/null; }

# faketime_or_skip: true when faketime is there; else says the test is
# skipped and fails.
faketime_or_skip() {
	have_faketime && return 0
	echo "    SKIP: faketime is not installed and could not be (apt-get install faketime)" >&2
	return 1
}

# measure NAME: bytes each way of one steady-state sync (one note pushed,
# resumed handshake, empty pulls); sets UP and DOWN.
measure() {
	addnote "$1" >/dev/null || return 1
	: >"$FN_TMP/proxy.log"
	proxy_start --mode none --log "$FN_TMP/proxy.log" || return 1
	DEV_URL=$PROXY_URL dev "$1" sync >/dev/null || { proxy_stop; fail "measuring sync failed"; return 1; }
	local i
	for i in $(seq 1 100); do # the proxy logs once both sides have closed
		[ -s "$FN_TMP/proxy.log" ] && break
		sleep 0.02
	done
	proxy_stop
	read -r UP DOWN < <(awk '{u+=$4; d+=$6} END {print u, d}' "$FN_TMP/proxy.log")
	[ "${UP:-0}" -gt 0 ] && [ "${DOWN:-0}" -gt 0 ] || { fail "nothing measured: $(cat "$FN_TMP/proxy.log")"; return 1; }
}

# offsets TOTAL: every offset with SOAK, else about 20 spread evenly.
offsets() {
	if [ -n "${SOAK:-}" ]; then
		seq 0 "$1"
	else
		python3 -c 'import sys; t=int(sys.argv[1]); print("\n".join(str(round(i*t/19)) for i in range(20)))' "$1" | uniq
	fi
}

cut_sweep() {
	local dir=$1 total=$2 n=0 off
	for off in $(offsets "$total"); do
		n=$((n + 1))
		# Alternately: the faulty sync gives up and is resumed, or retries.
		if [ $((n % 2)) = 0 ]; then
			FAULT_ATTEMPTS=3 fault_round cut --mode cut --dir "$dir" --at "$off" || return 1
		else
			fault_round cut --mode cut --dir "$dir" --at "$off" || return 1
		fi
	done
	all_stored_once cut
}

test_cut_at_request_byte_offsets() {
	synced cut || return 1
	measure cut || return 1
	cut_sweep up "$UP"
}

test_cut_at_reply_byte_offsets() {
	synced cut || return 1
	measure cut || return 1
	cut_sweep down "$DOWN"
}

test_reset_mid_request_and_mid_reply() {
	synced rst || return 1
	measure rst || return 1
	local f
	for f in "up $((UP / 3))" "up $((UP - 10))" "down $((DOWN / 2))" "down $((DOWN - 5))"; do
		set -- $f
		fault_round rst --mode reset --dir "$1" --at "$2" || return 1
	done
	all_stored_once rst
}

test_stalled_reply_times_out_and_retries() {
	synced st || return 1
	measure st || return 1
	local t0=$SECONDS
	FAULT_ATTEMPTS=2 FAULT_TIMEOUT=1000 fault_round st --mode stall --dir down --at $((DOWN / 2)) || return 1
	[ $((SECONDS - t0)) -lt 15 ] || { fail "a stall held the sync $((SECONDS - t0)) s"; return 1; }
	all_stored_once st
}

test_slow_link_1kb_per_second() {
	synced slow || return 1
	FAULT_ATTEMPTS=1 FAULT_TIMEOUT=10000 fault_round slow --mode slow --dir down --rate 1024 --conn 0 &&
		all_stored_once slow
}

test_high_latency() {
	synced lat || return 1
	local ms=300
	[ -n "${SOAK:-}" ] && ms=2000
	FAULT_ATTEMPTS=1 FAULT_TIMEOUT=10000 fault_round lat --mode delay --dir down --delay-ms $ms --conn 0 &&
		all_stored_once lat
}

test_cancel_stops_a_stalled_sync_quickly() {
	synced cx || return 1
	addnote cx >/dev/null || return 1
	proxy_start --mode stall --dir down --at 0 --conn 0 || return 1
	# The device itself in the background (not a subshell: the signal must
	# reach it).
	"$DEV" --store "$FN_TMP/cx" --key-file "$FN_TMP/cx.key" --server "$PROXY_URL" --ca "$FN_CA" \
		--timeout-ms 30000 sync >"$FN_TMP/out" 2>"$FN_TMP/err" &
	local pid=$! t0
	sleep 0.5
	t0=$(date +%s%N)
	kill -INT $pid
	wait $pid
	local rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
	proxy_stop
	[ $rc = 1 ] || { fail "status $rc"; return 1; }
	grep -q CANCELLED "$FN_TMP/err" || { fail "not CANCELLED: $(cat "$FN_TMP/err")"; return 1; }
	[ $ms -lt 2000 ] || { fail "cancel took $ms ms"; return 1; }
	[ "$(outbox_count cx queued)" = 1 ] || { fail "outbox changed"; return 1; }
	dev cx sync >/dev/null && all_stored_once cx
}

# faketime: installed if it can be; the tests say so when it cannot.
have_faketime() {
	command -v faketime >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1 &&
			  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null 2>&1; }
	fi
	command -v faketime >/dev/null 2>&1
}

# skewed OFFSET ARGS...: fieldnote-device with its clock moved by OFFSET.
skewed() {
	local off=$1
	shift
	FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$off" "$@"
}

test_clock_a_day_behind() {
	faketime_or_skip || return 0
	echo "$PW_OFFICER" | dev_skewed behind -1d login officer1 || { fail "login a day behind"; return 1; }
	local id
	notejson >"$FN_TMP/n.json"
	id=$(dev_skewed behind -1d note add --json "$FN_TMP/n.json") || { fail "note add"; return 1; }
	echo "$id" >>"$FN_TMP/behind.ids"
	dev_skewed behind -1d sync >/dev/null || { fail "sync a day behind"; return 1; }
	all_stored_once behind
}

test_clock_a_day_ahead() {
	faketime_or_skip || return 0
	# Signed in with the clock already wrong, as a device whose clock drifted.
	echo "$PW_OFFICER" | dev_skewed ahead +1d login officer1 || { fail "login a day ahead"; return 1; }
	local id rc=0
	notejson >"$FN_TMP/n.json"
	id=$(dev_skewed ahead +1d note add --json "$FN_TMP/n.json") || { fail "note add"; return 1; }
	echo "$id" >>"$FN_TMP/ahead.ids"
	dev_skewed ahead +1d sync >"$FN_TMP/out" 2>"$FN_TMP/err" || rc=$?
	# A server that tells its time (Date) lets the library correct the
	# clock; one that does not refuses created_at in the future: the note
	# stays, marked, and is fixed in place once the clock is right.
	if [ $rc = 3 ]; then
		dev ahead outbox | grep -q created_at || { fail "refused, but not for created_at: $(dev ahead outbox)"; return 1; }
		[ "$(dev ahead note amend "$id" --json "$FN_TMP/n.json")" = 1 ] || { fail "amend in place"; return 1; }
		dev ahead sync >/dev/null || { fail "sync after fixing"; return 1; }
	elif [ $rc != 0 ]; then
		fail "sync a day ahead: status $rc: $(cat "$FN_TMP/err")"
		return 1
	fi
	# The session is the server's to judge: a day ahead, it is still valid.
	dev_skewed ahead +1d sync >/dev/null || { fail "a second sync a day ahead"; return 1; }
	all_stored_once ahead
}

# A certificate from the pinned CA that becomes valid OFFSET from now.
future_cert() {
	local d=$FN_TMP/future$1
	mkdir -p "$d"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
		-keyout "$d/srv.key" -out "$d/srv.csr" 2>/dev/null &&
		skewed "$1" openssl x509 -req -in "$d/srv.csr" -CA certs/dev/ca.crt -CAkey certs/dev/ca.key -days 30 \
			-set_serial "$RANDOM" -extfile <(printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n') \
			-out "$d/srv.crt" 2>/dev/null
	echo "$d"
}

test_not_yet_valid_certificate_grace_is_bounded() {
	faketime_or_skip || return 0
	local d rc=0
	# Valid from tomorrow: a device clock a day behind, forgiven.
	d=$(future_cert +1d) || return 1
	side_start "$FN_TMP/fut-data" --cert "$d/srv.crt" --key "$d/srv.key" || return 1
	echo "$PW_OFFICER" | dev fut1 login officer1 2>"$FN_TMP/err" || { fail "+1 day refused: $(cat "$FN_TMP/err")"; rc=1; }
	side_stop
	# Valid from next week: refused, whoever's clock is wrong.
	d=$(future_cert +7d) || return 1
	side_start "$FN_TMP/fut-data" --cert "$d/srv.crt" --key "$d/srv.key" || return 1
	echo "$PW_OFFICER" | dev fut7 login officer1 2>"$FN_TMP/err" && { fail "+7 days accepted"; rc=1; }
	grep -q "in the future" "$FN_TMP/err" || { fail "+7 days: $(cat "$FN_TMP/err")"; rc=1; }
	side_stop
	return $rc
}

# dev_skewed NAME OFFSET ARGS...: dev with the clock moved.
dev_skewed() {
	local name=$1 off=$2
	shift 2
	newdev "$name" || return 1
	skewed "$off" "$DEV" --store "$FN_TMP/$name" --key-file "$FN_TMP/$name.key" --server "$URL" \
		--ca "$FN_CA" --attempts 3 --backoff-ms 20 "$@"
}

trap 'proxy_stop; side_stop 2>/dev/null; cleanup' EXIT
# Many sign-ins of one account per minute: the successful sign-in limit
# (tested in test_signin) is raised for these client suites.
run_suite --login-max-successes 100000
