#!/usr/bin/env python3
# tests/bench/idle_conns.py PORT CA N SECONDS - opens N TLS keep-alive
# connections to 127.0.0.1:PORT, sends one GET /healthz on each, then holds
# them idle for SECONDS (handhelds that synced and went quiet); prints
# "idle N open" once they are all open and how many the server closed.
import socket, ssl, sys, time

port, ca, n, secs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
ctx = ssl.create_default_context(cafile=ca)
conns = []
for _ in range(n):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    s.recv(65536)
    conns.append(s)
print("idle %d open" % n, flush=True)
time.sleep(secs)
closed = 0
for s in conns:
    s.setblocking(False)
    try:
        closed += s.recv(1) == b""
    except (ssl.SSLWantReadError, BlockingIOError):
        pass
    except OSError:
        closed += 1
print("idle closed by the server: %d of %d" % (closed, n), flush=True)
