#!/usr/bin/env bash
# tests/bench/get_profile.sh BUILD [SECONDS] - where a guidance GET spends
# its time: perf record on the server while wrk asks for /v1/guidance/s136
# over TLS keep-alive (wrk -t2 -c32, as the guidance row of make bench),
# then the top symbols (self time), grouped into TLS record crypto, HTTP,
# the store and the rest, and the server's CPU per request.
# PROF_GZIP=1 asks for the gzip copy; PROF_CONNS connections (default 32).
# PROF_HANDSHAKES="1.3 reuse 16" profiles handshakes instead (tlsconn:
# version, new|reuse, clients in parallel), as the handshake rows do.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
bench_init prof "${1:-}"
dur=${2:-10}
command -v perf >/dev/null || { echo "get_profile: needs perf (apt-get install linux-perf)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "get_profile: needs wrk (apt-get install wrk)" >&2; exit 2; }

"$bin" init --data "$tmp/d" >/dev/null
echo bench-password | "$bin" user add --data "$tmp/d" --username bench --role officer --team t \
	--argon2-memory-kib 1024 --argon2-passes 1 >/dev/null
"$bin" guidance import --data "$tmp/d" server/guidance-pack/*.md >/dev/null
bench_serve "$tmp/d" --threads 64
token=$(curl -s --cacert "$ca" "https://localhost:$port/v1/session" -H 'Content-Type: application/json' \
	-d '{"username":"bench","password":"bench-password","device_id":"bench"}' |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
hdr=()
[ -z "${PROF_GZIP:-}" ] || hdr=(-H 'Accept-Encoding: gzip')
cpu() { awk '{print $14 + $15}' "/proc/$spid/stat"; }
if [ -n "${PROF_HANDSHAKES:-}" ]; then
	mkdir -p "$build/bench"
	[ "$build/bench/tlsconn" -nt tests/bench/tlsconn.c ] ||
		cc -O2 -Wall -Wextra -o "$build/bench/tlsconn" tests/bench/tlsconn.c -lssl -lcrypto
	read -r hv hm hp <<<"$PROF_HANDSHAKES"
fi
c0=$(cpu)
perf record -q --call-graph "${PROF_CG:-fp}" -F "${PROF_FREQ:-499}" -p "$spid" -o "$tmp/perf.data" -- sleep "$((dur + 1))" 2>/dev/null &
ppid=$!
if [ -n "${PROF_HANDSHAKES:-}" ]; then
	"$build/bench/tlsconn" -p "$port" -v "$hv" $([ "$hm" = reuse ] && echo -r) -j "$hp" -t "$dur" >"$tmp/tls.out"
	wait "$ppid" || true
	c1=$(cpu)
	n=$(awk '/^tlsconn:/ {print $2}' "$tmp/tls.out")
	echo "handshakes, TLS $hv $hm, $hp in parallel: $(awk '/^tlsconn:/ {print $(NF-1)}' "$tmp/tls.out")/s ($(sed -n 's/^tlsconn: //p' "$tmp/tls.out")); server CPU $(python3 -c "print(round(($c1 - $c0) / $(getconf CLK_TCK) * 1e6 / max(1, ${n:-0})))") us per handshake"
fi
[ -n "${PROF_HANDSHAKES:-}" ] || wrk -t2 -c"${PROF_CONNS:-32}" -d"${dur}s" -H "Authorization: Bearer $token" "${hdr[@]}" \
	"https://localhost:$port/v1/guidance/s136" >"$tmp/wrk.out" 2>&1 || true
wait "$ppid" || true
c1=$(cpu)
touch "$tmp/wrk.out"
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$tmp/wrk.out")
reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$tmp/wrk.out")
hz=$(getconf CLK_TCK)
[ -n "${PROF_HANDSHAKES:-}" ] || echo "guidance GET: ${rps:-0} req/s (wrk -t2 -c${PROF_CONNS:-32} -d${dur}s${PROF_GZIP:+, gzip}); server CPU $(python3 -c "print(round(($c1 - $c0) / $hz * 1e6 / max(1, ${reqs:-0})))") us per request"
kill -TERM "$spid" 2>/dev/null && wait "$spid" 2>/dev/null || true
spid=
perf report -i "$tmp/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
	grep -E '^ +[0-9.]+%' >"$tmp/top" || true
python3 - "$tmp/top" <<'PY'
import re, sys
groups = {"TLS record crypto (AES-GCM, SHA)": r"gcm|aes|gcry_|_gcry|sha256|sha512|nettle",
          "TLS key exchange and signatures (x25519, ECDSA, bignum)": r"everest|x25519|Hacl|ecp|ecdsa|mpi_|bignum|ecdh",
          "TLS framing and state (mbedTLS ssl)": r"mbedtls_ssl|ssl_",
          "kernel (syscalls, network, scheduler)": r"\[k\]",
          "HTTP (civetweb)": r"mg_|civetweb|parse_http|get_request",
          "store (LMDB)": r"mdb_|liblmdb",
          "allocation and copies (libc)": r"malloc|free|memcpy|memmove|memset|_int_|strlen|memcmp",
          "syscall wrappers and locks (libc: poll, recv, send, mutex)": r"libc\.so",
          "fieldnote's own code (handlers, codec, audit)": r"^fieldnote "}
tot = {k: 0.0 for k in groups}; other = 0.0
rows = []
for line in open(sys.argv[1]):
    m = re.match(r"\s+([0-9.]+)%\s+(.*)", line)
    if not m:
        continue
    p, rest = float(m.group(1)), m.group(2)
    rows.append((p, " ".join(rest.split())))
    for k, rx in groups.items():
        if re.search(rx, rest):
            tot[k] += p
            break
    else:
        other += p
print("self time by group:")
for k, v in sorted(tot.items(), key=lambda kv: -kv[1]):
    print(f"  {v:5.1f}%  {k}")
print(f"  {other:5.1f}%  other")
print("top symbols (self):")
for p, s in rows[:int(__import__('os').environ.get('PROF_TOP', '15'))]:
    print(f"  {p:5.2f}%  {s}")
PY
