#!/usr/bin/env python3
"""netload.py - connection-level load for the DoS and whole-reply tests.

Subcommands (HOST PORT first; the CA is certs/dev/ca.crt unless --ca):
  fetch PATH TOKEN N MODE   fetch PATH N times (MODE close, keepalive or
                            slow: Connection: close, read 16 KiB every 5 ms)
                            and compare every reply byte for byte with the
                            first; prints "ok N BYTES" or the mismatch.
  trickle N SECONDS         N connections from 127.0.0.2 send POST
                            /v1/session with Content-Length: 100000 and one
                            body byte a second; prints "started" when all
                            have sent their headers, then how long each
                            stayed open after that ("closed S" or "open S").
  hold SILENT IDLE SECONDS TOKEN PATH SRC...
                            opens SILENT plain TCP connections that send
                            nothing and IDLE TLS keep-alive connections that
                            made one request, all bound to the SRC addresses
                            (round robin), re-opening silent ones that the
                            server drops; after the set-up it times one GET
                            of PATH from 127.0.0.1 and prints "latency S".
  latency TOKEN PATH        one GET of PATH on a fresh connection: "latency S".
  cap SRC N                 opens N silent connections from SRC; prints how
                            many the server closed within a second.
  stop PID                  with a silent connection, a half-sent handshake
                            and a sign-in whose body is half sent, sends
                            SIGTERM to PID (a server this test started) and
                            checks: silent and handshaking connections close
                            within a second, new connections are refused, and
                            the sign-in, completed after the signal, gets its
                            whole reply, and the server exits within 2 s.
                            Prints "ok" or what went wrong.
"""
import os
import select
import signal
import socket
import ssl
import sys
import threading
import time

CA = "certs/dev/ca.crt"


def tls_context():
    ctx = ssl.create_default_context(cafile=CA)
    ctx.check_hostname = False
    return ctx


def connect(host, port, src=None, timeout=30):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((host, port))
    return s


def request(path, token, close):
    h = "GET %s HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n" % path
    if token:
        h += "Authorization: Bearer %s\r\n" % token
    if close:
        h += "Connection: close\r\n"
    return (h + "\r\n").encode()


