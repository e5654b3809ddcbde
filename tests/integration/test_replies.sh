#!/usr/bin/env bash
# Whole replies (issue 9, item 0): multi-megabyte replies fetched over TLS
# with Connection: close, with keep-alive and by a slow reader arrive whole,
# every byte equal to the first fetch. A close that reset the connection
# while reply bytes were still queued cut them short.
FN_SUITE=replies
source "$(dirname "$0")/../lib.sh"

# Eight guidance documents of ~250 KB make the sync feed ~2 MB.
make_data() {
	local d=$FN_TMP/data i
	fn_store "$d" || return 1
	mkdir -p "$FN_TMP/pack"
	for i in 01 02 03 04 05 06 07 08; do
		python3 - "$FN_TMP/pack/big$i.md" "$i" <<'PY'
import random, sys
random.seed(int(sys.argv[2]))
words = ["child", "officer", "referral", "risk", "safety", "voice", "record", "plan"]
body = "\n\n".join(" ".join(random.choice(words) for _ in range(40)) for _ in range(900))
open(sys.argv[1], "w").write(
    "---\nid: big%s\ntitle: Large document %s\ntags: test\n"
    "audience: officer, worker, supervisor\nreviewed: 2026-11-01\n---\n\n%s\n"
    % (sys.argv[2], sys.argv[2], body[:250000]))
PY
	done
	"$FN_BIN" guidance import --data "$d" "$FN_TMP"/pack/*.md >/dev/null
}

PORT=
fetch() { # PATH N MODE
	python3 tests/netload.py --ca "$FN_CA" 127.0.0.1 "$PORT" fetch "$1" "$TOKEN" "$2" "$3" >"$FN_TMP/fetch.out" 2>&1
	local rc=$?
	cat "$FN_TMP/fetch.out" | sed 's/^/    /'
	[ $rc -eq 0 ] && grep -q '^ok ' "$FN_TMP/fetch.out"
}

feed_big_enough() {
	local bytes
	bytes=$(awk '/^ok/{print $3}' "$FN_TMP/fetch.out")
	[ "${bytes:-0}" -gt 1900000 ] || fail "the feed is only ${bytes:-0} bytes"
}

test_feed_connection_close_50_times() {
	login officer1 "$PW_OFFICER" || return 1
	fetch "/v1/sync/guidance?limit=500" 50 close && feed_big_enough
}

test_feed_keep_alive_50_times() {
	login officer1 "$PW_OFFICER" || return 1
	fetch "/v1/sync/guidance?limit=500" 50 keepalive && feed_big_enough
}

test_feed_slow_reader() {
	login officer1 "$PW_OFFICER" || return 1
	fetch "/v1/sync/guidance?limit=500" 2 slow && feed_big_enough
}

test_audit_connection_close_50_times() {
	login admin1 "$PW_ADMIN" || return 1
	fetch "/v1/audit?limit=1000" 50 close
}

test_document_connection_close_50_times() {
	login officer1 "$PW_OFFICER" || return 1
	fetch "/v1/guidance/big01" 50 close
}

make_data || { fn_record data 1; exit 0; }
fn_start_port() { fn_start "$@" && PORT=${URL##*:}; }
if fn_start_port; then
	run_tests
	stop_suite
else
	fn_record server_start 1
fi
