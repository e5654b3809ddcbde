#!/usr/bin/env bash
# Operations (issue 10, "Logs" and "Metrics"): one JSON object per request
# on stderr with a request id echoed to the client, log_level, and GET
# /metrics in Prometheus text behind metrics_token, with series that move.
FN_SUITE=ops
source "$(dirname "$0")/../lib.sh"
NOW=$(date +%s)

# log_lines FILE: the request lines of a server's stderr, checked and printed
# one per line as compact JSON (fails on a line that is not a log object).
log_lines() {
	python3 - "$1" <<'PY'
import json, re, sys
need = ["time", "level", "event", "request_id", "method", "route", "status", "duration_ms", "user", "device", "client"]
for l in open(sys.argv[1]):
    if not l.startswith("{"):
        continue
    o = json.loads(l)
    if o.get("event") != "request":
        continue
    missing = [k for k in need if k not in o]
    if missing:
        sys.exit("missing %s in %s" % (missing, l.strip()))
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["time"]):
        sys.exit("time is not RFC 3339 UTC with ms: " + o["time"])
    print(json.dumps(o, sort_keys=True))
PY
}

# header NAME: a reply header's value from the last req.
header() {
	sed -n "s/^$1: \(.*\)\r$/\1/Ip" "$HDRS" | head -1
}

test_request_id_is_echoed_or_made() {
	req GET /healthz -H 'X-Request-Id: ops-test.42:a'
	[ "$(header X-Request-Id)" = ops-test.42:a ] || { fail "well-formed id not echoed: $(cat "$HDRS")"; return 1; }
	local bad
	for bad in 'has space' "$(printf 'x%.0s' {1..65})" 'quote"d' ''; do
		req GET /healthz -H "X-Request-Id: $bad"
		header X-Request-Id | grep -qE '^[0-9a-f]{16}$' || { fail "id '$bad' gave: $(header X-Request-Id)"; return 1; }
	done
	req GET /no/such/path
	header X-Request-Id | grep -qE '^[0-9a-f]{16}$' || fail "an error reply has no request id"
}

test_request_log_is_json_with_route_template() {
	login officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote ops-log-1 C-777-ZZ $((NOW - 3600)))" -H 'X-Request-Id: ops-post-1'
	expect_status 201 || return 1
	req GET /v1/notes/ops-log-1 -H "Authorization: Bearer $TOKEN" -H 'X-Request-Id: ops-get-1'
	expect_status 200 || return 1
	local lines
	lines=$(log_lines "$FN_TMP/err") || { fail "bad log line: $lines"; return 1; }
	python3 - <<PY || return 1
import json, sys
lines = [json.loads(l) for l in '''$lines'''.splitlines()]
by = {o["request_id"]: o for o in lines}
g = by.get("ops-get-1")
p = by.get("ops-post-1")
if not g or not p:
    sys.exit("no log line for the requests: %s" % list(by)[-5:])
want = {"level": "info", "event": "request", "method": "GET", "route": "/v1/notes/{id}", "status": 200,
        "user": "officer1", "device": "dev-test-1"}
for k, v in want.items():
    if g[k] != v:
        sys.exit("GET line: %s is %r, expected %r: %s" % (k, g[k], v, g))
if p["route"] != "/v1/notes" or p["status"] != 201 or p["method"] != "POST":
    sys.exit("POST line: %s" % p)
if not isinstance(g["duration_ms"], (int, float)) or g["duration_ms"] < 0 or g["client"] != "127.0.0.1":
    sys.exit("duration or client: %s" % g)
PY
	! grep -q -e 'ops-log-1' -e 'C-777-ZZ' "$FN_TMP/err" || fail "the note id or child reference is in the log"
}

