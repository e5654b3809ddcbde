#!/usr/bin/env python3
"""tests/http_matrix.py URL CA: the access-matrix rows from stdin, over one
kept-alive TLS connection (a curl and a handshake per row took most of the
security suite's time).

Rows: USER METHOD PATH BODY EXPECTED-STATUS. USER '-' sends no token; a
user's password comes from the environment (FN_PW_<user>), its sign-in is
made when the user changes. BODY names one of the JSON bodies below ('note':
$FN_MATRIX_NOTE with USER replaced by the user; '-': '{}' for a POST, none
otherwise). ESC in a path is replaced by $FN_MATRIX_ESC. Prints each wrong
cell on stderr; exits with the number of wrong cells (at most 100).

tests/http_matrix.py --notes URL CA TOKEN: see count_notes."""
import http.client
import json
import os
import ssl
import sys

BODIES = {
    'accept': {"revision": 1, "decision": "accepted"},
    'outcome': {"outcome": "accepted", "reference": "X-1"},
    'agency': {"agency": "early_help"},
    'text': {"text": "known to us"},
    'advance': {"to": "super1", "reason": "access matrix"},
    'resolve': {"resolution": "access matrix"},
    'password': {"password": "other-pass-1"},
}


class Client:
    def __init__(self, url, ca):
        hostport = url.split('://', 1)[1]
        self.host, port = hostport.rsplit(':', 1)
        self.port = int(port)
        self.ctx = ssl.create_default_context(cafile=ca)
        self.conn = None

    def request(self, method, path, body, token):
        headers = {'Content-Type': 'application/json'}
        if token:
            headers['Authorization'] = 'Bearer ' + token
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=20)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader('Connection', '').lower() == 'close':
                    self.conn.close()
                    self.conn = None
                return r.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # the server closed a kept-alive connection before this
                # request reached it: once more on a new one
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        return 0, b''


def count_notes(url, ca, token):
    """--notes URL CA TOKEN, note ids on stdin: prints "MISSING DUPLICATED",
    the ids that do not answer 200 and those with more than one revision."""
    c = Client(url, ca)
    missing = dup = 0
    for line in sys.stdin:
        nid = line.strip()
        if not nid:
            continue
        st, data = c.request('GET', '/v1/notes/' + nid, None, token)
        if st != 200:
            missing += 1
        elif len(json.loads(data)['revisions']) != 1:
            dup += 1
    print(missing, dup)
    return 0


def main():
    if sys.argv[1] == '--notes':
        return count_notes(sys.argv[2], sys.argv[3], sys.argv[4])
    url, ca = sys.argv[1], sys.argv[2]
    c = Client(url, ca)
    note = os.environ.get('FN_MATRIX_NOTE', '')
    esc = os.environ.get('FN_MATRIX_ESC', '')
    token, last, bad = None, None, 0
    for line in sys.stdin:
        f = line.split()
        if not f:
            continue
        user, method, path, body, want = f
        if user != last:
            token = None
            if user != '-':
                login = json.dumps({"username": user, "password": os.environ['FN_PW_' + user],
                                    "device_id": "dev-test-1"})
                st, data = c.request('POST', '/v1/session', login, None)
                if st != 201:
                    print(f'    login {user}: status {st}: {data[:200]!r}', file=sys.stderr)
                    return 100
                token = json.loads(data)['token']
            last = user
        if body == 'note':
            payload = note.replace('USER', user)
        elif body == '-':
            payload = '{}' if method == 'POST' else None
        else:
            payload = json.dumps(BODIES[body])
        path = path.replace('ESC', esc)
        st, _ = c.request(method, path, payload, token)
        if str(st) != want:
            print(f'    {user} {method} {path}: got {st}, expected {want}', file=sys.stderr)
            bad += 1
    return min(bad, 100)


if __name__ == '__main__':
    sys.exit(main())
