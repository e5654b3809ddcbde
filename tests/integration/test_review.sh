#!/usr/bin/env bash
# Supervisor review: the queue (order, paging, filters), decisions and their
# rules, feedback to the author, the return-and-amend loop, a child's
# contacts, and who may do what.
FN_SUITE=review
source "$(dirname "$0")/../lib.sh"

NOW=$(date +%s)
DAY=86400

setup() {
	fn_store_users \
		"super2 other-pass-2 supervisor --team south" \
		"worker4 other-pass-4 worker --team south"
}

as() { # as USER PASSWORD: signs in; TOKEN is theirs
	login "$1" "$2"
}

review() { # review ID JSON
	req POST "/v1/notes/$1/review" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$2"
}

queue_ids() { # queue_ids QUERY: the ids on one page, space-separated
	req GET "/v1/review/queue?$1" -H "Authorization: Bearer $TOKEN"
	[ "$STATUS" = 200 ] || { echo "status $STATUS" >&2; return 1; }
	json_get "' '.join(i['id'] for i in j['items'])"
}

test_queue_order_overdue_first_then_oldest() {
	# Server clocks: received now, so due in 72 h (24 h with risk). To have
	# overdue notes without waiting, this test runs a server whose review
	# deadlines are 0 hours for risky notes.
	fn_start --review-hours-risk 0 --review-hours 100 || return 1
	queue_order
	local rc=$?
	fn_stop
	return $rc
}

queue_order() {
	as officer1 "$PW_OFFICER" || return 1
	# The example note carries a referral (a risk); these two do not.
	post_note "$(mknote qo-1 C-400-AA $((NOW - 3 * DAY)) "n['referral']={'type':'none'}")" || return 1
	clock_advance 1
	post_note "$(mknote qo-2 C-401-AA $((NOW - 2 * DAY)) "n['referral']={'type':'none'}; n['mental_health']={'self_harm':True}")"
	clock_advance 1
	post_note "$(mknote qo-3 C-402-AA $((NOW - DAY)) "n['referral']={'type':'none'}")"
	as super1 "$PW_SUPER" || return 1
	local ids; ids=$(queue_ids 'limit=50&team=north') || return 1
	# qo-2 is overdue (risk, 0 h deadline) and comes first; then oldest first.
	local order; order=$(tr ' ' '\n' <<<"$ids" | grep '^qo-' | tr '\n' ' ')
	[ "$order" = "qo-2 qo-1 qo-3 " ] || { fail "order: $order"; return 1; }
	req GET '/v1/review/queue?limit=50&overdue=1' -H "Authorization: Bearer $TOKEN"
	[ "$(json_get "[i['id'] for i in j['items'] if i['id'].startswith('qo-')]")" = "['qo-2']" ] || { fail "overdue filter: $(head -c 300 "$BODY")"; return 1; }
	[ "$(json_get "[i['overdue'] for i in j['items']][0]")" = true ] || fail "overdue flag"
}

