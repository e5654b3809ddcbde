#!/usr/bin/env bash
# The admin command line (issue 10, "Admin CLI"): every command and
# subcommand answers --help with exit 0 and its own usage; user list,
# user passwd, device list, guidance list and audit export work against
# the store of a running server.
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

run_suite
