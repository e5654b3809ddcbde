#!/usr/bin/env bash
# Backup, restore and migrate, as an operator runs them: a backup taken
# while 8 uploaders write, restored into a new directory and served, holds
# every note acknowledged before the backup began and a verifiable audit
# chain; damaged, truncated, wrongly keyed and misplaced restores are
# refused; migrate leaves today's store alone and refuses a served one.
# (A store of a newer schema is refused in tests/unit/test_migrate.c.)
FN_SUITE=backup
source "$(dirname "$0")/../lib.sh"

WRITERS=8
PER=${BACKUP_PER:-20}
KEY=$FN_TMP/backup.key

# uploader W: its notes in order; an id is appended to acked.W only once
# the server has answered that it is stored.
uploader() {
	local w=$1 i code
	for i in $(seq 0 $((PER - 1))); do
		code=$(curl -s --cacert "$FN_CA" -o /dev/null -w '%{http_code}' --max-time 20 \
			-H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
			--data-binary @"$FN_TMP/notes/$w-$i.json" "$URL/v1/notes") || code=000
		case $code in
		201 | 200) echo "bk-$w-$i" >>"$FN_TMP/acked.$w" ;;
		*) echo "bk-$w-$i status $code" >>"$FN_TMP/errors" ;;
		esac
	done
}

# Waits (bounded) until at least N notes are acknowledged.
wait_acked() {
	wait_until 1200 acked_at_least "$1" || fail "only $(acked_count) notes acknowledged, waited for $1"
}

test_1_backup_under_write_load_restores_every_acknowledged_note() {
	mknotes "$FN_TMP/notes" "$WRITERS" "$PER" bk B || return 1
	login officer1 "$PW_OFFICER" || return 1
	"$FN_BIN" backup keygen --out "$KEY" >/dev/null || return 1
	local w pids=() total=$((WRITERS * PER))
	for w in $(seq 0 $((WRITERS - 1))); do uploader "$w" & pids+=($!); done
	wait_acked $((total / 3)) || return 1
	# Everything acknowledged so far must be in the backup.
	cat "$FN_TMP"/acked.* | sort -u >"$FN_TMP/before"
	local t0=$SECONDS
	"$FN_BIN" backup --data "$FN_TMP/data" --out "$FN_TMP/mid.fnb" --key-file "$KEY" \
		>"$FN_TMP/backup.out" 2>&1 || { fail "backup failed: $(cat "$FN_TMP/backup.out")"; return 1; }
	local during=$(acked_count) took=$((SECONDS - t0))
	for p in "${pids[@]}"; do wait "$p"; done
	[ ! -s "$FN_TMP/errors" ] || { fail "uploads failed: $(head -3 "$FN_TMP/errors")"; return 1; }
	grep -q 'and verified' "$FN_TMP/backup.out" || { fail "no verification reported"; return 1; }
	[ "$(stat -c %a "$FN_TMP/mid.fnb")" = 600 ] || { fail "backup mode is $(stat -c %a "$FN_TMP/mid.fnb")"; return 1; }
	ls "$FN_TMP" | grep -q partial && { fail "a temporary file was left behind"; return 1; }
	# Encrypted: no note's child reference appears in the file.
	grep -q 'B-000-0000' "$FN_TMP/mid.fnb" && { fail "plaintext in the backup"; return 1; }
	"$FN_BIN" restore --in "$FN_TMP/mid.fnb" --data "$FN_TMP/restored" --key-file "$KEY" \
		>"$FN_TMP/restore.out" 2>&1 || { fail "restore failed: $(cat "$FN_TMP/restore.out")"; return 1; }
	grep -q 'audit chain intact' "$FN_TMP/restore.out" || { fail "$(cat "$FN_TMP/restore.out")"; return 1; }
	"$FN_BIN" audit verify --data "$FN_TMP/restored" >/dev/null || { fail "restored audit chain"; return 1; }
	echo "    $(wc -l <"$FN_TMP/before") notes acknowledged before the backup, $during when it ended ${took}s later, $total in all; uploads done at ${SECONDS}s"
	check_restored
}

# Serves the restored store and reads back every note acknowledged before
# the backup began.
check_restored() {
	local main_pid=$FN_PID main_url=$URL id missing=0 n=0
	FN_PID=
	fn_start --data "$FN_TMP/restored" || return 1
	login officer1 "$PW_OFFICER" || return 1
	while read -r id; do
		n=$((n + 1))
		req GET "/v1/notes/$id" -H "Authorization: Bearer $TOKEN"
		[ "$STATUS" = 200 ] || { missing=$((missing + 1)); echo "    missing: $id ($STATUS)" >&2; }
	done <"$FN_TMP/before"
	fn_stop || return 1
	FN_PID=$main_pid
	URL=$main_url
	[ "$n" -gt 0 ] && [ "$missing" -eq 0 ] || fail "$missing of $n acknowledged notes missing from the restore"
}

