#!/usr/bin/env bash
# libfieldnote as an app developer meets it (issue 14): id order, revocation kept, outbox export and
# re-enrolment, progress totals, guidance_seen, counts and lists, retry control.
FN_SUITE=client_app
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/test_client.inc"

# ids NAME: the ids of NAME's outbox, in the order fn_outbox_list gives.
outbox_ids() {
	dev "$1" outbox | python3 -c 'import json,sys; [print(i["id"]) for i in json.load(sys.stdin)["items"]]'
}

# Issue 14.1: two notes saved in the same millisecond came out in random
# order. Under a frozen clock every save is in the same millisecond.
test_ids_increase_within_one_millisecond() {
	command -v faketime >/dev/null || { fail "faketime is not installed (apt-get install faketime)"; return 1; }
	local i id
	devlogin mono || return 1
	notejson >"$FN_TMP/n.json"
	: >"$FN_TMP/mono.saved"
	for i in 1 2 3 4 5 6 7 8; do
		id=$(FAKETIME_DONT_FAKE_MONOTONIC=1 faketime '2026-06-01 12:00:00' \
			"$DEV" --store "$FN_TMP/mono" --key-file "$FN_TMP/mono.key" note add --json "$FN_TMP/n.json") ||
			{ fail "note add"; return 1; }
		echo "$id" >>"$FN_TMP/mono.saved"
	done
	[ "$(sort -u "$FN_TMP/mono.saved" | wc -l)" = 8 ] || { fail "ids repeat"; return 1; }
	sort -c "$FN_TMP/mono.saved" 2>/dev/null || { fail "ids do not increase: $(tr '\n' ' ' <"$FN_TMP/mono.saved")"; return 1; }
	outbox_ids mono >"$FN_TMP/mono.listed"
	cmp -s "$FN_TMP/mono.saved" "$FN_TMP/mono.listed" || { fail "outbox not oldest first"; return 1; }
}

# revoke NAME: an admin reports device NAME lost.
revoke() {
	local devid
	devid=$(dev "$1" status | python3 -c 'import json,sys; print(json.load(sys.stdin)["device_id"])')
	login admin1 "$PW_ADMIN" || return 1
	req POST "/v1/admin/devices/$devid/revoke" -H "Authorization: Bearer $TOKEN"
	[ "$STATUS" = 200 ] || { fail "revoke: $STATUS $(cat "$BODY")"; return 1; }
}

# Issue 14.2: after the first DEVICE_REVOKED the app only saw "not signed in".
test_revoked_state_survives_a_restart() {
	devlogin rv || return 1
	addnote rv >/dev/null || return 1
	revoke rv || return 1
	dev rv sync >/dev/null 2>"$FN_TMP/err" && { fail "sync on a revoked device"; return 1; }
	grep -q DEVICE_REVOKED "$FN_TMP/err" || { fail "first sync: $(cat "$FN_TMP/err")"; return 1; }
	# A new process (a restart): the state is read from the store.
	[ "$(dev rv status | python3 -c 'import json,sys; print(json.load(sys.stdin).get("revoked"))')" = True ] ||
		{ fail "status: $(dev rv status)"; return 1; }
	# No network touched: a server address where nothing listens still
	# gives DEVICE_REVOKED at once, not a network error.
	DEV_URL=https://localhost:1 dev rv sync >"$FN_TMP/out" 2>"$FN_TMP/err" && { fail "sync succeeded"; return 1; }
	grep -q DEVICE_REVOKED "$FN_TMP/err" || { fail "second sync: $(cat "$FN_TMP/err")"; return 1; }
	[ "$(summary_get "$(cat "$FN_TMP/out")" 'j["connections"]')" = 0 ] || { fail "connected: $(cat "$FN_TMP/out")"; return 1; }
	[ "$(outbox_count rv queued)" = 1 ] || fail "outbox changed"
}

