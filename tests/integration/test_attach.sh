#!/usr/bin/env bash
# Attachments (issue 16) against the real server: tus 1.0 uploads in
# chunks, resuming after a cut and after a SIGKILL, image metadata removed,
# content stored once, the note's "attachment pending" state, reads under
# the note's rules (audited, no-store), and refusals that keep nothing.
# Files and the tus client: tests/integration/attach_tool.py.
FN_SUITE=attach
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/attach.inc"
sha() { sha256sum "$1" | cut -d' ' -f1; }
NOW=$(date +%s)
T0=$((NOW - 3600))
MAXB=20000 # attachment_max_bytes for this suite

setup_files() {
	$TOOL mkjpeg "$FN_TMP/gps.jpg" "$FN_TMP/gps.kept.jpg" &&
	$TOOL mkpng "$FN_TMP/text.png" "$FN_TMP/text.kept.png"
}

# att_json ID FILE TYPE: one entry of a note's attachments list (Python).
att_json() {
	echo "{'id':'$1','sha256':'$(sha "$2")','size':$(stat -c %s "$2"),'media_type':'$3'}"
}

# note_with ID ATT...: posts a note listing those attachments as officer1.
note_with() {
	local id=$1
	shift
	local list
	list=$(IFS=,; echo "$*")
	post_note "$(mknote "$id" C-700-AT "$T0" "n['attachments']=[$list]")"
	[ "$STATUS" = 201 ] || [ "$STATUS" = 200 ] || fail "note $id: $STATUS $(cat "$BODY")"
}

# Each user signs in once (sign-ins are throttled and cost an Argon2 hash);
# as USER picks that session's token.
declare -A TOK
sign_in_all() {
	local u pw
	for u in officer1:$PW_OFFICER super1:$PW_SUPER admin1:$PW_ADMIN officer2:other-pass-1 super2:other-pass-2; do
		login "${u%%:*}" "${u#*:}" || return 1
		TOK[${u%%:*}]=$TOKEN
	done
}
as() { TOKEN=${TOK[$1]}; }

test_images_arrive_without_metadata_and_pending_clears() {
	setup_files && as officer1 || return 1
	note_with n-img "$(att_json a1 "$FN_TMP/gps.jpg" image/jpeg)" "$(att_json a2 "$FN_TMP/text.png" image/png)" || return 1
	up "$FN_TMP/gps.jpg" n-img a1 image/jpeg --chunk 64 || { up_out; fail "jpeg upload failed"; return 1; }
	as super1 || return 1
	req GET /v1/notes/n-img -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	[ "$(json_get 'j["attachment_pending"]')" = true ] || { fail "one image missing, not pending: $(cat "$BODY")"; return 1; }
	[ "$(json_get '[a["pending"] for a in j["attachments"]]')" = "[False, True]" ] || { fail "states: $(cat "$BODY")"; return 1; }
	as officer1 || return 1
	up "$FN_TMP/text.png" n-img a2 image/png --chunk 50 || { up_out; fail "png upload failed"; return 1; }
	as super1 || return 1
	req GET /v1/notes/n-img -H "Authorization: Bearer $TOKEN"
	[ "$(json_get 'j["attachment_pending"]')" = false ] || { fail "both stored, still pending: $(cat "$BODY")"; return 1; }
	req GET /v1/notes/n-img/attachments/a1 -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	cmp -s "$BODY" "$FN_TMP/gps.kept.jpg" || { fail "served JPEG is not the original less its metadata"; return 1; }
	! grep -qa -e Exif -e 51.5N "$BODY" || { fail "GPS metadata still in the JPEG"; return 1; }
	grep -qi '^Cache-Control: no-store' "$HDRS" && grep -qi '^Content-Type: image/jpeg' "$HDRS" &&
		grep -qi "^Content-Security-Policy: default-src 'none'" "$HDRS" || { fail "headers: $(cat "$HDRS")"; return 1; }
	req GET /v1/notes/n-img/attachments/a2 -H "Authorization: Bearer $TOKEN"
	cmp -s "$BODY" "$FN_TMP/text.kept.png" || { fail "served PNG is not the original less tEXt and eXIf"; return 1; }
	as admin1 || return 1
	req GET '/v1/audit?limit=1000' -H "Authorization: Bearer $TOKEN"
	[ "$(json_get 'len([e for e in j["items"] if e["action"]=="attachment.read" and e["actor"]=="super1"])')" = 2 ] ||
		fail "the two reads are not audited"
}

