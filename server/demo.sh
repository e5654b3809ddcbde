#!/usr/bin/env bash
# server/demo.sh BUILD_DIR - what `make run` does after building: a store in
# var/data with demo users (passwords generated on first run and printed
# once) and the sample guidance pack, then serves https://127.0.0.1:8443.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build}/bin/fieldnote
data=${FN_DATA:-var/data}
listen=${FN_LISTEN:-127.0.0.1:8443}

mkdir -p var
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

port=${listen##*:}
cat <<MSG

Sign in and read section 136 guidance (in another terminal):
  TOKEN=\$(curl -s --cacert certs/dev/ca.crt https://localhost:$port/v1/session \\
      -H 'Content-Type: application/json' \\
      -d '{"username":"officer1","password":"PASSWORD","device_id":"my-laptop"}' \\
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  curl -s --cacert certs/dev/ca.crt -H "Authorization: Bearer \$TOKEN" https://localhost:$port/v1/guidance/s136
  curl -s --cacert certs/dev/ca.crt -H "Authorization: Bearer \$TOKEN" -H 'Accept: application/msgpack' \\
      https://localhost:$port/v1/guidance/s136 | od -c | head

Supervisors: open https://localhost:$port/review/ (trust certs/dev/ca.crt in the
browser, or accept the warning for this development certificate).
Stop with Ctrl-C.
MSG
exec "$bin" serve --data "$data" --listen "$listen" --cert certs/dev/server.crt --key certs/dev/server.key
