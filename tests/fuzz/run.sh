#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] - builds the libFuzzer targets (clang-14, ASan +
# UBSan) into build/fuzz/ and runs fuzz_decode for SECONDS (default 300),
# then prints a summary: executions, coverage, crashes. Exits non-zero on
# any crash, leak, timeout or out-of-memory, or if the build fails.
#
# Environment:
#   FUZZ_CORPUS  where new inputs are kept between runs (default
#                build/fuzz/corpus; the seeds are generated into a temp dir
#                each run from schema/vectors and schema/examples)
#   FUZZ_ARGS    extra libFuzzer arguments
#
# Reproduce a crash: build/fuzz/fuzz_decode build/fuzz/artifacts/crash-...
set -u
source "$(dirname "$0")/lib.sh"
fuzz_init 300 "$@"
corpus=${FUZZ_CORPUS:-$out/corpus}
CC=clang-14

say() { printf 'fuzz: %s\n' "$*"; }
die() { printf 'fuzz: error: %s\n' "$*" >&2; exit 2; }

# --- tools: clang-14, its libFuzzer runtime (libclang-rt-14-dev in Debian
# 12; libfuzzer-14-dev is only the standalone libFuzzer.a), and the two
# libraries schema/ uses.
missing=""
command -v $CC >/dev/null 2>&1 || missing="$missing clang-14"
for p in libclang-rt-14-dev libmsgpack-dev libjansson-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run: sudo apt-get install$missing)"
	say "installing:$missing"
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
		apt-get update -qq || true
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
			die "could not install:$missing"
	fi
fi

# --- build, in a directory of this run's own (a `make test` may run while a
# long `make fuzz` does); the binary is then installed into build/fuzz/ by
# rename. schema/*.c are compiled with the project's warnings but without
# -Werror (clang warns where gcc does not); any warning is printed here.
mkdir -p "$out/artifacts" "$out/logs" "$corpus"
work=$(mktemp -d /tmp/fieldnote-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/obj" "$work/seeds"
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
WARN="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers"
COMMON="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Ischema -Iserver"
warnlog=$work/schema-warnings.log
: >"$warnlog"
objs=()
# server/stored.c: the records the server stores (and decodes back) only.
for src in schema/*.c server/stored.c; do
	obj=$work/obj/$(basename "$src" .c).o
	# shellcheck disable=SC2086
	$CC $COMMON $WARN $SAN -c "$src" -o "$obj" 2>>"$warnlog" || { cat "$warnlog" >&2; die "compiling $src failed"; }
	objs+=("$obj")
done
if grep -q 'warning:' "$warnlog"; then
	say "clang-14 warnings in schema/ (fix these; the fuzz build does not use -Werror):"
	grep 'warning:' "$warnlog" | sort -u | sed 's/^/  /'
else
	say "clang-14: no warnings in schema/"
fi
bin=$work/fuzz_decode
# shellcheck disable=SC2086
$CC $COMMON $WARN -Werror $SAN tests/fuzz/fuzz_decode.c "${objs[@]}" -lmsgpackc -ljansson \
	-o "$bin" || die "building fuzz_decode failed"
cp "$bin" "$out/.fuzz_decode.$$" && mv -f "$out/.fuzz_decode.$$" "$out/fuzz_decode"
# The seed writer needs only the tables; no sanitizers, no libFuzzer.
# shellcheck disable=SC2086
$CC $COMMON $WARN -Werror tests/fuzz/mkseeds.c schema/records.c server/stored.c -o "$work/mkseeds" ||
	die "building mkseeds failed"

# --- seeds and dictionary, generated fresh each run (never committed)
seeds=$work/seeds
dict=$work/fuzz_decode.dict
"$work/mkseeds" "$seeds" "$work/dict.raw" schema/vectors/*.msgpack schema/vectors/*.json \
	schema/examples/note.json >/dev/null || die "writing seeds failed"
sort -u "$work/dict.raw" >"$dict"
cp "$dict" "$out/fuzz_decode.dict"
say "$(ls "$seeds" | wc -l) seeds, $(wc -l <"$dict") dictionary words, corpus $corpus ($(ls "$corpus" | wc -l) inputs)"

# --- the kept corpus: libFuzzer only ever adds to it, so once it holds more
# than 2000 inputs it is merged down to those that add coverage. Each run
# holds a shared lock on it; the merge needs it alone and is skipped if not.
exec 9>"$out/.corpus.lock"
if [ "$(ls "$corpus" | wc -l)" -gt 2000 ] && flock -n -x 9; then
	merged=$corpus.merge.$$
	mkdir -p "$merged"
	if "$bin" -merge=1 -max_len=65536 -rss_limit_mb=2048 -timeout=10 "$merged" "$corpus" \
		>"$work/merge.log" 2>&1; then
		say "corpus merged: $(ls "$corpus" | wc -l) -> $(ls "$merged" | wc -l) inputs"
		rm -rf "$corpus.old.$$" && mv "$corpus" "$corpus.old.$$" && mv "$merged" "$corpus" &&
			rm -rf "$corpus.old.$$"
	else
		say "corpus merge failed (kept as is): $(tail -3 "$work/merge.log")"
		rm -rf "$merged"
	fi
fi
flock -s 9

# --- run
fuzz_log fuzz_decode
ln -sfn "logs/$(basename "$log")" "$out/fuzz_decode.log"
ls -t "$out/logs"/fuzz_decode-*.log 2>/dev/null | tail -n +21 | xargs -r rm -f
say "running fuzz_decode for ${secs}s (log: $log)"
# shellcheck disable=SC2086
"$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
	-dict="$dict" -artifact_prefix="$out/artifacts/" -print_final_stats=1 \
	${FUZZ_ARGS:-} "$corpus" "$seeds" >"$log" 2>&1
rc=$?

# --- summary
last=$(grep -aE '^#[0-9]+' "$log" | tail -1)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([0-9]*\/[^ ]*\).*/\1/p' <<<"$last")
new=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log")
[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
crashes=$(grep -c . <<<"$new")
echo "fuzz: fuzz_decode: ${execs:-?} execs in ${secs}s (${eps:-?}/s), coverage ${cov:-?} edges, ${ft:-?} features, corpus ${corp:-?}, crashes $crashes, exit $rc"
if [ $rc -ne 0 ] || [ -n "$new" ]; then
	echo "fuzz: FAILED; the report:"
	grep -anE 'ERROR|runtime error|BUG:|SUMMARY|#[0-9]+ 0x' "$log" | head -40 | sed 's/^/  /'
	for f in $new; do
		echo "fuzz: artifact $f ($(stat -c %s "$f") bytes):"
		head -c 512 "$f" | od -An -tx1 -c | head -24 | sed 's/^/  /'
	done
	echo "fuzz: log: $log"
	echo "fuzz: reproduce: $out/fuzz_decode ARTIFACT; minimise: $out/fuzz_decode -minimize_crash=1 -runs=100000 ARTIFACT"
	[ $rc -ne 0 ] || rc=1
	exit $rc
fi
exit 0
