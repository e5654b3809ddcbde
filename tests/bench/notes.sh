#!/usr/bin/env bash
# tests/bench/notes.sh BUILD - the note rows of QUALITY.md and issue 12:
# ingest (100-note batches in msgpack and in JSON, and one note at a time
# from 64 devices) against the raw-LMDB reference program, JSON ingest
# against a CouchDB-compatible sync server (pouchdb-server, installed from
# npm into BUILD/bench/pouchdb on first use), and the review scale row
# (queue page, a child's contacts and a partner's referral feed, with 10
# thousand and with BENCH_SCALE notes stored). Called by run.sh; runs on
# its own too. Prints one line per row: the two figures and the ratio.
#
# Environment: BENCH_SECONDS (default 10) per ingest run; BENCH_SCALE
# (10k/100k/1M or a number, default 1M) the large store of the scale row;
# BENCH_SAMPLES (default 200) requests timed per scale figure;
# BENCH_ROWS (default "ingest json couch scale") which rows to run:
# ingest (msgpack batches and 64 single-note uploaders), json (JSON
# batches), couch (JSON against pouchdb-server), scale.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bench/lib.sh
build=${1:-build}
bin=$PWD/$build/bin/fieldnote
dur=${BENCH_SECONDS:-10}
samples=${BENCH_SAMPLES:-200}
rows=${BENCH_ROWS:-ingest json couch scale}
case ${BENCH_SCALE:-1M} in
	1M | 1m) big=1000000 ;;
	100k | 100K) big=100000 ;;
	10k | 10K) big=10000 ;;
	*[!0-9]* | "") echo "BENCH_SCALE must be 10k, 100k, 1M or a number" >&2; exit 2 ;;
	*) big=$BENCH_SCALE ;;
esac
small=10000
ca=$PWD/certs/dev/ca.crt
fast="--argon2-memory-kib 1024 --argon2-passes 1"
tmp=$(mktemp -d /tmp/fieldnote-bench-notes.XXXXXX)
spid=
ppid_=
json_f=
cleanup() {
	[ -z "$spid" ] || kill -KILL "$spid" 2>/dev/null || true
	[ -z "$ppid_" ] || kill -KILL "$ppid_" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "bench: installing wrk"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
[ -f /usr/include/lmdb.h ] || { echo "bench: installing liblmdb-dev"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblmdb-dev >/dev/null; }

# The raw-LMDB reference program (not built by the main Makefile's rules).
mkdir -p "$build/bench"
raw=$build/bench/rawlmdb
[ "$raw" -nt tests/bench/rawlmdb.c ] || cc -O2 -Wall -Wextra -o "$raw" tests/bench/rawlmdb.c -llmdb

ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}' if b else 'n/a')" "$1" "$2"; }

# The example note in canonical msgpack (the raw program's record), and a
# template with placeholder id and child_ref and times moved to an hour
# ago (notes.lua gives every note its own id and child).
"$bin" convert --record note --from json --to msgpack <schema/examples/note.json >"$tmp/note.mp"
bench_note_template >"$tmp/tmpl.json"
"$bin" convert --record note --from json --to msgpack <"$tmp/tmpl.json" >"$tmp/tmpl.mp"
# The same note as a CouchDB document: _id is the note id.
python3 -c 'import json, sys; n = json.load(open(sys.argv[1])); print(json.dumps({"_id": n["id"], **n}))' \
	"$tmp/tmpl.json" >"$tmp/tmpl.couch.json"

# new_store DIR: an officer and a supervisor of team north (the example
# note's author and team), cheap Argon2 as tests/lib.sh does.
new_store() {
	"$bin" init --data "$1" >/dev/null
	echo officer-pass-1 | "$bin" user add --data "$1" --username officer1 --role officer --team north --agency police $fast >/dev/null
	echo super-pass-1 | "$bin" user add --data "$1" --username super1 --role supervisor --team north $fast >/dev/null
	echo partner-pass-1 | "$bin" user add --data "$1" --username eh-desk --role partner --agency early_help $fast >/dev/null
}

# start DIR: serves DIR on a free port; sets port and spid.
start() { bench_serve "$1" --threads 64 --metrics-token bench-metrics --write-quota-daily 0; }

stop() {
	kill -TERM "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	spid=
}

