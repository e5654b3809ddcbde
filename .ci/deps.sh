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
tools="gcc:gcc python3:python3 make:make pkg-config:pkg-config patch:patch xz:xz-utils bzip2:bzip2 openssl:openssl curl:curl faketime:faketime"
devpkgs="libc6-dev liblmdb-dev libmsgpack-dev libjansson-dev libargon2-dev libgcrypt20-dev zlib1g-dev lmdb-utils debian-archive-keyring testssl.sh"

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

# --- 3. build mbedTLS static, configured for fieldnote ----------------------
# Configuration (issue 12), on top of mbedTLS's default:
# - threading (civetweb serves from many threads);
# - MBEDTLS_GCM_ALT: GCM from libgcrypt through server/tls/mbedtls_alt/
#   (gcm_alt.h installed beside mbedtls/gcm.h, as the ALT contract asks, and
#   gcm_alt.c compiled into libmbedcrypto.a; whatever links it adds -lgcrypt);
# - MBEDTLS_ARIA_C off: libgcrypt 1.10 has no ARIA-GCM, and fieldnote offers
#   only AES-GCM and ChaCha20-Poly1305;
# - Everest x25519 (3rdparty/everest; public keys too, local patch 0001).
# CPU flags: the AES/PCLMUL/SSE2 code is chosen at run time by mbedTLS, so
# those are always on; AVX, AVX2, BMI2 and ADX are used only when the build
# machine's compiler reports them for -march=native (a binary built here then
# wants such a CPU: FN_MBEDTLS_NATIVE=0 builds without them).
mbed_set="MBEDTLS_THREADING_C MBEDTLS_THREADING_PTHREAD MBEDTLS_GCM_ALT MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED"
mbed_unset="MBEDTLS_ARIA_C"
mbed_alt=$top/server/tls/mbedtls_alt
cc=${CC:-cc}

mbed_cflags() {
	local flags="-O2 -maes -mpclmul -msse2 -fPIC" native macro flag
	[ "${FN_MBEDTLS_NATIVE:-1}" = 1 ] || { echo "$flags"; return; }
	native=$("$cc" -march=native -dM -E -x c /dev/null 2>/dev/null) || { echo "$flags"; return; }
	for macro in __AVX__:-mavx __AVX2__:-mavx2 __BMI2__:-mbmi2 __ADX__:-madx; do
		flag=${macro#*:}
		if grep -q "#define ${macro%%:*} 1" <<<"$native" &&
			"$cc" -Werror "$flag" -x c -c /dev/null -o /dev/null 2>/dev/null; then
			flags="$flags $flag"
		fi
	done
	echo "$flags"
}
mbed_cf=$(mbed_cflags)
# The library is rebuilt when the settings, the flags or the ALT header
# change; the ALT object alone when its source does.
mbed_stamp=$( { echo "$mbed_set / $mbed_unset / $mbed_cf"; cat "$mbed_alt"/*.h; } | sha256sum | cut -d' ' -f1)
alt_stamp=$( { echo "$mbed_cf"; cat "$mbed_alt"/*; } | sha256sum | cut -d' ' -f1)

# Headers a program including mbedTLS's needs, where mbedTLS's own install
# puts them: our gcm_alt.h beside gcm.h (the ALT contract), and Everest's
# include/everest (mbedtls/ecdh.h includes "everest/everest.h" once Everest
# is on; mbedTLS's CMake install copies that folder the same way). Copied
# only when they differ, so dependent objects are not rebuilt for nothing.
install_headers() {
	local f dst
	for f in "$mbed_alt/gcm_alt.h" "$mbed_dir"/3rdparty/everest/include/everest/*.h; do
		case $f in
			"$mbed_alt"/*) dst=$mbed_dir/include/mbedtls/${f##*/} ;;
			*) dst=$mbed_dir/include/everest/${f##*/} ;;
		esac
		cmp -s "$f" "$dst" && continue
		mkdir -p "${dst%/*}" && cp "$f" "$dst" || return 1
	done
}

# Every step is checked (a subshell under `||` would ignore set -e).
build_mbedtls() {
	local o
	cd "$mbed_dir" || return 1
	# Each configuration starts from mbedTLS's own default.
	[ -f .mbedtls_config.h.orig ] || cp include/mbedtls/mbedtls_config.h .mbedtls_config.h.orig || return 1
	cp .mbedtls_config.h.orig include/mbedtls/mbedtls_config.h || return 1
	for o in $mbed_set; do python3 scripts/config.py set "$o" || return 1; done
	for o in $mbed_unset; do python3 scripts/config.py unset "$o" || return 1; done
	rm -f .configured
	make -s clean >/dev/null 2>&1 || true
	CFLAGS="$mbed_cf" make -s -j"$(nproc)" lib >/dev/null || return 1
	rm -f .alt
	# What mbedTLS's own suites and programs are built with (tests/).
	echo "$mbed_cf" > .cflags && echo "$mbed_stamp" > .configured && cd "$top"
}

# Our ALT sources, compiled into libmbedcrypto.a beside mbedTLS's objects.
build_alt() {
	"$cc" $mbed_cf -Wall -Wextra -Werror -I"$mbed_dir/include" -c "$mbed_alt/gcm_alt.c" \
		-o "$mbed_dir/library/gcm_alt.o" || return 1
	ar rs "$mbed_dir/library/libmbedcrypto.a" "$mbed_dir/library/gcm_alt.o" || return 1
	echo "$alt_stamp" > "$mbed_dir/.alt"
}

install_headers || die "could not install mbedTLS's extra headers"
if [ ! -f "$mbed_dir/library/libmbedtls.a" ] || [ "$(cat "$mbed_dir/.configured" 2>/dev/null)" != "$mbed_stamp" ]; then
	say "building mbedTLS 3.6 static libraries ($mbed_cf)"
	build_mbedtls || die "mbedTLS build failed"
fi
if [ "$(cat "$mbed_dir/.alt" 2>/dev/null)" != "$alt_stamp" ]; then
	say "compiling server/tls/mbedtls_alt into libmbedcrypto.a"
	build_alt || die "mbedTLS ALT build failed"
fi
say "ready: civetweb in $civet_dir, mbedTLS in $mbed_dir"