def read_reply(tls, slow=False):
    """Reads one reply with a Content-Length; returns (head, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = tls.recv(16384)
        if not chunk:
            raise IOError("connection ended inside the reply head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    if length is None:
        raise IOError("reply without Content-Length: %r" % head[:200])
    parts = [body]
    got = len(body)
    while got < length:
        if slow:
            time.sleep(0.005)
        chunk = tls.recv(min(16384, length - got))
        if not chunk:
            raise IOError("reply cut at %d of %d body bytes" % (got, length))
        parts.append(chunk)
        got += len(chunk)
    return head, b"".join(parts)


def cmd_fetch(host, port, path, token, n, mode):
    ctx = tls_context()
    first = None
    tls = None
    for i in range(n):
        if tls is None or mode != "keepalive":
            tls = ctx.wrap_socket(connect(host, port), server_hostname="localhost")
        tls.sendall(request(path, token, mode != "keepalive"))
        try:
            head, body = read_reply(tls, slow=(mode == "slow"))
        except (IOError, OSError) as e:
            print("fetch %d of %d: %s" % (i + 1, n, e))
            return 1
        if not head.startswith(b"HTTP/1.1 200"):
            print("fetch %d: %r" % (i + 1, head[:100]))
            return 1
        if first is None:
            first = body
        elif body != first:
            print("fetch %d: reply differs (%d bytes against %d)" % (i + 1, len(body), len(first)))
            return 1
        if mode != "keepalive":
            tls.close()
    print("ok %d %d" % (n, len(first)))
    return 0


def cmd_trickle(host, port, n, seconds):
    ctx = tls_context()
    result = [None] * n

    def one(i, started):
        t0 = time.monotonic()
        try:
            try:
                tls = ctx.wrap_socket(connect(host, port, "127.0.0.2", timeout=seconds + 30),
                                      server_hostname="localhost")
                tls.sendall(b"POST /v1/session HTTP/1.1\r\nHost: localhost\r\n"
                            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
                t0 = time.monotonic()  # the request's first byte is out
            finally:
                started.release()
            while time.monotonic() - t0 < seconds:
                time.sleep(1)
                tls.sendall(b" ")
            result[i] = "open %.1f" % (time.monotonic() - t0)
        except (OSError, ssl.SSLError):
            result[i] = "closed %.1f" % (time.monotonic() - t0)

    started = threading.Semaphore(0)

    def run(i):
        one(i, started)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for _ in threads:
        started.acquire()
    print("started", flush=True)
    for t in threads:
        t.join()
    print("\n".join(result))
    return 0


def timed_get(host, port, token, path):
    ctx = tls_context()
    t0 = time.monotonic()
    tls = ctx.wrap_socket(connect(host, port, "127.0.0.1"), server_hostname="localhost")
    tls.sendall(request(path, token, True))
    head, _ = read_reply(tls)
    took = time.monotonic() - t0
    tls.close()
    if not head.startswith(b"HTTP/1.1 200"):
        raise IOError("GET %s: %r" % (path, head[:100]))
    return took


def cmd_hold(host, port, silent, idle, seconds, token, path, srcs):
    ctx = tls_context()
    stop = threading.Event()
    opened = threading.Semaphore(0)

    def silent_one(src):
        first = True
        while not stop.is_set():
            try:
                s = connect(host, port, src, timeout=1)
                if first:
                    opened.release()
                    first = False
                while not stop.is_set():
                    try:
                        if s.recv(1) == b"":
                            break  # dropped by the server: re-open
                    except socket.timeout:
                        continue
                s.close()
            except OSError:
                time.sleep(0.05)
        if first:
            opened.release()

    def idle_one(src):
        try:
            tls = ctx.wrap_socket(connect(host, port, src), server_hostname="localhost")
            tls.sendall(request("/healthz", None, False))
            read_reply(tls)
        except (OSError, ssl.SSLError):
            tls = None
        opened.release()
        stop.wait()
        if tls:
            tls.close()

    threads = []
    for i in range(silent):
        threads.append(threading.Thread(target=silent_one, args=(srcs[i % len(srcs)],)))
    for i in range(idle):
        threads.append(threading.Thread(target=idle_one, args=(srcs[i % len(srcs)],)))
    for t in threads:
        t.daemon = True
        t.start()
    for _ in threads:
        opened.acquire()
    time.sleep(seconds)  # let the attack settle into its steady state
    try:
        print("latency %.3f" % timed_get(host, port, token, path))
        rc = 0
    except (OSError, ssl.SSLError) as e:
        print("latency failed: %s" % e)
        rc = 1
    stop.set()
    return rc


def closed_within(s, seconds):
    """True when the server closes s (EOF or reset) within seconds."""
    s.setblocking(False)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.monotonic()))
        if r:
            try:
                if s.recv(4096) == b"":
                    return True
            except ConnectionResetError:
                return True
            except BlockingIOError:
                pass
    return False


def cmd_cap(host, port, src, n):
    socks = [connect(host, port, src) for _ in range(n)]
    closed = 0
    end = time.monotonic() + 1.0
    live = list(socks)
    while live and time.monotonic() < end:
        r, _, _ = select.select(live, [], [], max(0.0, end - time.monotonic()))
        for s in r:
            try:
                data = s.recv(1)
            except ConnectionResetError:
                data = b""
            if data == b"":
                closed += 1
                live.remove(s)
    print("closed %d of %d" % (closed, n))
    return 0


def cmd_stop(host, port, pid):
    ctx = tls_context()
    silent = connect(host, port)
    shaking = connect(host, port)
    shaking.sendall(b"\x16\x03\x01\x02\x00\x01")  # a ClientHello's first bytes
    body = b'{"username":"officer1","password":"wrong-password","device_id":"dev-stop-1"}'
    signin = ctx.wrap_socket(connect(host, port), server_hostname="localhost")
    signin.sendall(b"POST /v1/session HTTP/1.1\r\nHost: localhost\r\n"
                   b"Content-Type: application/json\r\nConnection: close\r\n"
                   b"Content-Length: %d\r\n\r\n" % len(body) + body[:20])
    time.sleep(0.5)  # the server cannot be asked whether it has read them
    os.kill(pid, signal.SIGTERM)
    t_kill = time.monotonic()
    problems = []
    if not closed_within(silent, 1.0):
        problems.append("the silent connection stayed open")
    if not closed_within(shaking, 1.0):
        problems.append("the handshaking connection stayed open")
    refused = False
    end = time.monotonic() + 1.0
    while time.monotonic() < end and not refused:
        try:
            connect(host, port, timeout=1).close()
            time.sleep(0.05)
        except OSError:
            refused = True
    if not refused:
        problems.append("new connections were still accepted")
    try:
        signin.sendall(body[20:])
        head, reply = read_reply(signin)
        if not head.startswith(b"HTTP/1.1 4"):
            problems.append("sign-in reply: %r" % head[:60])
    except (OSError, ssl.SSLError) as e:
        problems.append("the sign-in in flight was cut off: %s" % e)
    took = exited_within(pid, t_kill, 5.0)
    if took is None:
        problems.append("the server had not exited 5 s after SIGTERM")
    elif took > 2.0:
        problems.append("the server took %.1f s to exit" % took)
    print("; ".join(problems) if problems else "ok")
    return 1 if problems else 0


def exited_within(pid, since, seconds):
    """Seconds from since until pid exited (a zombie: its parent, the test,
    has not waited yet), or None when it has not after `seconds`."""
    while time.monotonic() - since < seconds:
        try:
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            state = "Z"
        if state in ("Z", "X"):
            return time.monotonic() - since
        time.sleep(0.02)
    return None


def main(argv):
    global CA
    if len(argv) > 2 and argv[1] == "--ca":
        CA = argv[2]
        argv = argv[:1] + argv[3:]
    host, port, cmd, args = argv[1], int(argv[2]), argv[3], argv[4:]
    if cmd == "fetch":
        return cmd_fetch(host, port, args[0], args[1], int(args[2]), args[3])
    if cmd == "trickle":
        return cmd_trickle(host, port, int(args[0]), float(args[1]))
    if cmd == "hold":
        return cmd_hold(host, port, int(args[0]), int(args[1]), float(args[2]),
                        args[3], args[4], args[5:])
    if cmd == "cap":
        return cmd_cap(host, port, args[0], int(args[1]))
    if cmd == "stop":
        return cmd_stop(host, port, int(args[0]))
    if cmd == "latency":
        print("latency %.3f" % timed_get(host, port, args[0], args[1]))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
