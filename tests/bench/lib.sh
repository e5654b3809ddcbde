# tests/bench/lib.sh - what the bench scripts share: a scratch directory
# removed on exit, a server on a free port in it, the ingest note template.
# Sourced after `set -euo pipefail` and `cd` to the top of the tree.

# bench_init NAME [BUILD]: sets build (BUILD, default build), bin, ca, tmp
# (/tmp/fieldnote-NAME.XXXXXX) and spid; on exit the server bench_serve
# started is killed and tmp removed.
bench_init() {
	build=${2:-build}
	bin=$PWD/$build/bin/fieldnote
	ca=$PWD/certs/dev/ca.crt
	tmp=$(mktemp -d "/tmp/fieldnote-$1.XXXXXX")
	spid=
	trap '[ -z "$spid" ] || kill -KILL "$spid" 2>/dev/null; rm -rf "$tmp"' EXIT
}

# bench_serve DATA [serve options...]: serves DATA over TLS on a free
# loopback port (output in $tmp/fn.out, fn.err); sets spid and port, or
# exits when the server does not start.
bench_serve() {
	local data=$1
	shift
	: >"$tmp/fn.out"
	"$bin" serve --data "$data" --listen 127.0.0.1:0 --cert certs/dev/server.crt --key certs/dev/server.key \
		--access-log no "$@" >"$tmp/fn.out" 2>"$tmp/fn.err" &
	spid=$!
	for _ in $(seq 200); do grep -q 'serving https://' "$tmp/fn.out" && break; sleep 0.05; done
	port=$(sed -n 's/.*serving https:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/fn.out")
	[ -n "$port" ] || { echo "bench: server did not start:" >&2; cat "$tmp/fn.err" >&2; exit 1; }
}

# bench_note_template: prints the example note as JSON with placeholder id
# and child_ref (notes.lua gives every note its own) and every time moved
# so that it occurred an hour ago.
bench_note_template() {
	python3 - <<'PY'
import json, time
n = json.load(open('schema/examples/note.json'))
d = (int(time.time()) - 3600) - n['occurred_at']
n['id'], n['child_ref'] = 'IDQQQQQQQQQQQQQQQQQQQQ', 'CRZZZZZZZZZZZZZZZZZZZZZZ'
n['revision'] = 1
n.pop('replaces', None)
for k in ('occurred_at', 'created_at'):
    n[k] += d
n['referral']['sent_at'] += d
for a in n['next_steps']['actions']:
    a['due'] += d
print(json.dumps(n))
PY
}
