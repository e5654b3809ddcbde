#!/usr/bin/env bash
# How an unfinished upload ends (issue 16): tus "termination" (DELETE by
# the device that created it) and "expiration" (Upload-Expires; abandoned
# uploads are swept), and the quota the partial bytes hold until then.
# The server's clock is moved (clock_advance), never waited for. Its own
# suite: moving the clock would end the other suites' sessions.
FN_SUITE=attach_end
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/attach.inc"
QUOTA=6000 # attachment_user_quota: one 4 KB upload fits, two do not (per user)

# login_dev USER PASSWORD DEVICE: a session from that device; sets TOKEN.
login_dev() {
	req POST /v1/session -H 'Content-Type: application/json' \
		-d "{\"username\":\"$1\",\"password\":\"$2\",\"device_id\":\"$3\"}"
	[ "$STATUS" = 201 ] || { fail "login $1 on $3: status $STATUS: $(cat "$BODY")"; return 1; }
	TOKEN=$(json_get token)
}

declare -A TOK
sign_in_all() {
	login_dev officer1 "$PW_OFFICER" dev-a && TOK[a]=$TOKEN &&
	login_dev officer1 "$PW_OFFICER" dev-b && TOK[b]=$TOKEN &&
	login_dev officer2 other-pass-1 dev-c && TOK[o2]=$TOKEN
}
as() { TOKEN=${TOK[$1]}; }

# partial NOTE ATT PAD: a 4 KB JPEG, its first 1000 bytes sent; sets LOC.
partial() {
	PAD=$3 $TOOL mkjpeg "$FN_TMP/$2.jpg" || return 1
	up_stopped 1000 "no partial upload of $2" "$FN_TMP/$2.jpg" "$1" "$2" image/jpeg --chunk 1000 --stop-after 1
}

# create_status NOTE ATT PAD: the status of creating an upload of a new 4 KB JPEG.
create_status() {
	PAD=$3 $TOOL mkjpeg "$FN_TMP/$2.jpg" || return 1
	up "$FN_TMP/$2.jpg" "$1" "$2" image/jpeg --chunk 1000 --stop-after 0
	sed -n 's/^POST \([0-9]*\).*/\1/p' "$FN_TMP/up.out"
}

head_status() {
	req HEAD "$1" -H "Authorization: Bearer $TOKEN" -H "Tus-Resumable: 1.0.0" -I
	echo "$STATUS"
}

del() {
	req DELETE "$1" -H "Authorization: Bearer $TOKEN" -H "Tus-Resumable: 1.0.0"
}

test_termination_by_its_own_device_only() {
	req OPTIONS /v1/uploads
	grep -qi '^Tus-Extension: creation,checksum,termination,expiration' "$HDRS" ||
		{ fail "OPTIONS: $(cat "$HDRS")"; return 1; }
	as a && partial n-t1 t1 4000 || return 1
	local loc=$LOC
	as b && del "$loc"
	expect_error 404 NOT_FOUND || { fail "another device of the same user deleted the upload"; return 1; }
	as o2 && del "$loc"
	expect_error 404 NOT_FOUND || { fail "another user deleted the upload"; return 1; }
	as a && del "$loc"
	expect_status 204 || return 1
	grep -qi '^Tus-Resumable: 1.0.0' "$HDRS" || { fail "204 without Tus-Resumable: $(cat "$HDRS")"; return 1; }
	[ "$(head_status "$loc")" = 404 ] || { fail "a deleted upload still answers HEAD"; return 1; }
	del "$loc"
	expect_error 404 NOT_FOUND || return 1
	del /v1/uploads/zz
	expect_error 404 NOT_FOUND || return 1
	# the same attachment starts again from 0 (nothing of the old one kept)
	up "$FN_TMP/t1.jpg" n-t1 t1 image/jpeg --chunk 5000 || { up_out; fail "upload after delete"; return 1; }
	grep -q '^POST 201 offset=0' "$FN_TMP/up.out" || { up_out; fail "did not start again at 0"; return 1; }
	# a finished upload is the note's now: not deleted this way
	del "$(loc_of)"
	expect_error 409 CONFLICT || return 1
	up "$FN_TMP/t1.jpg" n-t1 t1 image/jpeg
	grep -q "^POST 201 offset=$(stat -c %s "$FN_TMP/t1.jpg")" "$FN_TMP/up.out" || { up_out; fail "the stored attachment is gone"; return 1; }
}

# The declared length is reserved against the quota while the upload
# exists: a second one does not fit until the first is deleted.
test_partial_bytes_count_against_quota_until_deleted() {
	as o2 && partial n-q1 q1 4001 || return 1
	local loc=$LOC
	[ "$(create_status n-q1 q2 4002)" = 413 ] || { up_out; fail "a second upload passed the quota"; return 1; }
	grep -q attachment_user_quota "$FN_TMP/up.out" || { up_out; fail "413 does not name the quota"; return 1; }
	del "$loc"
	expect_status 204 || return 1
	[ "$(create_status n-q1 q2 4002)" = 201 ] || { up_out; fail "the deleted upload still holds the quota"; return 1; }
	del "$(loc_of)"
	expect_status 204
}

# rfc7231_epoch DATE: seconds since the epoch of an IMF-fixdate, or nothing.
rfc7231_epoch() {
	$PY -c 'import sys, email.utils as e; d=e.parsedate_to_datetime(sys.argv[1]); assert sys.argv[1].endswith(" GMT"); print(int(d.timestamp()))' "$1" 2>/dev/null
}

