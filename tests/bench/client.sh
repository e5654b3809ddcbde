#!/usr/bin/env bash
# tests/bench/client.sh BUILD - the libfieldnote rows of QUALITY.md: first sync of 500 guidance documents,
# device capture against raw LMDB, stripped library size without mbedTLS, peak RSS syncing 10,000 notes.
# Prints one line per row (figures and targets, not pass/fail). BENCH_NOTES (default 10000) for the RSS row.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
bin=$PWD/$build/bin/fieldnote
dev=$PWD/$build/bin/fieldnote-device
notes=${BENCH_NOTES:-10000}
tmp=$(mktemp -d /tmp/fieldnote-cbench.XXXXXX)
# The 10,000-note store is filled on tmpfs (its fsyncs cost nothing there);
# the capture row itself runs on /tmp, the disk the server uses.
shm=$(mktemp -d /dev/shm/fieldnote-cbench.XXXXXX 2>/dev/null || mktemp -d /tmp/fieldnote-cbench-shm.XXXXXX)
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
	rm -rf "$tmp" "$shm"
}
trap cleanup EXIT

[ -x /usr/bin/time ] || { echo "bench: installing time"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
py=$(python3 -c 'import sys; print(sys.executable)') # once: a version manager's shim is slow
fast="--argon2-memory-kib 1024 --argon2-passes 1"
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

# server DATA: serves DATA on a free port; sets url.
server() {
	[ -n "$server_pid" ] && { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }
	"$bin" serve --data "$1" --listen 127.0.0.1:0 --cert certs/dev/server.crt --key certs/dev/server.key \
		--access-log no --write-quota-daily 0 >"$tmp/server.out" 2>"$tmp/server.err" &
	server_pid=$!
	for _ in $(seq 1 200); do
		url=$(sed -n 's/.*serving \(https:[^ ]*\).*/\1/p' "$tmp/server.out")
		[ -n "$url" ] && { url=${url/127.0.0.1/localhost}; return 0; }
		sleep 0.05
	done
	echo "bench: server did not start: $(cat "$tmp/server.err")" >&2
	exit 1
}

# --- first sync: 500 guidance documents into an empty store ---------------
"$bin" init --data "$tmp/data" >/dev/null
echo officer-pass-1 | "$bin" user add --data "$tmp/data" --username officer1 --role officer --team north $fast >/dev/null
"$py" - "$tmp/docs" <<'PY'
import os, sys
out = sys.argv[1]
os.makedirs(out)
body = open('server/guidance-pack/s136.md').read().split('---', 2)[2]
for i in range(500):
    with open(f"{out}/bench-{i:03d}.md", "w") as f:
        f.write(f"---\nid: bench-{i:03d}\ntitle: Benchmark document {i}\ntags: bench, doc-{i}\n"
                f"audience: officer, worker\nreviewed: 2026-01-01\n---\n{body}\n")
PY
"$bin" guidance import --data "$tmp/data" "$tmp"/docs/*.md >/dev/null
server "$tmp/data"
printf '%064d\n' 0 | tr 0 4 >"$tmp/key"
times=()
for run in 1 2 3; do
	store=$tmp/first-$run
	echo officer-pass-1 | "$dev" --store "$store" --key-file "$tmp/key" --server "$url" --ca certs/dev/ca.crt login officer1
	t0=$(date +%s%N)
	summary=$("$dev" --store "$store" --key-file "$tmp/key" --server "$url" --ca certs/dev/ca.crt sync)
	times+=("$(ms "$t0")")
	saved=$("$py" -c 'import json,sys; print(json.loads(sys.argv[1])["guidance_saved"])' "$summary")
	[ "$saved" -ge 500 ] || { echo "bench: first sync saved $saved documents: $summary" >&2; exit 1; }
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
echo "first sync of a new device: 500 guidance documents (~3.5 KB each) in $(echo "$sorted" | awk '{print $2}') ms median of 3 ($sorted ms) (target < 1000 ms, loopback, process start included)"

# --- device capture: fn_note_save durable against a raw LMDB commit -------
cc -O2 -Wall -Wextra -Iclient-lib/include -o "$tmp/client_capture" tests/bench/client_capture.c \
	-L"$build/lib" -lfieldnote -Wl,-rpath,"$PWD/$build/lib"
cc -O2 -Wall -Wextra -o "$tmp/rawlmdb" tests/bench/rawlmdb.c -llmdb
"$py" - "$tmp" <<'PY'
import json, sys, time
n = json.load(open('schema/examples/note.json'))
json.dump(n, open(sys.argv[1] + '/full.json', 'w'))
# the app composes these (attachments: ids from fn_attachment_add)
for k in ('id', 'revision', 'created_at', 'device_id', 'occurred_at', 'child_dob', 'attachments'):
    n.pop(k, None)
n['referral']['sent_at'] = int(time.time()) - 3600
for a in n['next_steps']['actions']:  # the example's dates pass; keep them ahead
    a['due'] = int(time.time()) + 7 * 86400
n['child_ref'] = 'C-@N@-BN'
json.dump(n, open(sys.argv[1] + '/app.json', 'w'))
PY
"$bin" convert --record note --from json --to msgpack <"$tmp/full.json" >"$tmp/note.mp"
# The disk is shared and noisy: five alternating pairs of short runs; the
# ratio is the median of the pairs' ratios.
ratios=()
raws=()
caps=()
for run in 1 2 3 4 5; do
	r=$("$tmp/rawlmdb" -f "$tmp/note.mp" -n 2000 -b 1 -t 2 -d "$tmp" | sed -n 's/.*, \([0-9.]*\) records\/s/\1/p')
	rm -rf "$tmp/cap"
	c=$("$tmp/client_capture" "$tmp/cap" "$tmp/app.json" -n 2000 -t 2 | sed -n 's/.*, \([0-9.]*\) notes\/s/\1/p')
	raws+=("$r")
	caps+=("$c")
	ratios+=("$(awk -v a="$c" -v b="$r" 'BEGIN {printf "%.2f", a / b}')")
done
median() { printf '%s\n' "$@" | sort -g | sed -n 3p; }
echo "device capture: fn_note_save $(median "${caps[@]}") notes/s, raw LMDB durable commit $(median "${raws[@]}") records/s ($(wc -c <"$tmp/note.mp") B each), ratio $(median "${ratios[@]}") (median of 5 pairs: ${ratios[*]}) (target >= 0.9, QUALITY.md and issue 12)"

# --- footprint: the library stripped, without and with mbedTLS -------------
cc -shared -Wl,--version-script=client-lib/libfieldnote.map -o "$tmp/nombed.so" \
	"$build"/obj/fnclient/src/*.o "$build"/obj/fnclient/schema/*.o
strip --strip-all -o "$tmp/nombed.stripped" "$tmp/nombed.so"
strip --strip-all -o "$tmp/full.stripped" "$build/lib/libfieldnote.so.1"
kb() { echo $((($(stat -c %s "$1") + 1023) / 1024)); }
echo "footprint: libfieldnote.so stripped $(kb "$tmp/nombed.stripped") KB without mbedTLS (target <= 200 KB), $(kb "$tmp/full.stripped") KB with mbedTLS linked in"

# --- peak memory of fieldnote-device syncing 10,000 notes -----------------
store=$shm/rss
echo officer-pass-1 | "$dev" --store "$store" --key-file "$tmp/key" --server "$url" --ca certs/dev/ca.crt login officer1
# client_capture's key is 32 bytes of 0x42; make the device's the same.
printf '%064d\n' 0 | sed 's/00/42/g' >"$tmp/key42"
rm -rf "$store"
echo officer-pass-1 | "$dev" --store "$store" --key-file "$tmp/key42" --server "$url" --ca certs/dev/ca.crt login officer1
"$tmp/client_capture" "$store" "$tmp/app.json" -n "$notes" -t 900 >/dev/null
t0=$(date +%s%N)
/usr/bin/time -v "$dev" --store "$store" --key-file "$tmp/key42" --server "$url" --ca certs/dev/ca.crt sync \
	>"$tmp/sync.out" 2>"$tmp/sync.time" || { echo "bench: sync failed: $(tail -3 "$tmp/sync.time")" >&2; exit 1; }
took=$(ms "$t0")
pushed=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pushed"])' "$tmp/sync.out")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/sync.time")
echo "peak memory: fieldnote-device syncing $pushed notes: $((rss / 1024)).$(((rss % 1024) * 10 / 1024)) MB maximum RSS (target <= 16 MB), in $took ms"
