#!/usr/bin/env bash
# .ci/java.sh - a JDK for the Java binding (make java, tests/integration/test_client_java.sh):
# javac, jar and jni.h from Debian's openjdk-17-jdk-headless when the javac on PATH has no jni.h.
# Idempotent. Exit status 0 when ready, 1 (the reason on stderr) when it cannot be installed.
set -euo pipefail

ready() {
	local javac home
	javac=$(command -v javac 2>/dev/null) || return 1
	command -v jar >/dev/null 2>&1 && command -v java >/dev/null 2>&1 || return 1
	home=$(dirname "$(dirname "$(readlink -f "$javac")")")
	[ -f "$home/include/jni.h" ]
}
ready && exit 0
[ "$(id -u)" = 0 ] || { echo "java: no JDK with jni.h (run as root: apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
echo "java: installing openjdk-17-jdk-headless"
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -qq install -y --no-install-recommends \
	openjdk-17-jdk-headless >/dev/null || { echo "java: could not install openjdk-17-jdk-headless" >&2; exit 1; }
ready || { echo "java: installed, but javac/jar/jni.h still missing" >&2; exit 1; }