# start_other OUT ERR [options]: a second server on the suite's store
# (read-only use), without the suite's metrics token; sets OURL, OPID.
start_other() {
	local out=$1 err=$2
	shift 2
	"$FN_BIN" serve --data "$FN_TMP/data" --listen 127.0.0.1:0 --cert certs/dev/server.crt \
		--key certs/dev/server.key "$@" >"$out" 2>"$err" &
	OPID=$!
	for _ in $(seq 200); do
		grep -q 'serving https://' "$out" && break
		kill -0 "$OPID" 2>/dev/null || break
		sleep 0.05
	done
	OURL=$(sed -n 's/.*serving \(https:[^ ]*\).*/\1/p' "$out")
	OURL=${OURL/127.0.0.1/localhost}
	[ -n "$OURL" ] || { fail "second server did not start: $(cat "$err")"; return 1; }
}

stop_other() {
	kill -TERM "$OPID" && wait "$OPID"
}

test_log_level_and_access_log_settings() {
	local rc=0 s
	start_other "$FN_TMP/o1" "$FN_TMP/e1" --log-level warn || return 1
	curl -sS --cacert "$FN_CA" -o /dev/null "$OURL/healthz"
	s=$(curl -sS --cacert "$FN_CA" -o /dev/null -w '%{http_code}' "$OURL/metrics")
	stop_other || { fail "server 1 did not stop cleanly"; return 1; }
	grep -q '"event":"request"' "$FN_TMP/e1" && { fail "log_level warn still logs requests"; rc=1; }
	[ "$s" = 404 ] || { fail "/metrics without metrics_token answered $s, expected 404"; rc=1; }
	start_other "$FN_TMP/o2" "$FN_TMP/e2" --access-log no || return 1
	curl -sS --cacert "$FN_CA" -o /dev/null "$OURL/healthz"
	stop_other || { fail "server 2 did not stop cleanly"; return 1; }
	grep -q '"event":"request"' "$FN_TMP/e2" && { fail "access_log no still logs requests"; rc=1; }
	start_other "$FN_TMP/o3" "$FN_TMP/e3" --log-level debug || return 1
	curl -sS --cacert "$FN_CA" -o /dev/null "$OURL/healthz"
	stop_other || { fail "server 3 did not stop cleanly"; return 1; }
	grep -q '"route":"/healthz"' "$FN_TMP/e3" || { fail "log_level debug does not log requests"; rc=1; }
	"$FN_BIN" serve --data "$FN_TMP/data" --log-level loud >/dev/null 2>"$FN_TMP/e4"
	[ $? = 2 ] && grep -q "error, warn, info, debug" "$FN_TMP/e4" || { fail "bad log_level: $(cat "$FN_TMP/e4")"; rc=1; }
	return $rc
}

# every_line_json FILE: each line of a server's stderr is one JSON object
# with time (RFC 3339 UTC, ms), a known level and an event; lines other than
# requests carry a message. Prints the events in order.
every_line_json() {
	python3 - "$1" <<'PY'
import json, re, sys
events = []
for n, l in enumerate(open(sys.argv[1]), 1):
    try:
        o = json.loads(l)
    except ValueError:
        sys.exit("line %d is not JSON: %r" % (n, l[:300]))
    if not isinstance(o, dict) or not all(k in o for k in ("time", "level", "event")):
        sys.exit("line %d lacks time/level/event: %r" % (n, l[:300]))
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["time"]):
        sys.exit("line %d: time %r" % (n, o["time"]))
    if o["level"] not in ("error", "warn", "info", "debug"):
        sys.exit("line %d: level %r" % (n, o["level"]))
    if o["event"] != "request" and not isinstance(o.get("message"), str):
        sys.exit("line %d: no message: %r" % (n, l))
    events.append(o["event"])
print(" ".join(events))
PY
}

