#!/usr/bin/env bash
# server/demo.sh BUILD_DIR - what `make run` does after building: a store in
# var/data with demo users (passwords generated on first run and printed
# once) and the sample guidance pack, then serves https://127.0.0.1:8443.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build}/bin/fieldnote
data=${FN_DATA:-var/data}
listen=${FN_LISTEN:-127.0.0.1:8443}

port=${listen##*:}
host=${listen%:*}
# Another server (another `make run`, or anything else) already on the port:
# say so before touching the store it may be using.
if (exec 3<>"/dev/tcp/${host:-127.0.0.1}/$port") 2>/dev/null; then
	echo "make run: something is already listening on $listen." >&2
	echo "  Stop it, or serve on another port:  FN_LISTEN=127.0.0.1:8444 make run" >&2
	echo "  (FN_DATA=DIR uses another store; the default is var/data)" >&2
	exit 1
fi
# A store another process has open is left alone (LMDB allows it, but two
# servers on one store would both import and serve it).
if [ -f "$data/data.mdb" ]; then
	store=$(realpath "$data/data.mdb")
	holder=$(find /proc/[0-9]*/fd -lname "$store" 2>/dev/null | head -n1 | cut -d/ -f3 || true)
	if [ -n "$holder" ]; then
		echo "make run: the store $data is open in process $holder ($(tr '\0' ' ' </proc/"$holder"/cmdline 2>/dev/null | cut -c1-80))." >&2
		echo "  Stop that process, or use another store:  FN_DATA=var/data2 FN_LISTEN=127.0.0.1:8444 make run" >&2
		exit 1
	fi
fi

mkdir -p "$(dirname "$data")"
if [ ! -f "$data/data.mdb" ]; then
	"$bin" init --data "$data"
	echo
	echo "Demo users (these passwords are shown only now; keep them):"
	for spec in officer1:officer:north:police super1:supervisor:north:police admin1:admin:ops:police; do
		IFS=: read -r user role team agency <<<"$spec"
		pw=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 16)
		echo "$pw" | "$bin" user add --data "$data" --username "$user" --role "$role" --team "$team" --agency "$agency" >/dev/null
		printf '  %-10s %-11s password: %s\n' "$user" "($role)" "$pw"
	done
	echo
else
	echo "Using the existing store in $data (demo passwords were printed when it was created;"
	echo "reset one with: echo NEWPASS | $bin user add --data $data --username officer1 --role officer --team north --replace)"
fi
"$bin" guidance import --data "$data" server/guidance-pack/*.md | sed 's/^/  /'

cat <<MSG

Sign in and read section 136 guidance (in another terminal):
  TOKEN=\$(curl -sf --cacert certs/dev/ca.crt https://localhost:$port/v1/session \\
      -H 'Content-Type: application/json' \\
      -d '{"username":"officer1","password":"PASSWORD","device_id":"my-laptop"}' \\
      | sed -n 's/.*"token":"\\([^"]*\\)".*/\\1/p')
  [ -n "\$TOKEN" ] || echo "sign-in refused: check the user name and password"
  curl -s --cacert certs/dev/ca.crt -H "Authorization: Bearer \$TOKEN" https://localhost:$port/v1/guidance/s136
  curl -s --cacert certs/dev/ca.crt -H "Authorization: Bearer \$TOKEN" -H 'Accept: application/msgpack' \\
      https://localhost:$port/v1/guidance/s136 | od -c | head

Supervisors: open https://localhost:$port/review/ (trust certs/dev/ca.crt in the
browser, or accept the warning for this development certificate).
Stop with Ctrl-C.
MSG
exec "$bin" serve --data "$data" --listen "$listen" --cert certs/dev/server.crt --key certs/dev/server.key
