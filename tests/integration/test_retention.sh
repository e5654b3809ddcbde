#!/usr/bin/env bash
# Retention, legal holds and subject access, as an operator runs them
# beside a serving server: a dry run changes nothing; a run under write
# load deletes every reviewed note past retention (revisions, reviews,
# feedback copies, index entries) but a held child's and an unreviewed
# one's, audits each deletion by id and hash, and leaves the audit chain
# verifiable; a child's export holds its notes, reviews, hold and reads,
# and nothing about another child. The clock is moved, never slept on.
FN_SUITE=retention
source "$(dirname "$0")/../lib.sh"

NOW=$(date +%s)
WRITERS=4
PER=10
MARK="RETAIN-WORDS-$RANDOM$RANDOM"

# notes FILE=SPEC[,SPEC...] ...: one body per FILE (one python run: each
# start costs); a SPEC is ID:CHILD[:REVISION]; several make a batch.
notes() {
	python3 - "$MARK" "$((NOW - 86400))" "$@" <<'PY'
import json, sys
mark, t = sys.argv[1], int(sys.argv[2])
base = json.load(open('schema/examples/note.json'))
for arg in sys.argv[3:]:
    out, specs = arg.split('=')
    items = []
    for s in specs.split(','):
        nid, child, *rev = s.split(':')
        n = dict(base, id=nid, child_ref=child, occurred_at=t, created_at=t + 60,
                 child_words=f"{mark} {nid} {child}")
        if rev:
            n.update(revision=int(rev[0]), replaces=int(rev[0]) - 1)
        items.append(n)
    open(out, 'w').write(json.dumps({"notes": items}) if len(items) > 1 else json.dumps(items[0]))
PY
}

post() { # post FILE: as officer1 ($OTOK)
	req POST /v1/notes -H "Authorization: Bearer $OTOK" -H 'Content-Type: application/json' --data-binary @"$1"
}

as() { # as TOKEN METHOD PATH [curl args]
	local tok=$1
	shift
	local m=$1 p=$2
	shift 2
	req "$m" "$p" -H "Authorization: Bearer $tok" "$@"
}

# The retention CLI sees the server's moved clock.
fn() { FN_TEST_CLOCK_FILE=$FN_TMP/clock "$FN_BIN" "$@"; }

tokens() {
	login officer1 "$PW_OFFICER" && OTOK=$TOKEN &&
		login super1 "$PW_SUPER" && STOK=$TOKEN &&
		login admin1 "$PW_ADMIN" && ATOK=$TOKEN
}

