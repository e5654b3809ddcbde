#!/usr/bin/env bash
# Escalations (issue 11): a supervisor's `escalated` decision opens one;
# it moves from the team manager (stage 1) to the head of service (2) and
# the safeguarding partnership (3), each with a deadline, and is resolved.
# Deadlines run on the server's test clock (clock_advance), never sleeps.
FN_SUITE=escalation
source "$(dirname "$0")/../lib.sh"

NOW=$(date +%s)
DAY=86400
HOUR=3600

setup() {
	# super2 supervises another team; hos1 (head of service) and chair1 (the
	# partnership's chair) are supervisors outside north who hold stages 2, 3.
	fn_store_users \
		"super2 other-pass-2 supervisor --team south" \
		"hos1 hos-pass-1 supervisor --team hos" \
		"chair1 chair-pass-1 supervisor --team lscp"
}

# Tokens are kept per user (sign-ins are throttled per account) until the
# clock moves past their lifetime.
declare -A TOK
later() { clock_advance "$1"; TOK=(); }
as() { # as USER PASSWORD
	if [ -z "${TOK[$1]:-}" ]; then login "$1" "$2" || return 1; TOK[$1]=$TOKEN; fi
	TOKEN=${TOK[$1]}
}
super1() { as super1 "$PW_SUPER"; }
hos1() { as hos1 hos-pass-1; }
chair1() { as chair1 chair-pass-1; }
super2() { as super2 other-pass-2; }

post() { # post PATH JSON
	req POST "$1" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$2"
}
get() { req GET "$1" -H "Authorization: Bearer $TOKEN"; }

# new_escalation NOTE-ID CHILD [STAGE]: officer1 posts a note, super1
# escalates it; sets ESC to the escalation's id.
new_escalation() {
	as officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote "$1" "$2" $((NOW - DAY)))"
	expect_status 201 || return 1
	super1 || return 1
	post "/v1/notes/$1/review" "{\"revision\":1,\"decision\":\"escalated\",\"target\":\"mash\",\"stage\":${3:-1},\"comment\":\"disagree: $1 needs a strategy discussion\"}"
	expect_status 201 || return 1
	ESC=$(json_get escalation) || return 1
	[ -n "$ESC" ] || fail "no escalation id in the review: $(cat "$BODY")"
}

esc_field() { # esc_field ID PYEXPR-ON-e: from the caller's GET /v1/escalations ("absent": not listed)
	get /v1/escalations
	[ "$STATUS" = 200 ] || { echo "status $STATUS" >&2; return 1; }
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); e=[e for e in j["items"] if e["id"]==sys.argv[2]]; e=e[0] if e else None; print(eval(sys.argv[3]) if e else "absent")' "$BODY" "$1" "$2"
}

overdue_count() { # the review queue's escalations_overdue, for super1
	super1 || return 1
	get '/v1/review/queue?status=escalated'
	json_get escalations_overdue
}

flagged() { # flagged NOTE-ID: is it in the queue filtered on escalation_overdue?
	super1 || return 1
	get '/v1/review/queue?status=escalated&flag=escalation_overdue'
	[ "$STATUS" = 200 ] || { echo "queue status $STATUS" >&2; return 1; }
	json_get "'$1' in [i['id'] for i in j['items']]"
}

