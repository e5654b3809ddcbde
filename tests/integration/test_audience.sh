#!/usr/bin/env bash
# Guidance audience: a document is for the roles its `audience` names and
# absent for every other (404 on GET, left out of search, list and the sync
# feed), whatever the format asked for.
FN_SUITE=audience
source "$(dirname "$0")/../lib.sh"

CHECKLIST=supervisor-review-checklist # audience: supervisor
ADMIN_DOC=record-keeping              # audience: officer, worker, supervisor, admin

setup() {
	fn_store_users "worker1 worker-pass-1 worker --team north"
}

# as USER: TOKEN is USER's (officer1 worker1 super1 admin1), signed in once.
as() {
	if [ -s "$FN_TMP/token.$1" ]; then
		TOKEN=$(cat "$FN_TMP/token.$1")
		return 0
	fi
	case $1 in
	officer1) login officer1 "$PW_OFFICER" ;; worker1) login worker1 worker-pass-1 ;;
	super1) login super1 "$PW_SUPER" ;; admin1) login admin1 "$PW_ADMIN" ;;
	esac || return 1
	echo "$TOKEN" >"$FN_TMP/token.$1"
}

# get_status USER ID [Accept]: GET /v1/guidance/ID as USER; prints the status.
get_status() {
	as "$1" >/dev/null || { echo "login-failed"; return; }
	req GET "/v1/guidance/$2" -H "Authorization: Bearer $TOKEN" -H "Accept: ${3:-application/json}"
	echo "$STATUS"
}

# ids PATH: the ids in a list (items) or a feed (changes), sorted; for a
# feed NEXT and MORE are set too (one Python run: the machine is shared).
ids() {
	req GET "$1" -H "Authorization: Bearer $TOKEN"
	[ "$STATUS" = 200 ] || { echo "status-$STATUS" >"$FN_TMP/ids"; return; }
	json_get "'%s|%s|%s' % (' '.join(sorted(x['id'] for x in j.get('items', j.get('changes', [])))), j.get('next', ''), str(j.get('more', '')).lower())" >"$FN_TMP/ids"
	IFS='|' read -r IDS NEXT MORE <"$FN_TMP/ids"
}

test_get_follows_the_audience() {
	local rows="
officer1 $CHECKLIST 404
worker1 $CHECKLIST 404
admin1 $CHECKLIST 404
super1 $CHECKLIST 200
officer1 s136 200
worker1 s136 200
super1 s136 200
admin1 s136 404
admin1 $ADMIN_DOC 200
officer1 $ADMIN_DOC 200"
	local user id want got bad=0 accept
	for user in officer1 worker1 super1 admin1; do as $user || return 1; done
	while read -r user id want; do
		[ -n "$user" ] || continue
		for accept in application/json application/msgpack; do
			got=$(get_status "$user" "$id" "$accept")
			if [ "$got" != "$want" ]; then
				echo "    $user GET $id ($accept): $got, expected $want" >&2
				bad=1
			fi
		done
	done <<<"$rows"
	return $bad
}

test_refusal_is_indistinguishable_from_absence() {
	as officer1 || return 1
	req GET "/v1/guidance/$CHECKLIST" -H "Authorization: Bearer $TOKEN"
	local hidden
	hidden=$(json_get "(j['code'], j['name'], j['message'])")
	req GET /v1/guidance/no-such-doc -H "Authorization: Bearer $TOKEN"
	[ "$hidden" = "$(json_get "(j['code'], j['name'], j['message'])")" ] ||
		fail "a document not for the caller answers differently from none: $hidden"
}

test_list_and_search_follow_the_audience() {
	local user list search
	for user in officer1 worker1 admin1 super1; do
		as "$user" || return 1
		ids /v1/guidance
		list=$IDS
		ids '/v1/guidance?q=review+checklist'
		search=$IDS
		case $user in
		super1)
			[[ " $list " == *" $CHECKLIST "* ]] || { fail "$user: list lacks the checklist: $list"; return 1; }
			[[ " $search " == *" $CHECKLIST "* ]] || { fail "$user: search lacks the checklist: $search"; return 1; } ;;
		*)
			[[ " $list $search " != *" $CHECKLIST "* ]] || { fail "$user sees the checklist: $list / $search"; return 1; } ;;
		esac
		case $user in
		admin1) [ "$list" = "$ADMIN_DOC" ] || { fail "admin1 lists: $list"; return 1; } ;;
		*) [[ " $list " == *" s136 "* ]] || { fail "$user: list lacks s136: $list"; return 1; } ;;
		esac
	done
}

test_sync_feed_follows_the_audience() {
	local user feed next_super next
	as super1 || return 1
	ids '/v1/sync/guidance?since=0&limit=500'
	feed=$IDS
	next_super=$NEXT
	[[ " $feed " == *" $CHECKLIST "* ]] || { fail "super1's feed lacks the checklist: $feed"; return 1; }
	for user in officer1 worker1 admin1; do
		as "$user" || return 1
		ids '/v1/sync/guidance?since=0&limit=500'
		feed=$IDS
		next=$NEXT
		[[ " $feed " != *" $CHECKLIST "* ]] || { fail "$user's feed has the checklist"; return 1; }
		[ -n "$feed" ] || { fail "$user's feed is empty"; return 1; }
		# The cursor moves past what was left out: nothing is fetched twice.
		[ "$next" = "$next_super" ] || { fail "$user's cursor $next, a supervisor's $next_super"; return 1; }
	done
	# Paging one change at a time also never yields it.
	as officer1 || return 1
	local since=0 seen=""
	for _ in $(seq 1 20); do
		ids "/v1/sync/guidance?since=$since&limit=1"
		seen="$seen $IDS"
		since=$NEXT
		[ "$MORE" = true ] || break
	done
	[[ " $seen " != *" $CHECKLIST "* ]] || { fail "paged feed has the checklist"; return 1; }
	[ "$(wc -w <<<"$seen")" = 11 ] || fail "paged feed gave $(wc -w <<<"$seen") documents, expected 11"
}

setup || { fn_record setup 1; exit 0; }
run_suite
