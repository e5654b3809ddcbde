#!/usr/bin/env bash
# The supervisor's review page (GET /review/) end to end in headless
# Chromium: a real server, notes made through the API with curl, then
# tests/browser/review.test.js (playwright-core) signs in as the supervisor,
# works the queue and checks that note text is never run as markup.
# First the page's files and headers over curl; then the browser, which
# needs Debian's chromium and npm's playwright-core (the lock file pins a
# release that runs on Debian 12's Node.js 18): installed when missing, and
# a FAIL when they cannot be: the page is never silently left untested.
FN_SUITE=browser
source "$(dirname "$0")/../lib.sh"

CHROMIUM=/usr/bin/chromium
BROWSER_DIR=$FN_TOP/tests/browser
NOW=$(date +%s)
export XSS='<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'

# Sets MISSING_WHY and fails when the browser or playwright-core cannot be had.
MISSING_WHY=
ensure_tools() {
	if [ ! -x "$CHROMIUM" ]; then
		echo "  (installing Debian's chromium)"
		apt_install chromium || { MISSING_WHY="chromium is not installed and apt-get install chromium failed"; return 1; }
		[ -x "$CHROMIUM" ] || { MISSING_WHY="apt-get installed chromium but $CHROMIUM is missing"; return 1; }
	fi
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		echo "  (installing Node.js and npm)"
		apt_install nodejs npm || { MISSING_WHY="node/npm are missing and could not be installed"; return 1; }
	fi
	local major
	major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || major=0
	[ "$major" -ge 18 ] || { MISSING_WHY="Node.js $(node --version 2>&1) is older than 18"; return 1; }
	# The installed packages must be the lock file's (an older node_modules
	# from another checkout is replaced).
	local pkg locked installed stale=
	for pkg in playwright-core axe-core; do
		locked=$(node -p 'require(process.argv[1]).packages["node_modules/" + process.argv[2]].version' \
			"$BROWSER_DIR/package-lock.json" "$pkg" 2>/dev/null)
		installed=$(node -p 'require(process.argv[1]).version' \
			"$BROWSER_DIR/node_modules/$pkg/package.json" 2>/dev/null)
		[ -n "$installed" ] && [ "$installed" = "$locked" ] || stale="$stale $pkg"
	done
	if [ -n "$stale" ]; then
		echo "  (installing$stale with npm)"
		local log=$FN_TMP/npm.log
		npm ci --prefix "$BROWSER_DIR" --no-audit --no-fund >"$log" 2>&1 || { sed 's/^/    /' "$log" | tail -5; MISSING_WHY="npm could not install$stale"; return 1; }
	fi
}