# Issue 14.3: a revoked device's notes get out: exported as plaintext JSON,
# then sent under a new identity after the same author signs in.
test_export_then_reenrol_sends_the_kept_notes() {
	devlogin ex || return 1
	addnote ex >/dev/null && addnote ex >/dev/null || return 1
	revoke ex || return 1
	dev ex sync >/dev/null 2>&1
	[ "$(dev ex outbox export "$FN_TMP/ex.json")" = 2 ] || { fail "export count"; return 1; }
	[ "$(stat -c %a "$FN_TMP/ex.json")" = 600 ] || { fail "export file mode"; return 1; }
	python3 - "$FN_TMP/ex.json" "$FN_TMP/ex.ids" <<'PY' || { fail "export content"; return 1; }
import json, sys
e = json.load(open(sys.argv[1]))
assert 'plaintext' in e['warning'].lower(), e['warning']
ids = sorted(l.split()[0] for l in open(sys.argv[2]))
assert sorted(i['id'] for i in e['items']) == ids, (e['items'], ids)
assert all(i['state'] == 'queued' and i['note']['child_ref'] for i in e['items'])
PY
	# Re-enrolment: the admin's new identity for the handheld, then sign-in.
	dev ex --device-id handheld-ex-2 status >/dev/null || return 1
	[ "$(dev ex status | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["revoked"], j["device_id"])')" = "False handheld-ex-2" ] ||
		{ fail "status after re-enrolment: $(dev ex status)"; return 1; }
	devlogin ex || return 1
	dev ex sync >/dev/null || { fail "sync after re-enrolment"; return 1; }
	all_stored_once ex
}

# Issue 14.4: notes saved during a sync made progress read 56 of 55.
test_progress_never_beyond_total_with_a_save_during_sync() {
	local i
	devlogin pg || return 1
	for i in 1 2 3; do addnote pg >/dev/null || return 1; done
	notejson >"$FN_TMP/pg-extra.json"
	FN_TEST_SAVE_AT=push_saved FN_TEST_SAVE_JSON=$FN_TMP/pg-extra.json FN_TEST_PROGRESS=$FN_TMP/pg.prog \
		dev pg --batch 2 sync >"$FN_TMP/out" || { fail "sync"; return 1; }
	[ "$(summary_get "$(cat "$FN_TMP/out")" 'j["pushed"]')" = 4 ] || { fail "the note saved during the sync: $(cat "$FN_TMP/out")"; return 1; }
	python3 - "$FN_TMP/pg.prog" <<'PY' || { fail "progress: $(cat "$FN_TMP/pg.prog")"; return 1; }
import sys
rows = [l.split() for l in open(sys.argv[1])]
push = [(int(d), int(t)) for s, d, t in rows if s.startswith('push')]
assert push and all(d <= t for d, t in push), push
assert push[-1] == (4, 4), push
PY
	[ "$(outbox_count pg)" = 0 ] || fail "outbox not empty"
}

# Issue 14.5: guidance_seen is filled from the guidance the user opened.
test_guidance_seen_filled_from_opened_guidance() {
	devlogin gs || return 1
	dev gs sync >/dev/null || return 1
	local ver id
	ver=$(dev gs guidance get s136 | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])') || return 1
	notejson "n.pop('guidance_seen', None)" >"$FN_TMP/gs.json"
	id=$(dev gs note add --json "$FN_TMP/gs.json") || { fail "note add"; return 1; }
	dev gs note show "$id" | python3 -c 'import json,sys; n=json.load(sys.stdin)["note"]; assert n.get("guidance_seen")==[{"id":"s136","version":int(sys.argv[1])}], n.get("guidance_seen")' "$ver" ||
		{ fail "guidance_seen not filled"; return 1; }
	# Recorded once: the next note starts afresh; a note that sets its own keeps it.
	id=$(dev gs note add --json "$FN_TMP/gs.json") || return 1
	dev gs note show "$id" | python3 -c 'import json,sys; assert "guidance_seen" not in json.load(sys.stdin)["note"]' ||
		{ fail "guidance_seen carried over to the next note"; return 1; }
}