test_1_escalate_advance_resolve() {
	new_escalation es-1 C-900-AA || return 1
	local e; e=$(esc_field "$ESC" "(e['stage'], e['target'], e['holder'], e['state'], e['agency'], e['overdue'], len(e['history']), e['note_id'])") || return 1
	[ "$e" = "(1, 'manager', 'super1', 'open', 'mash', False, 1, 'es-1')" ] || { fail "opened: $e"; return 1; }
	[ "$(esc_field "$ESC" "e['reason']")" = "disagree: es-1 needs a strategy discussion" ] || { fail "reason"; return 1; }
	get /v1/notes/es-1
	[ "$(json_get "(j['status'], [x['id'] for x in j['escalations']])")" = "('escalated', ['$ESC'])" ] || { fail "note view: $(head -c 300 "$BODY")"; return 1; }
	# A second escalation of the same note is an advance, not a new one.
	post /v1/notes/es-1/review '{"revision":1,"decision":"escalated","target":"mash","stage":1}'
	expect_error 409 CONFLICT || return 1

	post "/v1/escalations/$ESC/advance" '{"to":"hos1","reason":"no answer from the team manager"}'
	expect_status 200 || return 1
	[ "$(json_get "(j['stage'], j['target'], j['holder'], len(j['history']), j['history'][1]['by'])")" = "(2, 'head_of_service', 'hos1', 2, 'super1')" ] || { fail "stage 2: $(cat "$BODY")"; return 1; }
	# hos1 is in no north team but holds it: sees it and may act.
	hos1 || return 1
	[ "$(esc_field "$ESC" "e['stage']")" = 2 ] || { fail "the holder does not see it"; return 1; }
	post "/v1/escalations/$ESC/advance" '{"to":"chair1","reason":"needs the partnership"}'
	expect_status 200 || return 1
	[ "$(json_get "(j['stage'], j['target'], j['holder'])")" = "(3, 'safeguarding_partnership', 'chair1')" ] || { fail "stage 3: $(cat "$BODY")"; return 1; }
	# hos1 holds it no more.
	[ "$(esc_field "$ESC" "e['stage']")" = absent ] || { fail "a former holder still sees it"; return 1; }
	post "/v1/escalations/$ESC/resolve" '{"resolution":"x"}'
	expect_error 404 NOT_FOUND || return 1
	chair1 || return 1
	post "/v1/escalations/$ESC/advance" '{"to":"super1","reason":"beyond the last stage"}'
	expect_error 409 CONFLICT || return 1
	post "/v1/escalations/$ESC/resolve" '{"resolution":"strategy discussion held; s47 enquiry agreed"}'
	expect_status 200 || return 1
	[ "$(json_get "(j['state'], j['resolved_by'], j['resolution'])")" = "('resolved', 'chair1', 'strategy discussion held; s47 enquiry agreed')" ] || { fail "resolved: $(cat "$BODY")"; return 1; }
	post "/v1/escalations/$ESC/resolve" '{"resolution":"again"}'
	expect_error 409 CONFLICT || return 1
	super1 || return 1
	post "/v1/escalations/$ESC/advance" '{"to":"hos1","reason":"reopen"}'
	expect_error 409 CONFLICT || return 1
	[ "$(esc_field "$ESC" "e['state']")" = resolved ] || { fail "the team no longer sees it"; return 1; }
	get '/v1/escalations?state=open'
	[ "$(json_get "'$ESC' in [e['id'] for e in j['items']]")" = false ] || { fail "state=open lists a resolved one"; return 1; }
	# Resolved, the note may be escalated again.
	post /v1/notes/es-1/review '{"revision":1,"decision":"escalated","target":"camhs","stage":1}'
	expect_status 201 || return 1
	[ "$(json_get escalation)" != "$ESC" ] || fail "the same id twice"
}

test_2_bad_requests() {
	new_escalation es-2 C-901-AA || return 1
	post /v1/notes/es-2b/review '{"revision":1,"decision":"escalated","target":"mash","stage":4}'
	expect_error 422 VALIDATION_FAILED || return 1
	[ "$(json_get field)" = stage ] || { fail "field: $(cat "$BODY")"; return 1; }
	post "/v1/escalations/$ESC/advance" '{"to":"officer1","reason":"not a supervisor"}'
	expect_error 422 VALIDATION_FAILED || return 1
	[ "$(json_get field)" = to ] || { fail "field: $(cat "$BODY")"; return 1; }
	post "/v1/escalations/$ESC/advance" '{"to":"nobody9","reason":"no such user"}'
	expect_error 422 VALIDATION_FAILED || return 1
	post "/v1/escalations/$ESC/advance" '{"to":"hos1","reason":""}'
	expect_error 422 VALIDATION_FAILED || return 1
	post "/v1/escalations/$ESC/resolve" '{}'
	expect_error 422 VALIDATION_FAILED || return 1
	post /v1/escalations/esc-999999/resolve '{"resolution":"x"}'
	expect_error 404 NOT_FOUND || return 1
	get '/v1/escalations?state=maybe'
	expect_error 422 VALIDATION_FAILED
}