# Six notes about C-100-A (ra-1 amended once), one about the held C-200-H, one
# about C-300-U never reviewed; all but C-300-U's accepted; super1 reads rh-1.
test_1_setup_and_holds_by_cli_and_api() {
	tokens || return 1
	notes "$FN_TMP/a.json=ra-1:C-100-A,ra-2:C-100-A,ra-3:C-100-A,ra-4:C-100-A,ra-5:C-100-A,ra-6:C-100-A,rh-1:C-200-H,ru-1:C-300-U" \
		"$FN_TMP/a2.json=ra-1:C-100-A:2" || return 1
	post "$FN_TMP/a.json"
	expect_status 200 || return 1
	[ "$(json_get "sum(r['result'] == 'stored' for r in j['results'])")" = 8 ] || { fail "$(cat "$BODY")"; return 1; }
	post "$FN_TMP/a2.json"
	expect_status 201 || return 1
	local id rev
	for id in ra-1 ra-2 ra-3 ra-4 ra-5 ra-6 rh-1; do
		rev=1; [ $id = ra-1 ] && rev=2
		as "$STOK" POST "/v1/notes/$id/review" -H 'Content-Type: application/json' \
			-d "{\"revision\":$rev,\"decision\":\"accepted\"}"
		expect_status 201 || return 1
	done
	as "$STOK" GET /v1/notes/rh-1
	expect_status 200 || return 1
	fn hold add --data "$FN_TMP/data" --child C-200-H --reason "inquiry 7" >"$FN_TMP/hold.out" || { fail "$(cat "$FN_TMP/hold.out")"; return 1; }
	# The API's holds are the same ones.
	as "$ATOK" POST /v1/admin/holds/C-400-X -H 'Content-Type: application/json' -d '{"reason":"court order"}'
	expect_status 200 || return 1
	as "$ATOK" GET /v1/admin/holds
	[ "$(json_get "[(h['child_ref'], h.get('reason'), h['by']) for h in j['items']]")" = \
		"[('C-200-H', 'inquiry 7', 'cli'), ('C-400-X', 'court order', 'admin1')]" ] || { fail "holds: $(cat "$BODY")"; return 1; }
	as "$ATOK" DELETE /v1/admin/holds/C-400-X
	expect_status 200 || return 1
	# A name is never a child reference: refused before it reaches the audit log.
	as "$ATOK" POST /v1/admin/holds/JaneSmith
	expect_status 422 || return 1
	as "$ATOK" GET /v1/admin/children/JaneSmith/export
	expect_status 422 || return 1
	as "$ATOK" DELETE /v1/admin/holds/C-400-X
	expect_error 404 NOT_FOUND || return 1
	fn hold list --data "$FN_TMP/data" >"$FN_TMP/hold.out" && grep -q '^C-200-H	.*	cli	inquiry 7$' "$FN_TMP/hold.out" &&
		grep -q '^1 hold$' "$FN_TMP/hold.out" || { fail "hold list: $(cat "$FN_TMP/hold.out")"; return 1; }
	as "$ATOK" GET '/v1/audit?limit=1000'
	[ "$(json_get "[(e['action'], e['record'], e['actor']) for e in j['items'] if e['action'].startswith('hold.')]")" = \
		"[('hold.added', 'C-200-H', 'cli'), ('hold.added', 'C-400-X', 'admin1'), ('hold.removed', 'C-400-X', 'admin1')]" ] ||
		{ fail "hold audit: $(cat "$BODY")"; return 1; }
}

# Thirty-one days on, with a 30-day period: a dry run reports what a run
# would delete and changes nothing in the store.
test_2_dry_run_changes_nothing() {
	clock_advance $((31 * 86400))
	mdb_dump -a "$FN_TMP/data" >"$FN_TMP/before.dump" || return 1
	fn retention run --data "$FN_TMP/data" --retention-days 30 --dry-run >"$FN_TMP/dry.out" 2>&1 ||
		{ fail "$(cat "$FN_TMP/dry.out")"; return 1; }
	mdb_dump -a "$FN_TMP/data" >"$FN_TMP/after.dump" || return 1
	cmp -s "$FN_TMP/before.dump" "$FN_TMP/after.dump" || { fail "the dry run changed the store"; return 1; }
	grep -q '^dry run: scanned 8 notes: 7 past retention, 1 of them kept under a legal hold$' "$FN_TMP/dry.out" &&
		grep -q '^would delete 6 notes (7 revisions, 6 reviews, 37 index entries, 0 attachments); nothing was changed$' "$FN_TMP/dry.out" ||
		{ fail "$(cat "$FN_TMP/dry.out")"; return 1; }
}

# uploader W: new notes while retention runs; acked.W lists the stored ones.
uploader() {
	local w=$1 i code
	for i in $(seq 1 $PER); do
		code=$(curl -s --cacert "$FN_CA" -o /dev/null -w '%{http_code}' --max-time 20 \
			-H "Authorization: Bearer $OTOK" -H 'Content-Type: application/json' \
			--data-binary @"$FN_TMP/new/$w-$i.json" "$URL/v1/notes") || code=000
		case $code in
		201) echo "new-$w-$i" >>"$FN_TMP/acked.$w" ;;
		*) echo "new-$w-$i status $code" >>"$FN_TMP/errors" ;;
		esac
	done
}

