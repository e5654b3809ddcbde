#!/usr/bin/env python3
# tests/fault/check_notes.py - asks the server how many revisions it holds of each listed note, in one process.
"""
Usage: check_notes.py URL CA USER PASSWORD FILE [EXPECTED]

FILE lists one note id per line, optionally followed by a description of
how it was sent (e.g. the fault injected), which is repeated in any
complaint. Signs in as USER and reads GET /v1/notes/{id} for each. Prints
one line per note whose revision count is not EXPECTED (default 1) and
exits 1 if there was any; 0 otherwise. For a server that requires device
certificates, FN_CHECK_CERT and FN_CHECK_KEY name the certificate and key
and FN_CHECK_DEVICE the device id it certifies.
"""
import os
import http.client
import json
import ssl
import sys
from urllib.parse import urlparse


def main():
    url, ca, user, pw, path = sys.argv[1:6]
    want = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    u = urlparse(url)
    ctx = ssl.create_default_context(cafile=ca)
    if os.environ.get("FN_CHECK_CERT"):
        ctx.load_cert_chain(os.environ["FN_CHECK_CERT"], os.environ["FN_CHECK_KEY"])
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=20)
    body = json.dumps({"username": user, "password": pw, "device_id": os.environ.get("FN_CHECK_DEVICE", "checker")})
    conn.request("POST", "/v1/session", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    reply = json.loads(r.read())
    if r.status != 201:
        print("sign-in failed:", r.status, reply)
        return 1
    auth = {"Authorization": "Bearer " + reply["token"], "Accept": "application/json"}
    bad = 0
    for line in open(path):
        parts = line.split(None, 1)
        if not parts:
            continue
        nid, why = parts[0], parts[1].strip() if len(parts) > 1 else ""
        conn.request("GET", "/v1/notes/" + nid, headers=auth)
        r = conn.getresponse()
        data = r.read()
        if r.status == 200:
            n = len(json.loads(data)["revisions"])
        elif r.status == 404:
            n = 0
        else:
            n = "HTTP %d" % r.status
        if n != want:
            print("note %s%s: %s revisions on the server, expected %d" % (nid, " (" + why + ")" if why else "", n, want))
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main())