# From start to stop (test clock notice, banner, requests, SIGTERM, clean
# stop) every stderr line is a JSON object; the stdout banner stays text.
test_serve_log_is_json_from_start_to_stop() {
	local ev
	FN_TEST_CLOCK_FILE=$FN_TMP/clock start_other "$FN_TMP/oj" "$FN_TMP/ej" --access-log yes || return 1
	curl -sS --cacert "$FN_CA" -o /dev/null "$OURL/healthz"
	curl -sS --cacert "$FN_CA" -o /dev/null "$OURL/no/such/path"
	curl -sS --cacert "$FN_CA" -o /dev/null -H 'Content-Type: application/json' \
		-d '{"username":"officer1","password":"ops-canary-pw-9","device_id":"dev-test-1"}' "$OURL/v1/session"
	stop_other || { fail "server did not stop cleanly"; return 1; }
	grep -q '^fieldnote: serving https://.* (store ' "$FN_TMP/oj" || { fail "stdout banner: $(cat "$FN_TMP/oj")"; return 1; }
	ev=$(every_line_json "$FN_TMP/ej") || { fail "$ev"; return 1; }
	local e
	for e in test_clock serving request stopping stopped; do
		[[ " $ev " == *" $e "* ]] || { fail "no $e event in: $ev"; return 1; }
	done
	! grep -q ops-canary-pw-9 "$FN_TMP/ej" || fail "the password is in the log"
}

# A listen address off loopback warns, as JSON, before serving.
test_warning_is_json() {
	local ev
	start_other "$FN_TMP/ow" "$FN_TMP/ew" --listen 0.0.0.0:0 || return 1
	stop_other || { fail "server did not stop cleanly"; return 1; }
	ev=$(every_line_json "$FN_TMP/ew") || { fail "$ev"; return 1; }
	grep -q '"level":"warn","event":"listen_not_loopback","message":"WARNING: serving on' "$FN_TMP/ew" ||
		fail "no warning line: $(cat "$FN_TMP/ew")"
}

# scrape FILE: GET /metrics with the token into FILE, checking the text
# format (names, labels, values, HELP/TYPE, histogram buckets) on the way.
scrape() {
	req GET /metrics -H "Authorization: Bearer $FN_METRICS_TOKEN"
	expect_status 200 || return 1
	cp "$BODY" "$1"
	python3 - "$1" <<'PY'
import re, sys
line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|\+Inf|NaN)$')
types, hist = {}, {}
for n, l in enumerate(open(sys.argv[1]), 1):
    l = l.rstrip("\n")
    if l.startswith("# TYPE "):
        _, _, name, t = l.split(" ", 3)
        if t not in ("counter", "gauge", "histogram", "summary", "untyped"):
            sys.exit("line %d: type %s" % (n, t))
        if name in types:
            sys.exit("line %d: TYPE %s twice" % (n, name))
        types[name] = t
        continue
    if l.startswith("#"):
        continue
    m = line_re.match(l)
    if not m:
        sys.exit("line %d does not parse: %r" % (n, l))
    name = m.group(1)
    base = re.sub(r'_(bucket|sum|count)$', '', name)
    if base not in types and name not in types:
        sys.exit("line %d: %s has no TYPE before it" % (n, name))
    if name.endswith("_bucket") and types.get(base) == "histogram":
        key = (base, re.sub(r',?le="[^"]*"', '', m.group(2)))
        v = float(m.group(4))
        prev = hist.get(key, -1)
        if v < prev:
            sys.exit("line %d: buckets not cumulative" % n)
        hist[key] = v
PY
}

# val FILE SERIES: the value of one series (exact name and labels), 0 if absent.
val() {
	awk -v s="$2" 'index($0, s " ") == 1 { v = $NF } END { print v + 0 }' "$1"
}

test_metrics_need_the_token() {
	req GET /metrics
	expect_status 401 || return 1
	req GET /metrics -H "Authorization: Bearer wrong-$FN_METRICS_TOKEN"
	expect_status 401 || return 1
	req GET /metrics -H "Authorization: Bearer ${FN_METRICS_TOKEN}x"
	expect_status 401
}

