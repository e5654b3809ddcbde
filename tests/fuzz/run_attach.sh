#!/usr/bin/env bash
# tests/fuzz/run_attach.sh [SECONDS] - builds the libFuzzer target for the
# attachment upload's headers and file walkers (tests/fuzz/fuzz_attach.c,
# server/attach_format.c with schema/hex.c; clang-14, ASan + UBSan) and runs it for SECONDS
# (default 60). Exits non-zero on any crash, leak or timeout. The tools
# are those tests/fuzz/run.sh installs (run it once first on a new machine).
# Reproduce: build/fuzz/fuzz_attach build/fuzz/artifacts/attach-crash-...
set -u
source "$(dirname "$0")/lib.sh"
fuzz_init 60 "$@"
corpus=${FUZZ_ATTACH_CORPUS:-$out/corpus-attach}
command -v clang-14 >/dev/null || { echo "fuzz: error: clang-14 missing (tests/fuzz/run.sh installs it)" >&2; exit 2; }
mkdir -p "$out/artifacts" "$out/logs" "$corpus"
work=$(mktemp -d /tmp/fieldnote-fuzz-attach.XXXXXX)
trap 'rm -rf "$work"' EXIT
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
clang-14 -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror -Iserver -Ischema $SAN \
	tests/fuzz/fuzz_attach.c server/attach_format.c schema/hex.c -o "$work/fuzz_attach" || { echo "fuzz: building fuzz_attach failed" >&2; exit 2; }
cp "$work/fuzz_attach" "$out/.fuzz_attach.$$" && mv -f "$out/.fuzz_attach.$$" "$out/fuzz_attach"
# seeds: one of each header and a JPEG and PNG with metadata (byte 0 = mode)
seeds=$work/seeds
mkdir -p "$seeds"
printf '\000note_id bi0x,id YS0x,sha256 %s,media_type aW1hZ2UvanBlZw==' "$(printf '%064d' 0 | base64 -w0)" >"$seeds/meta"
printf '\001sha256 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' >"$seeds/sum"
printf '\00112345' >"$seeds/num"
python3 tests/integration/attach_tool.py mkjpeg "$work/j.jpg" && { printf '\003'; cat "$work/j.jpg"; } >"$seeds/jpeg"
python3 tests/integration/attach_tool.py mkpng "$work/p.png" && { printf '\003'; cat "$work/p.png"; } >"$seeds/png"
printf '\003%%PDF-1.4\n1 0 obj <<>> endobj\n%%%%EOF\n' >"$seeds/pdf"
fuzz_log fuzz_attach
"$out/fuzz_attach" -max_total_time="$secs" -max_len=16384 -rss_limit_mb=1024 -timeout=10 \
	-artifact_prefix="$out/artifacts/attach-" -print_final_stats=1 "$corpus" "$seeds" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
cov=$(grep -aE '^#[0-9]+' "$log" | tail -1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
echo "fuzz: fuzz_attach: ${execs:-?} execs in ${secs}s, coverage ${cov:-?} edges, exit $rc"
if [ $rc -ne 0 ]; then
	grep -anE 'ERROR|runtime error|BUG:|SUMMARY|#[0-9]+ 0x' "$log" | head -30 | sed 's/^/  /'
	echo "fuzz: log: $log"
fi
exit $rc
