#!/usr/bin/env bash
# libfieldnote through fieldnote-device against the real server: capture offline, sync, idempotency,
# encryption at rest, pinned CA, sessions, crash points, feedback and amendments.
FN_SUITE=client
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/test_client.inc"

test_offline_capture_then_sync() {
	devlogin off || return 1
	local ids
	# No server reachable: capture still works and sync fails cleanly.
	DEV_URL=https://localhost:1 DEV_ATTEMPTS=1 addnote off >/dev/null || return 1
	DEV_URL=https://localhost:1 DEV_ATTEMPTS=1 addnote off "n['context']='school'" >/dev/null || return 1
	DEV_URL=https://localhost:1 DEV_ATTEMPTS=1 dev off sync >/dev/null 2>"$FN_TMP/err" &&
		{ fail "sync without a server succeeded"; return 1; }
	grep -q NETWORK_ERROR "$FN_TMP/err" || { fail "no NETWORK_ERROR: $(cat "$FN_TMP/err")"; return 1; }
	[ "$(outbox_count off queued)" = 2 ] || { fail "outbox: $(dev off outbox)"; return 1; }
	# Back in signal.
	local s
	s=$(dev off sync) || { fail "sync failed"; return 1; }
	[ "$(summary_get "$s" "j['pushed']")" = 2 ] || { fail "summary: $s"; return 1; }
	all_stored_once off
}

test_sync_pulls_guidance_for_offline_reading() {
	devlogin g || return 1
	dev g sync >/dev/null || return 1
	dev g guidance get s136 >"$FN_TMP/doc" || return 1
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["title"]=="Section 136 at a glance" and len(d["body"])>100' \
		"$FN_TMP/doc" || { fail "s136: $(head -c 200 "$FN_TMP/doc")"; return 1; }
	# Offline: the cache answers, with no server at all.
	local ids
	ids=$(DEV_URL=https://localhost:1 dev g guidance search place of safety |
		python3 -c 'import json,sys; print(" ".join(sorted(i["id"] for i in json.load(sys.stdin)["items"])))')
	[[ " $ids " == *" under-18-place-of-safety "* ]] || { fail "search: $ids"; return 1; }
	[[ " $ids " != *" record-keeping "* ]] || { fail "search matched too much: $ids"; return 1; }
	# 12 in the pack, one for supervisors only: an officer's handheld gets 11
	[ "$(dev g guidance search | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')" = 11 ] ||
		{ fail "not every document is cached"; return 1; }
	dev g guidance get no-such-doc >/dev/null 2>"$FN_TMP/err" && { fail "unknown document found"; return 1; }
	grep -q NOT_FOUND "$FN_TMP/err" || fail "unknown document: $(cat "$FN_TMP/err")"
}

# One search (schema/search.c) online and offline: the same words find the
# same documents from the server and from the handheld's cache.
test_search_answers_the_same_online_and_offline() {
	devlogin srch || return 1
	dev srch sync >/dev/null || return 1
	login officer1 "$PW_OFFICER" || return 1
	local q online offline bad=0
	for q in "place of safety" "camhs,referral" "UNDER-18-place" "warrant magistrate" "s136" "zzzznotaword"; do
		req GET "/v1/guidance?q=$(sed 's/ /+/g' <<<"$q")" -H "Authorization: Bearer $TOKEN"
		online=$(json_get "' '.join(sorted(i['id'] for i in j['items']))")
		offline=$(DEV_URL=https://localhost:1 dev srch guidance search $q |
			python3 -c 'import json,sys; print(" ".join(sorted(i["id"] for i in json.load(sys.stdin)["items"])))')
		if [ "$online" != "$offline" ]; then
			echo "    \"$q\": server [$online], handheld [$offline]" >&2
			bad=$((bad + 1))
		fi
	done
	[ $bad = 0 ] || fail "$bad queries answered differently"
}

test_same_note_never_stored_twice() {
	devlogin twice || return 1
	addnote twice >/dev/null || return 1
	# A copy of the store before the sync stands for a lost local delete.
	cp -a "$FN_TMP/twice" "$FN_TMP/twice-copy" && cp "$FN_TMP/twice.key" "$FN_TMP/twice-copy.key"
	local s
	s=$(dev twice sync) || return 1
	[ "$(summary_get "$s" "j['pushed']")" = 1 ] || { fail "first: $s"; return 1; }
	s=$(dev twice sync) || return 1
	[ "$(summary_get "$s" "j['pushed']+j['duplicates']")" = 0 ] || { fail "second sync sent again: $s"; return 1; }
	s=$(dev twice-copy sync) || return 1
	[ "$(summary_get "$s" "j['duplicates']")" = 1 ] || { fail "resend not a duplicate: $s"; return 1; }
	all_stored_once twice
}

