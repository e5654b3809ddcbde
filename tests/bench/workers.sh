#!/usr/bin/env bash
# tests/bench/workers.sh BUILD - issue 12, lever 6: guidance GET req/s and
# context switches per request for civetweb worker counts (WORKERS, default
# "8 32 128") and wrk connection counts (CONNS, default "32 128"); with
# identity and gzip replies. BENCH_SECONDS (default 5) per run. Figures,
# not pass/fail; the findings are in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_init workers "${1:-}"
dur=${BENCH_SECONDS:-5}
command -v wrk >/dev/null || { echo "bench: installing wrk"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

"$bin" init --data "$tmp/d" >/dev/null
echo bench-password | "$bin" user add --data "$tmp/d" --username bench --role officer --team t \
	--argon2-memory-kib 1024 --argon2-passes 1 >/dev/null
"$bin" guidance import --data "$tmp/d" server/guidance-pack/*.md >/dev/null

start() { bench_serve "$tmp/d" "$@"; }
stop() { kill -TERM "$spid" 2>/dev/null; wait "$spid" 2>/dev/null || true; spid=; }
# switches: voluntary + involuntary context switches of every server thread
switches() {
	cat /proc/"$spid"/task/*/status 2>/dev/null |
		awk '/^(voluntary|nonvoluntary)_ctxt_switches/ {s += $2} END {print s + 0}'
}

echo "guidance GET s136 over TLS keep-alive, wrk -t2 -d${dur}s; req/s (context switches per request)"
printf '%-8s %-6s %-22s %-22s\n' workers conns identity gzip
for w in ${WORKERS:-8 32 128}; do
	start --threads "$w"
	token=$(curl -s --cacert "$ca" "https://localhost:$port/v1/session" -H 'Content-Type: application/json' \
		-d '{"username":"bench","password":"bench-password","device_id":"bench"}' |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
	for c in ${CONNS:-32 128}; do
		row=()
		for ae in identity gzip; do
			s0=$(switches)
			rps=$(wrk -t2 -c"$c" -d"${dur}s" -H "Authorization: Bearer $token" -H "Accept-Encoding: $ae" \
				"https://localhost:$port/v1/guidance/s136" 2>&1 | awk '/Requests\/sec/ {print $2}')
			s1=$(switches)
			row+=("$(python3 -c "r=float('${rps:-0}'); print(f'{r:.0f} ({($s1-$s0)/max(1,r*$dur):.2f})')")")
		done
		printf '%-8s %-6s %-22s %-22s\n' "$w" "$c" "${row[0]}" "${row[1]}"
	done
	stop
done

# Idle keep-alive connections (handhelds that synced and went quiet) held
# open while wrk -c16 asks: do they pin workers (keep_alive_timeout_ms is
# 30 s), or give way to waiting connections (civetweb patch 0101)?
w=${IDLE_WORKERS:-32}
start --threads "$w"
token=$(curl -s --cacert "$ca" "https://localhost:$port/v1/session" -H 'Content-Type: application/json' \
	-d '{"username":"bench","password":"bench-password","device_id":"bench"}' |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
for idle in 0 $((w * 2)); do
	if [ "$idle" -gt 0 ]; then
		python3 tests/bench/idle_conns.py "$port" "$ca" "$idle" $((dur + 2)) >"$tmp/idle.out" 2>&1 &
		ipid=$!
		for _ in $(seq 200); do grep -q '^idle' "$tmp/idle.out" && break; sleep 0.05; done
	fi
	rps=$(wrk -t2 -c16 -d"${dur}s" -H "Authorization: Bearer $token" \
		"https://localhost:$port/v1/guidance/s136" 2>&1 | awk '/Requests\/sec/ {print $2}')
	note=""
	if [ "$idle" -gt 0 ]; then
		wait "$ipid" || true
		note="; $(tail -1 "$tmp/idle.out")"
	fi
	echo "workers $w, $idle idle keep-alive connections held, wrk -c16: ${rps:-0} req/s$note"
done
stop
