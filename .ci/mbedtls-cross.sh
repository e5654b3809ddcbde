#!/usr/bin/env bash
# .ci/mbedtls-cross.sh CROSS DEPS_DIR - mbedTLS for the client library on
# another architecture (make CROSS=aarch64-linux-gnu-): the same patched
# source and settings .ci/deps.sh uses for the host, copied to
# DEPS_DIR/mbedtls and built with CROSS's gcc and ar, but
# - without MBEDTLS_GCM_ALT: libgcrypt's GCM serves the server's TLS; the
#   client takes mbedTLS's own (AES through the ARMv8 crypto extensions,
#   chosen at run time), so an arm64 app needs no libgcrypt;
# - without x86 flags (-maes, -mpclmul, -msse2, -mavx...): plain -O2 -fPIC.
# Idempotent: rebuilt only when the host source or these settings change.
set -euo pipefail

cross=${1:?usage: mbedtls-cross.sh CROSS DEPS_DIR}
out=${2:?usage: mbedtls-cross.sh CROSS DEPS_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/build/deps/mbedtls
dst=$out/mbedtls

say() { printf 'mbedtls-cross: %s\n' "$*"; }
die() { printf 'mbedtls-cross: error: %s\n' "$*" >&2; exit 1; }

[ -f "$src/.ready" ] && [ -f "$src/.mbedtls_config.h.orig" ] || die "no host mbedTLS in $src (run .ci/deps.sh first)"
command -v "${cross}gcc" >/dev/null || die "${cross}gcc not found (.ci/cross-arm64.sh installs it)"

# The host's settings minus the ALT (see above).
mbed_set="MBEDTLS_THREADING_C MBEDTLS_THREADING_PTHREAD MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED"
mbed_unset="MBEDTLS_ARIA_C MBEDTLS_GCM_ALT"
cflags="-O2 -fPIC"
stamp=$( { echo "$cross / $mbed_set / $mbed_unset / $cflags"; cat "$src/.ready"; } | sha256sum | cut -d' ' -f1)
if [ -f "$dst/library/libmbedcrypto.a" ] && [ "$(cat "$dst/.configured" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

say "building mbedTLS for ${cross%-} in $dst"
rm -rf "$dst" && mkdir -p "$dst"
# The sources, patched and with the extra headers deps.sh installed, not the
# host's objects.
( cd "$src" && tar -cf - --exclude='*.o' --exclude='*.a' --exclude='*.so*' --exclude=./tests --exclude=./programs . ) |
	tar -xf - -C "$dst"
rm -f "$dst/include/mbedtls/gcm_alt.h"
mkdir -p "$dst/tests" # library/Makefile writes a seed file there
cd "$dst"
cp .mbedtls_config.h.orig include/mbedtls/mbedtls_config.h
for o in $mbed_set; do python3 scripts/config.py set "$o"; done
for o in $mbed_unset; do python3 scripts/config.py unset "$o"; done
CC=${cross}gcc AR=${cross}ar CFLAGS="$cflags" make -s -j"$(nproc)" lib >/dev/null || die "mbedTLS build failed"
echo "$stamp" > .configured
say "ready: $dst"
