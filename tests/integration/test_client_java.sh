#!/usr/bin/env bash
# The Java binding (client-lib/bindings/java) on the host JVM against a real server: tests/java/FieldnoteTest.java
# signs in, saves (UTF-8 beyond the BMP), syncs with a progress listener, cancels, reads guidance; a supervisor
# returns the note; a second JVM pulls the feedback, acknowledges it, amends and exports.
# Release build only, run once (FN_FIRST_BUILD): an ASan-built JNI library needs libasan preloaded into the JVM,
# whose own allocations and signal handlers then swamp the report; the C library underneath is checked under
# ASan by the client suites.
FN_SUITE=client_java
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/test_client.inc"

run_once_with first "the Java binding" "see the banner"

# The binding, built into this build's tree (make java), and the test compiled against its jar.
build_java() {
	.ci/java.sh >"$FN_TMP/java.log" 2>&1 || { cat "$FN_TMP/java.log" >&2; return 1; }
	nice -n 5 make -s --no-print-directory BUILD="$FN_BUILD" java >>"$FN_TMP/java.log" 2>&1 ||
		{ tail -20 "$FN_TMP/java.log" >&2; return 1; }
	# javac takes seconds: the test class is kept beside the jar and
	# compiled again only when it or the jar changed.
	TEST_CLASSES=$FN_BUILD/java/test-classes
	if [ ! "$TEST_CLASSES/FieldnoteTest.class" -nt tests/java/FieldnoteTest.java ] ||
		[ ! "$TEST_CLASSES/FieldnoteTest.class" -nt "$FN_BUILD/java/fieldnote.jar" ]; then
		rm -rf "$TEST_CLASSES" && mkdir -p "$TEST_CLASSES"
		javac -Xlint:all -Werror -cp "$FN_BUILD/java/fieldnote.jar" -d "$TEST_CLASSES" tests/java/FieldnoteTest.java \
			>>"$FN_TMP/java.log" 2>&1 || { tail -20 "$FN_TMP/java.log" >&2; rm -rf "$TEST_CLASSES"; return 1; }
	fi
}

# jvm PHASE ARGS...: one run of FieldnoteTest; its PASS/FAIL lines become results.
jvm() {
	local out=$FN_TMP/jvm.out rc=0
	FN_PASSWORD=$PW_OFFICER timeout 120 java -Xcheck:jni -Djava.library.path="$FN_TOP/$FN_BUILD/lib" \
		-cp "$FN_BUILD/java/fieldnote.jar:$TEST_CLASSES" FieldnoteTest "$@" >"$out" 2>"$FN_TMP/jvm.err" || rc=$?
	grep -E '^(PASS|FAIL) ' "$out" | while read -r st name rest; do
		result "$st" "$name"
		[ -n "$rest" ] && echo "    $rest"
	done
	# -Xcheck:jni warns about misuse of JNI without failing the call.
	if grep -q 'WARNING in native method\|FATAL ERROR' "$FN_TMP/jvm.err"; then
		result FAIL "jni_check_$1"
		head -20 "$FN_TMP/jvm.err" | sed 's/^/    /'
	fi
	[ $rc = 0 ] || { echo "    JVM exit status $rc" >&2; sed 's/^/    /' "$FN_TMP/jvm.err" | head -20 >&2; }
	return $rc
}

test_java_binding() {
	local id
	build_java || { fail "the binding did not build"; return 1; }
	notejson "n['child_words']='I want to stay with my nan \U0001F60A, not the shouting'" >"$FN_TMP/note.json" || return 1
	jvm first "$FN_TMP/store" "$URL" "$FN_CA" officer1 "$FN_TMP/note.json" || return 1
	id=$(sed -n 's/^note //p' "$FN_TMP/jvm.out")
	[ -n "$id" ] || { fail "no note id"; return 1; }
	[ "$(server_revs "$id")" = 1 ] || { fail "the note is not on the server"; return 1; }
	login super1 "$PW_SUPER" || return 1
	req POST "/v1/notes/$id/review" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d '{"revision":1,"decision":"returned","comment":"Please record who else was present."}'
	[ "$STATUS" = 201 ] || { fail "review: $STATUS $(cat "$BODY")"; return 1; }
	jvm returned "$FN_TMP/store" "$URL" "$FN_CA" officer1 "$FN_TMP/note.json" "$id" || return 1
	[ "$(server_revs "$id")" = 2 ] || fail "the amendment is not on the server"
}

run_suite
