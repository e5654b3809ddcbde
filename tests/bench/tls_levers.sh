#!/usr/bin/env bash
# tests/bench/tls_levers.sh BUILD [FIELDNOTE-BINARY...] - the figures of
# issue 12 levers 1-3 from one run: GCM throughput on TLS-sized records
# (tests/bench/gcm_bench.c: the mbedTLS GCM as built next to nettle and
# libgcrypt), x25519 and ECDHE operations per second (mbedTLS's own
# programs/test/benchmark) and TLS 1.3 handshakes per second
# (tests/bench/tlsconn.c, OpenSSL's default X25519 key share, full and
# resumed) and guidance GETs over keep-alive (wrk -t2 -c32: requests/s and,
# less sensitive to a busy machine, the server's CPU time per request from
# /proc) against each server binary given (default BUILD/bin/fieldnote), so a
# stock binary kept aside can be measured beside the current one.
# BENCH_SECONDS (default 5) per handshake or wrk row. Figures, not pass/fail.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
shift || true
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("$build/bin/fieldnote")
dur=${BENCH_SECONDS:-5}
mbed=build/deps/mbedtls
tmp=$(mktemp -d /tmp/fieldnote-levers.XXXXXX)
pid=
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

mkdir -p "$build/bench"
cc -O2 -Wall -Wextra -Werror -I$mbed/include -o "$build/bench/gcm_bench" tests/bench/gcm_bench.c \
	$mbed/library/libmbedcrypto.a -lnettle -lgcrypt
"$build/bench/gcm_bench" 0.5

cc -O2 -Wall -Wextra -Werror -I$mbed/include -o "$build/bench/x25519_bench" tests/bench/x25519_bench.c \
	$mbed/library/libmbedcrypto.a -lgcrypt
"$build/bench/x25519_bench" 1
make -s -C $mbed/programs test/benchmark CFLAGS="$(cat $mbed/.cflags 2>/dev/null || echo -O2)" \
	LDFLAGS=-lgcrypt >/dev/null
(cd $mbed/programs/test && ./benchmark ecdh | grep -E 'x25519|secp256r1' | sed 's/^/benchmark: /')

[ -x "$build/bench/tlsconn" ] && [ "$build/bench/tlsconn" -nt tests/bench/tlsconn.c ] ||
	cc -O2 -Wall -Wextra -o "$build/bench/tlsconn" tests/bench/tlsconn.c -lssl -lcrypto
# Server CPU time (user+system) in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)
guidance_row() { # bin port
	local token before after out rps reqs
	echo bench-password | "$1" user add --data "$tmp/data" --username bench --role officer --team t >/dev/null 2>&1 || true
	token=$(curl -s -k "https://localhost:$2/v1/session" -H 'Content-Type: application/json' \
		-d '{"username":"bench","password":"bench-password","device_id":"bench"}' |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
	before=$(cpu_ticks "$pid")
	out=$(wrk -t2 -c32 -d"${dur}s" -H "Authorization: Bearer $token" "https://localhost:$2/v1/guidance/s136")
	after=$(cpu_ticks "$pid")
	rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
	reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	printf 'guidance %s GET s136 wrk -t2 -c32 %ss: %s req/s, server CPU %s us/request\n' "$1" "$dur" "$rps" \
		"$(python3 -c "print(round(($after - $before) / $tick / $reqs * 1e6, 1))")"
}

for bin in "${bins[@]}"; do
	rm -rf "$tmp/data" && "$bin" init --data "$tmp/data" >/dev/null
	"$bin" guidance import --data "$tmp/data" server/guidance-pack/*.md >/dev/null
	: >"$tmp/out"
	"$bin" serve --data "$tmp/data" --listen 127.0.0.1:0 --access-log no --threads 64 >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 200); do grep -q serving "$tmp/out" && break; sleep 0.05; done
	port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/out")
	[ -n "$port" ] || { cat "$tmp/err"; exit 1; }
	for mode in new reuse; do
		before=$(cpu_ticks "$pid")
		out=$("$build/bench/tlsconn" -p "$port" -v 1.3 $([ $mode = reuse ] && echo -r) -j 1 -t "$dur")
		after=$(cpu_ticks "$pid")
		conns=$(awk '/^tlsconn:/ {print $2}' <<<"$out")
		printf 'handshakes %s TLS1.3 %-5s %s; server CPU %s us/handshake\n' "$bin" "$mode" "$out" \
			"$(python3 -c "print(round(($after - $before) / $tick / max($conns, 1) * 1e6))")"
	done
	command -v wrk >/dev/null && guidance_row "$bin" "$port"
	kill "$pid" && wait "$pid" 2>/dev/null || true
	pid=
done
