#!/usr/bin/env bash
# tests/bench/ingest_profile.sh BUILD [SECONDS] - where the batched ingest
# spends its time: perf record -g on the server while notes.lua sends
# 100-note batches (8 connections, as notes.sh), then the top symbols
# (self time) and the notes/s of that run. Needs perf and wrk.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_init prof "${1:-}"
dur=${2:-10}

"$bin" convert --record note --from json --to msgpack <schema/examples/note.json >/dev/null
bench_note_template >"$tmp/tmpl.json"
"$bin" convert --record note --from json --to msgpack <"$tmp/tmpl.json" >"$tmp/tmpl.mp"
"$bin" init --data "$tmp/d" >/dev/null
echo officer-pass-1 | "$bin" user add --data "$tmp/d" --username officer1 --role officer --team north \
	--agency police --argon2-memory-kib 1024 --argon2-passes 1 >/dev/null
bench_serve "$tmp/d" --threads 64 --write-quota-daily 0
token=$(curl -s --cacert "$ca" "https://localhost:$port/v1/session" -H 'Content-Type: application/json' \
	-d '{"username":"officer1","password":"officer-pass-1","device_id":"dev-test-1"}' |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# server CPU (user + system clock ticks) around the run: on a machine whose
# fsyncs are slow, notes/s is the disk's figure and CPU per note is ours
cpu() { awk '{print $14 + $15}' "/proc/$spid/stat"; }
c0=$(cpu)
perf record -q --call-graph "${PROF_CG:-fp}" -F "${PROF_FREQ:-499}" -p "$spid" -o "$tmp/perf.data" -- sleep "$((dur + 1))" 2>/dev/null &
ppid=$!
wrk -t2 -c"${PROF_CONNS:-8}" -d"${dur}s" --timeout 60s -s tests/bench/notes.lua -H "Authorization: Bearer $token" \
	"https://localhost:$port/v1/notes" -- batch "$tmp/tmpl.mp" pP000001 >"$tmp/wrk.out" 2>&1 || true
wait "$ppid" || true
c1=$(cpu)
grep -q "good=[1-9]" "$tmp/wrk.out" || { echo "ingest_profile: no batch stored:" >&2; cat "$tmp/wrk.out" >&2; }
good=$(sed -n 's/^NOTES .*good=\([0-9]*\).*/\1/p' "$tmp/wrk.out")
secs=$(sed -n 's/^NOTES .*secs=\([0-9.]*\).*/\1/p' "$tmp/wrk.out")
hz=$(getconf CLK_TCK)
echo "ingest: $(python3 -c "print(round(${good:-0} * 100 / ${secs:-1}))") notes/s (${good:-0} batches of 100 in ${secs:-?} s, wrk -t2 -c8); server CPU $(python3 -c "print(round(($c1 - $c0) / $hz * 1e6 / max(1, ${good:-0} * 100)))") us per note"
kill -TERM "$spid" 2>/dev/null && wait "$spid" 2>/dev/null || true
spid=
if [ -n "${PROF_KEEP:-}" ]; then cp "$tmp/perf.data" "$PROF_KEEP"; fi
echo "top symbols, self time (perf report --no-children):"
perf report -i "$tmp/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
	grep -E '^ +[0-9.]+%' | head -"${PROF_TOP:-20}" || true
