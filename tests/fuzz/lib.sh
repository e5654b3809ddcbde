# tests/fuzz/lib.sh - what the fuzz scripts share: the command line, the
# build/fuzz/ directory and the sanitizer settings of a run.

# fuzz_init DEFAULT_SECONDS [SECONDS]: moves to the top of the tree; sets
# top, secs (SECONDS, else the default; anything but digits is a usage
# error) and out (build/fuzz).
fuzz_init() {
	top=$(cd "$(dirname "$0")/../.." && pwd)
	cd "$top" || exit 2
	secs=${2:-$1}
	case $secs in '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac
	out=$top/build/fuzz
}

# fuzz_log NAME: sets log to a new file for this run of target NAME under
# build/fuzz/logs, and the sanitizers to stop at the first error and to
# report leaks.
fuzz_log() {
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	log=$out/logs/$1-$(date +%Y%m%d-%H%M%S)-$$.log
}
