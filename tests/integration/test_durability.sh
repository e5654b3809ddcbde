#!/usr/bin/env bash
# A server killed with SIGKILL in the middle of concurrent uploads loses no
# acknowledged note and stores none twice; clients retry until they are
# answered. make test runs a short form; make soak (SOAK=1) many rounds.
FN_SUITE=durability
source "$(dirname "$0")/../lib.sh"

if [ -n "${SOAK:-}" ]; then WRITERS=16 PER=150 ROUNDS=10; else WRITERS=4 PER=25 ROUNDS=1; fi

# uploader W: sends its notes in order, retrying each until it is answered
# stored or duplicate; records the acknowledged ids.
uploader() {
	local w=$1 i code url
	for i in $(seq 0 $((PER - 1))); do
		while :; do
			url=$(cat "$FN_TMP/url" 2>/dev/null)
			code=$(curl -s --cacert "$FN_CA" -o /dev/null -w '%{http_code}' --max-time 5 \
				-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
				--data-binary @"$FN_TMP/notes/$w-$i.json" "$url/v1/notes") || code=000
			case $code in
			201 | 200) echo "dur-$w-$i" >>"$FN_TMP/acked.$w"; break ;;
			000 | 5*) sleep 0.05 ;;
			*) echo "dur-$w-$i unexpected $code" >>"$FN_TMP/errors"; break ;;
			esac
		done
	done
}

test_sigkill_during_concurrent_uploads_loses_nothing() {
	fn_start || return 1
	sigkill_rounds
	local rc=$?
	fn_stop || rc=1
	return $rc
}

sigkill_rounds() {
	mknotes "$FN_TMP/notes" "$WRITERS" "$PER" dur C || return 1
	login officer1 "$PW_OFFICER" || return 1
	echo "$URL" >"$FN_TMP/url"
	local w pids=() round
	for w in $(seq 0 $((WRITERS - 1))); do uploader "$w" & pids+=($!); done
	for round in $(seq "$ROUNDS"); do
		sleep "0.$((RANDOM % 8 + 2))"
		kill -KILL "$FN_PID"
		wait "$FN_PID" 2>/dev/null || true
		FN_PID=
		fn_start || return 1
		echo "$URL" >"$FN_TMP/url"
	done
	for p in "${pids[@]}"; do wait "$p"; done
	[ ! -s "$FN_TMP/errors" ] || { fail "$(head -5 "$FN_TMP/errors")"; return 1; }
	local acked missing=0 dup=0
	acked=$(cat "$FN_TMP"/acked.* | sort -u | wc -l)
	[ "$acked" -eq $((WRITERS * PER)) ] || { fail "only $acked of $((WRITERS * PER)) acknowledged"; return 1; }
	# every acknowledged note, over one connection: present, one revision
	read -r missing dup < <(sort -u "$FN_TMP"/acked.* | python3 tests/http_matrix.py --notes "$URL" "$FN_CA" "$TOKEN") ||
		{ fail "could not read the notes back"; return 1; }
	echo "    $acked notes acknowledged across $ROUNDS SIGKILL(s): $missing missing, $dup duplicated"
	[ $missing -eq 0 ] && [ $dup -eq 0 ] || fail "$missing acknowledged notes missing, $dup duplicated"
}

# The test starts, kills and restarts its own servers.
run_tests
