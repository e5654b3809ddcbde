#!/usr/bin/env bash
# Security and audit: the access matrix, the token lifecycle, device
# revocation, login throttling, device certificates, the audit chain and
# a canary that must appear in no log and no non-note database.
FN_SUITE=security
source "$(dirname "$0")/../lib.sh"

NOW=$(date +%s)
CANARY_NOTE="CANARY-NOTE-$RANDOM$RANDOM"
CANARY_PW="canary-pw-$RANDOM$RANDOM"

setup() {
	fn_store_users \
		"officer2 other-pass-1 officer --team south" \
		"super2 other-pass-2 supervisor --team south" \
		"officer3 other-pass-3 officer --team north" \
		"worker4 other-pass-4 worker --team north" \
		"canary1 $CANARY_PW officer --team north" \
		"mash1 partner-pass-5 partner --agency mash"
}

pw_of() {
	case $1 in
	officer1) echo "$PW_OFFICER" ;; super1) echo "$PW_SUPER" ;; admin1) echo "$PW_ADMIN" ;;
	officer2) echo other-pass-1 ;; super2) echo other-pass-2 ;; officer3) echo other-pass-3 ;;
	worker4) echo other-pass-4 ;; canary1) echo "$CANARY_PW" ;; mash1) echo partner-pass-5 ;;
	esac
}

# The whole table: USER METHOD PATH BODY EXPECTED-STATUS. Notes: mx-own is
# officer1's (team north); mx-w is worker4's (team north).
test_access_matrix() {
	login officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote mx-own C-500-AA $((NOW - 86400)))"
	expect_status 201 || return 1
	login worker4 other-pass-4 || return 1
	post_note "$(mknote mx-w C-501-AA $((NOW - 86400)) "n['author']='worker4'; n['agency']='social-care'")"
	expect_status 201 || return 1
	local note; note=$(mknote mx-new-USER C-502-AA $((NOW - 86400)) "n['author']='USER'")
	# mx-esc: officer1's note, escalated by super1 (ESC in a path is its id).
	login officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote mx-esc C-503-AA $((NOW - 86400)))"
	login super1 "$PW_SUPER" || return 1
	req POST /v1/notes/mx-esc/review -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d '{"revision":1,"decision":"escalated","target":"mash","stage":1}'
	expect_status 201 || return 1
	local esc; esc=$(json_get escalation) || return 1
	local rows="
