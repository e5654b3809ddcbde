#!/usr/bin/env python3
"""upload.py - the attachment upload row of tests/bench/run.sh: one 5 MB
image sent to fieldnote's tus endpoint as the handheld library sends it
(POST /v1/uploads, then PATCH chunks of 64 KiB with their sha256, over one
TLS keep-alive connection), against the same bytes PUT whole to nginx's
WebDAV module (dav_methods PUT) with the same certificate.

  upload.py FIELDNOTE_PORT TOKEN NGINX_PORT [SECONDS] [MB]
  BENCH_UPLOAD_CHUNK=N   PATCH size (default 65536, as the handheld)

Each round sends a fresh JPEG (a few bytes changed, so fieldnote stores a
new blob rather than finding the last one); rounds repeat until SECONDS
(default 10) have passed on each side, at least 3. Prints one line:
  fieldnote X MB/s, nginx Y MB/s, ratio R
where MB/s is payload bytes / wall time of whole uploads (the last
acknowledgement included). Note what is compared: fieldnote fsyncs each
chunk in LMDB before acknowledging it, then checks the whole file's sha256
and type and strips its metadata; nginx writes the body to a file and
renames it, without fsync.
"""
import hashlib
import os
import struct
import sys
import time

# The tus client's pieces (a connection trusting the dev CA, one request,
# base64 metadata, a JPEG segment) are the integration tests' own.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from attach_tool import b64, call, conn, seg  # noqa: E402
# client-lib/src/sync_attach.c ATT_CHUNK; BENCH_UPLOAD_CHUNK overrides it
# (the server takes up to attachment_chunk_max, 4 MiB) to see what the
# per-chunk commit costs
CHUNK = int(os.environ.get("BENCH_UPLOAD_CHUNK", "65536"))


def jpeg(size):
    """A small valid baseline JPEG whose bulk is APP2 segments (kept by
    fieldnote's metadata stripping, like an ICC profile)."""
    head = b"\xff\xd8" + seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    tail = (seg(0xDB, b"\x00" + bytes([1] * 64)) +
            seg(0xC0, b"\x08" + struct.pack(">HH", 16, 16) + b"\x01\x01\x11\x00") +
            seg(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00") +
            seg(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00") +
            seg(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x00" + b"\xff\xd9")
    body = b""
    left = size - len(head) - len(tail)
    while left > 4:
        n = min(left - 4, 65000)
        body += seg(0xE2, os.urandom(n))
        left -= n + 4
    return bytearray(head + body + tail)


def fieldnote_once(c, token, data, n):
    auth = {"Authorization": "Bearer " + token, "Tus-Resumable": "1.0.0"}
    sha = hashlib.sha256(data).hexdigest()
    meta = "note_id %s,id %s,sha256 %s,media_type %s" % (b64("bench-up-%d" % n), b64("a%d" % n), b64(sha),
                                                         b64("image/jpeg"))
    st, r, body = call(c, "POST", "/v1/uploads", dict(auth, **{"Upload-Length": str(len(data)),
                                                             "Upload-Metadata": meta}))
    if st != 201:
        raise SystemExit("fieldnote POST %d: %s" % (st, body[:300]))
    loc = r.getheader("Location")
    off = int(r.getheader("Upload-Offset"))
    while off < len(data):
        piece = bytes(data[off:off + CHUNK])
        h = dict(auth, **{"Content-Type": "application/offset+octet-stream", "Upload-Offset": str(off),
                          "Upload-Checksum": "sha256 " + base64.b64encode(hashlib.sha256(piece).digest()).decode()})
        st, r, body = call(c, "PATCH", loc, h, piece)
        if st != 204:
            raise SystemExit("fieldnote PATCH %d: %s" % (st, body[:300]))
        off = int(r.getheader("Upload-Offset"))


def nginx_once(c, data, n):
    st, r, body = call(c, "PUT", "/dav/up-%d.jpg" % n, {"Content-Type": "image/jpeg"}, bytes(data))
    if st not in (201, 204):
        raise SystemExit("nginx PUT %d: %s" % (st, body[:300]))


def measure(send, seconds):
    """MB/s over whole rounds, each with fresh bytes."""
    data = jpeg(SIZE)
    total = 0
    spent = 0.0
    n = 0
    while n < 3 or spent < seconds:
        data[200:208] = struct.pack(">Q", n + int(time.time() * 1e6))  # inside the first APP2 segment
        t0 = time.monotonic()
        send(data, n)
        spent += time.monotonic() - t0
        total += len(data)
        n += 1
    return total / 1e6 / spent


def main():
    global SIZE
    fport, token, nport = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 10.0
    SIZE = int(float(sys.argv[5]) * 1e6) if len(sys.argv) > 5 else 5_000_000
    fc, nc = conn("https://localhost:%d" % fport, 60), conn("https://localhost:%d" % nport, 60)
    f = measure(lambda d, n: fieldnote_once(fc, token, d, n), seconds)
    g = measure(lambda d, n: nginx_once(nc, d, n), seconds)
    print("fieldnote %.1f MB/s, nginx %.1f MB/s, ratio %.2f" % (f, g, f / g if g else 0))


if __name__ == "__main__":
    main()