test_2_restore_refuses_wrong_key_damage_truncation_and_existing_store() {
	local f=$FN_TMP/mid.fnb size out=$FN_TMP/refused
	[ -s "$f" ] || { fail "no backup from the first test"; return 1; }
	size=$(stat -c %s "$f")
	"$FN_BIN" backup keygen --out "$FN_TMP/other.key" >/dev/null || return 1
	refused "$f" "$FN_TMP/other.key" 'wrong key' || return 1
	refused "$f" "" 'give its --key-file' || return 1
	local off
	for off in 0 9 40 70 $((size / 2)) $((size - 1)); do
		python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[int(sys.argv[3])]^=1; open(sys.argv[2],"wb").write(b)' \
			"$f" "$FN_TMP/flipped.fnb" "$off"
		refused "$FN_TMP/flipped.fnb" "$KEY" '' || { fail "flipped byte at $off accepted"; return 1; }
	done
	for cut in 30 $((size / 2)) $((size - 1)); do
		head -c "$cut" "$f" >"$FN_TMP/cut.fnb"
		refused "$FN_TMP/cut.fnb" "$KEY" 'truncated' || { fail "file cut to $cut of $size accepted"; return 1; }
	done
	# An existing store is never overwritten, even by a good backup.
	"$FN_BIN" restore --in "$f" --data "$FN_TMP/data" --key-file "$KEY" >"$out" 2>&1 &&
		{ fail "restored over the live store"; return 1; }
	grep -q 'not empty' "$out" || { fail "$(cat "$out")"; return 1; }
	ls "$FN_TMP" | grep -q 'restore-' && { fail "a staging directory was left behind"; return 1; }
	return 0
}

# refused FILE KEYFILE TEXT: restore must fail, say TEXT, and create nothing.
refused() {
	local keyopt=() out=$FN_TMP/refused
	[ -n "$2" ] && keyopt=(--key-file "$2")
	rm -rf "$FN_TMP/r"
	if "$FN_BIN" restore --in "$1" --data "$FN_TMP/r" "${keyopt[@]}" >"$out" 2>&1; then
		fail "restore of $(basename "$1") succeeded"
		return 1
	fi
	[ ! -e "$FN_TMP/r" ] || { fail "restore left $FN_TMP/r behind"; return 1; }
	[ -z "$3" ] || grep -q "$3" "$out" || { fail "expected '$3': $(cat "$out")"; return 1; }
}

test_3_unencrypted_only_when_asked() {
	local out=$FN_TMP/plain.out rc=0
	"$FN_BIN" backup --data "$FN_TMP/data" --out "$FN_TMP/plain.fnb" >"$out" 2>&1 || rc=$?
	[ $rc = 2 ] && [ ! -e "$FN_TMP/plain.fnb" ] || { fail "unencrypted backup without --unencrypted (status $rc)"; return 1; }
	grep -q 'refusing to write an unencrypted backup' "$out" || { fail "$(cat "$out")"; return 1; }
	"$FN_BIN" backup --data "$FN_TMP/data" --out "$FN_TMP/plain.fnb" --unencrypted >"$out" 2>&1 || { fail "$(cat "$out")"; return 1; }
	grep -q 'NOT encrypted' "$out" || { fail "not flagged: $(cat "$out")"; return 1; }
	refused "$FN_TMP/plain.fnb" "$KEY" 'not encrypted' || return 1
	"$FN_BIN" restore --in "$FN_TMP/plain.fnb" --data "$FN_TMP/plain-restored" >"$out" 2>&1 || { fail "$(cat "$out")"; return 1; }
}

test_4_migrate_leaves_todays_store_alone_and_refuses_a_served_one() {
	local out=$FN_TMP/migrate.out
	# The served store: another process has it open.
	if "$FN_BIN" migrate --data "$FN_TMP/data" >"$out" 2>&1; then fail "migrated a served store"; return 1; fi
	grep -q 'stop the server' "$out" || { fail "$(cat "$out")"; return 1; }
	# A version-1 store made by today's code (restored above, not served).
	"$FN_BIN" migrate --data "$FN_TMP/restored" >"$out" 2>&1 || { fail "$(cat "$out")"; return 1; }
	grep -q 'schema version 1, the current one: nothing to do' "$out" || { fail "$(cat "$out")"; return 1; }
	"$FN_BIN" audit verify --data "$FN_TMP/restored" >/dev/null
}

test_5_help() {
	local c
	for c in "backup --help" "backup keygen --help" "restore --help" "migrate --help"; do
		$FN_BIN $c | grep -q 'Usage' || { fail "$c"; return 1; }
	done
}

# A copy of the restored store, changed with the LMDB tools as someone with
# file access might: DB NAME SED-EXPRESSION.
altered_copy() {
	rm -rf "$1"
	cp -r "$FN_TMP/restored" "$1" && rm -f "$1/lock.mdb" || return 1
	mdb_dump -p -s "$2" "$1" >"$FN_TMP/dump" || return 1
	sed -i "$3" "$FN_TMP/dump"
	# (mdb_load warns that it ignores the dump's page size: expected.)
	mdb_load -s "$2" -f "$FN_TMP/dump" "$1" 2>"$FN_TMP/load.err" || { fail "mdb_load: $(cat "$FN_TMP/load.err")"; return 1; }
}

test_6_backup_refuses_a_broken_audit_chain_and_a_newer_store() {
	local d=$FN_TMP/tampered out=$FN_TMP/t.out
	altered_copy "$d" audit.log '0,/note.stored/s//note.storeX/' || return 1
	if "$FN_BIN" backup --data "$d" --out "$FN_TMP/t.fnb" --key-file "$KEY" >"$out" 2>&1; then
		fail "backed up a broken audit chain"; return 1
	fi
	grep -q 'did not verify: audit chain broken' "$out" || { fail "$(cat "$out")"; return 1; }
	ls "$FN_TMP" | grep -q '^t.fnb' && { fail "a failed backup left a file"; return 1; }
	d=$FN_TMP/newer
	altered_copy "$d" meta '/^ schema_version$/{n;s/.*/ 9/}' || return 1
	for c in "backup --data $d --out $FN_TMP/n.fnb --key-file $KEY" "migrate --data $d"; do
		if $FN_BIN $c >"$out" 2>&1; then fail "$c accepted a schema 9 store"; return 1; fi
		grep -q 'version 9 is newer' "$out" || { fail "$c: $(cat "$out")"; return 1; }
	done
}

run_suite