test_queue_paging_and_filters() {
	as officer1 "$PW_OFFICER" || return 1
	local i
	for i in 1 2 3 4 5; do post_note "$(mknote pg-$i C-41$i-AA $((NOW - 10 * DAY)))"; done
	as super1 "$PW_SUPER" || return 1
	local seen="" page next="" n=0
	while :; do
		req GET "/v1/review/queue?limit=2${next:+&cursor=$next}" -H "Authorization: Bearer $TOKEN"
		expect_status 200 || return 1
		page=$(json_get "' '.join(i['id'] for i in j['items'])")
		seen="$seen $page"
		n=$((n + 1))
		[ "$(json_get more)" = true ] || break
		next=$(json_get next)
		[ $n -lt 50 ] || { fail "paging does not end"; return 1; }
	done
	for i in 1 2 3 4 5; do
		[ "$(grep -o " pg-$i\b" <<<" $seen" | wc -l)" = 1 ] || { fail "pg-$i seen $(grep -o "pg-$i\b" <<<"$seen" | wc -l) times: $seen"; return 1; }
	done
	req GET '/v1/review/queue?team=south' -H "Authorization: Bearer $TOKEN"
	expect_error 403 FORBIDDEN || return 1
	req GET '/v1/review/queue?flag=nonsense' -H "Authorization: Bearer $TOKEN"
	expect_error 422 VALIDATION_FAILED || return 1
	req GET '/v1/review/queue?cursor=garbage' -H "Authorization: Bearer $TOKEN"
	expect_error 422 VALIDATION_FAILED || return 1
	as officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote fl-1 C-420-AA $((NOW - DAY)) "n.pop('sharing')")"
	as super1 "$PW_SUPER" || return 1
	req GET '/v1/review/queue?flag=no_sharing_decision&limit=200' -H "Authorization: Bearer $TOKEN"
	local ids; ids=$(json_get "' '.join(i['id'] for i in j['items'])")
	[[ " $ids " == *" fl-1 "* ]] && [[ " $ids " != *" pg-1 "* ]] || fail "flag filter: $ids"
}

test_decisions_and_their_rules() {
	as officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote dec-1 C-430-AA $((NOW - DAY)))"
	post_note "$(mknote dec-2 C-431-AA $((NOW - DAY)))"
	post_note "$(mknote dec-3 C-432-AA $((NOW - DAY)))"
	as super1 "$PW_SUPER" || return 1
	review dec-1 '{"revision":1,"decision":"returned"}'
	expect_error 422 VALIDATION_FAILED || return 1
	[ "$(json_get field)" = comment ] || { fail "field: $(cat "$BODY")"; return 1; }
	review dec-1 '{"revision":2,"decision":"accepted"}'
	expect_error 409 CONFLICT || return 1
	review dec-1 '{"revision":1,"decision":"accepted"}'
	expect_status 201 || return 1
	[ "$(json_get by)" = super1 ] || { fail "review by"; return 1; }
	review dec-1 '{"revision":1,"decision":"returned","comment":"x"}'
	expect_error 409 CONFLICT || return 1
	review dec-2 '{"revision":1,"decision":"escalated"}'
	expect_error 422 VALIDATION_FAILED || return 1
	review dec-2 '{"revision":1,"decision":"escalated","target":"mash","stage":1,"comment":"third contact this year"}'
	expect_status 201 || return 1
	review dec-2 '{"revision":1,"decision":"maybe"}'
	expect_error 422 VALIDATION_FAILED || return 1
	req GET /v1/notes/dec-2 -H "Authorization: Bearer $TOKEN"
	[ "$(json_get status)" = escalated ] && [ "$(json_get "j['reviews'][0]['target']")" = mash ] || fail "view: $(head -c 400 "$BODY")"
}

test_other_team_supervisor_cannot_see_or_review() {
	as officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote ot-1 C-440-AA $((NOW - DAY)))"
	as super2 other-pass-2 || return 1
	review ot-1 '{"revision":1,"decision":"accepted"}'
	expect_error 404 NOT_FOUND || return 1
	req GET /v1/notes/ot-1 -H "Authorization: Bearer $TOKEN"
	expect_error 404 NOT_FOUND || return 1
	[[ " $(queue_ids 'limit=200') " != *" ot-1 "* ]] || fail "other team's note in the queue"
	req GET /v1/children/C-440-AA/contacts -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	[ "$(json_get "len(j['contacts'])")" = 0 ] || fail "other team sees the contact"
}

test_roles_on_review_endpoints() {
	as officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote ro-1 C-450-AA $((NOW - DAY)))"
	review ro-1 '{"revision":1,"decision":"accepted"}'
	expect_error 403 FORBIDDEN || return 1
	req GET /v1/review/queue -H "Authorization: Bearer $TOKEN"
	expect_error 403 FORBIDDEN || return 1
	req GET /v1/children/C-450-AA/contacts -H "Authorization: Bearer $TOKEN"
	expect_error 403 FORBIDDEN || return 1
	as super1 "$PW_SUPER" || return 1
	req GET /v1/sync/feedback -H "Authorization: Bearer $TOKEN"
	expect_error 403 FORBIDDEN
}