test_wrong_key_is_a_clear_error() {
	devlogin wk || return 1
	local id
	id=$(addnote wk) || return 1
	"$DEV" keygen "$FN_TMP/other.key" >/dev/null
	"$DEV" --store "$FN_TMP/wk" --key-file "$FN_TMP/other.key" outbox >"$FN_TMP/out" 2>"$FN_TMP/err" &&
		{ fail "opened with the wrong key: $(cat "$FN_TMP/out")"; return 1; }
	grep -q WRONG_KEY "$FN_TMP/err" || { fail "not WRONG_KEY: $(cat "$FN_TMP/err")"; return 1; }
	[ ! -s "$FN_TMP/out" ] || { fail "printed something: $(cat "$FN_TMP/out")"; return 1; }
	# A malformed key file is refused before the store is touched.
	echo short >"$FN_TMP/bad.key"
	"$DEV" --store "$FN_TMP/wk" --key-file "$FN_TMP/bad.key" outbox >/dev/null 2>&1 && { fail "short key accepted"; return 1; }
	# The right key still opens it, nothing lost.
	[ "$(dev wk outbox | grep -c "$id")" = 1 ] || fail "the note is gone"
}

test_canary_not_in_store_file() {
	devlogin can || return 1
	local canary="CANARY-$RANDOM-$RANDOM-voice"
	addnote can "n['child_words']='I said $canary to nobody'" >/dev/null || return 1
	grep -q "$canary" "$FN_TMP/note.json" || { fail "test set-up: canary not in the note"; return 1; }
	dev can outbox | grep -q queued || { fail "note not queued"; return 1; }
	local f
	for f in "$FN_TMP"/can/*; do
		if grep -a -q "$canary" "$f"; then fail "canary found in $f"; return 1; fi
		# nor the officer's words in any other form, nor the team's reference
		if grep -a -q "headphones" "$f"; then fail "note text found in $f"; return 1; fi
	done
	# Guidance is cached encrypted too; the session token never in clear.
	dev can sync >/dev/null || return 1
	dev can guidance get s136 | grep -q "place of safety" || { fail "guidance not cached"; return 1; }
	if grep -a -q -i "place of safety" "$FN_TMP/can/data.mdb"; then fail "guidance text in clear"; return 1; fi
	if grep -a -q "officer1" "$FN_TMP/can/data.mdb"; then fail "user name in clear"; return 1; fi
	return 0
}

test_pinned_ca_refuses_another_cas_server() {
	local d=$FN_TMP/pki
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=other CA" \
		-keyout "$d/ca.key" -out "$d/ca.crt" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign" 2>/dev/null || { fail "openssl CA"; return 1; }
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
		-keyout "$d/srv.key" -out "$d/srv.csr" 2>/dev/null &&
		openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -days 2 -set_serial 7 \
			-extfile <(printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n') \
			-out "$d/srv.crt" 2>/dev/null || { fail "openssl server cert"; return 1; }
	# The same fieldnote server, with a certificate from the other CA.
	local data=$FN_TMP/other-data
	fn_store "$data" || return 1
	"$FN_BIN" serve --data "$data" --listen 127.0.0.1:0 --cert "$d/srv.crt" --key "$d/srv.key" \
		--access-log no >"$FN_TMP/other.out" 2>&1 &
	local pid=$! i url=
	for i in $(seq 1 100); do
		url=$(sed -n 's/^fieldnote: serving \(https:[^ ]*\).*/\1/p' "$FN_TMP/other.out")
		[ -n "$url" ] && break
		sleep 0.05
	done
	url=${url/127.0.0.1/localhost}
	local rc=0
	# It works for a client that trusts the other CA (so the refusal below is the pin) ...
	curl -sf --cacert "$d/ca.crt" "$url/healthz" >/dev/null || { fail "other server not answering"; rc=1; }
	# ... and the device, pinned to the dev CA, refuses it at once (no retries).
	echo "$PW_OFFICER" | DEV_URL=$url dev pin login officer1 2>"$FN_TMP/err" && { fail "signed in to an untrusted server"; rc=1; }
	grep -q TLS_ERROR "$FN_TMP/err" || { fail "not TLS_ERROR: $(cat "$FN_TMP/err")"; rc=1; }
	grep -q "not trusted" "$FN_TMP/err" || { fail "no reason given: $(cat "$FN_TMP/err")"; rc=1; }
	# A device pinned to the other CA refuses the real server likewise.
	echo "$PW_OFFICER" | DEV_CA=$d/ca.crt dev pin2 login officer1 2>"$FN_TMP/err" && { fail "trusted the dev CA"; rc=1; }
	grep -q TLS_ERROR "$FN_TMP/err" || { fail "pin2: $(cat "$FN_TMP/err")"; rc=1; }
	kill "$pid"
	wait "$pid" 2>/dev/null
	return $rc
}

