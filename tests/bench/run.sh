#!/usr/bin/env bash
# tests/bench/run.sh BUILD - the QUALITY.md rows this build can answer, each
# measured side by side with its reference on this machine. Prints one line
# per row: the two figures and the ratio. Figures, not pass/fail.
# Rows: guidance lookup (identity, and gzip against nginx gzip_static),
# bytes on the wire (one GET, a first sync; gzip against identity) and
# handshakes (here, against nginx), attachment upload (tus, against a
# WebDAV PUT to nginx; tests/bench/upload.py), then note
# ingest and review scale (tests/bench/notes.sh, against tests/bench/rawlmdb.c).
# BENCH_SECONDS (default 10) per measured run; BENCH_SCALE (default 1M) the
# large store of the scale row; BENCH_ROWS selects notes.sh rows;
# BENCH_ONLY=upload runs the upload row alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
bin=$PWD/$build/bin/fieldnote
dur=${BENCH_SECONDS:-10}
tmp=$(mktemp -d /tmp/fieldnote-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

need=""
command -v wrk >/dev/null || need="$need wrk"
command -v nginx >/dev/null || need="$need nginx-light"
[ -z "$need" ] || { echo "bench: installing$need"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
# the upload row PUTs to nginx's WebDAV module, which nginx-light lacks;
# installed under the tests' tools lock (tests/lib.sh tools_locked)
if ! "$nginx_bin" -V 2>&1 | grep -q http_dav_module; then
	echo "bench: installing nginx-full (http_dav_module)"
	flock /tmp/fieldnote-test-tools.lock env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-full >/dev/null
	nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# --- fieldnote ---
data=$tmp/data
"$bin" init --data "$data" >/dev/null
echo bench-password | "$bin" user add --data "$data" --username bench --role officer --team t >/dev/null
"$bin" guidance import --data "$data" server/guidance-pack/*.md >/dev/null
"$bin" serve --data "$data" --listen 127.0.0.1:0 --access-log no --threads 64 >"$tmp/fn.out" 2>"$tmp/fn.err" &
pids+=($!)
for _ in $(seq 100); do grep -q serving "$tmp/fn.out" && break; sleep 0.05; done
fport=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/fn.out")
ca=certs/dev/ca.crt
token=$(curl -s --cacert $ca "https://localhost:$fport/v1/session" -H 'Content-Type: application/json' \
	-d '{"username":"bench","password":"bench-password","device_id":"bench"}' |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
curl -s --cacert $ca -H "Authorization: Bearer $token" "https://localhost:$fport/v1/guidance/s136" >"$tmp/s136.json"
size=$(wc -c <"$tmp/s136.json")
# the gzip copy fieldnote stored at import: nginx's gzip_static serves the same bytes
curl -s --cacert $ca -H "Authorization: Bearer $token" -H 'Accept-Encoding: gzip' \
	"https://localhost:$fport/v1/guidance/s136" >"$tmp/s136.json.gz"
gzsize=$(wc -c <"$tmp/s136.json.gz")

# --- nginx serving the same bytes with the same certificate ---
nport=$(free_port)
mkdir -p "$tmp/www/dav" "$tmp/nginx"
# nginx's workers may run as another user (nobody, when started as root):
# they write PUT bodies to its temp path and then into dav/
chmod 711 "$tmp" && chmod 1777 "$tmp/nginx" "$tmp/www/dav"
cp "$tmp/s136.json" "$tmp/www/s136"
cp "$tmp/s136.json.gz" "$tmp/www/s136.gz"
cat >"$tmp/nginx.conf" <<CONF
worker_processes 2;
pid $tmp/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx; fastcgi_temp_path $tmp/nginx;
  uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
  keepalive_requests 1000000;
  ssl_session_cache shared:SSL:10m;
  ssl_session_tickets on;
  server {
    listen 127.0.0.1:$nport ssl;
    ssl_certificate $PWD/certs/dev/server.crt;
    ssl_certificate_key $PWD/certs/dev/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { root $tmp/www; default_type application/json; gzip_static on; gzip_vary on; }
    location /dav/ { root $tmp/www; dav_methods PUT; client_max_body_size 16m; client_body_buffer_size 1m; }
  }
}
CONF
"$nginx_bin" -c "$tmp/nginx.conf" -p "$tmp/nginx" 2>"$tmp/nginx/start.err" || { cat "$tmp/nginx/start.err"; exit 1; }
sleep 0.3

# Attachment upload: one 5 MB image to fieldnote's tus endpoint as the
# handheld sends it (POST, 64 KiB PATCHes, one keep-alive TLS connection)
# against the same bytes in one PUT to nginx's WebDAV module.
echo "attachment upload: a 5 MB JPEG, tus POST + 64 KiB PATCHes (fieldnote) against one WebDAV PUT (nginx), TLS keep-alive"
printf '  %s\n' "$(python3 tests/bench/upload.py "$fport" "$token" "$nport" "$dur" || tail -3 "$tmp/nginx/error.log")"
[ "${BENCH_ONLY:-}" = upload ] && exit 0

ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b else 'n/a')" "$1" "$2"; }
wrk_rps() { wrk -t2 -c32 -d"${dur}s" "$@" 2>&1 | awk '/Requests\/sec/ {print $2}'; }

echo "guidance lookup: authenticated GET /v1/guidance/s136 ($size bytes), wrk -t2 -c32 -d${dur}s, keep-alive"
f=$(wrk_rps -H "Authorization: Bearer $token" "https://localhost:$fport/v1/guidance/s136")
n=$(wrk_rps "https://localhost:$nport/s136")
printf '  fieldnote %s req/s, nginx %s req/s, ratio %s (target >= 1.0)\n' "$f" "$n" "$(ratio "$f" "$n")"

echo "guidance lookup, gzip: the same with Accept-Encoding: gzip ($gzsize bytes; fieldnote's stored copy, nginx gzip_static of the same file)"
f=$(wrk_rps -H "Authorization: Bearer $token" -H 'Accept-Encoding: gzip' "https://localhost:$fport/v1/guidance/s136")
n=$(wrk_rps -H 'Accept-Encoding: gzip' "https://localhost:$nport/s136")
printf '  fieldnote %s req/s, nginx %s req/s, ratio %s (target >= 1.0)\n' "$f" "$n" "$(ratio "$f" "$n")"

# Bytes on the wire (headers and body, TLS records not counted): one
# guidance GET as the handheld asks for it (msgpack), and a first sync of
# the pack as libfieldnote pulls it (the feed in pages of 50).
wire() { # accept-encoding path -> bytes of headers + body
	curl -s --cacert $ca -H "Authorization: Bearer $token" -H 'Accept: application/msgpack' \
		${1:+-H "Accept-Encoding: $1"} -o "$tmp/wire.body" -w '%{size_header} %{size_download}' \
		"https://localhost:$fport$2" | awk '{print $1 + $2}'
}
sync_bytes() { # accept-encoding -> bytes of every page of a first sync
	local since=0 more=1 total=0 n
	while [ "$more" = 1 ]; do
		n=$(wire "$1" "/v1/sync/guidance?since=$since&limit=50")
		total=$((total + n))
		if [ "$(head -c 2 "$tmp/wire.body" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
			gzip -dc <"$tmp/wire.body" >"$tmp/wire.mp"
		else
			cp "$tmp/wire.body" "$tmp/wire.mp"
		fi
		read -r since more < <("$bin" convert --record change_page --from msgpack --to json <"$tmp/wire.mp" |
			python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["next"], int(j.get("more", False)))')
	done
	echo "$total"
}
pct() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{100*a/b:.0f}%' if b else 'n/a')" "$1" "$2"; }
f=$(wire gzip /v1/guidance/s136); fb=$(wc -c <"$tmp/wire.body")
n=$(wire "" /v1/guidance/s136); nb=$(wc -c <"$tmp/wire.body")
printf 'bytes on the wire, one guidance GET (s136, msgpack, headers included): gzip %s, identity %s, %s (bodies alone %s and %s, %s) (target <= 50%%)\n' \
	"$f" "$n" "$(pct "$f" "$n")" "$fb" "$nb" "$(pct "$fb" "$nb")"
f=$(sync_bytes gzip); n=$(sync_bytes "")
printf 'bytes on the wire, first sync of the pack (%s documents, pages of 50, headers included): gzip %s, identity %s, %s (target <= 50%%)\n' \
	"$(ls server/guidance-pack/*.md | wc -l)" "$f" "$n" "$(pct "$f" "$n")"

# Handshakes: tests/bench/tlsconn (OpenSSL client, one process per
# parallel client), full and resumed, TLS 1.3 and TLS 1.2. Not openssl
# s_time: under TLS 1.3 its -reuse keeps the session before the server's
# NewSessionTicket has arrived, so OpenSSL 3.0 never resumes (nginx
# included), and it reports whole seconds. tlsconn reads one reply on the
# first connection to take the ticket, then offers it on every connection
# and counts the ones the server really resumed (printed).
[ -f /usr/include/openssl/ssl.h ] || { echo "bench: installing libssl-dev"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libssl-dev >/dev/null; }
mkdir -p "$build/bench"
[ "$build/bench/tlsconn" -nt tests/bench/tlsconn.c ] ||
	cc -O2 -Wall -Wextra -o "$build/bench/tlsconn" tests/bench/tlsconn.c -lssl -lcrypto
tlsconn() { # port version mode(new|reuse) parallel -> "rate resumed/connections"
	"$build/bench/tlsconn" -p "$1" -v "$2" $([ "$3" = reuse ] && echo -r) -j "$4" -t "$dur" |
		awk '/^tlsconn:/ {print $NF == "handshakes/s" ? $(NF-1) " " $4 "/" $2 : "0 0/0"}'
}
for mode in new reuse; do
	for v in 1.3 1.2; do
		for par in 1 16; do
			read -r f fr < <(tlsconn "$fport" $v $mode $par) || { f=0; fr=failed; }
			read -r n nr < <(tlsconn "$nport" $v $mode $par) || { n=0; nr=failed; }
			if [ $mode = new ]; then
				label="full handshakes, TLS $v"; target=0.8; extra=""
			else
				label="resumed handshakes (session tickets), TLS $v"; target=1.0
				extra=" [resumed/connections: fieldnote $fr, nginx $nr]"
			fi
			printf '%s, %s in parallel: fieldnote %s/s, nginx %s/s, ratio %s (target >= %s)%s\n' \
				"$label" "$par" "$f" "$n" "$(ratio "$f" "$n")" "$target" "$extra"
		done
	done
done

# The note rows: ingest against raw LMDB, and the review scale row. Own
# servers and stores; fieldnote and nginx above are stopped first.
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
pids=()
[ -f "$tmp/nginx.pid" ] && { kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true; rm -f "$tmp/nginx.pid"; }
tests/bench/notes.sh "$build"

# The handheld library rows (libfieldnote, fieldnote-device).
tests/bench/client.sh "$build"