apt_install() {
	[ "$(id -u)" = 0 ] || return 1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 && return 0
	apt-get update -qq >/dev/null 2>&1 || return 1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

# --- the page's files over HTTP, without a browser --------------------------

CSP="default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

header() { grep -i "^$1:" "$HDRS" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

test_page_files_are_served_as_built_with_security_headers() {
	local f path ctype file
	for f in index.html:/review/:text/html review.css:/review/review.css:text/css \
		$(cd server/web && for file in *.js; do echo "$file:/review/$file:text/javascript"; done); do
		IFS=: read -r file path ctype <<<"$f"
		req GET "$path" -H 'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
		expect_status 200 || return 1
		cmp -s "$BODY" "server/web/$file" || { fail "$path differs from server/web/$file"; return 1; }
		[ "$(header Content-Type)" = "$ctype; charset=utf-8" ] || { fail "$path: Content-Type $(header Content-Type)"; return 1; }
		[ "$(header Content-Security-Policy)" = "$CSP" ] || { fail "$path: CSP $(header Content-Security-Policy)"; return 1; }
		[ "$(header X-Frame-Options)" = DENY ] || { fail "$path: X-Frame-Options"; return 1; }
		[ "$(header Referrer-Policy)" = no-referrer ] || { fail "$path: Referrer-Policy"; return 1; }
		[ "$(header Cache-Control)" = no-cache ] || { fail "$path: Cache-Control"; return 1; }
		[ "$(header X-Content-Type-Options)" = nosniff ] || { fail "$path: nosniff"; return 1; }
		[[ "$(header ETag)" =~ ^\"sha256-[0-9a-f]{32}\"$ ]] || { fail "$path: ETag $(header ETag)"; return 1; }
	done
}

test_page_etag_gives_304() {
	req GET /review/review.js
	local etag; etag=$(header ETag)
	req GET /review/review.js -H "If-None-Match: $etag"
	expect_status 304 || return 1
	[ ! -s "$BODY" ] || { fail "304 with a body"; return 1; }
	[ "$(header ETag)" = "$etag" ] || { fail "304 without the ETag"; return 1; }
	req GET /review/review.js -H "If-None-Match: \"other\", W/$etag"
	expect_status 304 || return 1
	req GET /review/review.js -H 'If-None-Match: "other"'
	expect_status 200 || return 1
	req GET /review/ -H "If-None-Match: $etag"
	expect_status 200 || fail "another file's ETag matched"
}

test_page_unknown_file_404_and_bare_path_redirects() {
	req GET /review/nope.js
	expect_error 404 NOT_FOUND || return 1
	req GET /review/review.js/x
	expect_error 404 NOT_FOUND || return 1
	req POST /review/ -H 'Content-Type: application/json' -d '{}'
	expect_error 405 METHOD_NOT_ALLOWED || return 1
	req GET /review
	expect_status 308 || return 1
	[ "$(header Location)" = /review/ ] || fail "Location: $(header Location)"
}

# A supervisor who types only the host name lands on the page.
test_root_redirects_to_the_review_page() {
	req GET / -H 'Accept: text/html'
	expect_status 302 || return 1
	[ "$(header Location)" = /review/ ] || { fail "Location: $(header Location)"; return 1; }
	req GET /other
	expect_error 404 NOT_FOUND
}

# The page builds its DOM from text only and loads nothing from elsewhere.
test_page_source_has_no_markup_sinks_or_remote_urls() {
	local hits
	hits=$(grep -nE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\(.on|localStorage' \
		server/web/*.js | grep -v '^[^:]*:[0-9]*:[[:space:]]*\*\|^[^:]*:[0-9]*:[[:space:]]*/[*/]')
	[ -z "$hits" ] || { fail "markup sinks in the page's scripts: $hits"; return 1; }
	hits=$(grep -nE 'https?://|//[a-z0-9.-]+\.[a-z]{2,}/' server/web/index.html server/web/review.css server/web/*.js)
	[ -z "$hits" ] || { fail "remote URLs in the page: $hits"; return 1; }
	hits=$(grep -nE '<script>|<style|[[:space:]]style=|[[:space:]]on[a-z]+=' server/web/index.html)
	[ -z "$hits" ] || fail "inline script or style in index.html (the CSP forbids it): $hits"
}

# A note without risk (so its review is due in review_hours), or with it.
calm_note() { mknote "$1" "$2" $((NOW - 7200)) "n.pop('referral'); n['mental_health']={'concern':True,'self_harm':False,'s136_used':False}; $3"; }
# The risky note carries every flag but the MASH one: s136 used with no one
# consulted, a MASH referral 20 days without an outcome, nothing on seen
# alone, sharing or next steps, and (risk hours 0) overdue at once.
risky_note() { mknote "$1" "$2" $((NOW - 3600)) "n['mental_health']={'concern':True,'self_harm':True,'s136_used':True,'consulted':'no','place_of_safety':'hospital'}; n['referral']={'type':'mash','sent_at':$((NOW - 20 * 86400))}; [n.pop(k) for k in ('seen_alone','not_alone_reason','sharing','next_steps')]"; }
# A child's contact on day $3 (Unix seconds): the example note, no risk.
contact_note() { mknote "$1" "$2" "$3" "n.pop('referral'); n['mental_health']={'concern':False,'self_harm':False,'s136_used':False}"; }

review() { # ID REVISION JSON-REST as the supervisor ($STOK)
	req POST "/v1/notes/$1/review" -H "Authorization: Bearer $STOK" -H 'Content-Type: application/json' \
		--data-binary "{\"revision\":$2,$3}"
}

# The queue as the supervisor: sets BODY; the expression reads it.
queue_get() { req GET "/v1/review/queue?limit=200" -H "Authorization: Bearer $STOK"; }

# Waits (at most 5 s) until the clock has passed the second $1.
past() { [ "$(date +%s)" -gt "$1" ]; }
wait_past() { wait_until 100 past "$1"; }

# The data the page works on, made the way devices and supervisors make it.
# Review deadlines: 0 hours when a note shows risk, so the one risky note is
# overdue a second after it arrives; 72 hours otherwise.
setup_data() {
	login super1 "$PW_SUPER" || return 1
	STOK=$TOKEN
	login officer1 "$PW_OFFICER" || return 1

	# The oldest note, and the only overdue one.
	post_note "$(risky_note web-risk C-RISK-0001)"
	expect_status 201 || return 1
	local t0; t0=$(date +%s)

	# A note already returned once and amended: two revisions, one review.
	post_note "$(calm_note web-amend C-AMND-0002 "n['present']='Mother throughout.'")"
	expect_status 201 || return 1
	review web-amend 1 '"decision":"returned","comment":"Say why the child was not seen alone <i>and</i> where."'
	expect_status 201 || { fail "returning web-amend: $(cat "$BODY")"; return 1; }
	post_note "$(calm_note web-amend C-AMND-0002 "n['revision']=2; n['replaces']=1; n['present']='Mother for five minutes, then the child alone in the kitchen.'")"
	expect_status 201 || return 1

	wait_past "$t0" || return 1
	# Injected markup in the child's words and in two other fields.
	post_note "$(calm_note web-xss C-XSS-0003 "import os; x=os.environ['XSS']; n['child_words']=x; n['present']=x; n['thrive']['threat']=x")"
	expect_status 201 || return 1
	# C-PLN-0004 lists two images (issue 16): the first uploaded, the
	# second still pending.
	python3 tests/integration/attach_tool.py mkpng "$FN_TMP/pic.png" || return 1
	local psha psize
	psha=$(sha256sum "$FN_TMP/pic.png" | cut -d' ' -f1)
	psize=$(stat -c %s "$FN_TMP/pic.png")
	post_note "$(calm_note web-plain C-PLN-0004 "n['attachments']=[{'id':'pic-1','sha256':'$psha','size':$psize,'media_type':'image/png','caption':'A drawing of home'},{'id':'pic-2','sha256':'$psha','size':$psize,'media_type':'image/png','caption':'Worksheet'}]")"
	expect_status 201 || return 1
	python3 tests/integration/attach_tool.py upload "$URL" "$TOKEN" "$FN_TMP/pic.png" web-plain pic-1 image/png \
		>"$FN_TMP/pic.out" 2>&1 || { fail "attachment upload: $(cat "$FN_TMP/pic.out")"; return 1; }
	# C-MASH-0005: two contacts 150 days apart meet the MASH threshold (2 in
	# 183 days). The newer one arrives last, on the queue's second page.
	post_note "$(contact_note web-mash-old C-MASH-0005 $((NOW - 150 * 86400 - 7200)))"
	expect_status 201 || return 1

	# Enough more for a second page of the queue (the page asks for 50).
	python3 - "$NOW" >"$FN_TMP/batch.json" <<'PY'
import json, sys
now = int(sys.argv[1])
base = json.load(open('schema/examples/note.json'))
notes = []
for i in range(52):
    n = dict(base)
    n['id'] = 'web-fill-%03d' % i
    n['child_ref'] = 'C-FIL-%04d' % i
    n['revision'] = 1
    n.pop('replaces', None)
    n.pop('referral', None)
    n['mental_health'] = {'concern': False, 'self_harm': False, 's136_used': False}
    n['occurred_at'] = now - 86400 - i * 60
    n['created_at'] = n['occurred_at'] + 60
    notes.append(n)
print(json.dumps({'notes': notes}))
PY
	req POST /v1/notes -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		--data-binary @"$FN_TMP/batch.json"
	expect_status 200 || return 1
	[ "$(json_get "sum(r['result']=='stored' for r in j['results'])")" = 52 ] ||
		{ fail "batch: $(head -c 300 "$BODY")"; return 1; }
	post_note "$(contact_note web-mash-new C-MASH-0005 $((NOW - 7200)))"
	expect_status 201 || return 1

	# The page is tested once the server itself calls the risky note overdue.
	local i
	for i in $(seq 1 100); do
		queue_get
		expect_status 200 || return 1
		[ "$(json_get "[x['overdue'] for x in j['items'] if x['id']=='web-risk'][0]")" = true ] && break
		sleep 0.05
	done
	[ "$(json_get "[x['id'] for x in j['items'] if x['overdue']]")" = "['web-risk']" ] ||
		{ fail "web-risk should be the one overdue note: $(head -c 400 "$BODY")"; return 1; }
	QUEUE_TOTAL=$(json_get "len(j['items'])")
}

run_browser() {
	local spki out rc
	# Chromium accepts the dev server's certificate by its public key only
	# (the dev CA is not in Chromium's trust store).
	spki=$(openssl x509 -in certs/dev/server.crt -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64) || { fail "cannot hash the server key"; return 1; }
	out=$FN_TMP/browser.out
	# Screenshots stay under the build directory for a person to look at.
	SHOTS=${FN_SHOTS_DIR:-$FN_TOP/$FN_BUILD/screenshots}
	mkdir -p "$SHOTS" || { fail "cannot make $SHOTS"; return 1; }
	FN_URL=$URL FN_SPKI=$spki FN_CHROMIUM=$CHROMIUM FN_QUEUE_TOTAL=$QUEUE_TOTAL \
		FN_SUPER=super1 FN_SUPER_PW=$PW_SUPER FN_OFFICER=officer1 FN_OFFICER_PW=$PW_OFFICER \
		FN_XSS=$XSS FN_SHOT=$SHOTS/review.png FN_SHOTS_DIR=$SHOTS \
		timeout 300 node "$BROWSER_DIR/review.test.js" >"$out" 2>"$FN_TMP/browser.err"
	rc=$?
	local st name seen=0
	while read -r st name _; do
		case $st in
		PASS | FAIL)
			seen=$((seen + 1))
			result "$st" "$name"
			;;
		esac
	done <"$out"
	grep -q . "$FN_TMP/browser.err" && sed 's/^/    /' "$FN_TMP/browser.err" | head -40
	if [ "$rc" -ne 0 ] || [ "$seen" -eq 0 ] || ! grep -q '^DONE$' "$out"; then
		result FAIL browser_run " (node exited $rc after $seen checks)"
	fi
}

if ! fn_start --review-hours-risk 0 --review-hours 72; then
	fn_record server_start 1
	exit 0
fi
run_tests
if ! tools_locked ensure_tools; then
	fn_record browser_tools 1 ": $MISSING_WHY (the review page was NOT tested in a browser)"
elif setup_data; then
	fn_record setup 0
	run_browser
else
	fn_record setup 1
fi
stop_suite
