#!/usr/bin/env bash
# Information sharing (issue 11): a referral from an officer's device reaches
# the receiving agency (a partner), which acknowledges it and records an
# outcome that goes back to the device; deadlines under the test clock; every
# partner read audited; other agencies see nothing.
FN_SUITE=sharing
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/test_client.inc"

NOW=$(date +%s)

setup() {
	fn_store_users \
		"mash1 mash-pass-1 partner --agency mash" \
		"eh1 eh-pass-1 partner --agency early_help" \
		"camhs1 camhs-pass-1 partner --agency camhs"
}

# as USER: signs USER in (tokens are kept per user, so each signs in once).
declare -A TOKENS
as() {
	if [ -z "${TOKENS[$1]:-}" ]; then
		local pw
		case $1 in
		officer1) pw=$PW_OFFICER ;; super1) pw=$PW_SUPER ;; admin1) pw=$PW_ADMIN ;;
		mash1) pw=mash-pass-1 ;; eh1) pw=eh-pass-1 ;; camhs1) pw=camhs-pass-1 ;;
		esac
		login "$1" "$pw" || return 1
		TOKENS[$1]=$TOKEN
	fi
	TOKEN=${TOKENS[$1]}
}

# call USER METHOD PATH [JSON]
call() {
	as "$1" || return 1
	local args=(-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json')
	[ $# -ge 4 ] && args+=(-d "$4")
	[ $# -lt 4 ] && [ "$2" = POST ] && args+=(-d '{}')
	req "$2" "$3" "${args[@]}"
}

# feed_has USER ID: 1 when ID is in USER's referral feed from 0, else 0.
feed_has() {
	call "$1" GET '/v1/referrals?since=0' || return 1
	[ "$STATUS" = 200 ] || { fail "$1 feed: $STATUS $(cat "$BODY")"; return 1; }
	json_get "int(any(i['id'] == '$2' for i in j['items']))"
}

# advance SECONDS: moves the server's clock; sessions idle that long end,
# so everyone signs in again.
advance() {
	clock_advance "$1"
	TOKENS=()
}

flags_of() {
	call super1 GET "/v1/notes/$1" || return 1
	json_get "' '.join(j.get('flags', []))"
}

test_mash_referral_loop_with_the_device() {
	local id next
	devlogin dv || return 1
	# saved offline (nothing is sent until the sync)
	id=$(addnote dv "n['child_ref']='C-800-SH'; n['referral']={'type':'mash','sent_at':$NOW - 600}") || return 1
	dev dv sync >/dev/null || { fail "sync"; return 1; }
	call mash1 GET '/v1/referrals?since=0&limit=10' || return 1
	[ "$STATUS" = 200 ] || { fail "feed: $STATUS $(cat "$BODY")"; return 1; }
	[ "$(json_get "[(i['id'], i['type'], i['agency'], i['state'], i['note']['child_ref']) for i in j['items']]")" = \
		"[('$id', 'mash', 'mash', 'sent', 'C-800-SH')]" ] || { fail "feed: $(cat "$BODY")"; return 1; }
	next=$(json_get next)
	# resumable: nothing new after the cursor
	call mash1 GET "/v1/referrals?since=$next" || return 1
	[ "$(json_get "len(j['items'])")" = 0 ] || { fail "cursor did not move: $(cat "$BODY")"; return 1; }
	# another agency: not in its feed, and cannot act on it
	[ "$(feed_has camhs1 "$id")" = 0 ] || { fail "camhs sees the mash referral"; return 1; }
	call camhs1 POST "/v1/referrals/$id/receipt" && expect_status 404 || return 1
	call mash1 POST "/v1/referrals/$id/receipt" && expect_status 200 || return 1
	[ "$(json_get state)" = received ] || { fail "receipt: $(cat "$BODY")"; return 1; }
	call mash1 POST "/v1/referrals/$id/receipt" && expect_status 200 || return 1
	local out='{"outcome":"assessment","reference":"MASH-2026-77","comment":"allocated"}'
	call mash1 POST "/v1/referrals/$id/outcome" "$out" && expect_status 200 || return 1
	call mash1 POST "/v1/referrals/$id/outcome" "$out" && expect_status 200 || return 1
	call mash1 POST "/v1/referrals/$id/outcome" '{"outcome":"no_further_action","reference":"MASH-2026-77"}' &&
		expect_status 409 || return 1
	call mash1 POST "/v1/referrals/$id/outcome" '{"outcome":"made_up"}' && expect_status 422 || return 1
	# the officer's device shows the outcome after its next sync
	dev dv sync >/dev/null || { fail "second sync"; return 1; }
	dev dv referrals >"$FN_TMP/refs.json" || { fail "device referrals"; return 1; }
	python3 - "$FN_TMP/refs.json" "$id" <<'PY' || { fail "device: $(cat "$FN_TMP/refs.json")"; return 1; }
import json, sys
items = [i for i in json.load(open(sys.argv[1]))['items'] if i['note_id'] == sys.argv[2]]
assert len(items) == 1, items
i = items[0]
assert (i['state'], i['outcome'], i['reference'], i['agency']) == ('outcome_recorded', 'assessment', 'MASH-2026-77', 'mash'), i
assert i['received_at'] > 0 and i['outcome_at'] >= i['received_at'], i
PY
	# the supervisor sees the state on the note
	call super1 GET "/v1/notes/$id" || return 1
	[ "$(json_get "j['referral']['state']")" = outcome_recorded ] || { fail "note view: $(cat "$BODY")"; return 1; }
	# every partner read is in the audit log, with agency and lawful basis
	call admin1 GET '/v1/audit?since=0&limit=1000' || return 1
	[ "$(json_get "sum(1 for e in j['items'] if e['action']=='referral.disclosed' and e['actor']=='mash1' and e['record'].startswith('$id#1 to mash; basis: Safeguarding'))")" = 1 ] ||
		{ fail "disclosure not audited once: $(json_get "[e for e in j['items'] if e['action'].startswith('referral')]")"; return 1; }
	[ "$(json_get "sum(1 for e in j['items'] if e['action'] in ('referral.received','referral.outcome') and e['actor']=='mash1')")" = 2 ] ||
		{ fail "receipt/outcome not audited"; return 1; }
}

test_deadlines_flags_and_overdue_list() {
	as officer1 || return 1
	post_note "$(mknote sh-dl C-801-SH $((NOW - 3600)) "n['referral']={'type':'camhs','sent_at':$NOW - 3600}")"
	expect_status 201 || return 1
	[ "$(flags_of sh-dl | grep -c referral_)" = 0 ] || { fail "flags at once: $(flags_of sh-dl)"; return 1; }
	call super1 GET '/v1/referrals?state=overdue' || return 1
	[ "$(json_get "int(any(i['id']=='sh-dl' for i in j['items']))")" = 0 ] || { fail "overdue at once"; return 1; }
	advance $((25 * 3600))
	flags_of sh-dl | grep -qw referral_unacknowledged || { fail "no ack flag: $(flags_of sh-dl)"; return 1; }
	call super1 GET '/v1/referrals?state=overdue' || return 1
	[ "$(json_get "int(any(i['id']=='sh-dl' and i['overdue'] for i in j['items']))")" = 1 ] ||
		{ fail "not in the overdue list: $(cat "$BODY")"; return 1; }
	call super1 GET '/v1/review/queue?flag=referral_unacknowledged' || return 1
	[ "$(json_get "[i['id'] for i in j['items']]")" = "['sh-dl']" ] || { fail "queue filter: $(cat "$BODY")"; return 1; }
	call camhs1 POST /v1/referrals/sh-dl/receipt && expect_status 200 || return 1
	flags_of sh-dl | grep -qw referral_unacknowledged && { fail "ack flag stays after receipt"; return 1; }
	advance $((14 * 86400))
	flags_of sh-dl | grep -qw referral_without_outcome || { fail "no outcome flag: $(flags_of sh-dl)"; return 1; }
	call camhs1 POST /v1/referrals/sh-dl/outcome '{"outcome":"accepted","reference":"CAMHS-9"}' && expect_status 200 || return 1
	flags_of sh-dl | grep -qw referral_without_outcome && { fail "outcome flag stays after the outcome"; return 1; }
	[ "$(feed_has mash1 sh-dl)" = 0 ] || fail "mash sees a camhs referral"
}

test_amendment_withdraws_the_referral() {
	as officer1 || return 1
	post_note "$(mknote sh-wd C-802-SH $((NOW - 3600)) "n['referral']={'type':'early_help'}")"
	expect_status 201 || return 1
	post_note "$(mknote sh-wd C-802-SH $((NOW - 3600)) "n['revision']=2; n['replaces']=1; n['referral']={'type':'none'}")"
	expect_status 201 || return 1
	call eh1 GET '/v1/referrals?since=0' || return 1
	[ "$(json_get "[(i['revision'], i['state'], 'note' in i) for i in j['items'] if i['id']=='sh-wd']")" = "[(2, 'withdrawn', False)]" ] ||
		{ fail "withdrawn: $(cat "$BODY")"; return 1; }
	call eh1 POST /v1/referrals/sh-wd/receipt && expect_status 409
}

# enquiry_of USER CHILD: "id count-of-contacts" of the enquiries about CHILD
# in USER's feed (one line each).
enquiry_of() {
	call "$1" GET '/v1/enquiries?since=0' || return 1
	[ "$STATUS" = 200 ] || { fail "$1 enquiries: $STATUS $(cat "$BODY")"; return 1; }
	json_get "'\\n'.join('%s %d' % (i['id'], len(i.get('contacts', []))) for i in j['items'] if i['child_ref']=='$2')"
}

test_mash_enquiry_opens_once_and_gathers_partners() {
	local eid
	as officer1 || return 1
	post_note "$(mknote en-1 C-810-SH $((NOW - 40 * 86400)))" && expect_status 201 || return 1
	[ -z "$(enquiry_of mash1 C-810-SH)" ] || { fail "an enquiry after one contact"; return 1; }
	as officer1 && post_note "$(mknote en-2 C-810-SH $((NOW - 10 * 86400)))" && expect_status 201 || return 1
	[[ "$(enquiry_of mash1 C-810-SH)" =~ ^(mash-[0-9]+)\ 2$ ]] || { fail "second contact: $(enquiry_of mash1 C-810-SH)"; return 1; }
	eid=${BASH_REMATCH[1]}
	as officer1 && post_note "$(mknote en-3 C-810-SH $((NOW - 5 * 86400)))" && expect_status 201 || return 1
	[ "$(enquiry_of mash1 C-810-SH)" = "$eid 3" ] || { fail "third contact: $(enquiry_of mash1 C-810-SH)"; return 1; }
	# early help has not been asked yet: it sees nothing and cannot answer
	[ -z "$(enquiry_of eh1 C-810-SH)" ] || { fail "early help sees an enquiry it was not asked about"; return 1; }
	call eh1 POST "/v1/enquiries/$eid/contributions" '{"text":"known to us"}' && expect_status 404 || return 1
	call mash1 POST "/v1/enquiries/$eid/requests" '{"agency":"early_help"}' && expect_status 200 || return 1
	call mash1 POST "/v1/enquiries/$eid/requests" '{"agency":"early_help"}' && expect_status 200 || return 1
	[ "$(json_get "j['asked']")" = "['early_help']" ] || { fail "asked: $(cat "$BODY")"; return 1; }
	[ "$(enquiry_of eh1 C-810-SH)" = "$eid 3" ] || { fail "asked agency does not see it"; return 1; }
	call eh1 POST "/v1/enquiries/$eid/contributions" '{"text":"family known to early help since 2025"}' &&
		expect_status 200 || return 1
	call camhs1 POST "/v1/enquiries/$eid/contributions" '{"text":"x"}' && expect_status 404 || return 1
	call eh1 POST "/v1/enquiries/$eid/decision" '{"outcome":"early_help"}' && expect_status 403 || return 1
	call mash1 POST "/v1/enquiries/$eid/decision" '{"outcome":"early_help","reference":"MASH-E-1"}' &&
		expect_status 200 || return 1
	[ "$(json_get "(j['state'], [c['agency'] for c in j['contributions']])")" = "('decided', ['early_help'])" ] ||
		{ fail "decision: $(cat "$BODY")"; return 1; }
	call mash1 POST "/v1/enquiries/$eid/decision" '{"outcome":"assessment","reference":"MASH-E-1"}' &&
		expect_status 409 || return 1
	# supervisors of a team with a contact see the state on the note
	call super1 GET /v1/notes/en-1 || return 1
	[ "$(json_get "(j['enquiry']['id'], j['enquiry']['state'], 'contributions' in j['enquiry'])")" = "('$eid', 'decided', False)" ] ||
		{ fail "note view: $(json_get "j.get('enquiry')")"; return 1; }
	call admin1 GET '/v1/audit?since=0&limit=1000' || return 1
	[ "$(json_get "sorted({e['actor'] for e in j['items'] if e['action']=='enquiry.disclosed' and e['record']=='$eid'})")" = "['eh1', 'mash1']" ] ||
		{ fail "enquiry reads not audited"; return 1; }
}

setup || { fn_record setup 1; exit 0; }
run_suite