# statuses ID...: officer1's GET of each note, one status a line, over one
# connection (a TLS handshake per note costs more than the rest).
statuses() {
	local args=() id
	for id in "$@"; do args+=(-o /dev/null "$URL/v1/notes/$id"); done
	curl -s --cacert "$FN_CA" --max-time 20 -H "Authorization: Bearer $OTOK" -w '%{http_code}\n' "${args[@]}"
}

wait_acked() {
	wait_until 400 acked_at_least "$1" || fail "fewer than $1 uploads acknowledged"
}

test_3_run_under_write_load_deletes_what_is_due_and_audits_it() {
	tokens || return 1 # the sessions expired with the clock's jump
	mkdir -p "$FN_TMP/new"
	local w i pids=() specs=()
	for w in $(seq 1 $WRITERS); do
		for i in $(seq 1 $PER); do specs+=("$FN_TMP/new/$w-$i.json=new-$w-$i:C-9$w-NEW"); done
	done
	notes "${specs[@]}" || return 1
	for w in $(seq 1 $WRITERS); do uploader "$w" & pids+=($!); done
	wait_acked 3 || return 1
	local t0=$SECONDS
	fn retention run --data "$FN_TMP/data" --retention-days 30 --retention-batch 2 >"$FN_TMP/run.out" 2>&1 ||
		{ fail "$(cat "$FN_TMP/run.out")"; return 1; }
	local during; during=$(cat "$FN_TMP"/acked.* | wc -l)
	for p in "${pids[@]}"; do wait "$p"; done
	[ ! -s "$FN_TMP/errors" ] || { fail "uploads failed: $(head -3 "$FN_TMP/errors")"; return 1; }
	echo "    retention ran while $during of $((WRITERS * PER)) uploads were acknowledged; uploads done $((SECONDS - t0)) s after it began"
	grep -q '^deleted 6 notes (7 revisions, 6 reviews, 37 index entries, 0 attachments)$' "$FN_TMP/run.out" &&
		grep -q '^7 audit entries written$' "$FN_TMP/run.out" || { fail "$(cat "$FN_TMP/run.out")"; return 1; }
	local got
	got=$(statuses ra-1 ra-2 ra-3 ra-4 ra-5 ra-6 | sort -u)
	[ "$got" = 404 ] || { fail "deleted notes answer $got"; return 1; }
	got=$(statuses rh-1 ru-1 $(cat "$FN_TMP"/acked.*) | sort | uniq -c | tr -s ' ')
	[ "$got" = " $((WRITERS * PER + 2)) 200" ] || { fail "kept notes answer $got"; return 1; }
	# No revision, review or feedback copy of a deleted note is left.
	mdb_dump -a "$FN_TMP/data" | grep -c "$MARK ra-" | grep -qx 0 || { fail "a deleted note's text is still stored"; return 1; }
	as "$OTOK" GET /v1/sync/feedback
	[ "$(json_get "[r['note_id'] for r in j['items']]")" = "['rh-1']" ] || { fail "feedback: $(cat "$BODY")"; return 1; }
	as "$STOK" GET /v1/children/C-100-A/contacts
	[ "$(json_get "len(j['contacts'])")" = 0 ] || { fail "contacts left: $(cat "$BODY")"; return 1; }
	fn audit verify --data "$FN_TMP/data" >"$FN_TMP/verify.out" 2>&1 || { fail "$(cat "$FN_TMP/verify.out")"; return 1; }
	as "$ATOK" GET '/v1/audit?limit=1000'
	python3 - "$BODY" <<'PY' || { fail "deletions not audited as expected"; return 1; }
import json, re, sys
items = json.load(open(sys.argv[1]))['items']
erased = sorted(e['record'] for e in items if e['action'] == 'note.erased')
ok = [re.fullmatch(r'ra-(\d)#(\d) sha256:[0-9a-f]{64}', r) for r in erased]
assert all(ok) and [m.group(1) for m in ok] == list('123456'), erased
assert ok[0].group(2) == '2' and all(m.group(2) == '1' for m in ok[1:]), erased
runs = [e['record'] for e in items if e['action'] == 'retention.run']
assert runs == ['6 notes erased'], runs
PY
}