officer1 GET /v1/notes/mx-own - 200
officer3 GET /v1/notes/mx-own - 404
officer2 GET /v1/notes/mx-own - 404
worker4  GET /v1/notes/mx-own - 404
super1   GET /v1/notes/mx-own - 200
super2   GET /v1/notes/mx-own - 404
admin1   GET /v1/notes/mx-own - 404
worker4  GET /v1/notes/mx-w - 200
officer1 GET /v1/notes/mx-w - 404
super1   GET /v1/notes/mx-w - 200
super2   GET /v1/notes/mx-w - 404
officer1 POST /v1/notes/mx-own/review accept 403
worker4  POST /v1/notes/mx-own/review accept 403
admin1   POST /v1/notes/mx-own/review accept 403
super2   POST /v1/notes/mx-own/review accept 404
super1   POST /v1/notes/mx-own/review accept 201
officer1 GET /v1/review/queue - 403
worker4  GET /v1/review/queue - 403
admin1   GET /v1/review/queue - 403
super1   GET /v1/review/queue - 200
super2   GET /v1/review/queue - 200
officer1 GET /v1/children/C-500-AA/contacts - 403
worker4  GET /v1/children/C-500-AA/contacts - 403
admin1   GET /v1/children/C-500-AA/contacts - 403
super1   GET /v1/children/C-500-AA/contacts - 200
super2   GET /v1/children/C-500-AA/contacts - 200
officer1 GET /v1/sync/feedback - 200
worker4  GET /v1/sync/feedback - 200
super1   GET /v1/sync/feedback - 403
admin1   GET /v1/sync/feedback - 403
officer1 POST /v1/notes note 201
worker4  POST /v1/notes note 201
super1   POST /v1/notes note 403
admin1   POST /v1/notes note 403
officer1 GET /v1/audit - 403
worker4  GET /v1/audit - 403
super1   GET /v1/audit - 403
admin1   GET /v1/audit - 200
officer1 POST /v1/admin/devices/spare-1/revoke - 403
super1   POST /v1/admin/devices/spare-1/revoke - 403
admin1   POST /v1/admin/devices/spare-1/revoke - 200
officer1 POST /v1/admin/users/officer2/disable - 403
super1   POST /v1/admin/users/officer2/disable - 403
super1   GET /v1/admin/holds - 403
super1   POST /v1/admin/holds/C-500-AA - 403
super1   DELETE /v1/admin/holds/C-500-AA - 403
super1   GET /v1/admin/children/C-500-AA/export - 403
worker4  GET /v1/admin/holds - 403
worker4  POST /v1/admin/holds/C-500-AA - 403
worker4  GET /v1/admin/children/C-500-AA/export - 403
admin1   GET /v1/admin/holds - 200
admin1   POST /v1/admin/holds/C-500-AA - 200
admin1   DELETE /v1/admin/holds/C-500-AA - 200
admin1   DELETE /v1/admin/holds/C-500-AA - 404
admin1   GET /v1/admin/children/C-500-AA/export - 200
officer1 GET /v1/admin/holds - 403
officer1 POST /v1/admin/holds/C-500-AA - 403
officer1 DELETE /v1/admin/holds/C-500-AA - 403
officer1 GET /v1/admin/children/C-500-AA/export - 403
officer1 POST /v1/admin/users/officer2/password password 403
super1   POST /v1/admin/users/officer2/password password 403
worker4  POST /v1/admin/users/officer2/password password 403
mash1    POST /v1/admin/users/officer2/password password 403
-        POST /v1/admin/users/officer2/password password 401
admin1   POST /v1/admin/users/officer2/password password 200
officer1 GET /v1/admin/guidance - 403
super1   GET /v1/admin/guidance - 403
mash1    GET /v1/admin/guidance - 403
admin1   GET /v1/admin/guidance - 200
officer1 POST /v1/admin/guidance/none-such/withdraw - 403
super1   POST /v1/admin/guidance/none-such/withdraw - 403
worker4  POST /v1/admin/guidance/none-such/withdraw - 403
admin1   POST /v1/admin/guidance/none-such/withdraw - 404
officer1 GET /v1/admin/audit - 403
super1   GET /v1/admin/audit - 403
worker4  GET /v1/admin/audit - 403
mash1    GET /v1/admin/audit - 403
-        GET /v1/admin/audit - 401
admin1   GET /v1/admin/audit?since=0 - 200
officer1 GET /v1/guidance/s136 - 200
worker4  GET /v1/guidance - 200
super1   GET /v1/sync/guidance - 200
admin1   GET /v1/guidance/s136 - 404
mash1    GET /v1/notes/mx-own - 404
mash1    GET /v1/notes/mx-w - 404
mash1    POST /v1/notes note 403
mash1    POST /v1/notes/mx-own/review accept 403
mash1    GET /v1/review/queue - 403
mash1    GET /v1/children/C-500-AA/contacts - 403
mash1    GET /v1/sync/feedback - 403
mash1    GET /v1/audit - 403
mash1    POST /v1/admin/devices/spare-1/revoke - 403
mash1    POST /v1/admin/users/officer2/disable - 403
mash1    GET /v1/guidance - 200
officer1 GET /v1/referrals - 403
worker4  GET /v1/referrals - 403
admin1   GET /v1/referrals - 403
super1   GET /v1/referrals?state=overdue - 200
mash1    GET /v1/referrals?since=0 - 200
officer1 POST /v1/referrals/mx-own/receipt - 403
super1   POST /v1/referrals/mx-own/receipt - 403
admin1   POST /v1/referrals/mx-own/receipt - 403
mash1    POST /v1/referrals/mx-own/receipt - 404
officer1 POST /v1/referrals/mx-own/outcome outcome 403
super1   POST /v1/referrals/mx-own/outcome outcome 403
mash1    POST /v1/referrals/mx-own/outcome outcome 404
officer1 GET /v1/enquiries - 403
super1   GET /v1/enquiries - 403
admin1   GET /v1/enquiries - 403
mash1    GET /v1/enquiries?since=0 - 200
officer1 POST /v1/enquiries/mash-1/requests agency 403
super1   POST /v1/enquiries/mash-1/contributions text 403
admin1   POST /v1/enquiries/mash-1/decision outcome 403
mash1    POST /v1/enquiries/none-such/requests agency 404
mash1    POST /v1/enquiries/none-such/contributions text 404
mash1    POST /v1/enquiries/none-such/decision outcome 404
-        GET /v1/enquiries - 401
-        POST /v1/enquiries/mash-1/decision outcome 401
-        GET /v1/referrals - 401
-        POST /v1/referrals/mx-own/receipt - 401
-        GET /v1/guidance/s136 - 401
-        GET /v1/notes/mx-own - 401
-        POST /v1/notes note 401
-        GET /v1/review/queue - 401
-        GET /v1/audit - 401
-        POST /v1/admin/devices/x/revoke - 401
officer1 GET /v1/escalations - 403
officer1 POST /v1/escalations/ESC/advance advance 403
officer1 POST /v1/escalations/ESC/resolve resolve 403
worker4  GET /v1/escalations - 403
worker4  POST /v1/escalations/ESC/advance advance 403
worker4  POST /v1/escalations/ESC/resolve resolve 403
admin1   GET /v1/escalations - 403
admin1   POST /v1/escalations/ESC/advance advance 403
admin1   POST /v1/escalations/ESC/resolve resolve 403
mash1    GET /v1/escalations - 403
mash1    POST /v1/escalations/ESC/advance advance 403
mash1    POST /v1/escalations/ESC/resolve resolve 403
super2   GET /v1/escalations - 200
super2   POST /v1/escalations/ESC/advance advance 404
super2   POST /v1/escalations/ESC/resolve resolve 404
super1   GET /v1/escalations - 200
super1   POST /v1/escalations/ESC/advance advance 200
super1   POST /v1/escalations/ESC/resolve resolve 200
-        GET /v1/escalations - 401
-        POST /v1/escalations/ESC/advance advance 401
-        POST /v1/escalations/ESC/resolve resolve 401
-        GET /v1/admin/holds - 401
-        POST /v1/admin/holds/C-500-AA - 401
-        DELETE /v1/admin/holds/C-500-AA - 401
-        GET /v1/admin/children/C-500-AA/export - 401
"
	local bad=0 u
	for u in officer1 officer2 officer3 super1 super2 admin1 worker4 canary1 mash1; do
		export "FN_PW_$u=$(pw_of "$u")"
	done
	FN_MATRIX_NOTE=$note FN_MATRIX_ESC=$esc python3 tests/http_matrix.py "$URL" "$FN_CA" <<<"$rows" || bad=$?
	# Other teams' contacts are not listed, and feedback is only one's own.
	login super2 other-pass-2 || return 1
	req GET /v1/children/C-500-AA/contacts -H "Authorization: Bearer $TOKEN"
	[ "$(json_get "len(j['contacts'])")" = 0 ] || { echo "    super2 sees north's contacts" >&2; bad=$((bad + 1)); }
	login officer3 other-pass-3 || return 1
	req GET /v1/sync/feedback -H "Authorization: Bearer $TOKEN"
	[ "$(json_get "len(j['items'])")" = 0 ] || { echo "    officer3 sees officer1's feedback" >&2; bad=$((bad + 1)); }
	[ $bad -eq 0 ] || fail "$bad cells wrong"
}