# session_stopped NAME STATUS: the sync whose output is in $FN_TMP/out and
# err stopped with STATUS at once, kept the three queued notes and forgot
# the token.
session_stopped() {
	local name=$1 want=$2
	grep -q "$want" "$FN_TMP/err" || { fail "expected $want: $(cat "$FN_TMP/err")"; return 1; }
	[ "$(summary_get "$(cat "$FN_TMP/out")" "j['retries']")" = 0 ] || { fail "retried: $(cat "$FN_TMP/out")"; return 1; }
	[ "$(outbox_count "$name" queued)" = 3 ] || { fail "outbox changed: $(dev "$name" outbox)"; return 1; }
	[ "$(dev "$name" status | python3 -c 'import json,sys; print(json.load(sys.stdin)["signed_in"])')" = False ] ||
		fail "token kept"
}

test_expired_session_stops_sync_and_keeps_outbox() {
	# A server of its own whose clock moves past the token's life; the
	# suite's server (same users) finishes the job once the device has
	# signed in again.
	local main_url=$URL
	side_start "$FN_TMP/exp-data" --token-ttl 60 || return 1
	devlogin exp || { side_stop; return 1; }
	for i in 1 2 3; do addnote exp >/dev/null || { side_stop; return 1; }; done
	echo 61 >"$FN_TMP/side.clock"
	dev exp sync >"$FN_TMP/out" 2>"$FN_TMP/err"
	local rc=$?
	side_stop
	URL=$main_url
	[ $rc != 0 ] || { fail "sync with an expired token succeeded: $(cat "$FN_TMP/out")"; return 1; }
	session_stopped exp TOKEN_EXPIRED || return 1
	devlogin exp && dev exp sync >/dev/null && all_stored_once exp
}

test_revoked_session_stops_sync_and_keeps_outbox() {
	local d=$FN_TMP/data
	echo rev-pass-1 | "$FN_BIN" user add --data "$d" --username officer9 --role officer --team north $FN_FAST >/dev/null || return 1
	devlogin rev officer9 rev-pass-1 || return 1
	for i in 1 2 3; do addnote rev >/dev/null || return 1; done
	# The server ends the device's token: a password change revokes every
	# token issued before it (a second later on the server's clock).
	clock_advance 1
	echo rev-pass-2 | FN_TEST_CLOCK_FILE=$FN_TMP/clock "$FN_BIN" user add --data "$d" --username officer9 --role officer --team north --replace $FN_FAST >/dev/null ||
		{ fail "password change"; return 1; }
	dev rev sync >"$FN_TMP/out" 2>"$FN_TMP/err" && { fail "sync succeeded: $(cat "$FN_TMP/out")"; return 1; }
	session_stopped rev TOKEN_REVOKED || return 1
	devlogin rev officer9 rev-pass-2 && dev rev sync >/dev/null || { fail "sync after signing in again"; return 1; }
	all_stored_once rev officer9 rev-pass-2 # read as their author
}

test_revoked_device_stops_sync_and_keeps_outbox() {
	devlogin lost || return 1
	for i in 1 2 3; do addnote lost >/dev/null || return 1; done
	local devid
	devid=$(dev lost status | python3 -c 'import json,sys; print(json.load(sys.stdin)["device_id"])')
	# The handheld is reported lost: an admin revokes it with curl.
	login admin1 "$PW_ADMIN" || return 1
	req POST "/v1/admin/devices/$devid/revoke" -H "Authorization: Bearer $TOKEN"
	[ "$STATUS" = 200 ] || { fail "revoke: $STATUS $(cat "$BODY")"; return 1; }
	dev lost sync >"$FN_TMP/out" 2>"$FN_TMP/err" && { fail "sync succeeded: $(cat "$FN_TMP/out")"; return 1; }
	session_stopped lost DEVICE_REVOKED || return 1
	# Signing in again from that device is refused too; the notes stay put.
	echo "$PW_OFFICER" | dev lost login officer1 2>"$FN_TMP/err" && { fail "signed in on a revoked device"; return 1; }
	grep -q DEVICE_REVOKED "$FN_TMP/err" || { fail "login: $(cat "$FN_TMP/err")"; return 1; }
	[ "$(outbox_count lost queued)" = 3 ] || fail "outbox changed"
}