# A second run finds nothing more to delete; the held child's note goes
# once the hold is lifted.
test_4_lifting_the_hold_lets_the_next_run_delete() {
	fn retention run --data "$FN_TMP/data" --retention-days 30 >"$FN_TMP/run2.out" 2>&1 &&
		grep -q '^deleted 0 notes' "$FN_TMP/run2.out" || { fail "$(cat "$FN_TMP/run2.out")"; return 1; }
	cp -a "$FN_TMP/data" "$FN_TMP/copy" || return 1 # the next test exports from the live store
	fn hold remove --data "$FN_TMP/copy" --child C-200-H >/dev/null || return 1
	fn retention run --data "$FN_TMP/copy" --retention-days 30 >"$FN_TMP/run3.out" 2>&1 &&
		grep -q '^deleted 1 notes (1 revisions, 1 reviews' "$FN_TMP/run3.out" || { fail "$(cat "$FN_TMP/run3.out")"; return 1; }
	fn audit verify --data "$FN_TMP/copy" >/dev/null || fail "audit chain after the second run"
}

# export_check FILE: C-200-H's note, its review, the hold and the reads, and
# nothing about another child.
export_check() {
	python3 - "$1" "$2" <<'PY'
import json, sys
x = json.load(open(sys.argv[1]))
by = sys.argv[2]
assert x['child_ref'] == 'C-200-H' and x['exported_by'] == by, x['exported_by']
assert [n['id'] for n in x['notes']] == ['rh-1'], x['notes']
n = x['notes'][0]
assert [r['note']['id'] for r in n['revisions']] == ['rh-1'] and 'C-200-H' in n['revisions'][0]['note']['child_words']
assert [(r['decision'], r['by']) for r in n['reviews']] == [('accepted', 'super1')], n['reviews']
assert [h['reason'] for h in x['holds']] == ['inquiry 7']
acts = [(e['action'], e['actor']) for e in x['audit']]
for want in [('note.stored', 'officer1'), ('note.reviewed', 'super1'), ('note.read', 'super1'),
             ('hold.added', 'cli'), ('child.exported', by)]:
    assert want in acts, (want, acts)
PY
	! grep -qE 'C-100-A|C-300-U|-NEW|ra-|ru-|new-' "$1"
}

test_5_export_by_cli_and_api_holds_one_child_only() {
	tokens || return 1
	fn export child C-200-H --data "$FN_TMP/data" --out "$FN_TMP/C-200-H.json" >"$FN_TMP/export.out" 2>&1 ||
		{ fail "$(cat "$FN_TMP/export.out")"; return 1; }
	[ "$(stat -c %a "$FN_TMP/C-200-H.json")" = 600 ] || { fail "export mode $(stat -c %a "$FN_TMP/C-200-H.json")"; return 1; }
	export_check "$FN_TMP/C-200-H.json" cli || { fail "CLI export: $(head -c 400 "$FN_TMP/C-200-H.json")"; return 1; }
	as "$ATOK" GET /v1/admin/children/C-200-H/export
	expect_status 200 || return 1
	export_check "$BODY" admin1 || { fail "API export: $(head -c 400 "$BODY")"; return 1; }
	as "$ATOK" GET '/v1/audit?limit=1000'
	[ "$(json_get "[e['actor'] for e in j['items'] if e['action'] == 'child.exported']")" = "['cli', 'admin1']" ] ||
		fail "exports not audited"
}

test_6_every_subcommand_answers_help() {
	local c
	for c in "hold --help" "hold add --help" "hold remove --help" "hold list --help" "retention --help" \
		"retention run --help" "export --help" "export child --help"; do
		"$FN_BIN" $c >"$FN_TMP/help.out" 2>&1 || { fail "fieldnote $c: exit $?"; return 1; }
		grep -q 'fieldnote retention run' "$FN_TMP/help.out" || { fail "fieldnote $c: no usage"; return 1; }
	done
	"$FN_BIN" retention >/dev/null 2>&1
	[ $? = 2 ] || fail "retention without run is not a usage error"
}

run_suite
