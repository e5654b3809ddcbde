#!/usr/bin/env bash
# Sign-in and guidance over TLS, end to end with the real server and curl.
FN_SUITE=foundation
source "$(dirname "$0")/../lib.sh"

test_healthz() {
	req GET /healthz
	expect_status 200 && [ "$(json_get status)" = ok ] || fail "healthz body: $(cat "$BODY")"
}

test_login_issues_long_random_token() {
	login officer1 "$PW_OFFICER" || return 1
	[ ${#TOKEN} -ge 43 ] || fail "token too short: ${#TOKEN}"
	local t1=$TOKEN
	login officer1 "$PW_OFFICER" || return 1
	[ "$t1" != "$TOKEN" ] || fail "two logins gave the same token"
	[ "$(json_get "j['user']['role']")" = officer ] || fail "user.role missing"
	local exp now
	exp=$(json_get expires_at); now=$(date +%s)
	[ "$exp" -gt "$now" ] && [ "$exp" -le $((now + 43200 + 5)) ] || fail "expires_at $exp not within ttl"
}

test_login_wrong_password_and_unknown_user_look_the_same() {
	req POST /v1/session -H 'Content-Type: application/json' \
		-d '{"username":"officer1","password":"wrong-password","device_id":"d1"}'
	expect_error 401 UNAUTHORIZED || return 1
	local a; a=$(cat "$BODY")
	req POST /v1/session -H 'Content-Type: application/json' \
		-d '{"username":"nobody","password":"wrong-password","device_id":"d1"}'
	expect_error 401 UNAUTHORIZED || return 1
	[ "$a" = "$(cat "$BODY")" ] || fail "replies differ: $a vs $(cat "$BODY")"
}

test_login_validation() {
	req POST /v1/session -H 'Content-Type: application/json' -d '{"username":"officer1","password":"x"}'
	expect_error 422 VALIDATION_FAILED || return 1
	[ "$(json_get field)" = device_id ] || fail "field should be device_id: $(cat "$BODY")"
}

test_guidance_needs_sign_in() {
	req GET /v1/guidance/s136
	expect_error 401 UNAUTHORIZED || return 1
	grep -qi '^WWW-Authenticate: Bearer' "$HDRS" || fail "no WWW-Authenticate header"
	req GET /v1/guidance/s136 -H "Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	expect_error 401 UNAUTHORIZED
}

test_guidance_list_has_the_pack() {
	login officer1 "$PW_OFFICER" || return 1
	req GET /v1/guidance -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	# 12 in the pack, one of them for supervisors only (test_audience.sh)
	[ "$(json_get "len(j['items'])")" = 11 ] || fail "expected 11 documents: $(head -c 300 "$BODY")"
	[ "$(json_get "[i['title'] for i in j['items'] if i['id']=='s136'][0]")" = "Section 136 at a glance" ] ||
		fail "s136 title missing"
}

test_guidance_get_json_etag_304() {
	login officer1 "$PW_OFFICER" || return 1
	req GET /v1/guidance/s136 -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	grep -qi '^Content-Type: application/json' "$HDRS" || fail "content type"
	[ "$(json_get id)" = s136 ] || fail "id"
	grep -q 'Sample content' <(json_get body) || fail "body lacks the sample notice"
	local etag
	etag=$(grep -i '^ETag:' "$HDRS" | cut -d' ' -f2 | tr -d '\r')
	[ -n "$etag" ] || { fail "no ETag"; return 1; }
	req GET /v1/guidance/s136 -H "Authorization: Bearer $TOKEN" -H "If-None-Match: $etag"
	expect_status 304 || return 1
	[ ! -s "$BODY" ] || { fail "304 with a body"; return 1; }
	req GET /v1/guidance/s136 -H "Authorization: Bearer $TOKEN" -H 'If-None-Match: "other"'
	expect_status 200
}

test_guidance_get_msgpack_matches_json() {
	login officer1 "$PW_OFFICER" || return 1
	req GET /v1/guidance/s136 -H "Authorization: Bearer $TOKEN"
	cp "$BODY" "$FN_TMP/s136.json"
	req GET /v1/guidance/s136 -H "Authorization: Bearer $TOKEN" -H 'Accept: application/msgpack'
	expect_status 200 || return 1
	grep -qi '^Content-Type: application/msgpack' "$HDRS" || fail "content type" || return 1
	"$FN_BIN" convert --record guidance_doc --from msgpack --to json <"$BODY" >"$FN_TMP/s136.mp.json" ||
		{ fail "msgpack reply does not decode"; return 1; }
	cmp -s "$FN_TMP/s136.json" "$FN_TMP/s136.mp.json" || fail "msgpack and JSON replies differ"
}

test_guidance_unknown_id_404() {
	login officer1 "$PW_OFFICER" || return 1
	req GET /v1/guidance/no-such-doc -H "Authorization: Bearer $TOKEN"
	expect_error 404 NOT_FOUND
}

test_guidance_search() {
	login officer1 "$PW_OFFICER" || return 1
	req GET '/v1/guidance?q=magistrate+warrant' -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	local ids; ids=$(json_get "' '.join(i['id'] for i in j['items'])")
	[[ " $ids " == *" s135 "* ]] || fail "s135 not found by 'magistrate warrant': $ids"
	req GET '/v1/guidance?q=zzzznotaword' -H "Authorization: Bearer $TOKEN"
	[ "$(json_get "len(j['items'])")" = 0 ] || fail "nonsense search matched"
}

test_sync_guidance_pages() {
	login officer1 "$PW_OFFICER" || return 1
	req GET '/v1/sync/guidance?since=0&limit=5' -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	[ "$(json_get "len(j['changes'])")" = 5 ] && [ "$(json_get more)" = true ] || fail "first page: $(head -c 200 "$BODY")" || return 1
	local next seen=5
	next=$(json_get next)
	while :; do
		req GET "/v1/sync/guidance?since=$next&limit=5" -H "Authorization: Bearer $TOKEN"
		expect_status 200 || return 1
		seen=$((seen + $(json_get "len(j['changes'])")))
		next=$(json_get next)
		[ "$(json_get more)" = true ] || break
	done
	[ $seen -eq 11 ] || fail "saw $seen changes, expected 11 (12, one for supervisors only)"
	req GET "/v1/sync/guidance?since=$next" -H "Authorization: Bearer $TOKEN"
	[ "$(json_get "len(j['changes'])")" = 0 ] || fail "changes after the end"
	req GET '/v1/sync/guidance?since=abc' -H "Authorization: Bearer $TOKEN"
	expect_error 422 VALIDATION_FAILED
}

test_logout_ends_token() {
	login officer1 "$PW_OFFICER" || return 1
	req GET /v1/guidance/s136 -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	req DELETE /v1/session -H "Authorization: Bearer $TOKEN"
	expect_status 204 || return 1
	req GET /v1/guidance/s136 -H "Authorization: Bearer $TOKEN"
	expect_error 401 UNAUTHORIZED
}

test_tls13_by_default_and_tls11_refused() {
	local port=${URL##*:}
	local out
	out=$(openssl s_client -connect 127.0.0.1:$port -CAfile "$FN_CA" -brief </dev/null 2>&1)
	grep -q 'Protocol version: TLSv1.3' <<<"$out" || { fail "not TLS 1.3: $out"; return 1; }
	out=$(openssl s_client -connect 127.0.0.1:$port -CAfile "$FN_CA" -brief -tls1_2 </dev/null 2>&1)
	grep -q 'Protocol version: TLSv1.2' <<<"$out" || { fail "TLS 1.2 refused: $out"; return 1; }
	grep -qE 'Ciphersuite: .*(GCM|CHACHA20)' <<<"$out" || { fail "non-AEAD suite: $out"; return 1; }
	if openssl s_client -connect 127.0.0.1:$port -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' </dev/null 2>&1 | grep -q 'Protocol version: TLSv1.1'; then
		fail "TLS 1.1 accepted"; return 1
	fi
	if openssl s_client -connect 127.0.0.1:$port -tls1_2 -cipher 'AES128-SHA256:ECDHE-ECDSA-AES128-SHA256' -brief </dev/null 2>&1 | grep -q 'Protocol version'; then
		fail "CBC suite accepted"; return 1
	fi
}

test_curl_over_tls13() {
	local v
	v=$(curl -sS --cacert "$FN_CA" -o /dev/null -w '%{http_code}' --tlsv1.3 "$URL/healthz") || v=000
	[ "$v" = 200 ] || fail "curl --tlsv1.3 got $v"
}

test_bad_input_answers_4xx() {
	login officer1 "$PW_OFFICER" || return 1
	req POST /v1/session -H 'Content-Type: application/json' -d '{"username": "x", '
	expect_error 400 MALFORMED_BODY || return 1
	printf '\xdd\xff\xff\xff\xff' >"$FN_TMP/bomb"
	req POST /v1/session -H 'Content-Type: application/msgpack' --data-binary @"$FN_TMP/bomb"
	expect_error 400 MALFORMED_BODY || return 1
	# Deep bodies go to the notes route: sign-in refuses anything over 4 KiB (413).
	python3 -c 'print("["*100000 + "]"*100000)' >"$FN_TMP/deep"
	req POST /v1/notes -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary @"$FN_TMP/deep"
	expect_error 400 LIMIT_EXCEEDED || return 1
	printf '\x91%.0s' $(seq 1 2000) >"$FN_TMP/deepmp"
	req POST /v1/notes -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/msgpack' --data-binary @"$FN_TMP/deepmp"
	expect_error 400 LIMIT_EXCEEDED || return 1
	req POST /v1/session -H 'Content-Type: application/json' --data-binary @"$FN_TMP/deep"
	expect_error 413 PAYLOAD_TOO_LARGE || return 1
	req POST /v1/session -H 'Content-Type: text/plain' -d 'hello'
	expect_error 415 UNSUPPORTED_MEDIA_TYPE || return 1
	req GET /v1/nothing-here
	expect_error 404 NOT_FOUND || return 1
	req PUT /v1/guidance/s136 -H "Authorization: Bearer $TOKEN"
	expect_error 405 METHOD_NOT_ALLOWED || return 1
	req GET /v1/guidance/s136 -H "Authorization: Bearer $TOKEN" -H 'Accept: text/html'
	expect_error 406 NOT_ACCEPTABLE || return 1
	printf '{"username":"a\\u0000b","password":"12345678","device_id":"d"}' >"$FN_TMP/nul"
	req POST /v1/session -H 'Content-Type: application/json' --data-binary @"$FN_TMP/nul"
	expect_error 400 MALFORMED_BODY || return 1
	printf '{"username":"\xc3\x28","password":"12345678","device_id":"d"}' >"$FN_TMP/utf8"
	req POST /v1/session -H 'Content-Type: application/json' --data-binary @"$FN_TMP/utf8"
	[ "$STATUS" = 400 ] || [ "$STATUS" = 422 ] || fail "invalid UTF-8: $STATUS"
}

# A body refused while it is still arriving: the client gets the 413, not a
# reset (the server keeps reading it for a moment before closing; without
# that about one in five of these died with "Send failure: Broken pipe").
test_refused_body_still_arriving_gets_its_413() {
	python3 -c 'print("["*500000 + "]"*500000)' >"$FN_TMP/mega"
	local i codes=""
	for i in $(seq 20); do
		req POST /v1/session -H 'Content-Type: application/json' --data-binary @"$FN_TMP/mega" 2>/dev/null
		codes="$codes $STATUS"
	done
	[ "$(tr ' ' '\n' <<<"$codes" | grep -c '^413$')" = 20 ] || fail "answers:$codes"
}

test_huge_content_length_refused_fast() {
	local start end
	start=$(date +%s%N)
	req POST /v1/session -H 'Content-Type: application/json' -H 'Content-Length: 10737418240' -d '{}'
	end=$(date +%s%N)
	expect_error 413 PAYLOAD_TOO_LARGE || return 1
	[ $(((end - start) / 1000000)) -lt 3000 ] || fail "took $(((end - start) / 1000000)) ms"
}

test_oversized_headers_refused() {
	local big port=${URL##*:} out
	big=$(head -c 20000 /dev/zero | tr '\0' a)
	out=$( (printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: %s\r\n\r\n' "$big"; sleep 1) |
		timeout 10 openssl s_client -quiet -connect 127.0.0.1:$port -CAfile "$FN_CA" 2>/dev/null)
	grep -q '^HTTP/1.1 431' <<<"$out" || { fail "no 4xx for oversized headers: $(head -c 200 <<<"$out")"; return 1; }
	grep -q '"name":"HEADERS_TOO_LARGE"' <<<"$out" || fail "no error reply: $(head -c 300 <<<"$out")"
}

test_server_still_serving_after_abuse() {
	req GET /healthz
	expect_status 200
}

test_reimport_unchanged_then_changed() {
	local d=$FN_TMP/import
	"$FN_BIN" init --data "$d" >/dev/null || return 1
	local out
	out=$("$FN_BIN" guidance import --data "$d" server/guidance-pack/s136.md) || return 1
	grep -q 'stored version 1' <<<"$out" || { fail "first import: $out"; return 1; }
	out=$("$FN_BIN" guidance import --data "$d" server/guidance-pack/s136.md) || return 1
	grep -q 'unchanged at version 1' <<<"$out" || { fail "second import: $out"; return 1; }
	sed 's/Sample content/Sample content (edited)/' server/guidance-pack/s136.md >"$FN_TMP/s136.md"
	out=$("$FN_BIN" guidance import --data "$d" "$FN_TMP/s136.md") || return 1
	grep -q 'stored version 2' <<<"$out" || { fail "changed import: $out"; return 1; }
	printf -- '---\nid: bad id\ntitle: x\n---\nbody\n' >"$FN_TMP/bad.md"
	if "$FN_BIN" guidance import --data "$d" "$FN_TMP/bad.md" 2>"$FN_TMP/bad.err"; then
		fail "bad id accepted"; return 1
	fi
	grep -q 'id' "$FN_TMP/bad.err" || fail "error does not name the field: $(cat "$FN_TMP/bad.err")"
}

test_help_and_config_file_errors() {
	"$FN_BIN" --help >"$FN_TMP/help" || { fail "--help failed"; return 1; }
	grep -q 'fieldnote serve' "$FN_TMP/help" && grep -q 'argon2_memory_kib' "$FN_TMP/help" || { fail "help lacks commands or settings"; return 1; }
	printf 'listen = 127.0.0.1:0\nthreads = many\n' >"$FN_TMP/bad.conf"
	if "$FN_BIN" serve --config "$FN_TMP/bad.conf" --data "$FN_TMP/data" 2>"$FN_TMP/conf.err"; then
		fail "a bad config file was accepted"; return 1
	fi
	grep -q "bad.conf:2: threads: 'many' is not a valid number" "$FN_TMP/conf.err" || { fail "message: $(cat "$FN_TMP/conf.err")"; return 1; }
	printf 'colour = blue\n' >"$FN_TMP/bad2.conf"
	"$FN_BIN" serve --config "$FN_TMP/bad2.conf" 2>"$FN_TMP/conf.err" && { fail "unknown setting accepted"; return 1; }
	grep -q "unknown setting 'colour'" "$FN_TMP/conf.err" || fail "message: $(cat "$FN_TMP/conf.err")"
}

test_store_schema_version_recorded() {
	mdb_dump -p -s meta "$FN_TMP/data" | grep -q 'schema_version' || fail "no schema version in the store"
}

run_suite
