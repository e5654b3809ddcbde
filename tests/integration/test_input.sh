#!/usr/bin/env bash
# Bad input over the wire: HTTP framing refused with 400 and a close, HEAD
# without a body, per-route body limits, the JSON value cap, memory under a
# nested-JSON flood, integer ranges and device provenance (issue 9: 3, 8,
# 10, 11).
FN_SUITE=input
source "$(dirname "$0")/../lib.sh"

# raw REQUEST: sends the bytes (a Python string literal, escapes allowed)
# over TLS and prints "<status line>|<closed|open>|<body bytes after the
# headers>". closed: the server ended the connection within 5 s of the reply.
raw() {
	python3 - "${URL#https://}" "$FN_CA" "$1" <<'PY'
import ast, socket, ssl, sys, time
host, port = sys.argv[1].rsplit(':', 1)
ctx = ssl.create_default_context(cafile=sys.argv[2])
s = ctx.wrap_socket(socket.create_connection((host, int(port)), timeout=10), server_hostname=host)
s.sendall(ast.literal_eval(sys.argv[3]).encode('latin-1'))
data, closed, deadline = b'', False, time.time() + 5
s.settimeout(0.5)
while time.time() < deadline:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        if b'\r\n\r\n' in data:
            break
        continue
    except (ssl.SSLError, ConnectionResetError):
        closed = True
        break
    if not chunk:
        closed = True
        break
    data += chunk
head, _, body = data.partition(b'\r\n\r\n')
print('%s|%s|%d' % (head.split(b'\r\n')[0].decode('latin-1'), 'closed' if closed else 'open', len(body)))
PY
}

# expect_raw REQUEST STATUS: that status, and the server closed the connection.
expect_raw_400_close() {
	local out
	out=$(raw "$1") || { fail "raw request failed"; return 1; }
	case $out in
	"HTTP/1.1 400 "*"|closed|"*) return 0 ;;
	esac
	fail "expected 400 and a close, got: $out"
}

test_content_length_with_transfer_encoding_is_400() {
	expect_raw_400_close "'POST /v1/session HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'"
}

test_two_different_content_lengths_are_400() {
	expect_raw_400_close "'POST /v1/session HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 7\r\n\r\n{}'"
}

test_whitespace_before_colon_is_400() {
	expect_raw_400_close "'GET /healthz HTTP/1.1\r\nHost: a\r\nAccept : application/json\r\n\r\n'"
}

test_folded_header_is_400() {
	expect_raw_400_close "'GET /healthz HTTP/1.1\r\nHost: a\r\nX-Note: one\r\n two\r\n\r\n'"
}

test_absolute_form_target_is_400() {
	local port=${URL##*:}
	expect_raw_400_close "'GET https://localhost:$port/healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'"
}

test_asterisk_target_is_400() {
	expect_raw_400_close "'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n'"
}

test_nul_in_path_is_400() {
	expect_raw_400_close "'GET /healthz%00.json HTTP/1.1\r\nHost: a\r\n\r\n'" || return 1
	login officer1 "$PW_OFFICER" || return 1
	req GET "/v1/notes/abc%00def" -H "Authorization: Bearer $TOKEN"
	expect_error 400 BAD_REQUEST
}

test_head_has_headers_and_no_body() {
	local out len
	out=$(raw "'HEAD /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'")
	case $out in
	"HTTP/1.1 200 "*"|closed|0") ;;
	*) fail "HEAD /healthz: $out"; return 1 ;;
	esac
	# The same Content-Length as GET would send.
	len=$(curl -sS --cacert "$FN_CA" -I "$URL/healthz" | tr -d '\r' | sed -n 's/^Content-Length: //Ip')
	req GET /healthz
	[ "$len" = "$(stat -c %s "$BODY")" ] || fail "HEAD Content-Length $len, GET body $(stat -c %s "$BODY") bytes"
}

test_sign_in_body_limit_is_4_kib() {
	local pad
	pad=$(head -c 5000 /dev/zero | tr '\0' x)
	req POST /v1/session -H 'Content-Type: application/json' \
		-d "{\"username\":\"officer1\",\"password\":\"$PW_OFFICER\",\"device_id\":\"dev-test-1\",\"pad\":\"$pad\"}"
	expect_error 413 PAYLOAD_TOO_LARGE || return 1
	# Notes keep max_body: 5000 bytes are fine there.
	login officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote in-big-1 C-BIG-0001 $(($(date +%s) - 600)) "n['demeanour']='$pad'[:4000]")"
	expect_status 201
}