test_logout_ends_the_token_and_keeps_the_outbox() {
	devlogin lo || return 1
	addnote lo >/dev/null || return 1
	dev lo logout || { fail "logout"; return 1; }
	dev lo sync >/dev/null 2>"$FN_TMP/err" && { fail "sync after logout"; return 1; }
	grep -q UNAUTHORIZED "$FN_TMP/err" || { fail "$(cat "$FN_TMP/err")"; return 1; }
	[ "$(outbox_count lo queued)" = 1 ] || { fail "outbox lost"; return 1; }
	# Capture goes on offline after logout: author and team are remembered.
	DEV_URL=https://localhost:1 addnote lo >/dev/null || return 1
	devlogin lo && dev lo sync >/dev/null && all_stored_once lo
}

# crash_then_resume STEP: three notes, the device killed at STEP of the
# first sync, then a normal sync: each note on the server exactly once.
crash_then_resume() {
	local name=crash-$1
	devlogin "$name" || return 1
	for i in 1 2 3; do addnote "$name" >/dev/null || return 1; done
	FN_TEST_CRASH_AT=$1 dev "$name" sync >/dev/null 2>&1
	local rc=$?
	[ $rc = 86 ] || { fail "the device did not die at $1 (status $rc)"; return 1; }
	local left
	left=$(outbox_count "$name")
	case $1 in
	push_send | push_sent | push_reply | after_reply) [ "$left" = 3 ] || { fail "after $1 the outbox holds $left"; return 1; } ;;
	push_saved | guidance_reply) [ "$left" = 0 ] || { fail "after $1 the outbox holds $left"; return 1; } ;;
	esac
	local s
	s=$(dev "$name" sync) || { fail "resumed sync failed"; return 1; }
	if [ "$1" = push_reply ] || [ "$1" = after_reply ]; then
		[ "$(summary_get "$s" "j['duplicates']")" = 3 ] || { fail "resent notes not duplicates: $s"; return 1; }
	fi
	all_stored_once "$name"
}

test_killed_before_send() { crash_then_resume push_send; }
test_crash_hook_aliases() { crash_then_resume after_reply; }
test_killed_after_send_before_reply() { crash_then_resume push_sent; }
test_killed_after_reply_before_local_delete() { crash_then_resume push_reply; }
test_killed_after_local_delete() { crash_then_resume push_saved; }
test_killed_while_pulling_guidance() {
	crash_then_resume guidance_reply || return 1
	dev crash-guidance_reply guidance get s136 >/dev/null || fail "guidance not complete after resuming"
}

test_refused_note_stays_with_reason_then_fixed() {
	devlogin inv || return 1
	local id
	id=$(addnote inv "n.pop('child_words'); n.pop('not_spoken_reason')") || return 1
	local rc=0
	dev inv sync >/dev/null 2>"$FN_TMP/err" || rc=$?
	[ $rc = 3 ] || { fail "sync status $rc, expected 3 (refused): $(cat "$FN_TMP/err")"; return 1; }
	dev inv outbox >"$FN_TMP/ob"
	python3 - "$FN_TMP/ob" "$id" <<'PY' || { fail "outbox: $(cat "$FN_TMP/ob")"; return 1; }
import json, sys
items = json.load(open(sys.argv[1]))["items"]
assert len(items) == 1 and items[0]["id"] == sys.argv[2], items
i = items[0]
assert i["state"] == "invalid" and i["name"] == "VALIDATION_FAILED", i
assert "child_words" in [e["field"] for e in i["errors"]], i
PY
	# A second sync does not send it again; amending fixes it in place.
	rc=0
	dev inv sync >/dev/null 2>&1 || rc=$?
	[ $rc = 0 ] || { fail "second sync: $rc"; return 1; }
	notejson >"$FN_TMP/fixed.json"
	[ "$(dev inv note amend "$id" --json "$FN_TMP/fixed.json")" = 1 ] || { fail "amend did not keep revision 1"; return 1; }
	dev inv sync >/dev/null || return 1
	all_stored_once inv
}