test_resume_after_cut_wrong_offset_and_bad_checksum() {
	setup_files && as officer1 || return 1
	up_stopped 100 "first chunk not acknowledged" "$FN_TMP/gps.jpg" n-res r1 image/jpeg --chunk 100 --stop-after 1 ||
		return 1
	local loc=$LOC
	# a chunk at a stale offset is refused and says where the upload is
	req PATCH "$loc" -H "Authorization: Bearer $TOKEN" -H 'Tus-Resumable: 1.0.0' \
		-H 'Content-Type: application/offset+octet-stream' -H 'Upload-Offset: 0' \
		-H "Upload-Checksum: sha256 $(printf x | openssl dgst -sha256 -binary | base64)" --data-binary x
	expect_error 409 CONFLICT || return 1
	grep -qi '^Upload-Offset: 100' "$HDRS" || { fail "409 without the offset: $(cat "$HDRS")"; return 1; }
	# the device lost the address: creating again finds the same upload
	up "$FN_TMP/gps.jpg" n-res r1 image/jpeg --chunk 100 --bad-checksum
	grep -q '^POST 201 offset=100' "$FN_TMP/up.out" || { up_out; fail "did not resume at 100"; return 1; }
	grep -q '^PATCH 422' "$FN_TMP/up.out" || { up_out; fail "a wrong chunk checksum was accepted"; return 1; }
	req HEAD "$loc" -H "Authorization: Bearer $TOKEN" -H "Tus-Resumable: 1.0.0" -I
	grep -qi '^Upload-Offset: 100' "$HDRS" || { fail "a refused chunk moved the offset: $(cat "$HDRS")"; return 1; }
	up "$FN_TMP/gps.jpg" n-res r1 image/jpeg --chunk 100 || { up_out; fail "resume failed"; return 1; }
	grep -q '^POST 201 offset=100' "$FN_TMP/up.out" || { up_out; fail "did not resume at 100"; return 1; }
	# done: a new create answers at once with the whole length
	up "$FN_TMP/gps.jpg" n-res r1 image/jpeg
	grep -q "^POST 201 offset=$(stat -c %s "$FN_TMP/gps.jpg")" "$FN_TMP/up.out" || { up_out; fail "stored upload not reported done"; return 1; }
}

test_same_content_is_stored_once() {
	setup_files && as officer1 || return 1
	up "$FN_TMP/gps.jpg" n-dup d1 image/jpeg --chunk 4000 && up "$FN_TMP/gps.jpg" n-dup2 d2 image/jpeg --chunk 4000 ||
		{ up_out; fail "uploads failed"; return 1; }
	# blobs by content: the JPEG of the other tests and this one are one blob
	"$FN_BIN" backup --data "$FN_TMP/data" --out "$FN_TMP/b.fnb" --unencrypted >"$FN_TMP/backup.out" 2>&1 ||
		{ cat "$FN_TMP/backup.out" >&2; fail "backup failed"; return 1; }
	local refs blobs
	refs=$(grep -o 'attach.refs [0-9]*' "$FN_TMP/backup.out" | awk '{print $2}')
	blobs=$(grep -o 'attach.blobs [0-9]*' "$FN_TMP/backup.out" | awk '{print $2}')
	[ -n "$refs" ] && [ "$refs" -ge 2 ] || { fail "references: $(cat "$FN_TMP/backup.out")"; return 1; }
	[ "$blobs" -le 2 ] || fail "$refs references of one JPEG and one PNG make $blobs blobs"
}

# expect_refused FILE TYPE STATUS NAME [upload options]: the upload fails
# with that error and nothing of it remains (its address answers 404).
expect_refused() {
	local file=$1 type=$2 status=$3 name=$4 id
	shift 4
	id=ref-$RANDOM
	up "$file" n-bad "$id" "$type" --chunk 100 "$@" && { up_out; fail "$file as $type was accepted"; return 1; }
	grep -qE "^(POST|PATCH) $status" "$FN_TMP/up.out" && grep -q "\"name\":\"$name\"" "$FN_TMP/up.out" ||
		{ up_out; fail "expected $status $name"; return 1; }
	local loc
	loc=$(grep -o '/v1/uploads/[0-9a-f]*' "$FN_TMP/up.out" | head -1)
	[ -z "$loc" ] && return 0 # refused at creation
	req HEAD "/v1/uploads/${loc##*/}" -H "Authorization: Bearer $TOKEN" -H "Tus-Resumable: 1.0.0" -I
	expect_status 404 || fail "a refused upload is still there"
}

test_mislabelled_truncated_oversized_and_wrong_sha_keep_nothing() {
	setup_files && as officer1 || return 1
	head -c 200 "$FN_TMP/gps.jpg" >"$FN_TMP/cut.jpg"
	head -c $((MAXB + 1)) /dev/zero >"$FN_TMP/big.jpg"
	printf 'MZ not an image at all' >"$FN_TMP/exe.jpg"
	expect_refused "$FN_TMP/text.png" image/jpeg 415 UNSUPPORTED_MEDIA_TYPE || return 1
	expect_refused "$FN_TMP/cut.jpg" image/jpeg 415 UNSUPPORTED_MEDIA_TYPE || return 1
	expect_refused "$FN_TMP/exe.jpg" image/jpeg 415 UNSUPPORTED_MEDIA_TYPE || return 1
	expect_refused "$FN_TMP/big.jpg" image/jpeg 413 PAYLOAD_TOO_LARGE || return 1
	expect_refused "$FN_TMP/gps.jpg" image/gif 415 UNSUPPORTED_MEDIA_TYPE || return 1
	expect_refused "$FN_TMP/gps.jpg" image/jpeg 422 VALIDATION_FAILED --sha "$(sha "$FN_TMP/text.png")" || return 1
	note_with n-bad "$(att_json x1 "$FN_TMP/text.png" image/jpeg)" || return 1
	req GET /v1/notes/n-bad -H "Authorization: Bearer $TOKEN"
	[ "$(json_get 'j["attachment_pending"]')" = true ] || fail "a refused file counts as stored: $(cat "$BODY")"
}

