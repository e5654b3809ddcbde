#!/usr/bin/env python3
# tests/fault/proxy.py - a TCP forwarder that injects one network fault: cut, reset, stall, slow or delay.
"""
Usage: proxy.py --target HOST:PORT [--mode MODE] [--dir up|down] [--at N]
                [--conn K] [--rate BYTES_PER_S] [--delay-ms MS] [--log FILE]

Listens on 127.0.0.1 on a free port and prints "listening PORT" once ready.
Each accepted connection is forwarded to the target. Connection number K
(1-based; 0 means every connection) gets the fault, in direction `up`
(client to server) or `down` (server to client):

  none    forward untouched (to measure: --log gets "conn K up U down D")
  cut     forward exactly N bytes that way, then close both sides (FIN)
  reset   forward N bytes, then reset the client's side (RST)
  stall   forward N bytes, then forward nothing more, keeping both open
  slow    forward at most --rate bytes per second, in small pieces
  delay   hold every piece --delay-ms before forwarding it

Runs until killed (SIGTERM). Used by tests/integration/test_client_fault.sh.
"""
import argparse
import socket
import struct
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--mode", default="none", choices=["none", "cut", "reset", "stall", "slow", "delay"])
    ap.add_argument("--dir", default="down", choices=["up", "down"])
    ap.add_argument("--at", type=int, default=0)
    ap.add_argument("--conn", type=int, default=1)
    ap.add_argument("--rate", type=int, default=1024)
    ap.add_argument("--delay-ms", type=int, default=2000)
    ap.add_argument("--log")
    a = ap.parse_args()
    host, port = a.target.rsplit(":", 1)
    target = (host, int(port))

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    print("listening", lsock.getsockname()[1], flush=True)
    log_lock = threading.Lock()
    count = 0

    def log(line):
        if a.log:
            with log_lock, open(a.log, "a") as f:
                f.write(line + "\n")

    def serve(client, n):
        try:
            up = socket.create_connection(target, timeout=10)
        except OSError:
            client.close()
            return
        up.settimeout(None)
        faulty = a.conn == 0 or a.conn == n
        done = threading.Event()
        moved = {"up": 0, "down": 0}

        def close_both(rst=False):
            if rst:
                # SO_LINGER 0: close sends RST instead of FIN.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            for s in (client, up):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            done.set()

        def pump(src, dst, direction):
            hit = faulty and direction == a.dir
            try:
                while not done.is_set():
                    data = src.recv(65536)
                    if not data:
                        break
                    if hit and a.mode in ("cut", "reset", "stall"):
                        room = a.at - moved[direction]
                        if len(data) >= room:
                            if room > 0:
                                dst.sendall(data[:room])
                                moved[direction] += room
                            if a.mode == "stall":
                                done.wait()  # keep both open; the client must time out
                                return
                            close_both(rst=a.mode == "reset")
                            return
                    if hit and a.mode == "slow":
                        piece = max(1, a.rate // 8)
                        for i in range(0, len(data), piece):
                            dst.sendall(data[i:i + piece])
                            time.sleep(len(data[i:i + piece]) / a.rate)
                    else:
                        if hit and a.mode == "delay":
                            time.sleep(a.delay_ms / 1000.0)
                        dst.sendall(data)
                    moved[direction] += len(data)
            except OSError:
                pass
            if not done.is_set():
                # One side ended: pass the end on, then wind up.
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

        t1 = threading.Thread(target=pump, args=(client, up, "up"), daemon=True)
        t2 = threading.Thread(target=pump, args=(up, client, "down"), daemon=True)
        t1.start()
        t2.start()
        t1.join()
        t2.join()
        if not done.is_set():
            close_both()
        log("conn %d up %d down %d" % (n, moved["up"], moved["down"]))

    while True:
        c, _ = lsock.accept()
        count += 1
        threading.Thread(target=serve, args=(c, count), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