# Review queue depth, overdue reviews and open MASH enquiries: two contacts
# for one child in six months wait for review and open an enquiry; four
# days later (test clock) every waiting review is overdue.
test_metrics_work_gauges() {
	local a=$FN_TMP/w1 b=$FN_TMP/w2 c=$FN_TMP/w3 rc=0
	login officer1 "$PW_OFFICER" || return 1
	scrape "$a" || return 1
	post_note "$(mknote ops-work-1 C-779-ZZ $((NOW - 100 * 86400)))"; expect_status 201 || return 1
	post_note "$(mknote ops-work-2 C-779-ZZ $((NOW - 20 * 86400)))"; expect_status 201 || return 1
	scrape "$b" || return 1
	[ $(($(val "$b" fieldnote_review_queue_depth) - $(val "$a" fieldnote_review_queue_depth))) = 2 ] ||
		{ fail "queue depth $(val "$a" fieldnote_review_queue_depth) -> $(val "$b" fieldnote_review_queue_depth)"; rc=1; }
	[ "$(val "$b" fieldnote_reviews_overdue)" = "$(val "$a" fieldnote_reviews_overdue)" ] ||
		{ fail "new notes counted overdue: $(val "$b" fieldnote_reviews_overdue)"; rc=1; }
	[ $(($(val "$b" fieldnote_mash_enquiries_open) - $(val "$a" fieldnote_mash_enquiries_open))) = 1 ] ||
		{ fail "open enquiries $(val "$a" fieldnote_mash_enquiries_open) -> $(val "$b" fieldnote_mash_enquiries_open)"; rc=1; }
	clock_advance $((4 * 86400))
	scrape "$c" || return 1
	[ "$(val "$c" fieldnote_reviews_overdue)" = "$(val "$c" fieldnote_review_queue_depth)" ] &&
		[ "$(val "$c" fieldnote_reviews_overdue)" -ge 2 ] ||
		{ fail "after 4 days: $(val "$c" fieldnote_reviews_overdue) overdue of $(val "$c" fieldnote_review_queue_depth)"; rc=1; }
	grep -q '^# TYPE fieldnote_review_queue_depth gauge$' "$c" || { fail "no TYPE line"; rc=1; }
	return $rc
}

test_metrics_series_move() {
	local a=$FN_TMP/m1 b=$FN_TMP/m2
	login officer1 "$PW_OFFICER" || return 1
	scrape "$a" || { fail "first scrape: $(head -c 300 "$BODY")"; return 1; }
	local note
	note=$(mknote ops-met-1 C-778-ZZ $((NOW - 3600)))
	post_note "$note"; expect_status 201 || return 1
	post_note "$note"; expect_status 200 || return 1
	req POST /v1/session -H 'Content-Type: application/json' \
		-d '{"username":"officer1","password":"wrong-password","device_id":"dev-test-1"}'
	expect_status 401 || return 1
	req GET /v1/sync/guidance -H "Authorization: Bearer $TOKEN"
	scrape "$b" || { fail "second scrape: $(head -c 300 "$BODY")"; return 1; }
	local s rc=0
	for s in 'fieldnote_notes_total{result="stored"} 1' 'fieldnote_notes_total{result="duplicate"} 1' \
		'fieldnote_signin_failures_total 1' 'fieldnote_commit_batch_size_count 1' \
		'fieldnote_device_syncs_total{feed="guidance"} 1' 'fieldnote_commit_duration_seconds_count 1' \
		'fieldnote_request_duration_seconds_count{method="POST",route="/v1/notes",status="2xx"} 2' \
		'fieldnote_request_duration_seconds_count{method="GET",route="/v1/sync/guidance",status="2xx"} 1' \
		'fieldnote_request_duration_seconds_count{method="POST",route="/v1/session",status="4xx"} 1'; do
		local series=${s% *} want=${s##* } before after
		before=$(val "$a" "$series")
		after=$(val "$b" "$series")
		# at least: other requests of the suite may run in between
		python3 -c "import sys; sys.exit(0 if $after - $before >= $want else 1)" ||
			{ fail "$series went from $before to $after, expected +$want"; rc=1; }
	done
	for s in fieldnote_store_map_bytes fieldnote_store_used_bytes fieldnote_busy_workers fieldnote_open_connections; do
		grep -q "^$s [0-9]" "$b" || { fail "no $s"; rc=1; }
	done
	[ "$(val "$b" fieldnote_busy_workers)" -ge 1 ] || { fail "busy workers is 0 during a scrape"; rc=1; }
	[ "$(val "$b" fieldnote_open_connections)" -ge 1 ] || { fail "no open connection during a scrape"; rc=1; }
	return $rc
}

run_suite --access-log yes
