#!/usr/bin/env bash
# The admin command line (issue 10, "Admin CLI"): every command and
# subcommand answers --help with exit 0 and its own usage; user list,
# user passwd, device list, guidance list and audit export work against
# the store of a running server; the admin API's calls for the same
# (lists, password, guidance, audit pages).
FN_SUITE=admin_cli
source "$(dirname "$0")/../lib.sh"

test_every_subcommand_answers_help() {
	local c rc=0 out
	for c in init serve "user add" "user list" "user passwd" "user disable" "user enable" "user unlock" \
		"device list" "device revoke" "guidance import" "guidance list" "guidance withdraw" \
		"audit verify" "audit export" backup restore migrate "config sample" convert user device guidance audit config; do
		# shellcheck disable=SC2086
		out=$("$FN_BIN" $c --help 2>&1) || { fail "fieldnote $c --help: exit $?"; rc=1; continue; }
		tr '\n' ' ' <<<"$out" | grep -qiE "usage: +fieldnote $c" || { fail "fieldnote $c --help: not its usage: $(head -3 <<<"$out")"; rc=1; }
	done
	"$FN_BIN" user frobnicate >/dev/null 2>&1
	[ $? = 2 ] || { fail "an unknown subcommand is not a usage error"; rc=1; }
	return $rc
}

test_user_list_and_passwd() {
	local d=$FN_TMP/data out
	out=$("$FN_BIN" user list --data "$d") || { fail "user list: $out"; return 1; }
	grep -qE '^officer1 +officer +active +north police' <<<"$out" || { fail "user list: $out"; return 1; }
	grep -qE '^admin1 +admin' <<<"$out" || { fail "user list: $out"; return 1; }
	grep -q argon2 <<<"$out" && { fail "user list shows a password hash"; return 1; }
	echo new-officer-pass-9 | "$FN_BIN" user passwd --data "$d" --username officer1 >/dev/null || { fail "passwd"; return 1; }
	login officer1 new-officer-pass-9 || return 1
	echo "$PW_OFFICER" | "$FN_BIN" user passwd --data "$d" --username officer1 >/dev/null || return 1
	login officer1 "$PW_OFFICER" || return 1
	echo whatever-pass | "$FN_BIN" user passwd --data "$d" --username nobody >/dev/null 2>&1 && { fail "passwd for no user"; return 1; }
	return 0
}

test_device_list_shows_last_seen_and_state() {
	local d=$FN_TMP/data out
	req POST /v1/session -H 'Content-Type: application/json' \
		-d "{\"username\":\"officer1\",\"password\":\"$PW_OFFICER\",\"device_id\":\"cli-dev-7\"}"
	expect_status 201 || return 1
	out=$("$FN_BIN" device list --data "$d") || { fail "device list: $out"; return 1; }
	grep -qE "^cli-dev-7 +officer1 +active +$(date -u +%Y-%m-%d)T" <<<"$out" || { fail "device list: $out"; return 1; }
	"$FN_BIN" device revoke --data "$d" --device cli-dev-7 >/dev/null || return 1
	out=$("$FN_BIN" device list --data "$d")
	grep -qE '^cli-dev-7 +officer1 +revoked ' <<<"$out" || fail "after revoke: $out"
}

test_guidance_list_and_audit_export() {
	local d=$FN_TMP/data
	"$FN_BIN" guidance list --data "$d" >"$FN_TMP/g.json" || { fail "guidance list"; return 1; }
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert len(j["items"]) >= 3, j' "$FN_TMP/g.json" ||
		{ fail "guidance list: $(head -c 300 "$FN_TMP/g.json")"; return 1; }
	"$FN_BIN" audit export --data "$d" --out "$FN_TMP/audit.jsonl" 2>/dev/null || { fail "audit export"; return 1; }
	python3 - "$FN_TMP/audit.jsonl" <<'PY' || { fail "audit export is not the chain"; return 1; }
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) >= 5, len(rows)
assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)
for a, b in zip(rows, rows[1:]):
    assert b["prev"] == a["hash"], (a, b)
PY
	"$FN_BIN" audit export --data "$d" --out "$FN_TMP/audit.jsonl" >/dev/null 2>&1 && { fail "export overwrote a file"; return 1; }
	return 0
}

# The same lists for an admin console; other roles are refused.
test_admin_api_lists_users_and_devices() {
	login admin1 "$PW_ADMIN" || return 1
	req GET /v1/admin/users -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	[ "$(json_get "sorted(u['username'] for u in j['items'])")" = "['admin1', 'officer1', 'super1']" ] || { fail "users: $(cat "$BODY")"; return 1; }
	grep -q -e argon2 -e password "$BODY" && { fail "a password hash in the list"; return 1; }
	req GET /v1/admin/devices -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	[ "$(json_get "any(d['device']=='dev-test-1' and d['user']=='admin1' and d['last_seen']>0 for d in j['items'])")" = true ] ||
		{ fail "devices: $(cat "$BODY")"; return 1; }
	login super1 "$PW_SUPER" || return 1
	req GET /v1/admin/users -H "Authorization: Bearer $TOKEN"
	expect_status 403
}

