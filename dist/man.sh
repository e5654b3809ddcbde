#!/bin/sh
# dist/man.sh BUILD OUTDIR - writes fieldnote.1, fieldnote-device.1 and
# fieldnote.conf.5 from the programs' own --help and settings table, so the
# pages cannot drift from the code.
set -eu
build=$1 out=$2
mkdir -p "$out"
date=$(date -u +%Y-%m-%d)
# roff-safe literal text: backslashes, and lines that start with . or '
lit() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

{
	printf '.TH FIELDNOTE 1 "%s" "fieldnote" "fieldnote manual"\n' "$date"
	printf '.SH NAME\nfieldnote \\- voice-of-the-child notes and operational guidance server\n'
	printf '.SH SYNOPSIS\n.B fieldnote\n.I command\n[\n.I options\n]\n'
	printf '.SH DESCRIPTION\nThe server and its administration commands. Every command answers\n.B \\-\\-help\nwith its own usage.\nSettings are described in\n.BR fieldnote.conf (5).\n'
	printf '.SH USAGE\n.nf\n'
	"$build/bin/fieldnote" --help | sed '/^Settings (in a --config/,$d' | lit
	printf '.fi\n.SH FILES\n.TP\n.I /etc/fieldnote/fieldnote.conf\nsettings read by fieldnote.service\n.TP\n.I /var/lib/fieldnote/data\nthe store when run as fieldnote.service\n'
	printf '.SH SEE ALSO\n.BR fieldnote.conf (5),\n.BR fieldnote\\-device (1),\n.BR systemd.exec (5)\n'
} >"$out/fieldnote.1"

{
	printf '.TH FIELDNOTE-DEVICE 1 "%s" "fieldnote" "fieldnote manual"\n' "$date"
	printf '.SH NAME\nfieldnote\\-device \\- a command-line handheld for fieldnote\n'
	printf '.SH DESCRIPTION\nKeeps notes in an encrypted store and syncs them with a fieldnote server,\nthrough libfieldnote.\n'
	printf '.SH USAGE\n.nf\n'
	"$build/bin/fieldnote-device" --help 2>&1 | lit
	printf '.fi\n.SH SEE ALSO\n.BR fieldnote (1)\n'
} >"$out/fieldnote-device.1"

{
	printf '.TH FIELDNOTE.CONF 5 "%s" "fieldnote" "fieldnote manual"\n' "$date"
	printf '.SH NAME\nfieldnote.conf \\- settings of the fieldnote server\n'
	printf '.SH SYNTAX\nOne\n.I name\n=\n.I value\nper line. A\n.B #\noutside quotes starts a comment. A value in double or single quotes\nis taken as written (a\n.B #\nincluded). A setting may appear once; a repeated name is an error that\nnames both lines. Every setting is also a flag:\n.B \\-\\-name\\-with\\-dashes\n.IR value ,\nwhich overrides the file.\n'
	printf '.PP\nUnder systemd (fieldnote.service) the defaults of\n.BR data ,\n.B cert\nand\n.B key\nare\n.IR $STATE_DIRECTORY/data ,\n.I $CREDENTIALS_DIRECTORY/server.crt\nand\n.IR $CREDENTIALS_DIRECTORY/server.key .\n'
	printf '.SH SETTINGS\n'
	"$build/bin/fieldnote" config roff
	printf '.SH SEE ALSO\n.BR fieldnote (1)\n'
} >"$out/fieldnote.conf.5"
