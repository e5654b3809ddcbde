#!/usr/bin/env bash
# Attachments end to end with the real client library (issue 16): a device
# saves a note with two images offline (a JPEG carrying GPS Exif tags, a
# PNG with text chunks), then syncs through a proxy that cuts the upload at
# random offsets and through a server SIGKILL; both images arrive exactly
# once, byte-identical but for the removed metadata, and leave the device.
FN_SUITE=attach_client
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/test_client.inc"

TOOL="$FN_PY tests/integration/attach_tool.py"

# sup_get PATH: GET as super1 on the side server; body in $BODY.
sup_get() {
	login super1 "$PW_SUPER" >/dev/null || return 1
	req GET "$1" -H "Authorization: Bearer $TOKEN"
}

test_two_images_through_cuts_and_sigkill() {
	local data=$FN_TMP/side-data d=cam
	side_start "$data" || return 1
	PAD=150000 $TOOL mkjpeg "$FN_TMP/a.jpg" "$FN_TMP/a.kept.jpg" &&
	PAD=100000 $TOOL mkpng "$FN_TMP/b.png" "$FN_TMP/b.kept.png" || return 1
	devlogin $d || { side_stop; return 1; }
	# offline from here: the files and the note go into the device's store
	local ea eb id
	ea=$(DEV_URL=https://localhost:1 dev $d attach add "$FN_TMP/a.jpg" image/jpeg "Three houses") &&
	eb=$(DEV_URL=https://localhost:1 dev $d attach add "$FN_TMP/b.png" image/png) ||
		{ fail "attach add failed"; side_stop; return 1; }
	notejson "n['attachments']=[$ea, $eb]" >"$FN_TMP/n.json" &&
	id=$(DEV_URL=https://localhost:1 dev $d note add --json "$FN_TMP/n.json") ||
		{ fail "note add with attachments failed"; side_stop; return 1; }
	local aid
	aid=$(summary_get "$ea" "j['id']")
	DEV_URL=https://localhost:1 dev $d attach get "$aid" "$FN_TMP/back.jpg" >/dev/null &&
		cmp -s "$FN_TMP/back.jpg" "$FN_TMP/a.jpg" || { fail "attach get does not give the bytes back"; side_stop; return 1; }
	! grep -qa "Three houses" "$FN_TMP/$d/data.mdb" || { fail "attachment stored in plaintext"; side_stop; return 1; }
	# three syncs whose every connection is cut (client to server) at a random
	# offset under 80 KB: a sync carries at most two connections, so the
	# 250 KB of images need several syncs, each resuming at the server's offset
	local k at
	for k in 1 2 3; do
		at=$((20000 + RANDOM % 60000))
		proxy_start --mode cut --dir up --at $at --conn 0 || { side_stop; return 1; }
		DEV_URL=$PROXY_URL DEV_ATTEMPTS=1 DEV_TIMEOUT=3000 dev $d sync >"$FN_TMP/cut.err" 2>&1
		proxy_stop
		if [ $k = 1 ]; then # two cut connections cannot carry it all
			sup_get "/v1/notes/$id" || { side_stop; return 1; }
			[ "$(json_get 'j["attachment_pending"]')" = true ] || { fail "cut at $at, yet nothing pending: $STATUS $(cat "$BODY") $(cat "$FN_TMP/cut.err")"; side_stop; return 1; }
		fi
	done
	# the server is killed with whatever is in flight, and comes back
	proxy_start --mode slow --rate 200000 --conn 0 || { side_stop; return 1; }
	DEV_URL=$PROXY_URL DEV_ATTEMPTS=1 dev $d sync >/dev/null 2>&1 &
	local sp=$!
	sleep 0.3
	kill -KILL "$SIDE_PID"
	wait "$SIDE_PID" 2>/dev/null
	wait $sp 2>/dev/null
	proxy_stop
	SIDE_PID=
	side_start "$data" || return 1
	dev $d sync >"$FN_TMP/sync.out" 2>&1 || { fail "final sync: $(cat "$FN_TMP/sync.out")"; side_stop; return 1; }
	DEV_URL=$URL dev $d attach get "$aid" >"$FN_TMP/state.json" || { side_stop; return 1; }
	[ "$(summary_get "$(cat "$FN_TMP/state.json")" "j['uploaded']")" = True ] ||
		{ fail "not marked uploaded: $(cat "$FN_TMP/state.json")"; side_stop; return 1; }
	sup_get "/v1/notes/$id" || { side_stop; return 1; }
	[ "$(json_get 'j["attachment_pending"]')" = false ] || { fail "pending after sync: $(cat "$BODY")"; side_stop; return 1; }
	local bid
	bid=$(summary_get "$eb" "j['id']")
	req GET "/v1/notes/$id/attachments/$aid" -H "Authorization: Bearer $TOKEN"
	cmp -s "$BODY" "$FN_TMP/a.kept.jpg" || { fail "the JPEG differs from the original less its metadata"; side_stop; return 1; }
	! grep -qa -e Exif -e 51.5N "$BODY" || { fail "GPS metadata reached the server"; side_stop; return 1; }
	req GET "/v1/notes/$id/attachments/$bid" -H "Authorization: Bearer $TOKEN"
	cmp -s "$BODY" "$FN_TMP/b.kept.png" || { fail "the PNG differs from the original less its metadata"; side_stop; return 1; }
	"$FN_BIN" backup --data "$data" --out "$FN_TMP/b.fnb" --unencrypted >"$FN_TMP/backup.out" 2>&1
	grep -q 'attach.refs 2' "$FN_TMP/backup.out" && grep -q 'attach.blobs 2' "$FN_TMP/backup.out" &&
		grep -q 'attach.chunks 0' "$FN_TMP/backup.out" ||
		{ fail "not exactly once: $(grep -o 'attach[.a-z]* [0-9]*' "$FN_TMP/backup.out" | tr '\n' ' ')"; side_stop; return 1; }
	side_stop
}

# upload_requests: requests to /v1/uploads* the suite's server answered.
upload_requests() {
	curl -sS --cacert "$FN_CA" -H "Authorization: Bearer $FN_METRICS_TOKEN" "$URL/metrics" |
		awk '/^fieldnote_request_duration_seconds_count\{.*route="\/v1\/uploads/ { s += $NF } END { print s + 0 }'
}

# A file the server refuses (a PNG labelled JPEG: 415 when it completes)
# stays on the device marked refused with the server's reason, is counted
# as refused (fn_outbox_count_attachments), and is not sent again; the
# good one beside it goes, and the rows say pending / refused / sent.
test_refused_attachment_is_kept_counted_and_not_resent() {
	local d=refuser id eb eg bad good
	$TOOL mkpng "$FN_TMP/r.png" && $TOOL mkjpeg "$FN_TMP/ok.jpg" || return 1
	devlogin $d || return 1
	eb=$(dev $d attach add "$FN_TMP/r.png" image/jpeg) && eg=$(dev $d attach add "$FN_TMP/ok.jpg" image/jpeg) ||
		{ fail "attach add failed"; return 1; }
	bad=$(summary_get "$eb" "j['id']") good=$(summary_get "$eg" "j['id']")
	notejson "n['attachments']=[$eb, $eg]" >"$FN_TMP/nr.json" &&
		id=$(dev $d note add --json "$FN_TMP/nr.json") || { fail "note add failed"; return 1; }
	[ "$(dev $d attach count)" = '{"queued":2,"refused":0}' ] || { fail "before sync: $(dev $d attach count 2>&1)"; return 1; }
	dev $d sync >"$FN_TMP/s1.out" 2>&1
	[ "$(dev $d attach count)" = '{"queued":0,"refused":1}' ] ||
		{ fail "after sync: $(dev $d attach count 2>&1) $(cat "$FN_TMP/s1.out")"; return 1; }
	[ "$(dev $d outbox count)" = '{"queued":0,"refused":0}' ] || { fail "notes: $(dev $d outbox count)"; return 1; }
	dev $d attach get "$bad" "$FN_TMP/back.png" >"$FN_TMP/st.json" || { fail "attach get of the refused file"; return 1; }
	cmp -s "$FN_TMP/back.png" "$FN_TMP/r.png" || { fail "the refused file's bytes left the device"; return 1; }
	[ "$(summary_get "$(cat "$FN_TMP/st.json")" "j['state']")" = refused ] &&
		summary_get "$(cat "$FN_TMP/st.json")" "j['reason']" | grep -q UNSUPPORTED_MEDIA_TYPE ||
		{ fail "not refused with the server's reason: $(cat "$FN_TMP/st.json")"; return 1; }
	[ "$(summary_get "$(dev $d attach list)" "sorted((i['id'] == '$bad', i['state']) for i in j['items'])")" = \
		"[(False, 'sent'), (True, 'refused')]" ] || { fail "list: $(dev $d attach list)"; return 1; }
	local n1 n2
	n1=$(upload_requests)
	dev $d sync >"$FN_TMP/s2.out" 2>&1
	n2=$(upload_requests)
	[ -n "$n1" ] && [ "$n1" = "$n2" ] || { fail "the refused file was sent again ($n1 then $n2 upload requests)"; return 1; }
	[ "$(dev $d attach count)" = '{"queued":0,"refused":1}' ] || { fail "after a second sync: $(dev $d attach count)"; return 1; }
	# the app deletes it; a pending one of a saved note cannot be
	dev $d attach delete "$bad" && [ "$(dev $d attach count)" = '{"queued":0,"refused":0}' ] &&
		! dev $d attach get "$bad" >/dev/null 2>&1 || { fail "the refused attachment was not deleted"; return 1; }
	local ep
	ep=$(dev $d attach add "$FN_TMP/ok.jpg" image/jpeg) || return 1
	notejson "n['attachments']=[$ep]" >"$FN_TMP/np.json" && dev $d note add --json "$FN_TMP/np.json" >/dev/null || return 1
	! dev $d attach delete "$(summary_get "$ep" "j['id']")" 2>/dev/null || fail "a pending attachment of a saved note was deleted"
}

run_suite
