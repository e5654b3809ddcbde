#!/usr/bin/env bash
# make install (issue 10, "Running as a service"): the unit, its user, the
# sample settings (every setting, loadable once uncommented) and the man
# pages land in DESTDIR; systemd-analyze verifies the unit and scores its
# exposure. No server is started.
FN_SUITE=install
source "$(dirname "$0")/../lib.sh"
DEST=$FN_TMP/root

install_tree() {
	[ -d "$DEST/usr/bin" ] && return 0
	make -s --no-print-directory install BUILD="$FN_BUILD" PREFIX=/usr DESTDIR="$DEST" >"$FN_TMP/install.log" 2>&1 ||
		{ fail "make install failed: $(tail -5 "$FN_TMP/install.log")"; return 1; }
}

test_install_tree_has_service_config_and_man_pages() {
	install_tree || return 1
	local f rc=0
	for f in usr/bin/fieldnote usr/bin/fieldnote-device usr/lib/systemd/system/fieldnote.service \
		usr/lib/sysusers.d/fieldnote.conf usr/share/fieldnote/fieldnote.conf.sample etc/fieldnote/fieldnote.conf \
		usr/share/man/man1/fieldnote.1 usr/share/man/man1/fieldnote-device.1 usr/share/man/man5/fieldnote.conf.5; do
		[ -s "$DEST/$f" ] || { fail "missing $f"; rc=1; }
	done
	grep -q '^ExecStart=/usr/bin/fieldnote serve' "$DEST/usr/lib/systemd/system/fieldnote.service" || { fail "ExecStart"; rc=1; }
	for f in fieldnote.1 fieldnote-device.1; do
		grep -q '^\.TH' "$DEST/usr/share/man/man1/$f" || { fail "$f is not a man page"; rc=1; }
	done
	return $rc
}

# Every setting --help lists is in the sample and in fieldnote.conf(5), and
# the sample, every line uncommented, is a valid settings file.
test_sample_config_has_every_setting() {
	install_tree || return 1
	local names n missing=""
	names=$("$FN_BIN" --help | sed -n 's/^  \([a-z0-9_]*\) .*(default: .*/\1/p')
	[ "$(wc -l <<<"$names")" -ge 30 ] || { fail "only $(wc -l <<<"$names") settings in --help"; return 1; }
	for n in $names; do
		grep -q "^#$n = " "$DEST/usr/share/fieldnote/fieldnote.conf.sample" || missing="$missing sample:$n"
		grep -q "^\.B $n\$" "$DEST/usr/share/man/man5/fieldnote.conf.5" || missing="$missing man:$n"
	done
	[ -z "$missing" ] || { fail "missing:$missing"; return 1; }
	sed 's/^#\([a-z0-9_]* = \)/\1/' "$DEST/usr/share/fieldnote/fieldnote.conf.sample" >"$FN_TMP/all.conf"
	"$FN_BIN" serve --config "$FN_TMP/all.conf" --help >/dev/null 2>"$FN_TMP/e" ||
		{ fail "the uncommented sample does not load: $(cat "$FN_TMP/e")"; return 1; }
}

# systemd-analyze must be there (Debian 12 ships it with systemd): a
# missing tool fails the test, it is never skipped.
test_unit_verifies_and_is_confined() {
	install_tree || return 1
	if ! command -v systemd-analyze >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null 2>&1
		command -v systemd-analyze >/dev/null || { fail "systemd-analyze is missing and apt-get install systemd failed"; return 1; }
	fi
	# The unit names /usr/bin/fieldnote; verify a copy that names the one in DESTDIR.
	local unit=$FN_TMP/fieldnote.service exposure
	sed "s|/usr/bin/fieldnote|$DEST/usr/bin/fieldnote|g" "$DEST/usr/lib/systemd/system/fieldnote.service" >"$unit"
	systemd-analyze verify --man=no "$unit" >"$FN_TMP/v" 2>&1 || { fail "systemd-analyze verify: $(cat "$FN_TMP/v")"; return 1; }
	[ ! -s "$FN_TMP/v" ] || { fail "systemd-analyze verify warned: $(cat "$FN_TMP/v")"; return 1; }
	exposure=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	echo "    systemd-analyze security exposure: $exposure"
	[ -n "$exposure" ] && python3 -c "import sys; sys.exit(0 if float('$exposure') <= 2.0 else 1)" ||
		fail "exposure '$exposure' is above 2.0"
}

run_tests
