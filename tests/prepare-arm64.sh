#!/usr/bin/env bash
# tests/prepare-arm64.sh start|wait - the arm64 toolchain and client build
# (test_client_arm64.sh) take minutes on a fresh machine, mostly waiting on
# the package archive: `make test` starts them in the background at once,
# beside the sanitizer build and the first suites, and the arm64 suite
# waits for them. Package installs hold the tests' tools lock (tests/lib.sh)
# so they never meet another suite's apt-get.
set -u
cd "$(dirname "$0")/.."
dir=build/arm64
mkdir -p "$dir"
case ${1:-} in
start)
	# one at a time: a second make on the same build would race the first
	pid=$(cat "$dir/prepare.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null && exit 0
	(
		flock /tmp/fieldnote-test-tools.lock .ci/cross-arm64.sh &&
			env -u MAKEFLAGS -u MAKELEVEL nice -n 5 make -s --no-print-directory CROSS=aarch64-linux-gnu- BUILD=$dir client
		echo $? >"$dir/prepare.rc"
	) >"$dir/prepare.log" 2>&1 &
	echo $! >"$dir/prepare.pid"
	;;
wait)
	pid=$(cat "$dir/prepare.pid" 2>/dev/null) || exit 0
	while kill -0 "$pid" 2>/dev/null; do sleep 1; done
	rm -f "$dir/prepare.pid"
	;;
*)
	echo "usage: tests/prepare-arm64.sh start|wait" >&2
	exit 2
	;;
esac
