#!/usr/bin/env python3
"""attach_tool.py - test files and a small tus 1.0 client for test_attach.sh.

  mkjpeg OUT [EXPECTED]   a 16x16 grey baseline JPEG carrying an Exif APP1
                          segment with GPS tags (and a COM); EXPECTED gets
                          the same file without them (what the server keeps)
  mkpng OUT [EXPECTED]    a 1x1 PNG with tEXt and eXIf chunks
                          (PAD=N in the environment: N more bytes that are
                          kept, an APP2 segment or a private chunk)
  sha256 FILE             hex digest
  upload URL TOKEN FILE NOTE ATT TYPE [options]
      --chunk N           bytes per PATCH (default 1000)
      --stop-after K      stop after K chunks (leave the upload unfinished)
      --sha HEX           declare this sha256 instead of the file's
      --length N          declare this Upload-Length instead of the size
      --bad-checksum      send a wrong Upload-Checksum on the first chunk
  Prints one line per request: "METHOD STATUS offset=..." and the last
  error body, and exits 0 when the upload completed.
"""
import base64
import hashlib
import http.client
import os
import json
import random
import ssl
import struct
import sys
import urllib.parse
import zlib

CA = "certs/dev/ca.crt"


def seg(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def exif_gps():
    # TIFF big-endian: IFD0 with one entry (GPSInfo -> GPS IFD); GPS IFD
    # with GPSLatitudeRef "N" and GPSLatitude 51/1, 30/1, 0/1.
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8)
    ifd0 = struct.pack(">H", 1) + struct.pack(">HHII", 0x8825, 4, 1, 26) + struct.pack(">I", 0)
    gps_at = 26
    rat_at = gps_at + 2 + 2 * 12 + 4
    gps = struct.pack(">H", 2)
    gps += struct.pack(">HHI", 1, 2, 2) + b"N\x00\x00\x00"
    gps += struct.pack(">HHII", 2, 5, 3, rat_at)
    gps += struct.pack(">I", 0)
    rats = struct.pack(">IIIIII", 51, 1, 30, 1, 0, 1)
    body = tiff + ifd0 + gps + rats
    assert len(tiff + ifd0) == gps_at
    return b"Exif\x00\x00" + body


def jpeg(pad=0):
    soi = b"\xff\xd8"
    app0 = seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    app1 = seg(0xE1, exif_gps())
    com = seg(0xFE, b"taken at 51.5N 0.1W")
    dqt = seg(0xDB, b"\x00" + bytes([1] * 64))
    sof = seg(0xC0, b"\x08" + struct.pack(">HH", 16, 16) + b"\x01\x01\x11\x00")
    # one code each: DC category 0 and AC end-of-block, both the bit "0"
    dht_dc = seg(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00")
    dht_ac = seg(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")
    sos = seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    data = b"\x00"  # four blocks of "0" "0": a flat mid-grey square
    eoi = b"\xff\xd9"
    # APP2 segments (an ICC profile's place) are kept: bulk for chunked uploads
    icc = b""
    rnd = random.Random(pad)
    while pad > 0:
        n = min(pad, 65000)
        icc += seg(0xE2, bytes(rnd.getrandbits(8) for _ in range(n)))
        pad -= n
    full = soi + app0 + app1 + com + icc + dqt + sof + dht_dc + dht_ac + sos + data + eoi
    kept = soi + app0 + icc + dqt + sof + dht_dc + dht_ac + sos + data + eoi
    return full, kept


def chunk(ctype, data):
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def png(pad=0):
    sig = b"\x89PNG\r\n\x1a\n"
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    text = chunk(b"tEXt", b"Location\x0051.5N 0.1W")
    exif = chunk(b"eXIf", exif_gps()[6:])
    idat = chunk(b"IDAT", zlib.compress(b"\x00\x80"))
    if pad:  # a private ancillary chunk, kept
        idat = chunk(b"prVt", random.Random(pad).randbytes(pad)) + idat
    iend = chunk(b"IEND", b"")
    return sig + ihdr + text + exif + idat + iend, sig + ihdr + idat + iend


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def b64(s):
    return base64.b64encode(s.encode()).decode()


def conn(url, timeout=20):
    """A TLS connection to URL's host and port, trusting the dev CA (the
    bench's upload row uses it too)."""
    u = urllib.parse.urlsplit(url)
    ctx = ssl.create_default_context(cafile=CA)
    return http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=timeout)


def call(c, method, path, headers, body=None):
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    return r.status, r, data


def upload(argv):
    url, token, path, note, att, mtype = argv[:6]
    opts = argv[6:]
    size = 1000
    stop = None
    sha = None
    length = None
    bad_sum = False
    i = 0
    while i < len(opts):
        if opts[i] == "--chunk":
            size = int(opts[i + 1]); i += 2
        elif opts[i] == "--stop-after":
            stop = int(opts[i + 1]); i += 2
        elif opts[i] == "--sha":
            sha = opts[i + 1]; i += 2
        elif opts[i] == "--length":
            length = int(opts[i + 1]); i += 2
        elif opts[i] == "--bad-checksum":
            bad_sum = True; i += 1
        else:
            raise SystemExit("unknown option " + opts[i])
    data = open(path, "rb").read()
    sha = sha or hashlib.sha256(data).hexdigest()
    length = len(data) if length is None else length
    c = conn(url)
    auth = {"Authorization": "Bearer " + token, "Tus-Resumable": "1.0.0"}
    meta = "note_id %s,id %s,sha256 %s,media_type %s" % (b64(note), b64(att), b64(sha), b64(mtype))
    st, r, body = call(c, "POST", "/v1/uploads", dict(auth, **{"Upload-Length": str(length),
                                                             "Upload-Metadata": meta}))
    print("POST %d offset=%s location=%s" % (st, r.getheader("Upload-Offset"), r.getheader("Location")))
    if st != 201:
        print(body.decode(errors="replace"))
        return 1
    loc = r.getheader("Location")
    st, r, body = call(c, "HEAD", loc, auth)
    off = int(r.getheader("Upload-Offset"))
    print("HEAD %d offset=%d" % (st, off))
    sent = 0
    while off < len(data):
        if stop is not None and sent >= stop:
            print("STOP offset=%d location=%s" % (off, loc))
            return 3
        piece = data[off:off + size]
        digest = hashlib.sha256(piece if not (bad_sum and sent == 0) else b"x").digest()
        h = dict(auth, **{"Content-Type": "application/offset+octet-stream", "Upload-Offset": str(off),
                          "Upload-Checksum": "sha256 " + base64.b64encode(digest).decode()})
        st, r, body = call(c, "PATCH", loc, h, piece)
        print("PATCH %d offset=%s" % (st, r.getheader("Upload-Offset")))
        sent += 1
        if st != 204:
            print(body.decode(errors="replace"))
            return 1
        off = int(r.getheader("Upload-Offset"))
    print("DONE offset=%d location=%s" % (off, loc))
    return 0


def main():
    cmd = sys.argv[1]
    if cmd in ("mkjpeg", "mkpng"):
        pad = int(os.environ.get("PAD", "0"))
        full, kept = jpeg(pad) if cmd == "mkjpeg" else png(pad)
        write(sys.argv[2], full)
        if len(sys.argv) > 3:
            write(sys.argv[3], kept)
        return 0
    if cmd == "sha256":
        print(hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest())
        return 0
    if cmd == "upload":
        return upload(sys.argv[2:])
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
