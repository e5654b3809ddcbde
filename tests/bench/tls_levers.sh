#!/usr/bin/env bash
# tests/bench/tls_levers.sh BUILD [FIELDNOTE-BINARY...] - the figures of
# issue 12 levers 1-3 from one run: GCM throughput on TLS-sized records
# (tests/bench/gcm_bench.c: the mbedTLS GCM as built next to nettle and
# libgcrypt), x25519 and ECDHE operations per second (mbedTLS's own
# programs/test/benchmark) and TLS 1.3 handshakes per second
# (tests/bench/tlsconn.c, OpenSSL's default X25519 key share, full and
# resumed) against each server binary given (default BUILD/bin/fieldnote),
# so a stock binary kept aside can be measured beside the current one.
# BENCH_SECONDS (default 5) per handshake row. Figures, not pass/fail.
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

make -s -C $mbed/programs test/benchmark CFLAGS="$(cat $mbed/.cflags 2>/dev/null || echo -O2)" \
	LDFLAGS=-lgcrypt >/dev/null
(cd $mbed/programs/test && ./benchmark ecdh ecdsa | grep -E 'x25519|25519|secp256r1' | sed 's/^/benchmark: /')

[ -x "$build/bench/tlsconn" ] && [ "$build/bench/tlsconn" -nt tests/bench/tlsconn.c ] ||
	cc -O2 -Wall -Wextra -o "$build/bench/tlsconn" tests/bench/tlsconn.c -lssl -lcrypto
for bin in "${bins[@]}"; do
	rm -rf "$tmp/data" && "$bin" init --data "$tmp/data" >/dev/null
	: >"$tmp/out"
	"$bin" serve --data "$tmp/data" --listen 127.0.0.1:0 --access-log no >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 200); do grep -q serving "$tmp/out" && break; sleep 0.05; done
	port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/out")
	[ -n "$port" ] || { cat "$tmp/err"; exit 1; }
	for mode in new reuse; do
		printf 'handshakes %s TLS1.3 %-5s ' "$bin" "$mode"
		"$build/bench/tlsconn" -p "$port" -v 1.3 $([ $mode = reuse ] && echo -r) -j 1 -t "$dur"
	done
	kill "$pid" && wait "$pid" 2>/dev/null || true
	pid=
done