test_full_return_and_amend_loop() {
	as officer1 "$PW_OFFICER" || return 1
	local otoken
	post_note "$(mknote loop-1 C-460-AA $((NOW - DAY)))"
	expect_status 201 || return 1
	otoken=$TOKEN
	req GET '/v1/sync/feedback?since=0' -H "Authorization: Bearer $TOKEN"
	local cursor; cursor=$(json_get next)
	as super1 "$PW_SUPER" || return 1
	review loop-1 '{"revision":1,"decision":"returned","comment":"Record what she said about school, in her words."}'
	expect_status 201 || return 1
	[[ " $(queue_ids 'limit=200') " != *" loop-1 "* ]] || { fail "returned note still in the queue"; return 1; }
	TOKEN=$otoken
	req GET "/v1/sync/feedback?since=$cursor" -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	[ "$(json_get "[i['comment'] for i in j['items'] if i['note_id']=='loop-1'][0]")" = "Record what she said about school, in her words." ] || { fail "feedback: $(cat "$BODY")"; return 1; }
	post_note "$(mknote loop-1 C-460-AA $((NOW - DAY)) "n['revision']=2; n['replaces']=1; n['child_words']=n['child_words']+' She said school is the only place she feels safe.'")"
	expect_status 201 || { fail "amend: $(cat "$BODY")"; return 1; }
	as super1 "$PW_SUPER" || return 1
	req GET '/v1/review/queue?limit=200' -H "Authorization: Bearer $TOKEN"
	[ "$(json_get "[i['latest'] for i in j['items'] if i['id']=='loop-1']")" = "[2]" ] || { fail "queue: $(head -c 300 "$BODY")"; return 1; }
	review loop-1 '{"revision":2,"decision":"accepted"}'
	expect_status 201
}

test_child_contacts_and_mash_flag() {
	as officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote ct-1 C-470-AA $((NOW - 100 * DAY)))"
	post_note "$(mknote ct-2 C-470-AA $((NOW - 20 * DAY)))"
	as super1 "$PW_SUPER" || return 1
	req GET /v1/children/C-470-AA/contacts -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	[ "$(json_get "[c['id'] for c in j['contacts']]")" = "['ct-2', 'ct-1']" ] || { fail "contacts: $(cat "$BODY")"; return 1; }
	[ "$(json_get mash_enquiry_due)" = true ] || { fail "2 in 6 months not flagged"; return 1; }
	[ "$(json_get "sorted(int(d) for d in j['mash_dates'])")" = "[$((NOW - 100 * DAY)), $((NOW - 20 * DAY))]" ] || { fail "dates: $(cat "$BODY")"; return 1; }
	as officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote ct-3 C-471-AA $((NOW - 300 * DAY)))"
	post_note "$(mknote ct-4 C-471-AA $((NOW - 20 * DAY)))"
	as super1 "$PW_SUPER" || return 1
	req GET /v1/children/C-471-AA/contacts -H "Authorization: Bearer $TOKEN"
	[ "$(json_get mash_enquiry_due)" = false ] || fail "2 contacts 280 days apart flagged"
}

test_injected_markup_is_stored_as_text() {
	as officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote xss-1 C-480-AA $((NOW - DAY)) "n['child_words']='<script>alert(1)</script>'")"
	expect_status 201 || return 1
	req GET /v1/notes/xss-1 -H "Authorization: Bearer $TOKEN"
	grep -q '"child_words":"<script>alert(1)</script>"' "$BODY" || fail "markup altered: $(grep -o '"child_words":"[^"]*"' "$BODY")"
	grep -qi '^Content-Type: application/json' "$HDRS" || fail "not served as JSON"
}

setup || { fn_record setup 1; exit 0; }
run_suite
