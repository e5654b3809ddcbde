#!/bin/sh
# make-dev-certs.sh: a throw-away PKI for development and tests.
#
# Usage: certs/make-dev-certs.sh [OUTDIR]      (default: certs/dev)
#
# Writes, all ECDSA P-256, keys as unencrypted PKCS#8 PEM (mode 600):
#   ca.crt ca.key                 dev server CA (10 years)
#   server.crt server.key         CN=localhost, SAN localhost 127.0.0.1 ::1,
#                                 serverAuth, signed by ca (825 days)
#   device-ca.crt device-ca.key   a separate CA for devices (10 years)
#   device.crt device.key         CN=demo-device-1, clientAuth, signed by
#                                 device-ca (825 days)
#
# Idempotent: a pair is kept when both files exist, the certificate is valid
# for more than 7 more days and (for leaves) still verifies against its CA.
# A regenerated CA forces its leaf to be regenerated. Prints one line per
# file written. Never use these outside development: see certs/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/dev}
min_valid=$((7 * 24 * 3600))

command -v openssl >/dev/null 2>&1 || {
	echo "make-dev-certs: openssl not found (install: apt-get install openssl)" >&2
	exit 1
}

mkdir -p "$out"
umask 077 # keys are never group/world readable, not even for a moment
# One run at a time (make -j may start two); flock is in util-linux.
exec 9>"$out/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
rm -rf "$out"/.tmp.* # left behind by a run killed with SIGKILL
work=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT PIPE TERM

# One private config: the machine's openssl.cnf defaults (extensions added by
# "req -x509", serial files) must not leak into what we issue.
cat > "$work/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
# Production certificates name where revocation is published; so does this
# one (nothing is served there), so that TLS scanners judge the server.
crlDistributionPoints = URI:http://localhost/fieldnote-dev-ca.crl
[device_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

# current NAME [CA]: NAME.crt and NAME.key exist and belong together, the
# certificate outlives the next 7 days, and (with CA) verifies against CA.crt.
current() {
	[ -s "$out/$1.crt" ] && [ -s "$out/$1.key" ] || return 1
	openssl x509 -in "$out/$1.crt" -noout -checkend "$min_valid" >/dev/null 2>&1 || return 1
	[ "$(openssl x509 -in "$out/$1.crt" -noout -pubkey 2>/dev/null)" = \
	  "$(openssl pkey -in "$out/$1.key" -pubout 2>/dev/null)" ] || return 1
	if [ $# -gt 1 ]; then
		openssl verify -CAfile "$out/$2.crt" "$out/$1.crt" >/dev/null 2>&1 || return 1
	fi
}

newkey() { # NAME: key into the work directory
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-pkeyopt ec_param_enc:named_curve -out "$work/$1.key" 2>/dev/null
}

serial() { printf '0x%s' "$(openssl rand -hex 16)"; }

install_pair() { # NAME: move the finished pair into place, key first
	chmod 600 "$work/$1.key"
	chmod 644 "$work/$1.crt"
	mv -f "$work/$1.key" "$out/$1.key"
	echo "created $out/$1.key"
	mv -f "$work/$1.crt" "$out/$1.crt"
	echo "created $out/$1.crt"
}

make_ca() { # NAME SUBJECT
	newkey "$1"
	openssl req -config "$work/openssl.cnf" -new -x509 -sha256 -days 3650 \
		-key "$work/$1.key" -subj "$2" -set_serial "$(serial)" \
		-extensions ca_ext -out "$work/$1.crt"
	install_pair "$1"
}

make_leaf() { # NAME SUBJECT CA EXTENSIONS
	newkey "$1"
	openssl req -config "$work/openssl.cnf" -new -key "$work/$1.key" \
		-subj "$2" -out "$work/$1.csr"
	openssl x509 -req -sha256 -days 825 -in "$work/$1.csr" \
		-CA "$out/$3.crt" -CAkey "$out/$3.key" -set_serial "$(serial)" \
		-extfile "$work/openssl.cnf" -extensions "$4" -out "$work/$1.crt" 2>/dev/null
	install_pair "$1"
}

made=0
if ! current ca; then
	make_ca ca "/O=fieldnote development/CN=fieldnote dev CA"
	made=1 # the old server.crt no longer verifies: reissued below
fi
if ! current server ca; then
	make_leaf server "/O=fieldnote development/CN=localhost" ca server_ext
	made=1
fi
if ! current device-ca; then
	make_ca device-ca "/O=fieldnote development/CN=fieldnote dev device CA"
	made=1
fi
if ! current device device-ca; then
	make_leaf device "/O=fieldnote development/CN=demo-device-1" device-ca device_ext
	made=1
fi

# Whatever was kept, keys stay private.
chmod 600 "$out/ca.key" "$out/server.key" "$out/device-ca.key" "$out/device.key"
[ "$made" = 1 ] || echo "dev certificates in $out are current (server cert valid beyond 7 days)"