test_3_wrong_team_supervisor_refused() {
	new_escalation es-3 C-902-AA || return 1
	super2 || return 1
	[ "$(esc_field "$ESC" "e['id']")" = absent ] || { fail "south sees north's escalation"; return 1; }
	post "/v1/escalations/$ESC/advance" '{"to":"super2","reason":"take it over"}'
	expect_error 404 NOT_FOUND || return 1
	post "/v1/escalations/$ESC/resolve" '{"resolution":"not ours"}'
	expect_error 404 NOT_FOUND || return 1
	as officer1 "$PW_OFFICER" || return 1
	get /v1/escalations
	expect_error 403 FORBIDDEN || return 1
	super1 || return 1
	[ "$(esc_field "$ESC" "(e['stage'], e['state'], len(e['history']))")" = "(1, 'open', 1)" ] || fail "changed by a refused request"
}

# Runs after the others (clock moves forward for the whole server).
test_4_deadlines_on_the_clock() {
	local before; before=$(overdue_count) || return 1
	new_escalation es-4 C-903-AA || return 1
	[ "$(overdue_count)" = "$before" ] || { fail "count moved at once"; return 1; }
	[ "$(flagged es-4)" = false ] || { fail "flagged at once"; return 1; }
	# Stage 1 has 72 hours (escalation_stage1_hours' default).
	later $((72 * HOUR - 120))
	super1 || return 1
	[ "$(esc_field "$ESC" "e['overdue']")" = False ] || { fail "overdue before its deadline"; return 1; }
	later 240
	super1 || return 1
	[ "$(esc_field "$ESC" "(e['overdue'], e['stage'])")" = "(True, 1)" ] || { fail "not overdue after 72 h"; return 1; }
	local after; after=$(overdue_count) || return 1
	[ "$after" -ge $((before + 1)) ] || { fail "queue count $before -> $after"; return 1; }
	[ "$(flagged es-4)" = true ] || { fail "no escalation_overdue flag: $(head -c 300 "$BODY")"; return 1; }
	get /v1/notes/es-4
	[ "$(json_get "'escalation_overdue' in j['flags'] and j['escalations'][0]['overdue']")" = true ] || { fail "note view"; return 1; }
	# Advancing starts stage 2's clock: 120 hours.
	post "/v1/escalations/$ESC/advance" '{"to":"hos1","reason":"stage 1 ran out of time"}'
	expect_status 200 || return 1
	[ "$(json_get "(j['overdue'], j['due'] - j['history'][1]['at'])")" = "(False, $((120 * HOUR)))" ] || { fail "stage 2: $(cat "$BODY")"; return 1; }
	[ "$(flagged es-4)" = false ] || { fail "still flagged after the advance"; return 1; }
	[ "$(overdue_count)" = $((after - 1)) ] || { fail "count after the advance"; return 1; }
	later $((120 * HOUR + 60))
	super1 || return 1
	[ "$(flagged es-4)" = true ] || { fail "stage 2 deadline not flagged"; return 1; }
	[ "$(overdue_count)" -ge "$after" ] || { fail "count after stage 2's deadline"; return 1; }
	hos1 || return 1
	post "/v1/escalations/$ESC/resolve" '{"resolution":"agreed with the team: early help"}'
	expect_status 200 || return 1
	[ "$(flagged es-4)" = false ] || fail "resolved but still flagged"
}

test_5_audited() {
	as admin1 "$PW_ADMIN" || return 1
	get '/v1/audit?limit=1000'
	expect_status 200 || return 1
	local acts
	acts=$(json_get "sorted(set(e['action'] for e in j['items'] if e['action'].startswith('escalation')))")
	[ "$acts" = "['escalation.advanced', 'escalation.opened', 'escalation.resolved', 'escalations.read']" ] ||
		{ fail "audit: $acts"; return 1; }
	[ "$(json_get "[e['actor'] for e in j['items'] if e['action']=='escalation.resolved'][0]")" = chair1 ] || fail "resolver"
	get /v1/escalations
	expect_error 403 FORBIDDEN
}

setup || { fn_record setup 1; exit 0; }
run_suite