test_token_is_256_random_bits_and_stored_hashed() {
	login officer1 "$PW_OFFICER" || return 1
	[ ${#TOKEN} -eq 43 ] || { fail "token length ${#TOKEN}"; return 1; }
	mdb_dump -a -p "$FN_TMP/data" 2>/dev/null | grep -qF "$TOKEN" && { fail "token stored in clear"; return 1; }
	return 0
}

test_logout_disable_password_change_and_device_revoke() {
	local t1
	login officer3 other-pass-3 || return 1
	t1=$TOKEN
	# Disabling the user ends the session; enabling does not bring it back.
	login admin1 "$PW_ADMIN" || return 1
	req POST /v1/admin/users/officer3/disable -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	TOKEN=$t1
	req GET /v1/guidance -H "Authorization: Bearer $TOKEN"
	expect_error 401 TOKEN_REVOKED || return 1
	req POST /v1/session -H 'Content-Type: application/json' -d '{"username":"officer3","password":"other-pass-3","device_id":"d"}'
	expect_error 401 UNAUTHORIZED || return 1
	login admin1 "$PW_ADMIN" || return 1
	req POST /v1/admin/users/officer3/enable -H "Authorization: Bearer $TOKEN"
	TOKEN=$t1
	req GET /v1/guidance -H "Authorization: Bearer $TOKEN"
	expect_error 401 TOKEN_REVOKED || return 1
	# A password change ends sessions.
	login officer3 other-pass-3 || return 1
	t1=$TOKEN
	echo new-pass-33 | "$FN_BIN" user add --data "$FN_TMP/data" --username officer3 --role officer --team north --replace $FN_FAST >/dev/null || return 1
	req GET /v1/guidance -H "Authorization: Bearer $t1"
	expect_error 401 TOKEN_REVOKED || return 1
	login officer3 new-pass-33 || return 1
	# A lost device: its sessions end with a distinct error and it cannot sign in.
	req POST /v1/session -H 'Content-Type: application/json' -d '{"username":"officer3","password":"new-pass-33","device_id":"lost-1"}'
	expect_status 201 || return 1
	t1=$(json_get token)
	"$FN_BIN" device revoke --data "$FN_TMP/data" --device lost-1 >/dev/null || return 1
	req GET /v1/guidance -H "Authorization: Bearer $t1"
	expect_error 401 DEVICE_REVOKED || return 1
	req POST /v1/session -H 'Content-Type: application/json' -d '{"username":"officer3","password":"new-pass-33","device_id":"lost-1"}'
	expect_error 401 DEVICE_REVOKED || return 1
	# Other devices of the same user are unaffected.
	req GET /v1/guidance -H "Authorization: Bearer $TOKEN"
	expect_status 200
}

test_token_absolute_and_idle_limits() {
	# Times are far apart and the clock is moved, so a slow machine cannot
	# decide the outcome.
	fn_start --token-ttl 100 --token-idle 1000 || return 1
	login officer1 "$PW_OFFICER" || { fn_stop; return 1; }
	req GET /v1/guidance -H "Authorization: Bearer $TOKEN"
	local a=$STATUS
	clock_advance 101
	req GET /v1/guidance -H "Authorization: Bearer $TOKEN"
	local b=$STATUS c
	c=$(json_get name 2>/dev/null)
	fn_stop
	[ "$a" = 200 ] && [ "$b" = 401 ] && [ "$c" = TOKEN_EXPIRED ] || { fail "ttl: $a then $b $c"; return 1; }
	fn_start --token-ttl 1000 --token-idle 60 || return 1
	login officer1 "$PW_OFFICER" || { fn_stop; return 1; }
	local i ok=1
	for i in 1 2 3 4; do # used every 30 s: stays alive past the idle limit
		clock_advance 30
		req GET /v1/guidance -H "Authorization: Bearer $TOKEN"
		[ "$STATUS" = 200 ] || ok=0
	done
	clock_advance 61
	req GET /v1/guidance -H "Authorization: Bearer $TOKEN"
	b=$STATUS c=$(json_get name 2>/dev/null)
	fn_stop
	[ $ok = 1 ] || { fail "an active token expired"; return 1; }
	[ "$b" = 401 ] && [ "$c" = TOKEN_EXPIRED ] || fail "idle: $b $c"
}

test_login_throttled_per_account_and_address() {
	fn_start --login-max-failures 3 --login-window 60 --login-address-failures 12 || return 1
	local i codes="" retry
	for i in 1 2 3 4; do
		req POST /v1/session -H 'Content-Type: application/json' -d '{"username":"officer2","password":"wrong-wrong","device_id":"d"}'
		codes="$codes $STATUS"
	done
	retry=$(grep -i '^Retry-After:' "$HDRS" | tr -dc 0-9)
	# Even the right password waits now.
	req POST /v1/session -H 'Content-Type: application/json' -d '{"username":"officer2","password":"other-pass-1","device_id":"d"}'
	local right=$STATUS name; name=$(json_get name)
	# Another account from the same address is still allowed (and its
	# device "d" is now known to it), until the address limit (12) is reached.
	req POST /v1/session -H 'Content-Type: application/json' -d '{"username":"officer1","password":"'"$PW_OFFICER"'","device_id":"d"}'
	local other=$STATUS
	for i in $(seq 1 12); do
		req POST /v1/session -H 'Content-Type: application/json' -d "{\"username\":\"nobody$i\",\"password\":\"wrong-wrong\",\"device_id\":\"d\"}"
	done
	req POST /v1/session -H 'Content-Type: application/json' -d '{"username":"officer1","password":"'"$PW_OFFICER"'","device_id":"d-new"}'
	local addr=$STATUS
	# A device that has signed in to the account before is let through.
	req POST /v1/session -H 'Content-Type: application/json' -d '{"username":"officer1","password":"'"$PW_OFFICER"'","device_id":"d"}'
	local known=$STATUS
	fn_stop
	[ "$codes" = " 401 401 401 429" ] || { fail "codes:$codes"; return 1; }
	[ -n "$retry" ] && [ "$retry" -gt 0 ] && [ "$retry" -le 60 ] || { fail "Retry-After '$retry'"; return 1; }
	[ "$right" = 429 ] && [ "$name" = TOO_MANY_REQUESTS ] || { fail "right password: $right $name"; return 1; }
	[ "$other" = 201 ] || { fail "other account: $other"; return 1; }
	[ "$addr" = 429 ] || { fail "address limit: $addr"; return 1; }
	[ "$known" = 201 ] || fail "known device behind a limited address: $known"
}

test_audit_records_reads_decisions_and_sign_ins() {
	req POST /v1/session -H 'Content-Type: application/json' -d '{"username":"officer1","password":"not-my-password","device_id":"d"}'
	login officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote au-1 C-510-AA $((NOW - 86400)))"
	req GET /v1/notes/au-1 -H "Authorization: Bearer $TOKEN"
	login super1 "$PW_SUPER" || return 1
	req GET /v1/notes/au-1 -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	login admin1 "$PW_ADMIN" || return 1
	req GET '/v1/audit?since=0&limit=1000' -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	local reads
	reads=$(json_get "[ (e['actor'], e.get('role')) for e in j['items'] if e['action']=='note.read' and e.get('record')=='au-1']")
	[ "$reads" = "[('super1', 'supervisor')]" ] || { fail "note.read entries: $reads"; return 1; }
	[ "$(json_get "len([e for e in j['items'] if e['action']=='note.stored' and e.get('record')=='au-1#1'])")" = 1 ] || { fail "note.stored"; return 1; }
	[ "$(json_get "len([e for e in j['items'] if e['action']=='session.login_failed'])")" -ge 1 ] || { fail "no failed sign-in recorded"; return 1; }
	[ "$(json_get "all(len(e['hash'])==64 and len(e['prev'])==64 for e in j['items'])")" = true ] || fail "entries lack hashes"
}

test_canary_in_no_log_and_no_other_database() {
	login canary1 "$CANARY_PW" || return 1
	post_note "$(mknote canary-1 C-520-AA $((NOW - 86400)) "n['author']='canary1'; n['child_words']='$CANARY_NOTE'")"
	expect_status 201 || return 1
	login super1 "$PW_SUPER" || return 1
	req GET /v1/notes/canary-1 -H "Authorization: Bearer $TOKEN"
	grep -q "$CANARY_NOTE" "$BODY" || { fail "the canary note is not readable"; return 1; }
	# The child reference travels in a path; the log must show the template.
	req GET /v1/children/C-520-AA/contacts -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	grep -q '"route":"/v1/children/{ref}/contacts"' "$FN_TMP/err" || { fail "no request log line for the contacts"; return 1; }
	local db found=""
	for db in $(mdb_dump -l "$FN_TMP/data"); do
		if mdb_dump -p -s "$db" "$FN_TMP/data" | grep -qF "$CANARY_PW"; then found="$found $db(password)"; fi
		[ "$db" = notes.revs ] && continue
		if mdb_dump -p -s "$db" "$FN_TMP/data" | grep -qF "$CANARY_NOTE"; then found="$found $db(note)"; fi
	done
	grep -qF "$CANARY_PW" "$FN_TMP/data/data.mdb" && found="$found data.mdb(password)"
	for f in "$FN_TMP/out" "$FN_TMP/err"; do
		grep -qF -e "$CANARY_NOTE" -e "$CANARY_PW" "$f" && found="$found $(basename "$f")"
		grep -qF -e C-520-AA -e canary-1 "$f" && found="$found $(basename "$f")(child ref or note id)"
		grep -qF -e "$TOKEN" "$f" && found="$found $(basename "$f")(token)"
	done
	[ -z "$found" ] || fail "canary found in:$found"
}

test_device_certificate_binds_token() {
	local dir=$FN_TMP/dev2
	mkdir -p "$dir"
	openssl ecparam -name prime256v1 -genkey -noout -out "$dir/d2.key" 2>/dev/null &&
	openssl req -new -key "$dir/d2.key" -subj /CN=demo-device-2 -out "$dir/d2.csr" 2>/dev/null &&
	printf 'extendedKeyUsage=clientAuth\n' >"$dir/ext" &&
	openssl x509 -req -in "$dir/d2.csr" -CA certs/dev/device-ca.crt -CAkey certs/dev/device-ca.key \
		-CAcreateserial -days 2 -extfile "$dir/ext" -out "$dir/d2.crt" 2>/dev/null || { fail "cannot make a second device cert"; return 1; }
	fn_start --device-ca certs/dev/device-ca.crt || return 1
	local d1=(--cert certs/dev/device.crt --key certs/dev/device.key) d2=(--cert "$dir/d2.crt" --key "$dir/d2.key") s1 s2 s3 s4 s5
	req GET /healthz
	s1=$STATUS
	req POST /v1/session "${d1[@]}" -H 'Content-Type: application/json' \
		-d '{"username":"officer1","password":"'"$PW_OFFICER"'","device_id":"other-device"}'
	s2=$STATUS
	req POST /v1/session "${d1[@]}" -H 'Content-Type: application/json' \
		-d '{"username":"officer1","password":"'"$PW_OFFICER"'","device_id":"demo-device-1"}'
	s3=$STATUS
	TOKEN=$(json_get token 2>/dev/null)
	req GET /v1/guidance "${d1[@]}" -H "Authorization: Bearer $TOKEN"
	s4=$STATUS
	req GET /v1/guidance "${d2[@]}" -H "Authorization: Bearer $TOKEN"
	s5=$STATUS
	fn_stop
	[ "$s1" = 000 ] || { fail "no client certificate accepted: $s1"; return 1; }
	[ "$s2" = 403 ] || { fail "device_id not matching the certificate: $s2"; return 1; }
	[ "$s3" = 201 ] && [ "$s4" = 200 ] || { fail "own device: $s3 $s4"; return 1; }
	[ "$s5" = 401 ] || fail "token used from another device: $s5"
}

test_partner_needs_an_agency() {
	local out
	if out=$(echo partner-pass-9 | "$FN_BIN" user add --data "$FN_TMP/data" --username p9 --role partner $FN_FAST 2>&1); then
		fail "partner without agency added: $out"; return 1
	fi
	echo "$out" | grep -q 'partner needs --agency' || { fail "message: $out"; return 1; }
	if out=$(echo partner-pass-9 | "$FN_BIN" user add --data "$FN_TMP/data" --username p9 --role partner --agency 'Bad Agency' $FN_FAST 2>&1); then
		fail "partner with a malformed agency added: $out"; return 1
	fi
	echo "$out" | grep -q 'partner needs --agency' || fail "message: $out"
}

test_audit_chain_verifies_and_detects_tampering() {
	local d=$FN_TMP/tamper
	cp -r "$FN_TMP/data" "$d" || return 1
	rm -f "$d/lock.mdb"
	"$FN_BIN" audit verify --data "$d" >"$FN_TMP/v.out" 2>&1 || { fail "intact chain refused: $(cat "$FN_TMP/v.out")"; return 1; }
	grep -q 'intact' "$FN_TMP/v.out" || { fail "$(cat "$FN_TMP/v.out")"; return 1; }
	# Alter one entry's action text in place, as someone with file access might.
	mdb_dump -p -s audit.log "$d" >"$FN_TMP/audit.dump" || return 1
	grep -q 'note.stored' "$FN_TMP/audit.dump" || { fail "no entry to alter"; return 1; }
	sed -i '0,/note.stored/s//note.storeX/' "$FN_TMP/audit.dump"
	mdb_load -s audit.log -f "$FN_TMP/audit.dump" "$d" || { fail "mdb_load failed"; return 1; }
	if "$FN_BIN" audit verify --data "$d" >"$FN_TMP/v.out" 2>&1; then
		fail "altered chain passed: $(cat "$FN_TMP/v.out")"; return 1
	fi
	grep -q 'BROKEN at entry [0-9]*: entry [0-9]* was altered' "$FN_TMP/v.out" || fail "report: $(cat "$FN_TMP/v.out")"
}

setup || { fn_record setup 1; exit 0; }
run_suite --access-log yes

# After the stop, the whole of stderr (start, requests, shutdown): one JSON
# object per line, and still no canary, child reference or note id.
canary_log_after_stop() {
	python3 - "$FN_TMP/err" <<'PY' || return 1
import json, sys
for n, l in enumerate(open(sys.argv[1], errors="replace"), 1):
    # a test that empties the file while the server writes to it leaves
    # zero bytes where the old lines were
    l = l.lstrip("\0")
    try:
        o = json.loads(l)
    except ValueError:
        sys.exit("line %d is not JSON: %r" % (n, l[:300]))
    if not all(k in o for k in ("time", "level", "event")):
        sys.exit("line %d lacks time/level/event: %s" % (n, l[:300]))
PY
	grep -q '"event":"stopped"' "$FN_TMP/err" || { fail "no stopped line"; return 1; }
	! grep -qF -e "$CANARY_NOTE" -e "$CANARY_PW" -e C-520-AA -e canary-1 "$FN_TMP/err" "$FN_TMP/out" ||
		fail "canary in the log after the stop"
}
rc=0
canary_log_after_stop || rc=$?
fn_record canary_log_after_stop $rc