# set_password TOKEN USER JSON: POST /v1/admin/users/USER/password as TOKEN.
set_password() {
	req POST "/v1/admin/users/$2/password" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "$3"
}

# POST /v1/admin/users/{u}/password: the CLI's length rule, the user's old
# sessions end, the new password signs in; audited as user.updated.
test_admin_api_sets_a_password() {
	login officer1 "$PW_OFFICER" || return 1
	local old=$TOKEN admin
	login admin1 "$PW_ADMIN" || return 1
	admin=$TOKEN
	set_password "$admin" officer1 '{"password":"short"}'
	expect_error 422 VALIDATION_FAILED || return 1
	set_password "$admin" nobody '{"password":"api-officer-pass-2"}'
	expect_status 404 || return 1
	set_password "$admin" officer1 '{"nope":1}'
	expect_error 422 VALIDATION_FAILED || return 1
	set_password "$admin" officer1 '{"password":"api-officer-pass-2"}'
	expect_status 200 || return 1
	req GET /v1/sync/feedback -H "Authorization: Bearer $old"
	expect_status 401 || { fail "the old session still works"; return 1; }
	login officer1 api-officer-pass-2 || return 1
	echo "$PW_OFFICER" | "$FN_BIN" user passwd --data "$FN_TMP/data" --username officer1 >/dev/null || return 1
	! grep -q api-officer-pass-2 "$FN_TMP/err" "$FN_TMP/out" || { fail "the password is in the log"; return 1; }
	req GET '/v1/admin/audit?since=0&limit=1000' -H "Authorization: Bearer $admin"
	expect_status 200 || return 1
	[ "$(json_get "[e['record'] for e in j['items'] if e['action']=='user.updated'][-1]")" = officer1 ] ||
		fail "no user.updated entry"
}

# GET /v1/admin/guidance lists every document; withdraw removes one, once.
test_admin_api_guidance_list_and_withdraw() {
	login admin1 "$PW_ADMIN" || return 1
	req GET /v1/admin/guidance -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	local n id
	n=$(json_get "len(j['items'])") && id=$(json_get "j['items'][0]['id']") || { fail "list: $(head -c 300 "$BODY")"; return 1; }
	[ "$n" -ge 3 ] || { fail "$n documents"; return 1; }
	req POST "/v1/admin/guidance/$id/withdraw" -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	req POST "/v1/admin/guidance/$id/withdraw" -H "Authorization: Bearer $TOKEN"
	expect_status 404 || return 1
	req GET /v1/admin/guidance -H "Authorization: Bearer $TOKEN"
	[ "$(json_get "len(j['items'])")" = $((n - 1)) ] || { fail "after withdraw: $(json_get "len(j['items'])") of $n"; return 1; }
	"$FN_BIN" guidance import --data "$FN_TMP/data" server/guidance-pack/*.md >/dev/null || return 1
	req GET '/v1/admin/audit?since=0&limit=1000' -H "Authorization: Bearer $TOKEN"
	[ "$(json_get "any(e['action']=='guidance.withdrawn' and e['record']=='$id' for e in j['items'])")" = true ] ||
		fail "the withdrawal is not audited"
}

# GET /v1/admin/audit pages the chain with the fields of `audit export`;
# the start of an export is audited, and paging to the end ends.
test_admin_api_audit_pages() {
	local d=$FN_TMP/data since=0 pages=0
	login admin1 "$PW_ADMIN" || return 1
	: >"$FN_TMP/api-audit.jsonl"
	while [ $pages -lt 100 ]; do
		req GET "/v1/admin/audit?since=$since&limit=7" -H "Authorization: Bearer $TOKEN"
		expect_status 200 || return 1
		# appends the page's entries, prints the last seq (nothing: the end)
		since=$(python3 -c 'import json,sys
items = json.load(open(sys.argv[1]))["items"]
with open(sys.argv[2], "a") as f:
    [f.write(json.dumps(e) + "\n") for e in items]
print(items[-1]["seq"] if items else "")' "$BODY" "$FN_TMP/api-audit.jsonl")
		[ -n "$since" ] || break
		pages=$((pages + 1))
	done
	[ $pages -ge 2 ] && [ $pages -lt 100 ] || { fail "$pages pages"; return 1; }
	"$FN_BIN" audit export --data "$d" --out "$FN_TMP/cli-audit.jsonl" 2>/dev/null || { fail "audit export"; return 1; }
	python3 - "$FN_TMP/api-audit.jsonl" "$FN_TMP/cli-audit.jsonl" <<'PY' || { fail "the API's pages differ from audit export"; return 1; }
import json, sys
api = [json.loads(l) for l in open(sys.argv[1])]
cli = {e["seq"]: e for e in map(json.loads, open(sys.argv[2]))}
for e in api:
    assert e == cli[e["seq"]], (e, cli.get(e["seq"]))
assert [e["seq"] for e in api] == sorted(cli)[:len(api)]
assert any(e["action"] == "audit.exported" and e["actor"] == "admin1" for e in api)
PY
	login super1 "$PW_SUPER" || return 1
	req GET /v1/admin/audit -H "Authorization: Bearer $TOKEN"
	expect_status 403
}

run_suite
