#!/usr/bin/env bash
# fieldnote dependency set-up: Debian 12 packages, plus civetweb 1.16 and
# mbedTLS 3.6 built from Debian 13 source packages under build/deps/.
# Idempotent: every step is skipped when its result is already present.
# Usage: .ci/deps.sh [BUILD_DIR]   (default: build)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
deps=$build/deps
mkdir -p "$deps"

say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

# --- 1. Debian 12 packages -------------------------------------------------
# command:package pairs for tools, and -dev packages checked with dpkg.
tools="gcc:gcc python3:python3 make:make pkg-config:pkg-config patch:patch xz:xz-utils bzip2:bzip2 openssl:openssl curl:curl"
devpkgs="libc6-dev liblmdb-dev libmsgpack-dev libjansson-dev libargon2-dev lmdb-utils debian-archive-keyring testssl.sh"

missing=""
for t in $tools; do
	command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
done
for p in $devpkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run: sudo apt-get install$missing)"
	say "installing:$missing"
	if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
		apt-get update -qq || die "apt-get update failed; check network access to the Debian archive"
	fi
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
		apt-get update -qq || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
			die "could not install:$missing"
	fi
fi

# --- 2. Debian 13 source packages through a private apt configuration -----
civet_dir=$deps/civetweb
mbed_dir=$deps/mbedtls

fetch_sources() {
	local apt=$deps/apt
	mkdir -p "$apt/lists/partial" "$apt/sources" "$apt/archives" "$apt/cache"
	# Same archive as the machine's own sources.
	local uri
	uri=$(grep -rhoE 'https?://[^ ]*debian(/)?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
		grep -v security | head -n1 | tr -d " ") || true
	[ -n "$uri" ] || uri=http://deb.debian.org/debian
	cat > "$apt/sources/trixie-src.sources" <<SRC
Types: deb-src
URIs: $uri
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	aptopts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/sources"
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	if [ ! -e "$apt/lists/.updated" ]; then
		say "fetching the trixie source index (private apt lists under $apt)"
		apt-get "${aptopts[@]}" update -qq || die "apt-get update of the trixie source index failed"
		touch "$apt/lists/.updated"
	fi
	mkdir -p "$deps/src"
	( cd "$deps/src" && for pkg in "$@"; do
		# --download-only fetches .dsc and tarballs; a missing .dsc (seen: 404)
		# is tolerated when the tarballs arrived and verified.
		apt-get "${aptopts[@]}" source --download-only "$pkg" >"$deps/src/$pkg.log" 2>&1 ||
			say "note: apt-get source $pkg reported an error (see $deps/src/$pkg.log); checking what arrived"
	done )
}

need=()
# Fetched once: a changed local patch only re-extracts what is already here.
[ -n "$(ls "$deps"/src/civetweb_1.16*.orig.tar.* 2>/dev/null)" ] || need+=(civetweb)
[ -n "$(ls "$deps"/src/mbedtls_3.6*.orig.tar.* 2>/dev/null)" ] || need+=(mbedtls)
if [ ${#need[@]} -gt 0 ]; then
	fetch_sources "${need[@]}"
fi

extract() { # name dir glob-of-orig glob-of-debian
	local name=$1 dir=$2 orig deb
	orig=$(ls "$deps"/src/${3} 2>/dev/null | head -n1)
	deb=$(ls "$deps"/src/${4} 2>/dev/null | head -n1)
	[ -n "$orig" ] || die "no $name source tarball arrived (see $deps/src/$name.log)"
	rm -rf "$dir" && mkdir -p "$dir"
	tar -xf "$orig" -C "$dir" --strip-components=1
	if [ -n "$deb" ]; then tar -xf "$deb" -C "$dir"; fi
}

# Local changes to a dependency are numbered patch files in .ci/patches/NAME/
# (listed in .ci/patches/README.md), applied in name order after Debian's
# own series. A patch that does not apply exactly stops the build. The
# .ready stamp holds a digest of the local patches, so adding or changing
# one re-extracts the source.
local_patches() { ls "$top/.ci/patches/$1/"*.patch 2>/dev/null || true; }
patch_digest() { # name
	local files; files=$(local_patches "$1")
	if [ -n "$files" ]; then cat $files | sha256sum | cut -d' ' -f1; else echo none; fi
}
is_ready() { [ -f "$1/.ready" ] && [ "$(cat "$1/.ready")" = "$(patch_digest "$2")" ]; }
apply_local_patches() { # name dir
	local p
	for p in $(local_patches "$1"); do
		say "applying local patch $(basename "$p") to $1"
		( cd "$2" && patch -p1 -s --forward --batch --fuzz=0 < "$p" ) || die "local patch $p does not apply to $1"
	done
	patch_digest "$1" > "$2/.ready"
}

if ! is_ready "$civet_dir" civetweb; then
	extract civetweb "$civet_dir" 'civetweb_1.16*.orig.tar.*' 'civetweb_1.16*.debian.tar.*'
	[ -f "$civet_dir/debian/patches/series" ] || die "civetweb debian/patches/series missing"
	say "applying civetweb's Debian patches in series order"
	( cd "$civet_dir" && grep -vE '^\s*(#|$)' debian/patches/series | while read -r p _; do
		patch -p1 -s --forward < "debian/patches/$p" || die "patch $p failed"
	done )
	apply_local_patches civetweb "$civet_dir"
fi

if ! is_ready "$mbed_dir" mbedtls; then
	extract mbedtls "$mbed_dir" 'mbedtls_3.6*.orig.tar.*' 'mbedtls_3.6*.debian.tar.*'
	apply_local_patches mbedtls "$mbed_dir"
fi

# --- 3. build mbedTLS static with threading ---------------------------------
if [ ! -f "$mbed_dir/library/libmbedtls.a" ] || [ ! -f "$mbed_dir/.configured" ]; then
	say "building mbedTLS 3.6 static libraries (threading on)"
	( cd "$mbed_dir"
	  python3 scripts/config.py set MBEDTLS_THREADING_C
	  python3 scripts/config.py set MBEDTLS_THREADING_PTHREAD
	  touch .configured
	  make -s clean >/dev/null 2>&1 || true
	  CFLAGS="-O2 -maes -mpclmul -msse2 -fPIC" make -s -j"$(nproc)" lib >/dev/null ) ||
		die "mbedTLS build failed"
fi
say "ready: civetweb in $civet_dir, mbedTLS in $mbed_dir"