# login USER PASSWORD: prints a token.
login() {
	curl -s --cacert "$ca" "https://localhost:$port/v1/session" -H 'Content-Type: application/json' \
		-d "{\"username\":\"$1\",\"password\":\"$2\",\"device_id\":\"${3:-dev-test-1}\"}" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# notes_wrk OUT CONNS MODE TEMPLATE TAG URL [WRK ARGS...]: runs
# notes.lua for $dur s; wrk's output in OUT.
notes_wrk() {
	local out=$1 conns=$2 mode=$3 tmpl=$4 tag=$5 url=$6
	shift 6
	wrk -t2 -c"$conns" -d"${dur}s" --timeout 60s -s tests/bench/notes.lua "$@" \
		"$url" -- "$mode" "$tmpl" "$tag" >"$out" 2>&1 || true
	grep -q '^NOTES good=' "$out" || { echo "bench: wrk failed:" >&2; cat "$out" >&2; exit 1; }
}

# commits: "COMMITS WRITES" from the server's /metrics (store counters).
commits() {
	curl -s --cacert "$ca" -H 'Authorization: Bearer bench-metrics' "https://localhost:$port/metrics" |
		awk '/^fieldnote_store_commits_total/ {c=$2} /^fieldnote_store_writes_total/ {w=$2} END {print c+0, w+0}'
}

# group GAUGE_BEFORE GAUGE_AFTER SECS: "C commits/s, J requests per commit".
group() {
	python3 -c "
c0, w0, c1, w1, s = $1, $2, $3, $4, $5
c, w = c1 - c0, w1 - w0
print(f'{c / s:.0f} durable commits/s, {w / c if c else 0:.1f} requests per commit')"
}

field() { sed -n "s/^NOTES .*$1=\([0-9.]*\).*/\1/p" "$2"; }

# check_stored WRK_OUT URL [CURL ARGS...]: the first and last note each
# wrk thread saw stored must read back (GET URL/{id} 200).
check_stored() {
	local out=$1 url=$2 id code bad=0 ids
	shift 2
	ids=$(sed -n 's/^NOTES stored ids to read back://p' "$out")
	[ -n "${ids// /}" ] || return 1
	for id in $ids; do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url/$id")
		[ "$code" = 200 ] || { echo "  ! note $id read back with HTTP $code" >&2; bad=1; }
	done
	return $bad
}

# raw_rate BATCH: records/s of the raw-LMDB program, BATCH records per
# durable commit, for half the run time.
raw_rate() {
	"$raw" -f "$tmp/note.mp" -n 100000000 -b "$1" -t "$(python3 -c "print(max(1, $dur / 2))")" -d /tmp |
		sed -n 's/.* \([0-9]*\) records\/s$/\1/p'
}

# fn_ingest MODE CONNS TAG PER: a fresh store and server, notes.lua MODE
# over CONNS connections for $dur s (PER notes a request). Sets f
# (notes/s), good, bad, p50, p99, g (group commit) and samp (first bad
# reply).
fn_ingest() {
	local mode=$1 conns=$2 tag=$3 per=$4 out=$tmp/wrk.out tmpl=$tmp/tmpl.mp c0 w0 c1 w1 secs
	[ "$mode" != json ] || tmpl=$tmp/tmpl.json
	rm -rf "$tmp/d1"; new_store "$tmp/d1"; start "$tmp/d1"
	token=$(login officer1 officer-pass-1)
	read -r c0 w0 < <(commits)
	notes_wrk "$out" "$conns" "$mode" "$tmpl" "$tag" "https://localhost:$port/v1/notes" \
		-H "Authorization: Bearer $token"
	read -r c1 w1 < <(commits)
	good=$(field good "$out"); bad=$(field bad "$out"); secs=$(field secs "$out")
	p50=$(field p50ms "$out"); p99=$(field p99ms "$out")
	g=$(group "$c0" "$w0" "$c1" "$w1" "$secs")
	check_stored "$out" "https://localhost:$port/v1/notes" --cacert "$ca" -H "Authorization: Bearer $token" ||
		bad="$bad+unreadable"
	samp=$(sed -n 's/^NOTES first bad reply: //p' "$out")
	stop; rm -rf "$tmp/d1"
	f=$(python3 -c "print(round($good * $per / $secs))")
}

# batched_row MODE CONNS TAG: 100-note batches against raw LMDB (100
# records per durable commit). raw LMDB runs just before and just after
# fieldnote: the disk's fsync latency drifts (other work on the machine),
# the mean is compared.
batched_row() {
	local mode=$1 conns=$2 r0 r1 r fmt=msgpack target
	r0=$(raw_rate 100)
	fn_ingest "$mode" "$conns" "$3" 100
	r1=$(raw_rate 100)
	r=$(((r0 + r1) / 2))
	if [ "$mode" = json ]; then
		fmt=JSON; json_f=$f
		target="target >= 0.2, QUALITY.md and issue 12"
	else
		target="target >= 0.2, which QUALITY.md and issue 12 set for JSON bodies"
	fi
	echo "note ingest, batched, $fmt: {\"notes\":[100]} $fmt bodies of unique notes, TLS keep-alive, wrk -t2 -c$conns -d${dur}s; raw: the $(wc -c <"$tmp/note.mp")-byte example note (canonical msgpack, as stored), 100 per durable commit"
	printf '  fieldnote %s records/s (%s batches answered 200 with 100 "stored" each, %s not; batch latency p50 %s ms, p99 %s ms; %s), raw LMDB %s records/s (before %s, after %s), ratio %s (%s)\n' \
		"$f" "$good" "$bad" "$p50" "$p99" "$g" "$r" "$r0" "$r1" "$(ratio "$f" "$r")" "$target"
	[ -z "$samp" ] || echo "  ! first bad reply: $samp"
}

# single_row: 64 connections, single-note msgpack POSTs, against raw LMDB
# with one durable commit per record.
single_row() {
	local r0 r1 r
	r0=$(raw_rate 1)
	fn_ingest single 64 sS000001 1
	r1=$(raw_rate 1)
	r=$(((r0 + r1) / 2))
	echo "note ingest, one at a time: 64 connections each POSTing one unique note (msgpack), TLS keep-alive, wrk -t2 -c64 -d${dur}s; raw: one durable commit per record, one thread"
	printf '  fieldnote %s records/s (%s answered 201, %s not; latency p50 %s ms, p99 %s ms; %s), raw LMDB %s commits/s (before %s, after %s), ratio %s (target >= 2.5, QUALITY.md and issue 12)\n' \
		"$f" "$good" "$bad" "$p50" "$p99" "$g" "$r" "$r0" "$r1" "$(ratio "$f" "$r")"
	[ -z "$samp" ] || echo "  ! first bad reply: $samp"
}

ingest_rows() {
	batched_row batch 8 bB000001
	single_row
}

# The CouchDB-compatible peer: pouchdb-server (CouchDB's HTTP API on
# PouchDB and LevelDB; CouchDB itself is not in Debian 12), installed once
# from npm under the lock tests/lib.sh's tools_locked takes (so no two
# installs run at once).
pouch_ver=4.2.0
pouch_dir=$PWD/$build/bench/pouchdb
pouch_js=$pouch_dir/node_modules/pouchdb-server/bin/pouchdb-server
pouch_install() {
	[ -f "$pouch_js" ] && return 0
	command -v npm >/dev/null || return 1
	echo "bench: installing pouchdb-server $pouch_ver into $pouch_dir (npm, a few minutes)" >&2
	mkdir -p "$pouch_dir"
	flock /tmp/fieldnote-test-tools.lock npm install --prefix "$pouch_dir" --no-audit --no-fund --save-exact \
		"pouchdb-server@$pouch_ver" >"$tmp/npm.log" 2>&1 || { tail -20 "$tmp/npm.log" >&2; return 1; }
}

# pouch_start: pouchdb-server with its default LevelDB backend (PouchDB's
# leveldb adapter writes each _bulk_docs as one db.batch without the sync
# option: LevelDB appends its log without fsync and syncs only when it
# writes a table file: strace counted 31 fsync/fdatasync for a start and 60
# batches of 100 2-KB documents, 16 for a start alone), data in
# $tmp/pouch, on a free loopback port, over TLS with fieldnote's certificate
# (pouch_tls.js), logging only errors (fieldnote runs without its access
# log); database "bench" created. Sets pport, ppid_.
pouch_start() {
	local d=$tmp/pouch
	rm -rf "$d"; mkdir -p "$d/db"
	printf '{"log": {"file": "%s/log.txt", "level": "error"}}\n' "$d" >"$d/config.json"
	pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	local top=$PWD
	(cd "$d" && POUCH_TLS_CERT=$top/certs/dev/server.crt POUCH_TLS_KEY=$top/certs/dev/server.key \
		exec node -r "$top/tests/bench/pouch_tls.js" "$pouch_js" --host 127.0.0.1 --port "$pport" --dir "$d/db" \
		--config "$d/config.json" --no-stdout-logs >"$d/out" 2>&1) &
	ppid_=$!
	for _ in $(seq 300); do
		curl -sf --cacert "$ca" -o /dev/null "https://localhost:$pport/" && break
		kill -0 "$ppid_" 2>/dev/null || break
		sleep 0.1
	done
	[ "$(curl -s --cacert "$ca" -o /dev/null -w '%{http_code}' -X PUT "https://localhost:$pport/bench")" = 201 ] ||
		{ echo "bench: pouchdb-server did not start:" >&2; cat "$d/out" >&2; return 1; }
}

pouch_stop() {
	kill -TERM "$ppid_" 2>/dev/null || true
	wait "$ppid_" 2>/dev/null || true
	ppid_=
}

# couch_row: fieldnote's JSON ingest (the json row's figure when it ran
# just before) against the same notes as documents POSTed to
# /bench/_bulk_docs, 100 a request over 4 connections.
couch_row() {
	local out=$tmp/wrk.out pgood pbad psecs pp50 pp99 psamp pf size
	local head="note ingest, JSON, against a CouchDB-compatible sync server: the same unique notes, 100 a request over 4 connections, wrk -t2 -c4 -d${dur}s; peer pouchdb-server $pouch_ver (PouchDB on LevelDB, over TLS; CouchDB is not in Debian 12), each note a document with _id = note id in POST /bench/_bulk_docs"
	if ! pouch_install || ! pouch_start; then
		pouch_stop
		echo "$head"
		echo "  not measured: pouchdb-server could not be installed or started here (see above) (target >= 6, issue 12)"
		return 0
	fi
	notes_wrk "$out" 4 couch "$tmp/tmpl.couch.json" cC000001 "https://localhost:$pport/bench/_bulk_docs"
	pgood=$(field good "$out"); pbad=$(field bad "$out"); psecs=$(field secs "$out")
	pp50=$(field p50ms "$out"); pp99=$(field p99ms "$out")
	check_stored "$out" "https://localhost:$pport/bench" --cacert "$ca" || pbad="$pbad+unreadable"
	psamp=$(sed -n 's/^NOTES first bad reply: //p' "$out")
	size=$(du -sh "$tmp/pouch/db" | cut -f1)
	pouch_stop; rm -rf "$tmp/pouch"
	pf=$(python3 -c "print(round($pgood * 100 / $psecs))")
	if [ -z "$json_f" ]; then
		fn_ingest json 4 bJ000001 100
		json_f=$f
	fi
	echo "$head"
	printf '  fieldnote %s notes/s (TLS 1.3, bearer token, schema validation, acknowledged after a durable LMDB commit), pouchdb-server %s docs/s (%s requests answered 201 with 100 "ok":true each, %s not; p50 %s ms, p99 %s ms; TLS 1.3 (Node %s https, the same certificate), no authentication, no validation, no fsync per commit (LevelDB syncs only its table files); store %s), ratio %s (target >= 6, issue 12; QUALITY.md has no such row)\n' \
		"$json_f" "$pf" "$pgood" "$pbad" "$pp50" "$pp99" "$(node --version)" "$size" "$(ratio "$json_f" "$pf")"
	[ -z "$psamp" ] || echo "  ! first bad reply from pouchdb-server: $psamp"
}

# load N TAG: stores N more notes through POST /v1/notes (load.py: 100-note
# batches, 8 connections); prints the seconds it took.
load() {
	local out
	out=$(python3 tests/bench/load.py "$port" "$token" "$ca" "$tmp/tmpl.mp" "$2" "$1" 8) || exit 1
	echo "$out" | sed -n 's/.* in \([0-9.]*\) s .*/\1/p'
}

# median_ms URL TOKEN: median time_total over $samples keep-alive requests
# (one curl, the first request, which pays the handshake, left out).
median_ms() {
	local i cfg=$tmp/curl.cfg
	: >"$cfg"
	for i in $(seq $((samples + 1))); do
		printf 'url = "%s"\noutput = "/dev/null"\n' "$1" >>"$cfg"
	done
	curl -s --cacert "$ca" -H "Authorization: Bearer $2" -w '%{http_code} %{time_total}\n' -K "$cfg" |
		tail -n +2 | python3 -c '
import sys, statistics
rows = [l.split() for l in sys.stdin if l.strip()]
bad = [r[0] for r in rows if r[0] != "200"]
if bad or not rows:
    sys.exit("bench: %d of %d replies not 200 (%s)" % (len(bad), len(rows), bad[:1]))
print(f"{statistics.median(float(r[1]) for r in rows) * 1000:.2f}")'
}

scale_row() {
	local d=$tmp/d3 child=C-SCALE-0001 i now st tsmall tbig qs cs qb cb fs fb stoken ptoken
	rm -rf "$d"; new_store "$d"; start "$d"
	token=$(login officer1 officer-pass-1)
	stoken=$(login super1 super-pass-1)
	ptoken=$(login eh-desk partner-pass-1 eh-gateway-1)
	# A child with 5 contacts over the last months (JSON, one at a time).
	now=$(date +%s)
	for i in 1 2 3 4 5; do
		python3 - "$tmp/tmpl.json" "scale-contact-$i" "$child" $((now - i * 30 * 86400)) >"$tmp/c.json" <<'PY'
import json, sys
n = json.load(open(sys.argv[1]))
n['id'], n['child_ref'] = sys.argv[2], sys.argv[3]
d = int(sys.argv[4]) - n['occurred_at']
for k in ('occurred_at', 'created_at'):
    n[k] += d
n['referral']['sent_at'] += d
print(json.dumps(n))
PY
		st=$(curl -s --cacert "$ca" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
			-H 'Content-Type: application/json' --data-binary @"$tmp/c.json" "https://localhost:$port/v1/notes")
		[ "$st" = 201 ] || { echo "bench: contact note $i: HTTP $st" >&2; exit 1; }
	done
	local qurl="https://localhost:$port/v1/review/queue?limit=50"
	local curl_="https://localhost:$port/v1/children/$child/contacts"
	# A partner that keeps up asks for the newest 50 referrals (every
	# loaded note refers the child to early help).
	local furl="https://localhost:$port/v1/referrals?limit=50&since"
	tsmall=$(load $((small - 5)) lA000001)
	qs=$(median_ms "$qurl" "$stoken"); cs=$(median_ms "$curl_" "$stoken")
	fs=$(median_ms "$furl=$((small - 50))" "$ptoken")
	tbig=$(load $((big - small)) lB000001)
	qb=$(median_ms "$qurl" "$stoken"); cb=$(median_ms "$curl_" "$stoken")
	fb=$(median_ms "$furl=$((big - 50))" "$ptoken")
	local size
	size=$(du -sh "$d" | cut -f1)
	stop; rm -rf "$d"
	local bl
	bl=$(python3 -c "n=$big; print(f'{n//1000000}M' if n % 1000000 == 0 else f'{n//1000}k' if n % 1000 == 0 else n)")
	echo "scale: median of $samples keep-alive requests as supervisor super1 (the feed as partner eh-desk), store of $small then $big notes (team north; loaded through POST /v1/notes, 100-note batches over 8 connections, in ${tsmall} s + ${tbig} s; store ${size}; BENCH_SCALE=${BENCH_SCALE:-1M})"
	printf '  review queue page GET /v1/review/queue?limit=50: 10k %s ms, %s %s ms, ratio %s (target <= 2)\n' \
		"$qs" "$bl" "$qb" "$(ratio "$qb" "$qs")"
	printf '  child contacts GET /v1/children/{ref}/contacts (5 contacts): 10k %s ms, %s %s ms, ratio %s (target <= 2)\n' \
		"$cs" "$bl" "$cb" "$(ratio "$cb" "$cs")"
	printf '  partner referral feed GET /v1/referrals?since=N-50&limit=50 (the newest 50): 10k %s ms, %s %s ms, ratio %s (target <= 2)\n' \
		"$fs" "$bl" "$fb" "$(ratio "$fb" "$fs")"
}

for row in $rows; do
	case $row in
	ingest) ingest_rows ;;
	json) batched_row json 4 bJ000001 ;;
	couch) couch_row ;;
	scale) scale_row ;;
	*) echo "bench: unknown row '$row' (ingest, json, couch, scale)" >&2; exit 2 ;;
	esac
done
