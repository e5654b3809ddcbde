#!/usr/bin/env bash
# .ci/cross-arm64.sh - the arm64 cross toolchain and qemu-user from Debian 12
# (make CROSS=aarch64-linux-gnu-, tests/integration/test_client_arm64.sh):
# gcc/binutils for aarch64, qemu-aarch64, and the arm64 -dev packages the
# client library links (LMDB, msgpack-c, jansson; multiarch, so they sit in
# /usr/lib/aarch64-linux-gnu beside the arm64 libc qemu runs with).
# Idempotent: returns at once when everything is there. Exit status 0 when
# ready, 1 (with the reason on stderr) when it cannot be installed.
set -euo pipefail

say() { printf 'cross-arm64: %s\n' "$*"; }
die() { printf 'cross-arm64: error: %s\n' "$*" >&2; exit 1; }

tools="aarch64-linux-gnu-gcc:crossbuild-essential-arm64 qemu-aarch64:qemu-user"
devpkgs="liblmdb-dev:arm64 libmsgpack-dev:arm64 libjansson-dev:arm64 zlib1g-dev:arm64"

missing=""
for t in $tools; do
	command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
done
for p in $devpkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

[ "$(id -u)" = 0 ] || die "missing:$missing (run as root: dpkg --add-architecture arm64; apt-get update; apt-get install$missing)"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	say "adding the arm64 architecture to dpkg"
	dpkg --add-architecture arm64
fi
# Another apt run on the machine holds the lock: wait for it rather than fail.
aptopt=(-o DPkg::Lock::Timeout=600 -qq)
# The arm64 package index is fetched once, after the architecture is added.
if ! ls /var/lib/apt/lists/*binary-arm64_Packages* >/dev/null 2>&1; then
	say "fetching the package index (arm64 added)"
	apt-get "${aptopt[@]}" update || die "apt-get update failed; check network access to the Debian archive"
fi
say "installing:$missing"
# shellcheck disable=SC2086
if ! DEBIAN_FRONTEND=noninteractive apt-get "${aptopt[@]}" install -y --no-install-recommends $missing >/dev/null; then
	apt-get "${aptopt[@]}" update || true
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get "${aptopt[@]}" install -y --no-install-recommends $missing >/dev/null ||
		die "could not install:$missing"
fi
say "ready"
