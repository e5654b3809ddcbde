#!/usr/bin/env bash
# gzip content coding of guidance (issue 12, lever 4): a GET of a document
# sends the gzip copy stored at import when Accept-Encoding allows it (q=0
# refuses), with its own ETag and Vary; the sync feed is compressed per
# request; both decode to the very bytes sent plain.
FN_SUITE=gzip
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/test_client.inc"

header() { grep -i "^$1:" "$HDRS" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

signed_in() {
	if [ -s "$FN_TMP/token" ]; then
		TOKEN=$(cat "$FN_TMP/token")
	else
		login officer1 "$PW_OFFICER" || return 1
		echo "$TOKEN" >"$FN_TMP/token"
	fi
}

# get PATH ACCEPT-ENCODING [curl args]: a GET sending that Accept-Encoding
# ("" sends none), body kept as it came on the wire.
get() {
	local p=$1 ae=$2
	shift 2
	if [ -n "$ae" ]; then
		req GET "$p" -H "Authorization: Bearer $TOKEN" -H "Accept-Encoding: $ae" "$@"
	else
		req GET "$p" -H "Authorization: Bearer $TOKEN" "$@"
	fi
}

is_gzip() { [ "$(head -c 2 "$BODY" | od -An -tx1 | tr -d ' ')" = 1f8b ]; }

test_gzip_doc_decodes_to_plain_bytes() {
	signed_in || return 1
	get /v1/guidance/s136 ""
	expect_status 200 || return 1
	[ -z "$(header Content-Encoding)" ] || { fail "gzip sent unasked"; return 1; }
	[[ "$(header Vary)" == *Accept-Encoding* ]] || { fail "plain reply lacks Vary: Accept-Encoding"; return 1; }
	cp "$BODY" "$FN_TMP/plain"
	get /v1/guidance/s136 gzip
	expect_status 200 || return 1
	[ "$(header Content-Encoding)" = gzip ] || { fail "Content-Encoding: '$(header Content-Encoding)'"; return 1; }
	[[ "$(header Vary)" == *Accept-Encoding* ]] || { fail "gzip reply lacks Vary: Accept-Encoding"; return 1; }
	is_gzip || { fail "body is not gzip"; return 1; }
	[ "$(header Content-Length)" = "$(wc -c <"$BODY")" ] || { fail "Content-Length is not the gzip size"; return 1; }
	gzip -dc <"$BODY" | cmp -s - "$FN_TMP/plain" || { fail "gunzip differs from the plain reply"; return 1; }
	local plain gz
	plain=$(wc -c <"$FN_TMP/plain") gz=$(wc -c <"$BODY")
	[ $((gz * 2)) -le "$plain" ] || fail "gzip is $gz bytes of $plain: not half"
	# curl's own decoder, as a browser or another client would use it
	get /v1/guidance/s136 "" --compressed
	cmp -s "$BODY" "$FN_TMP/plain" || fail "curl --compressed differs from the plain reply"
}

test_gzip_msgpack_decodes_to_plain_bytes() {
	signed_in || return 1
	get /v1/guidance/s135 "" -H 'Accept: application/msgpack'
	expect_status 200 || return 1
	cp "$BODY" "$FN_TMP/plain.mp"
	get /v1/guidance/s135 "deflate, gzip" -H 'Accept: application/msgpack'
	expect_status 200 || return 1
	grep -qi '^Content-Type: application/msgpack' "$HDRS" || { fail "content type"; return 1; }
	[ "$(header Content-Encoding)" = gzip ] || { fail "msgpack not gzipped"; return 1; }
	gzip -dc <"$BODY" | cmp -s - "$FN_TMP/plain.mp" || fail "gunzip differs from the plain msgpack"
}

test_gzip_own_etag_and_304() {
	signed_in || return 1
	get /v1/guidance/s136 ""
	local plain gz
	plain=$(header ETag)
	get /v1/guidance/s136 gzip
	gz=$(header ETag)
	[ -n "$plain" ] && [ "$gz" = "${plain%\"}-gz\"" ] || { fail "ETags: plain $plain, gzip $gz"; return 1; }
	get /v1/guidance/s136 gzip -H "If-None-Match: $gz"
	expect_status 304 || return 1
	[ "$(header ETag)" = "$gz" ] || { fail "304 carries $(header ETag)"; return 1; }
	[ "$(header Content-Encoding)" = gzip ] || { fail "304 for the gzip copy lacks its Content-Encoding"; return 1; }
	[ ! -s "$BODY" ] || { fail "304 with a body"; return 1; }
	get /v1/guidance/s136 "" -H "If-None-Match: $plain"
	expect_status 304 || return 1
	[ -z "$(header Content-Encoding)" ] || { fail "plain 304 says gzip"; return 1; }
	# a plain ETag does not validate the gzip copy, nor the other way round
	get /v1/guidance/s136 gzip -H "If-None-Match: $plain"
	expect_status 200 || return 1
	is_gzip || { fail "200 after a plain ETag is not gzip"; return 1; }
	get /v1/guidance/s136 "" -H "If-None-Match: $gz"
	expect_status 200 || return 1
	[ -z "$(header Content-Encoding)" ] || fail "plain request after a gzip ETag got gzip"
}

# Accept-Encoding value -> whether gzip must be sent (RFC 9110 12.5.3).
test_gzip_accept_encoding_q_values() {
	signed_in || return 1
	local cases=(
		"gzip|yes" "x-gzip|yes" "GZIP;Q=1|yes" "gzip;q=0.001|yes" "br, gzip;q=0.5|yes"
		"*|yes" "identity, *;q=0.5|yes" "gzip;q=0|no" "gzip; q=0.0|no" "gzip;q=0.000|no"
		"*;q=0|no" "*, gzip;q=0|no" "gzip;q=0, *|no" "deflate, br|no" "identity|no"
		"gzip;q=nonsense|no" "gzip;q=1.5|no" "gzipx|no" "gzip;level=1;q=0|no"
	)
	local c ae want got
	for c in "${cases[@]}"; do
		ae=${c%|*} want=${c#*|}
		get /v1/guidance/s136 "$ae"
		expect_status 200 || return 1
		got=no
		[ "$(header Content-Encoding)" = gzip ] && is_gzip && got=yes
		[ "$got" = "$want" ] || { fail "Accept-Encoding: $ae: gzip $got, expected $want"; return 1; }
	done
}

test_gzip_sync_feed() {
	signed_in || return 1
	get "/v1/sync/guidance?since=0&limit=50" ""
	expect_status 200 || return 1
	[ -z "$(header Content-Encoding)" ] || { fail "feed gzipped unasked"; return 1; }
	cp "$BODY" "$FN_TMP/feed"
	get "/v1/sync/guidance?since=0&limit=50" "gzip;q=0.8"
	expect_status 200 || return 1
	[ "$(header Content-Encoding)" = gzip ] && is_gzip || { fail "feed not gzipped"; return 1; }
	[[ "$(header Vary)" == *Accept-Encoding* ]] || { fail "feed lacks Vary: Accept-Encoding"; return 1; }
	gzip -dc <"$BODY" | cmp -s - "$FN_TMP/feed" || { fail "gunzipped feed differs"; return 1; }
	get "/v1/sync/guidance?since=0&limit=50" "gzip;q=0"
	[ -z "$(header Content-Encoding)" ] || fail "feed gzipped despite q=0"
}

test_gzip_head_has_gzip_length() {
	signed_in || return 1
	get /v1/guidance/s136 gzip
	local n; n=$(wc -c <"$BODY")
	req HEAD /v1/guidance/s136 -H "Authorization: Bearer $TOKEN" -H "Accept-Encoding: gzip" -I
	expect_status 200 || return 1
	[ "$(header Content-Encoding)" = gzip ] || { fail "HEAD lacks Content-Encoding: gzip"; return 1; }
	[ "$(header Content-Length)" = "$n" ] || fail "HEAD says $(header Content-Length), GET sent $n"
}

# A store written before gzip copies existed (made here by dumping a store
# without its guidance.gz database): documents come plain, and importing
# the unchanged pack again adds the copies without a new version.
test_gzip_old_store_gets_copies_on_reimport() {
	local top=$FN_TMP
	fn_store "$top/new" || return 1
	mdb_dump -a "$top/new" | python3 -c '
import sys
parts = sys.stdin.read().split("VERSION=3\n")
sys.stdout.write("".join("VERSION=3\n" + p for p in parts if p and "database=guidance.gz\n" not in p))
' >"$top/old.dump" || return 1
	mkdir -p "$top/side/data" && mdb_load -f "$top/old.dump" "$top/side/data" 2>/dev/null || { fail "mdb_load"; return 1; }
	# this test runs in a subshell: its own server, FN_PID and URL
	FN_TMP=$top/side
	fn_start || return 1
	rm -f "$top/token"; signed_in || { fn_stop; return 1; }
	get /v1/guidance/s136 gzip
	local etag; etag=$(header ETag)
	[ "$STATUS" = 200 ] && [ -z "$(header Content-Encoding)" ] || { fail "old store: $STATUS, '$(header Content-Encoding)'"; fn_stop; return 1; }
	cp "$BODY" "$top/old.plain"
	fn_stop || return 1
	"$FN_BIN" guidance import --data "$FN_TMP/data" server/guidance-pack/*.md >/dev/null || { fail "import"; return 1; }
	fn_start || return 1
	get /v1/guidance/s136 gzip
	local rc=0
	[ "$(header Content-Encoding)" = gzip ] || { fail "no gzip after import"; rc=1; }
	[ "$(header ETag)" = "${etag%\"}-gz\"" ] || { fail "version changed: $etag, then $(header ETag)"; rc=1; }
	gzip -dc <"$BODY" | cmp -s - "$top/old.plain" || { fail "gunzip differs"; rc=1; }
	rm -f "$top/token"
	fn_stop && return $rc
}

# libfieldnote asks for gzip and inflates it: a first sync through a
# counting proxy receives well under the plain pages' bytes, and every
# document it caches reads back as the server serves it.
test_gzip_device_first_sync_is_smaller_and_identical() {
	signed_in || return 1
	local plain=0 n since=0 more=True
	while [ "$more" = True ]; do # the pages the device asks for, plain msgpack
		get "/v1/sync/guidance?since=$since&limit=50" "" -H 'Accept: application/msgpack'
		n=$(wc -c <"$BODY") plain=$((plain + n))
		"$FN_BIN" convert --record change_page --from msgpack --to json <"$BODY" >"$FN_TMP/page.json" || return 1
		read -r since more < <(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["next"], j.get("more", False))' "$FN_TMP/page.json")
	done
	devlogin gz || return 1
	proxy_start --mode none --conn 0 --log "$FN_TMP/proxy.log" || return 1
	local s i
	s=$(DEV_URL=$PROXY_URL dev gz sync) || { fail "sync through the proxy"; proxy_stop; return 1; }
	for i in $(seq 1 100); do [ -s "$FN_TMP/proxy.log" ] && break; sleep 0.05; done
	proxy_stop
	local down; down=$(awk '{d += $6} END {print d + 0}' "$FN_TMP/proxy.log")
	echo "    first sync: $down bytes down (TLS included); plain msgpack pages: $plain bytes" >&2
	[ "$(summary_get "$s" "j['guidance_saved']")" = 11 ] || { fail "summary: $s"; return 1; }
	[ $((down * 10)) -lt $((plain * 6)) ] || { fail "sync received $down bytes, plain pages are $plain"; return 1; }
	local id
	for id in $(python3 -c 'import json,sys; print(" ".join(c["id"] for c in json.load(open(sys.argv[1]))["changes"]))' "$FN_TMP/page.json"); do
		get "/v1/guidance/$id" ""
		dev gz guidance get "$id" >"$FN_TMP/cached" || { fail "$id not cached"; return 1; }
		python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
			"$BODY" "$FN_TMP/cached" || { fail "$id: cached copy differs from the server's"; return 1; }
	done
}

run_suite