test_amend_queued_note_sends_both_revisions() {
	devlogin am || return 1
	local id
	id=$(addnote am) || return 1
	notejson "n['child_words']='Amended before any signal.'" >"$FN_TMP/a.json"
	[ "$(DEV_URL=https://localhost:1 dev am note amend "$id" --json "$FN_TMP/a.json")" = 2 ] || { fail "amend"; return 1; }
	dev am sync >/dev/null || return 1
	[ "$(server_revs "$id")" = 2 ] || { fail "server revisions: $(server_revs "$id")"; return 1; }
	[ "$(json_get "j['revisions'][1]['note']['replaces']")" = 1 ] || fail "revision 2 does not replace 1"
}

test_returned_note_feedback_then_amended_offline() {
	devlogin fb || return 1
	local id
	id=$(addnote fb) || return 1
	dev fb sync >/dev/null || return 1
	login super1 "$PW_SUPER" || return 1
	req POST "/v1/notes/$id/review" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d '{"revision":1,"decision":"returned","comment":"Please record who else was present."}'
	[ "$STATUS" = 201 ] || { fail "review: $STATUS $(cat "$BODY")"; return 1; }
	local s
	s=$(dev fb sync) || return 1
	[ "$(summary_get "$s" "j['feedback']")" = 1 ] || { fail "summary: $s"; return 1; }
	dev fb feedback | grep -q "who else was present" || { fail "comment missing: $(dev fb feedback)"; return 1; }
	[ "$(dev fb note show "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = returned ] ||
		{ fail "note state: $(dev fb note show "$id")"; return 1; }
	# Amended with no signal, then synced.
	notejson "n['present']='Mother and grandmother.'" >"$FN_TMP/a.json"
	[ "$(DEV_URL=https://localhost:1 dev fb note amend "$id" --json "$FN_TMP/a.json")" = 2 ] || { fail "amend"; return 1; }
	dev fb sync >/dev/null || return 1
	[ "$(server_revs "$id")" = 2 ] || { fail "server revisions"; return 1; }
	[ "$(json_get "j['revisions'][1]['note']['present']")" = "Mother and grandmother." ] || fail "amendment content"
}

test_accepted_note_is_neither_kept_nor_amended() {
	devlogin acc || return 1
	local id
	id=$(addnote acc) || return 1
	dev acc sync >/dev/null || return 1
	dev acc note show "$id" | grep -q '"note":{' || { fail "no copy kept while awaiting review"; return 1; }
	login super1 "$PW_SUPER" || return 1
	req POST "/v1/notes/$id/review" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d '{"revision":1,"decision":"accepted","comment":"Good note."}'
	[ "$STATUS" = 201 ] || { fail "review: $STATUS $(cat "$BODY")"; return 1; }
	dev acc sync >/dev/null || return 1
	dev acc note show "$id" >"$FN_TMP/show" || return 1
	grep -q '"state":"accepted"' "$FN_TMP/show" || { fail "state: $(cat "$FN_TMP/show")"; return 1; }
	grep -q '"note":' "$FN_TMP/show" && { fail "the accepted note's copy is still on the device"; return 1; }
	notejson >"$FN_TMP/a.json"
	dev acc note amend "$id" --json "$FN_TMP/a.json" >/dev/null 2>"$FN_TMP/err" && { fail "amended an accepted note"; return 1; }
	grep -q FORBIDDEN "$FN_TMP/err" || fail "$(cat "$FN_TMP/err")"
}

test_shared_handheld_holds_the_other_users_notes() {
	local d=$FN_TMP/data
	echo shared-pass-1 | "$FN_BIN" user add --data "$d" --username officer8 --role officer --team north $FN_FAST >/dev/null || return 1
	devlogin sh || return 1
	addnote sh >/dev/null || return 1
	dev sh logout || return 1
	# Another officer picks the handheld up: officer1's note waits for officer1.
	devlogin sh officer8 shared-pass-1 || return 1
	local s
	s=$(dev sh sync) || { fail "sync as officer8"; return 1; }
	[ "$(summary_get "$s" "j['held']")" = 1 ] && [ "$(summary_get "$s" "j['pushed']")" = 0 ] || { fail "summary: $s"; return 1; }
	[ "$(outbox_count sh queued)" = 1 ] || { fail "the note left the outbox"; return 1; }
	devlogin sh && dev sh sync >/dev/null && all_stored_once sh
}