expires_hdr() { sed -n 's/^[Uu]pload-[Ee]xpires: *\(.*\)\r$/\1/p' "$HDRS"; }

# Upload-Expires on create, PATCH and HEAD (creation + upload_expiry_hours,
# one hour here); past it the upload answers 404, and the next create
# sweeps it, giving its quota back. A finished upload does not expire.
test_abandoned_upload_expires_and_frees_quota() {
	as o2 && partial n-e1 e1 4003 || return 1
	local loc=$LOC now exp
	now=$(date +%s)
	req HEAD "$loc" -H "Authorization: Bearer $TOKEN" -H "Tus-Resumable: 1.0.0" -I
	exp=$(rfc7231_epoch "$(expires_hdr)")
	[ -n "$exp" ] && [ "$exp" -ge $((now + 3590)) ] && [ "$exp" -le $((now + 3610)) ] ||
		{ fail "HEAD Upload-Expires is not an RFC 7231 date an hour ahead: $(cat "$HDRS")"; return 1; }
	req POST /v1/uploads -H "Authorization: Bearer $TOKEN" -H 'Tus-Resumable: 1.0.0' -H 'Upload-Length: 10' \
		-H "Upload-Metadata: note_id $(printf n-e2 | base64),id $(printf e2 | base64),sha256 $(printf '%064d' 0 | base64 -w0),media_type $(printf image/png | base64)"
	expect_status 201 && [ -n "$(rfc7231_epoch "$(expires_hdr)")" ] || { fail "POST without Upload-Expires: $(cat "$HDRS")"; return 1; }
	local small=$(sed -n 's/^[Ll]ocation: *\(.*\)\r$/\1/p' "$HDRS")
	local piece=0123456789
	req PATCH "$small" -H "Authorization: Bearer $TOKEN" -H 'Tus-Resumable: 1.0.0' \
		-H 'Content-Type: application/offset+octet-stream' -H 'Upload-Offset: 0' \
		-H "Upload-Checksum: sha256 $(printf 01234 | openssl dgst -sha256 -binary | base64)" --data-binary 01234
	expect_status 204 && [ -n "$(rfc7231_epoch "$(expires_hdr)")" ] || { fail "PATCH without Upload-Expires: $(cat "$HDRS")"; return 1; }
	# officer2 has 4 KB + 10 bytes reserved: another 4 KB upload is over the quota
	[ "$(create_status n-e3 e3 4004)" = 413 ] || { up_out; fail "quota not held by the partial upload"; return 1; }
	clock_advance 3700
	[ "$(head_status "$loc")" = 404 ] || { fail "an expired upload still answers HEAD"; return 1; }
	req PATCH "$small" -H "Authorization: Bearer $TOKEN" -H 'Tus-Resumable: 1.0.0' \
		-H 'Content-Type: application/offset+octet-stream' -H 'Upload-Offset: 5' \
		-H "Upload-Checksum: sha256 $(printf 56789 | openssl dgst -sha256 -binary | base64)" --data-binary 56789
	expect_error 404 NOT_FOUND || { fail "an expired upload took a chunk"; return 1; }
	# the next create sweeps both away and their reservations with them
	[ "$(create_status n-e3 e3 4004)" = 201 ] || { up_out; fail "expired uploads still hold the quota"; return 1; }
	local last=$(loc_of)
	up "$FN_TMP/e3.jpg" n-e3 e3 image/jpeg --chunk 5000 || { up_out; fail "upload after the sweep"; return 1; }
	"$FN_BIN" backup --data "$FN_TMP/data" --out "$FN_TMP/b.fnb" --unencrypted >"$FN_TMP/backup.out" 2>&1 ||
		{ fail "backup: $(cat "$FN_TMP/backup.out")"; return 1; }
	grep -q 'attach.chunks 0' "$FN_TMP/backup.out" && grep -q 'attach.pending 0' "$FN_TMP/backup.out" ||
		{ fail "expired chunks kept: $(grep -o 'attach[.a-z]* [0-9]*' "$FN_TMP/backup.out" | tr '\n' ' ')"; return 1; }
	# finished: no expiry, HEAD still answers after another hour
	clock_advance 3700
	req HEAD "$last" -H "Authorization: Bearer $TOKEN" -H "Tus-Resumable: 1.0.0" -I
	[ "$STATUS" = 200 ] && [ -z "$(expires_hdr)" ] || { fail "a finished upload expired: $STATUS $(cat "$HDRS")"; return 1; }
}

main() {
	local d=$FN_TMP/data
	fn_store "$d" &&
		echo other-pass-1 | "$FN_BIN" user add --data "$d" --username officer2 --role officer --team south $FN_FAST >/dev/null ||
		{ fn_record setup 1; return 1; }
	if ! fn_start --attachment-user-quota $QUOTA --upload-expiry-hours 1 || ! sign_in_all; then
		fn_record server_start 1
		return 1
	fi
	local t
	# the expiry test moves the clock: it runs last
	for t in test_termination_by_its_own_device_only test_partial_bytes_count_against_quota_until_deleted \
		test_abandoned_upload_expires_and_frees_quota; do
		run_test "$t"
	done
	stop_suite
}
main