# Issue 14.6: counts, the device's notes with their state, feedback since
# a cursor and its acknowledgement.
test_counts_note_states_and_feedback_cursor() {
	devlogin ns || return 1
	local a b
	a=$(addnote ns) && b=$(addnote ns) || return 1
	[ "$(dev ns outbox count)" = '{"queued":2,"refused":0}' ] || { fail "count: $(dev ns outbox count)"; return 1; }
	dev ns sync >/dev/null || return 1
	[ "$(dev ns outbox count)" = '{"queued":0,"refused":0}' ] || { fail "count after sync"; return 1; }
	login super1 "$PW_SUPER" || return 1
	req POST "/v1/notes/$a/review" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d '{"revision":1,"decision":"returned","comment":"add the words"}'
	[ "$STATUS" = 200 ] || [ "$STATUS" = 201 ] || { fail "review: $STATUS $(cat "$BODY")"; return 1; }
	dev ns sync >/dev/null || return 1
	addnote ns >/dev/null || return 1
	DEV_URL=https://localhost:1 dev ns notes | python3 -c '
import json, sys
a, b = sys.argv[1], sys.argv[2]
st = {i["id"]: i["state"] for i in json.load(sys.stdin)["items"]}
assert st[a] == "returned" and st[b] == "submitted" and sorted(st.values()).count("queued") == 1, st
' "$a" "$b" || { fail "notes: $(dev ns notes)"; return 1; }
	local next
	next=$(dev ns feedback since unacked | python3 -c 'import json,sys; j=json.load(sys.stdin); assert len(j["items"])==1 and j["items"][0]["note_id"]==sys.argv[1], j; print(j["next"])' "$a") ||
		{ fail "feedback since: $(dev ns feedback since unacked)"; return 1; }
	dev ns feedback ack "$next" || { fail "ack"; return 1; }
	[ "$(dev ns feedback since unacked | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')" = 0 ] ||
		{ fail "acknowledged feedback still new"; return 1; }
	[ "$(dev ns feedback since 0 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')" = 1 ] ||
		fail "feedback since 0"
}

# Issue 14.7: Retry-After honoured. The suite's server pauses an account
# for at most login_window (3 s) after 2 failed sign-ins and says so in
# Retry-After; the device's own backoff (20 ms, 4 tries) would give up.
test_retry_after_is_honoured() {
	echo throttle-pass-1 | "$FN_BIN" user add --data "$FN_TMP/data" --username officer7 --role officer --team north $FN_FAST >/dev/null || return 1
	local i t0 t1
	for i in $(seq 1 10); do
		echo wrong-password | DEV_ATTEMPTS=1 dev ra login officer7 2>"$FN_TMP/err"
		grep -q TOO_MANY_REQUESTS "$FN_TMP/err" && break
	done
	grep -q TOO_MANY_REQUESTS "$FN_TMP/err" || { fail "not throttled: $(cat "$FN_TMP/err")"; return 1; }
	t0=$(date +%s%N)
	echo throttle-pass-1 | dev ra login officer7 2>"$FN_TMP/err" || { fail "login after the pause: $(cat "$FN_TMP/err")"; return 1; }
	t1=$(date +%s%N)
	[ $(((t1 - t0) / 1000000)) -lt 6000 ] || fail "waited too long"
}

# Issue 14.7: "once, fail fast" and an overall deadline, with the reason
# the sync stopped in the summary.
test_sync_once_fails_fast_with_the_reason() {
	devlogin once || return 1
	addnote once >/dev/null || return 1
	local t0 t1
	t0=$(date +%s%N)
	DEV_URL=https://localhost:1 DEV_ATTEMPTS=6 dev once sync --once >"$FN_TMP/out" 2>/dev/null && { fail "sync succeeded"; return 1; }
	t1=$(date +%s%N)
	[ "$(summary_get "$(cat "$FN_TMP/out")" 'j["retries"], j["stopped"]')" = "(0, 'network')" ] ||
		{ fail "summary: $(cat "$FN_TMP/out")"; return 1; }
	[ $(((t1 - t0) / 1000000)) -lt 2000 ] || fail "--once took $(((t1 - t0) / 1000000)) ms"
}

test_sync_deadline_bounds_a_black_holed_network() {
	devlogin dl || return 1
	addnote dl >/dev/null || return 1
	proxy_start --mode stall --dir down --at 0 --conn 0 || return 1
	local t0 t1 ms
	t0=$(date +%s%N)
	DEV_URL=$PROXY_URL DEV_TIMEOUT=30000 dev dl sync --deadline-ms 1500 >"$FN_TMP/out" 2>"$FN_TMP/err" &&
		{ fail "sync succeeded"; proxy_stop; return 1; }
	t1=$(date +%s%N)
	proxy_stop
	ms=$(((t1 - t0) / 1000000))
	[ $ms -ge 1400 ] && [ $ms -lt 4000 ] || { fail "the deadline was 1500 ms; took $ms ms"; return 1; }
	grep -q TIMEOUT "$FN_TMP/err" || { fail "$(cat "$FN_TMP/err")"; return 1; }
	[ "$(summary_get "$(cat "$FN_TMP/out")" 'j["stopped"]')" = deadline ] || fail "summary: $(cat "$FN_TMP/out")"
	echo "    deadline 1500 ms: sync returned after $ms ms" >&2
}

trap 'proxy_stop; cleanup' EXIT
run_suite --login_window 3 --login_max_failures 2
