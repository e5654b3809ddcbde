#!/usr/bin/env bash
# Storage faults: a full disk (a small tmpfs, mounted here and unmounted on
# exit; needs root) is not a full map; map_max; the daily write quota.
# Servers under upload must lose nothing acknowledged, go on serving reads
# and sign-ins, and take writes again by themselves once space returns.
FN_SUITE=storage
source "$(dirname "$0")/../lib.sh"

NOW=$(date +%s)
DISK=$FN_TMP/disk
storage_cleanup() {
	if [ -n "$FN_PID" ]; then
		kill -KILL "$FN_PID" 2>/dev/null
		wait "$FN_PID" 2>/dev/null
		FN_PID=
	fi
	mountpoint -q "$DISK" 2>/dev/null && umount "$DISK"
	cleanup
}
trap storage_cleanup EXIT

# load MODE PREFIX [WRITERS BATCHES]: with the signed-in $TOKEN.
#   upload: WRITERS threads each send up to BATCHES batches of 20 notes on
#     one keep-alive connection, stopping at the first refusal. Acknowledged
#     ids are appended to $FN_TMP/acked.PREFIX; the refusals (status, name,
#     Retry-After) are printed one a line, then "stored N".
#   present: GETs every id in $FN_TMP/acked.PREFIX; prints "missing N".
load() {
	python3 - "$URL" "$TOKEN" "$FN_CA" "$FN_TMP" "$NOW" "$@" <<'PY'
import http.client, json, ssl, sys, threading, urllib.parse
url, token, ca, tmp, now, mode, prefix = sys.argv[1:8]
host = urllib.parse.urlparse(url)
ctx = ssl.create_default_context(cafile=ca)
def conn():
    return http.client.HTTPSConnection(host.hostname, host.port, context=ctx, timeout=20)
hdr = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
base = json.load(open("schema/examples/note.json"))
base.pop("replaces", None)
t = int(now) - 86400
ackfile = f"{tmp}/acked.{prefix}"
if mode == "upload":
    writers, batches = int(sys.argv[8]), int(sys.argv[9])
    lock, refusals, stored = threading.Lock(), [], [0]
    def writer(w):
        c = conn()
        for b in range(batches):
            notes = [dict(base, id=f"{prefix}-{w}-{b}-{i}", revision=1, child_ref=f"C-{w:02d}-{b:04d}-{i:02d}",
                          occurred_at=t, created_at=t + 60) for i in range(20)]
            c.request("POST", "/v1/notes", json.dumps({"notes": notes}), hdr)
            r = c.getresponse()
            body = r.read()
            if r.status != 200:
                name = json.loads(body).get("name", "?") if body else "?"
                with lock:
                    refusals.append(f"{r.status} {name} {r.getheader('Retry-After')}")
                return
            ok = [x["id"] for x in json.loads(body)["results"] if x["result"] in ("stored", "duplicate")]
            with lock:
                open(ackfile, "a").write("".join(i + "\n" for i in ok))
                stored[0] += len(ok)
    ths = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for x in ths: x.start()
    for x in ths: x.join()
    for x in refusals: print(x)
    print("stored", stored[0])
else:
    ids = open(ackfile).read().split()
    c, missing = conn(), 0
    for i in ids:
        c.request("GET", "/v1/notes/" + i, headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        r.read()
        missing += r.status != 200
    print("missing", missing, "of", len(ids))
PY
}

# mount_disk SIZE: a fresh tmpfs with a store (the guidance pack, three users)
# on it; the servers fn_start starts use it.
mount_disk() {
	mkdir -p "$DISK" && mount -t tmpfs -o "size=$1" tmpfs "$DISK" ||
		{ fail "cannot mount a tmpfs on $DISK (this suite needs root)"; return 1; }
	fn_store "$DISK/data" || return 1
	rm -rf "$FN_TMP/data" && ln -s "$DISK/data" "$FN_TMP/data"
}

# fill_disk BYTES: a filler file leaves about BYTES free.
fill_disk() {
	local avail
	avail=$(df --output=avail -B1 "$DISK" | tail -1)
	[ "$avail" -gt "$1" ] || { fail "only $avail bytes free"; return 1; }
	head -c $((avail - $1)) /dev/zero >"$DISK/filler"
}

# expect_refusals OUTPUT STATUS NAME RETRY: every refusal line is the same.
expect_refusals() {
	local lines
	lines=$(grep -v '^stored' <<<"$1")
	[ -n "$lines" ] || { fail "no write was refused: $1"; return 1; }
	if grep -qv "^$2 $3 $4\$" <<<"$lines"; then
		fail "expected every refusal to be '$2 $3 $4', got: $(sort <<<"$lines" | uniq -c | head -5)"
		return 1
	fi
}

metric() {
	req GET /metrics -H "Authorization: Bearer $FN_METRICS_TOKEN"
	sed -n "s/^$1 //p" "$BODY"
}

# resumes_when_space_returns PREFIX: with the filler gone, two uploaders
# of two notes each (PREFIX) are all stored.
resumes_when_space_returns() {
	local out
	rm -f "$DISK/filler"
	out=$(load upload "$1" 2 2)
	[ "$out" = "stored 80" ] || { fail "uploads did not resume after space returned: $out"; return 1; }
}

# restart_loses_nothing PREFIX...: after a restart every note acknowledged
# under these prefixes is there; then the server stops and the disk goes.
restart_loses_nothing() {
	local p out
	fn_stop || return 1
	fn_start --write-quota-daily 0 || return 1
	login officer1 "$PW_OFFICER" || return 1
	for p in "$@"; do
		out=$(load present "$p")
		[ "$(cut -d' ' -f2 <<<"$out")" = 0 ] || { fail "after a restart: $out"; return 1; }
	done
	fn_stop || return 1
	umount "$DISK"
}

# Under the reserve (4 MiB) uploads are refused with 507 STORE_FULL and
# Retry-After, logged once; sign-ins and reads go on; freeing space lets
# uploads in again; a restart finds every acknowledged note.
disk_reserve_keeps_sign_in_and_reads() {
	mount_disk 16m || return 1
	fn_start --store-reserve 4194304 --write-quota-daily 0 || return 1
	login officer1 "$PW_OFFICER" || return 1
	fill_disk $((6 << 20)) || return 1
	local out
	out=$(load upload r 4 1000) || return 1
	echo "    under upload: $(tail -1 <<<"$out") notes acknowledged before the disk filled"
	expect_refusals "$out" 507 STORE_FULL 60 || return 1
	out=$(load upload r2 2 1)
	expect_refusals "$out" 507 STORE_FULL 60 || return 1
	[ "$(grep -c 'store: disk full' "$FN_TMP/err")" = 1 ] ||
		{ fail "the full disk was not logged exactly once: $(grep 'store:' "$FN_TMP/err" | head -5)"; return 1; }
	grep -q 'store: disk full.*KiB free' "$FN_TMP/err" || { fail "the log does not give the free space"; return 1; }
	[ "$(metric fieldnote_store_disk_full)" = 1 ] || { fail "/metrics does not show the full disk"; return 1; }
	login officer1 "$PW_OFFICER" || { fail "no sign-in on a full disk"; return 1; }
	req GET /v1/guidance/s136 -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	out=$(load present r)
	[ "${out%% *}" = missing ] && [ "$(cut -d' ' -f2 <<<"$out")" = 0 ] || { fail "$out"; return 1; }
	resumes_when_space_returns r3 || return 1
	grep -q 'store: disk space back' "$FN_TMP/err" || { fail "recovery not logged"; return 1; }
	[ "$(metric fieldnote_store_disk_full)" = 0 ] || { fail "/metrics still shows a full disk"; return 1; }
	restart_loses_nothing r r3
}

# With no reserve the disk really fills (ENOSPC): 507, not a map doubled
# over and over; reads go on even when a token's last use cannot be
# recorded; writes resume once space returns; nothing acknowledged is lost.
enospc_is_not_a_full_map() {
	mount_disk 16m || return 1
	fn_start --store-reserve 0 --token-idle 40 --write-quota-daily 0 || return 1
	login officer1 "$PW_OFFICER" || return 1
	fill_disk $((2 << 20)) || return 1
	local out grows
	out=$(load upload e 4 1000) || return 1
	echo "    under upload: $(tail -1 <<<"$out") notes acknowledged before ENOSPC"
	expect_refusals "$out" 507 STORE_FULL 60 || return 1
	grows=$(metric fieldnote_store_map_grows_total)
	[ "$grows" = 0 ] || { fail "the map was grown $grows time(s) for a full disk"; return 1; }
	grep -q 'store: disk full.*No space left on device' "$FN_TMP/err" ||
		{ fail "ENOSPC not logged: $(grep 'store:' "$FN_TMP/err" | head -3)"; return 1; }
	# The token's last use is recorded every token_idle/4 = 10 s: move the
	# server's clock past it.
	clock_advance 11
	req GET /v1/guidance/s136 -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	out=$(load present e)
	[ "$(cut -d' ' -f2 <<<"$out")" = 0 ] || { fail "$out"; return 1; }
	resumes_when_space_returns e2 || return 1
	restart_loses_nothing e e2
}

# map_max stops growth: 507 STORE_FULL with Retry-After, logged once.
map_max_answers_507() {
	rm -rf "$FN_TMP/data"
	fn_start --map-max 2097152 --write-quota-daily 0 || return 1
	login officer1 "$PW_OFFICER" || return 1
	local out
	out=$(load upload m 2 1000) || return 1
	expect_refusals "$out" 507 STORE_FULL 60 || return 1
	[ "$(grep -c 'map is at map_max' "$FN_TMP/err")" = 1 ] || { fail "map_max not logged once"; return 1; }
	[ "$(metric fieldnote_store_map_bytes)" = 2097152 ] || { fail "map is $(metric fieldnote_store_map_bytes) bytes"; return 1; }
	req GET /v1/guidance/s136 -H "Authorization: Bearer $TOKEN"
	expect_status 200 || return 1
	out=$(load present m)
	[ "$(cut -d' ' -f2 <<<"$out")" = 0 ] || { fail "$out"; return 1; }
	fn_stop
}

# Past the daily quota: 429 QUOTA_EXCEEDED with Retry-After until the next
# UTC day; resending what is stored still answers duplicate; other users
# are not affected.
daily_write_quota() {
	rm -rf "$FN_TMP/data"
	fn_store "$FN_TMP/data" || return 1
	echo other-pass-1 | "$FN_BIN" user add --data "$FN_TMP/data" --username officer2 --role officer --team north $FN_FAST >/dev/null || return 1
	fn_start --write-quota-daily 40000 || return 1
	login officer1 "$PW_OFFICER" || return 1
	python3 - "$FN_TMP/q" $((NOW - 3600)) <<'PY' || return 1
import json, os, sys
out, t = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
n = json.load(open('schema/examples/note.json'))
n.pop('replaces', None)
for i in range(1, 41):
    json.dump(dict(n, id=f"q-{i}", revision=1, child_ref=f"C-700-{i}", occurred_at=t, created_at=t + 60),
              open(f"{out}/q-{i}.json", "w"))
json.dump(dict(n, id="q2-1", revision=1, child_ref="C-701-1", author="officer2", occurred_at=t, created_at=t + 60),
          open(f"{out}/q2-1.json", "w"))
PY
	local i t0 t1
	for i in $(seq 1 40); do
		t0=$(date +%s)
		post_note @"$FN_TMP/q/q-$i.json"
		t1=$(date +%s)
		[ "$STATUS" = 201 ] || break
	done
	[ "$i" -gt 5 ] && [ "$i" -lt 40 ] || { fail "the quota stopped note $i of 40"; return 1; }
	expect_error 429 QUOTA_EXCEEDED || return 1
	local wait lo hi
	wait=$(sed -n 's/^Retry-After: \([0-9]*\).*/\1/Ip' "$HDRS")
	# the seconds to the next UTC day, at some moment between t0 and t1
	lo=$((86400 - t1 % 86400)) hi=$((86400 - t0 % 86400))
	[ -n "$wait" ] && { [ "$wait" -ge "$lo" ] && [ "$wait" -le "$hi" ] || [ "$lo" -gt "$hi" ]; } ||
		{ fail "Retry-After '$wait', expected $lo..$hi (the next UTC day)"; return 1; }
	post_note @"$FN_TMP/q/q-1.json"
	expect_status 200 || return 1
	[ "$(json_get result)" = duplicate ] || { fail "resent note: $(cat "$BODY")"; return 1; }
	login officer2 other-pass-1 || return 1
	post_note @"$FN_TMP/q/q2-1.json"
	expect_status 201 || return 1
	fn_stop
}

# A client that reads a large reply slowly holds no read transaction: a
# write that makes the map grow goes through while the client stalls (it
# used to wait for it, up to request_timeout, and every writer behind it).
slow_reader_does_not_hold_up_growth() {
	rm -rf "$FN_TMP/data"
	fn_store "$FN_TMP/data" || return 1
	python3 - "$FN_TMP/big" <<'PY' || return 1
import os, sys
os.makedirs(sys.argv[1])
line = "A long paragraph of guidance text that makes this document large enough.\n"
for i in range(24):
    open(f"{sys.argv[1]}/big-{i}.md", "w").write(
        f"---\nid: big-{i}\ntitle: Big {i}\naudience: officer, worker, supervisor\n---\n" + line * 3300)
PY
	"$FN_BIN" guidance import --data "$FN_TMP/data" "$FN_TMP"/big/*.md >/dev/null || return 1
	# The token is made first, so that the server below writes nothing
	# until the test does; its map is then exactly the data's size.
	fn_start || return 1
	login officer1 "$PW_OFFICER" || return 1
	fn_stop || return 1
	fn_start --map-size 1 --request-timeout-ms 60000 --write-quota-daily 0 || return 1
	python3 - "$URL" "$TOKEN" "$FN_CA" "$NOW" "$FN_METRICS_TOKEN" <<'PY'
import http.client, json, socket, ssl, sys, time, urllib.parse
url, token, ca, now, mtoken = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
u = urllib.parse.urlparse(url)
ctx = ssl.create_default_context(cafile=ca)
def metric(name):
    c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=10)
    c.request("GET", "/metrics", headers={"Authorization": "Bearer " + mtoken})
    for l in c.getresponse().read().decode().splitlines():
        if l.startswith(name + " "):
            return int(l.split()[1])
grows0 = metric("fieldnote_store_map_grows_total")
# The slow reader: a tiny receive window, and it stops after 1 KB.
raw = socket.socket()
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
raw.connect((u.hostname, u.port))
slow = ctx.wrap_socket(raw, server_hostname=u.hostname)
slow.sendall(f"GET /v1/sync/guidance?limit=500 HTTP/1.1\r\nHost: {u.hostname}\r\n"
             f"Authorization: Bearer {token}\r\n\r\n".encode())
got = slow.recv(1024)
assert got.startswith(b"HTTP/1.1 200"), got[:100]
# Writers meanwhile: until the map has grown; each must be answered at once.
base = json.load(open("schema/examples/note.json"))
base.pop("replaces", None)
c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=8)
hdr = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
worst, batches, t = 0.0, 0, now - 86400
while metric("fieldnote_store_map_grows_total") == grows0 and batches < 60:
    notes = [dict(base, id=f"slow-{batches}-{i}", revision=1, child_ref=f"C-9{batches:03d}-{i:03d}",
                  occurred_at=t, created_at=t + 60) for i in range(100)]
    start = time.monotonic()
    try:
        c.request("POST", "/v1/notes", json.dumps({"notes": notes}), hdr)
        r = c.getresponse()
        r.read()
    except (socket.timeout, TimeoutError):
        print(f"    an upload waited more than 8 s behind the slow reader (batch {batches})")
        sys.exit(1)
    worst = max(worst, time.monotonic() - start)
    assert r.status == 200, r.status
    batches += 1
if metric("fieldnote_store_map_grows_total") == grows0:
    print(f"    the map did not grow after {batches} uploads")
    sys.exit(1)
print(f"    map grown after {batches} uploads of 100 notes while a reader stalled; slowest upload {worst:.2f} s")
# The stalled reply still arrives whole (read to its Content-Length: the
# connection stays open, so that no close can cut it short).
data = got
while b"\r\n\r\n" not in data:
    data += slow.recv(65536)
head, body = data.split(b"\r\n\r\n", 1)
length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
assert length, head
while len(body) < length[0]:
    b = slow.recv(65536)
    if not b:
        break
    body += b
big = [ch for ch in json.loads(body)["changes"] if ch["id"].startswith("big-")] if len(body) == length[0] else []
if len(big) != 24:
    print(f"    the slow reply came to {len(body)} of {length[0]} bytes, {len(big)} big documents")
    sys.exit(1)
if worst > 5:
    print(f"    an upload took {worst:.1f} s")
    sys.exit(1)
PY
	local rc=$?
	fn_stop || return 1
	return $rc
}

# Each test runs in a subshell (run_tests): whatever happens, its server is
# stopped and its disk unmounted before the next one.
contained() {
	"$@"
	local rc=$?
	if [ -n "$FN_PID" ]; then
		kill -KILL "$FN_PID" 2>/dev/null
		wait "$FN_PID" 2>/dev/null
	fi
	FN_PID=
	if mountpoint -q "$DISK" 2>/dev/null; then umount "$DISK" || rc=1; fi
	return $rc
}
test_disk_reserve_keeps_sign_in_and_reads() { contained disk_reserve_keeps_sign_in_and_reads; }
test_enospc_is_not_a_full_map() { contained enospc_is_not_a_full_map; }
test_map_max_answers_507() { contained map_max_answers_507; }
test_daily_write_quota() { contained daily_write_quota; }
test_slow_reader_does_not_hold_up_growth() { contained slow_reader_does_not_hold_up_growth; }

run_tests