# nested_body BYTES: {"notes":[[{},{},...],[...],...]}, about BYTES long.
nested_body() {
	python3 -c '
import sys
n = int(sys.argv[1]) // 3
lists = ",".join("[" + ",".join(["{}"] * 5000) + "]" for _ in range(n // 5000))
sys.stdout.write("{\"notes\":[" + lists + "]}")' "$1"
}

test_json_value_count_is_capped_before_parsing() {
	login officer1 "$PW_OFFICER" || return 1
	nested_body 900000 >"$FN_TMP/nested.json"
	req POST /v1/notes -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		--data-binary @"$FN_TMP/nested.json"
	expect_error 400 LIMIT_EXCEEDED
}

rss_kib() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$FN_PID/status"; }

# flood PATH TOKEN: 64 connections at once, each POSTing the ~1 MiB nested body.
flood() {
	python3 - "${URL#https://}" "$FN_CA" "$FN_TMP/flood.json" "$1" "$2" <<'PY'
import socket, ssl, sys, threading
host, port = sys.argv[1].rsplit(':', 1)
body = open(sys.argv[3], 'rb').read()
ctx = ssl.create_default_context(cafile=sys.argv[2])
statuses, go = [], threading.Barrier(64)
def one():
    try:
        s = ctx.wrap_socket(socket.create_connection((host, int(port)), timeout=60), server_hostname=host)
    except Exception as e:
        go.abort()
        statuses.append('connect:%s' % type(e).__name__)
        return
    try:
        go.wait(30)
    except threading.BrokenBarrierError:
        pass
    auth = ('Authorization: Bearer %s\r\n' % sys.argv[5]) if sys.argv[5] else ''
    data = b''
    try:
        # The server may answer (413) and close before the body is sent:
        # the reply is read whatever happens to the sending.
        s.sendall(('POST %s HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n%s'
                   'Content-Length: %d\r\nConnection: close\r\n\r\n' % (sys.argv[4], auth, len(body))).encode() + body)
    except (OSError, ssl.SSLError):
        pass
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            data += c
    except (OSError, ssl.SSLError) as e:
        if not data:
            statuses.append('error:%s' % type(e).__name__)
            return
    statuses.append(data.split(b' ', 2)[1].decode() if data.startswith(b'HTTP/') else 'no-reply')
ts = [threading.Thread(target=one) for _ in range(64)]
[t.start() for t in ts]
[t.join() for t in ts]
print(' '.join(sorted(set(statuses))))
PY
}

# Peak RSS under 64 concurrent 1 MiB nested bodies, unauthenticated to the
# sign-in route and signed in to the notes route, stays within
# 2 x idle + 64 x max_body; afterwards the memory is given back.
test_memory_under_nested_json_flood() {
	if grep -q __asan_init "$FN_BIN"; then
		return 0 # ASan's shadow memory and quarantine make RSS meaningless
	fi
	login officer1 "$PW_OFFICER" || return 1
	post_note "$(mknote in-rss-1 C-RSS-0001 $(($(date +%s) - 600)))" # warm up the note path
	local idle peak after limit max_body=1048576 s1 s2
	idle=$(rss_kib VmRSS)
	nested_body 1040000 >"$FN_TMP/flood.json"
	s1=$(flood /v1/session "")
	s2=$(flood /v1/notes "$TOKEN")
	peak=$(rss_kib VmHWM)
	# Memory goes back within a second of a burst (http.c's trimmer thread).
	local i
	for i in $(seq 1 40); do
		after=$(rss_kib VmRSS)
		[ "$after" -le $((2 * idle + 16384)) ] && break
		sleep 0.05
	done
	limit=$((2 * idle + 64 * max_body / 1024))
	echo "    RSS idle ${idle} KiB, peak ${peak} KiB (limit ${limit}), after ${after} KiB; replies: session [$s1] notes [$s2]" >&2
	[ "$s1" = 413 ] || fail "sign-in flood answered [$s1], expected 413 only" || return 1
	[ "$s2" = 400 ] || fail "notes flood answered [$s2], expected 400 only" || return 1
	[ "$peak" -le "$limit" ] || fail "peak RSS ${peak} KiB above ${limit} KiB" || return 1
	# Given back: what stays is the workers' stacks and TLS state, not
	# the bodies (16 MiB: a quarter of one flood's 64 MiB of bodies).
	[ "$after" -le $((2 * idle + 16384)) ] || fail "RSS after the flood ${after} KiB, above 2 x idle + 16 MiB"
}

# note_field ID EXPR: posts a fresh note edited by EXPR and sets STATUS/BODY.
note_with() {
	post_note "$(mknote "$1" C-RNG-0001 $(($(date +%s) - 600)) "$2")"
}

expect_invalid_field() {
	expect_status 422 || return 1
	local f
	f=$(json_get "[e['field'] for e in j.get('errors', [])] + [j.get('field')]")
	case $f in *"'$1'"*) return 0 ;; esac
	fail "expected an error naming $1: $(head -c 400 "$BODY")"
}

test_times_outside_a_sane_window_are_refused() {
	login officer1 "$PW_OFFICER" || return 1
	note_with in-t-1 "n['referral']['sent_at']=4102444800" # 2100-01-01
	expect_invalid_field referral.sent_at || return 1
	note_with in-t-2 "n['referral']['sent_at']=-9223372036854775808"
	expect_invalid_field referral.sent_at || return 1
	note_with in-t-3 "n['referral']['outcome_at']=4102444800; n['referral']['outcome']='done'"
	expect_invalid_field referral.outcome_at || return 1
	note_with in-t-4 "n['next_steps']['actions'][0]['due']=4102444800"
	expect_invalid_field 'next_steps.actions[0].due' || return 1
	note_with in-t-5 "n['next_steps']['actions'][0]['due']=12"
	expect_invalid_field 'next_steps.actions[0].due' || return 1
	note_with in-t-6 "n['guidance_seen'][0]['version']=0"
	expect_invalid_field 'guidance_seen[0].version' || return 1
	note_with in-t-7 "n['guidance_seen'][0]['version']=2**31"
	expect_invalid_field 'guidance_seen[0].version'
}

test_revision_beyond_2_31_does_not_collide() {
	login officer1 "$PW_OFFICER" || return 1
	local t=$(($(date +%s) - 600))
	post_note "$(mknote in-rev-1 C-REV-0001 $t)"
	expect_status 201 || return 1
	post_note "$(mknote in-rev-1 C-REV-0001 $t "n['revision']=2; n['replaces']=1")"
	expect_status 201 || return 1
	post_note "$(mknote in-rev-1 C-REV-0001 $t "n['revision']=2**32+2; n['replaces']=1")"
	expect_invalid_field revision || return 1
	post_note "$(mknote in-rev-1 C-REV-0001 $t "n['revision']=2**31; n['replaces']=1")"
	expect_invalid_field revision
}

test_device_id_must_be_the_sessions_device() {
	login officer1 "$PW_OFFICER" || return 1
	note_with in-dev-1 "n['device_id']='someone-elses-device'"
	expect_invalid_field device_id || return 1
	note_with in-dev-2 ""
	expect_status 201
}

# Re-enrolment (client-lib/README.md): a revoked handheld's kept notes are
# sent, unchanged, from the author's new device; the old device has signed in
# to the same account before, so its id is accepted. Another account's device
# is not.
test_device_id_of_an_earlier_sign_in_is_accepted() {
	login officer1 "$PW_OFFICER" || return 1 # as dev-test-1
	req POST /v1/session -H 'Content-Type: application/json' \
		-d "{\"username\":\"officer1\",\"password\":\"$PW_OFFICER\",\"device_id\":\"dev-new-2\"}"
	expect_status 201 || return 1
	TOKEN=$(json_get token)
	note_with in-dev-3 "n['device_id']='dev-test-1'"
	expect_status 201 || return 1
	note_with in-dev-4 "n['device_id']='dev-never-seen-9'"
	expect_invalid_field device_id
}

run_suite