test_tus_headers_are_checked() {
	as officer1 || return 1
	req OPTIONS /v1/uploads
	expect_status 204 && grep -qi '^Tus-Version: 1.0.0' "$HDRS" && grep -qi '^Tus-Extension: creation,checksum' "$HDRS" ||
		{ fail "OPTIONS: $(cat "$HDRS")"; return 1; }
	req POST /v1/uploads -H "Authorization: Bearer $TOKEN" -H 'Upload-Length: 10'
	expect_error 400 BAD_REQUEST || return 1
	req POST /v1/uploads -H "Authorization: Bearer $TOKEN" -H 'Tus-Resumable: 1.0.0' -H 'Upload-Length: 10' \
		-H 'Upload-Metadata: note_id !!!!'
	expect_error 400 BAD_REQUEST || return 1
	req POST /v1/uploads -H "Authorization: Bearer $TOKEN" -H 'Tus-Resumable: 1.0.0' -H 'Upload-Length: -1' \
		-H 'Upload-Metadata: note_id bi0x'
	expect_error 400 BAD_REQUEST || return 1
	as super1 || return 1
	req POST /v1/uploads -H "Authorization: Bearer $TOKEN" -H 'Tus-Resumable: 1.0.0' -H 'Upload-Length: 10'
	expect_error 403 FORBIDDEN
}

test_other_users_cannot_read_or_resume() {
	setup_files && as officer1 || return 1
	note_with n-own "$(att_json o1 "$FN_TMP/gps.jpg" image/jpeg)" || return 1
	up "$FN_TMP/gps.jpg" n-own o1 image/jpeg --chunk 100 --stop-after 1
	local loc
	loc=$(sed -n 's/^STOP.*location=//p' "$FN_TMP/up.out")
	as officer2 || return 1
	req HEAD "$loc" -H "Authorization: Bearer $TOKEN" -H "Tus-Resumable: 1.0.0" -I
	expect_status 404 || return 1
	req GET /v1/notes/n-img/attachments/a1 -H "Authorization: Bearer $TOKEN"
	expect_error 404 NOT_FOUND || return 1
	as super2 || return 1
	req GET /v1/notes/n-img/attachments/a1 -H "Authorization: Bearer $TOKEN"
	expect_error 404 NOT_FOUND
}

# The server is killed (SIGKILL) with an upload half done; after a restart
# HEAD gives the last acknowledged offset and the upload completes once.
test_upload_survives_sigkill() {
	setup_files && as officer1 || return 1
	up_stopped 120 "no partial upload" "$FN_TMP/gps.jpg" n-kill k1 image/jpeg --chunk 60 --stop-after 2 || return 1
	local loc=$LOC
	kill -KILL "$FN_PID" && wait "$FN_PID" 2>/dev/null
	fn_start --attachment-max-bytes $MAXB || return 1
	as officer1 || return 1
	req HEAD "$loc" -H "Authorization: Bearer $TOKEN" -H "Tus-Resumable: 1.0.0" -I
	expect_status 200 && grep -qi '^Upload-Offset: 120' "$HDRS" || { fail "after SIGKILL: $(cat "$HDRS")"; return 1; }
	up "$FN_TMP/gps.jpg" n-kill k1 image/jpeg --chunk 60 || { up_out; fail "resume after SIGKILL failed"; return 1; }
	grep -q '^POST 201 offset=120' "$FN_TMP/up.out" || { up_out; fail "did not resume at 120"; return 1; }
	as super1 || return 1
	req GET /v1/notes/n-kill/attachments/k1 -H "Authorization: Bearer $TOKEN"
	# no note yet: the attachment waits for it (stored, not shown)
	expect_status 404 || return 1
	as officer1 && note_with n-kill "$(att_json k1 "$FN_TMP/gps.jpg" image/jpeg)" || return 1
	as super1 || return 1
	req GET /v1/notes/n-kill/attachments/k1 -H "Authorization: Bearer $TOKEN"
	expect_status 200 && cmp -s "$BODY" "$FN_TMP/gps.kept.jpg" || fail "after SIGKILL the image differs"
}

extra_users() {
	fn_store_users \
		"officer2 other-pass-1 officer --team south" \
		"super2 other-pass-2 supervisor --team south"
}

# The SIGKILL test restarts the server, so it runs last, in this shell.
main() {
	extra_users || { fn_record setup 1; return 1; }
	if ! fn_start --attachment-max-bytes $MAXB || ! sign_in_all; then
		fn_record server_start 1
		return 1
	fi
	local t
	for t in $(declare -F | awk '{print $3}' | grep '^test_' | grep -v sigkill) test_upload_survives_sigkill; do
		if [ "$t" = test_upload_survives_sigkill ]; then
			run_test "$t" inline
		else
			run_test "$t"
		fi
	done
	stop_suite
}
main
