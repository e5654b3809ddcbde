#!/usr/bin/env python3
"""load.py - fills a fieldnote store with exactly N notes through the
server's own upload path, for the scale row of tests/bench/notes.sh.

  load.py PORT TOKEN CAFILE TEMPLATE TAG N [CONNECTIONS]

POST /v1/notes with {"notes":[...]} msgpack bodies of 100 notes (the last
one smaller), over CONNECTIONS (default 8) keep-alive TLS connections in
parallel. TEMPLATE is the msgpack note with placeholder id and child_ref
that notes.lua uses; note i gets id TAG + 14-digit i and child_ref
"C-" + id. Every reply must be 200 with one "stored" result per note, or
the load fails. Prints "loaded N notes in S s (R notes/s)".
"""
import http.client
import ssl
import sys
import threading
import time

ID_PH = b"IDQQQQQQQQQQQQQQQQQQQQ"
CR_PH = b"CRZZZZZZZZZZZZZZZZZZZZZZ"


def main():
    port, token, cafile, tmpl_path, tag, total = sys.argv[1:7]
    conns = int(sys.argv[7]) if len(sys.argv) > 7 else 8
    total = int(total)
    tag = tag.encode()
    assert len(tag) == 8, "TAG must be 8 bytes"
    tmpl = open(tmpl_path, "rb").read()
    a, c = tmpl.index(ID_PH), tmpl.index(CR_PH)
    pre, mid, post = tmpl[:a], tmpl[a + len(ID_PH):c], tmpl[c + len(CR_PH):]
    ctx = ssl.create_default_context(cafile=cafile)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/msgpack",
               "Accept": "application/json"}
    lock = threading.Lock()
    state = {"next": 0, "stored": 0, "error": None}

    def take():
        with lock:
            if state["error"] or state["next"] >= total:
                return None
            lo = state["next"]
            state["next"] = min(total, lo + 100)
            return lo, state["next"]

    def worker():
        conn = http.client.HTTPSConnection("localhost", int(port), context=ctx, timeout=120)
        try:
            while True:
                r = take()
                if r is None:
                    return
                lo, hi = r
                parts = [b"\x81\xa5notes\xdc" + (hi - lo).to_bytes(2, "big")]
                for i in range(lo, hi):
                    nid = tag + b"%014d" % i
                    parts += [pre, nid, mid, b"C-", nid, post]
                conn.request("POST", "/v1/notes", body=b"".join(parts), headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                k = body.count(b'"result":"stored"')
                if resp.status != 200 or k != hi - lo:
                    with lock:
                        state["error"] = "HTTP %d, %d of %d stored: %s" % (resp.status, k, hi - lo, body[:300])
                    return
                with lock:
                    state["stored"] += k
        except Exception as e:  # noqa: BLE001 - reported below
            with lock:
                state["error"] = repr(e)
        finally:
            conn.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    if state["error"]:
        sys.exit("load.py: %s (after %d notes)" % (state["error"], state["stored"]))
    print("loaded %d notes in %.1f s (%.0f notes/s)" % (state["stored"], secs, state["stored"] / secs))


if __name__ == "__main__":
    main()