test_withdrawn_guidance_leaves_the_cache() {
	# On a server of its own: the store is changed while the server is down.
	side_start "$FN_TMP/wd-data" || return 1
	devlogin wd && dev wd sync >/dev/null || { side_stop; return 1; }
	dev wd guidance get triage-car >/dev/null || { fail "not cached"; side_stop; return 1; }
	side_stop || return 1
	"$FN_BIN" guidance withdraw --data "$FN_TMP/wd-data" triage-car >/dev/null || { fail "withdraw"; return 1; }
	side_start "$FN_TMP/wd-data" || return 1
	local s rc=0
	s=$(dev wd sync) || rc=1
	side_stop || rc=1
	[ $rc = 0 ] || { fail "sync failed"; return 1; }
	[ "$(summary_get "$s" "j['guidance_withdrawn']")" = 1 ] || { fail "summary: $s"; return 1; }
	dev wd guidance get triage-car >/dev/null 2>&1 && { fail "withdrawn document still cached"; return 1; }
	dev wd guidance search triage | grep -q triage-car && { fail "withdrawn document still found"; return 1; }
	dev wd guidance get s136 >/dev/null || fail "other documents lost"
}

test_keep_alive_and_tls13_resumption() {
	devlogin ka || return 1
	for i in 1 2 3; do addnote ka >/dev/null || return 1; done
	local s
	# Batches of one: three uploads and the pulls on one connection.
	s=$("$DEV" --store "$FN_TMP/ka" --key-file "$FN_TMP/ka.key" --server "$URL" --ca "$FN_CA" --batch 1 sync) || return 1
	[ "$(summary_get "$s" "j['connections']")" = 1 ] || { fail "not kept alive: $s"; return 1; }
	[ "$(summary_get "$s" "j['tls']")" = TLSv1.3 ] || { fail "not TLS 1.3: $s"; return 1; }
	# The ticket from the last sync (kept, sealed, in the store) resumes.
	s=$(dev ka sync) || return 1
	[ "$(summary_get "$s" "j['resumed']")" = 1 ] || fail "not resumed: $s"
}

test_device_certificate_when_the_server_requires_one() {
	side_start "$FN_TMP/cert-data" --device-ca certs/dev/device-ca.crt || return 1
	local rc=0
	# Without a certificate the server refuses: with an alert (TLS_ERROR) or,
	# in TLS 1.3 where the client finishes first, by closing the connection.
	echo "$PW_OFFICER" | dev nocert login officer1 >/dev/null 2>"$FN_TMP/err" && { fail "signed in without a device certificate"; rc=1; }
	grep -Eq 'TLS_ERROR|NETWORK_ERROR' "$FN_TMP/err" || { fail "$(cat "$FN_TMP/err")"; rc=1; }
	# With the device's certificate and key, under the id the certificate
	# names: sign in, capture, sync.
	if [ $rc = 0 ]; then
		echo "$PW_OFFICER" | dev cert --cert certs/dev/device.crt --cert-key certs/dev/device.key --device-id demo-device-1 login officer1 ||
			{ fail "login with a device certificate"; rc=1; }
		addnote cert >/dev/null && dev cert --cert certs/dev/device.crt --cert-key certs/dev/device.key sync >/dev/null ||
			{ fail "sync with a device certificate"; rc=1; }
		[ $rc = 0 ] && { FN_CHECK_CERT=certs/dev/device.crt FN_CHECK_KEY=certs/dev/device.key \
			FN_CHECK_DEVICE=demo-device-1 all_stored_once cert || rc=1; }
	fi
	side_stop || rc=1
	return $rc
}

test_help_for_each_command() {
	local c
	"$DEV" --help | grep -q "note add" || { fail "--help"; return 1; }
	for c in keygen login logout status note sync guidance; do
		"$DEV" --store x --key-file y "$c" --help | grep -q "Usage: fieldnote-device" || { fail "$c --help"; return 1; }
	done
	"$DEV" nonsense >/dev/null 2>&1
	[ $? = 2 ] || fail "a usage error is status 2"
}

trap 'proxy_stop; side_stop 2>/dev/null; cleanup' EXIT
# Many sign-ins of one account per minute: the successful sign-in limit
# (tested in test_signin) is raised for these client suites.
run_suite --login-max-successes 100000
