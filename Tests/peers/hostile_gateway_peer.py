#!/usr/bin/env python3
"""A deliberately broken gateway for client robustness tests (stdlib only).

Usage: hostile_gateway_peer.py SCENARIO
Listens on 127.0.0.1 port 0, prints "PORT n", and answers every connection with
SCENARIO (see scenario() below). Exits when stdin closes.
"""
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time
import zlib

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    key = b""
    for line in data.split(b"\r\n"):
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
    return data, key


def accept_value(key):
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


def upgrade(conn, key, accept=None):
    accept = accept if accept is not None else accept_value(key)
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")


def frame(opcode, payload, fin=True, rsv=0, mask=None, length=None):
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload) if length is None else length
    m = 0x80 if mask else 0
    if n < 126:
        head = bytes([b0, m | n])
    elif n < 65536:
        head = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += mask
    return head + payload


def text(obj):
    return frame(1, json.dumps(obj).encode())


def hold(conn, seconds=30):
    """Keeps the connection open, swallowing input, until the peer goes away."""
    conn.settimeout(seconds)
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


HELLO = {"op": 10, "d": {"heartbeat_interval": 45000}}


def scenario(name, conn, key):
    if name == "not_101":
        conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
    elif name == "bad_accept":
        upgrade(conn, key, accept=b"AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    elif name == "garbage_status":
        conn.sendall(b"\x00\xffgarbage\r\n\r\n")
    elif name == "slow_upgrade":
        for b in b"HTTP/1.1 101 Switching Protocols\r\n":
            conn.sendall(bytes([b]))
            time.sleep(0.2)
    elif name == "reserved_bits":
        upgrade(conn, key)
        conn.sendall(frame(1, b"{}", rsv=4))
    elif name == "masked":
        upgrade(conn, key)
        conn.sendall(frame(1, json.dumps(HELLO).encode(), mask=b"\x01\x02\x03\x04"))
    elif name == "fragmented_ping":
        upgrade(conn, key)
        conn.sendall(frame(9, b"hi", fin=False))
    elif name == "length_top_bit":
        upgrade(conn, key)
        conn.sendall(bytes([0x82, 127]) + struct.pack(">Q", (1 << 63) | 5))
    elif name == "close_one_byte":
        upgrade(conn, key)
        conn.sendall(frame(8, b"\x03"))
    elif name == "close_bad_code":
        upgrade(conn, key)
        conn.sendall(frame(8, struct.pack(">H", 999)))
    elif name == "bad_utf8":
        upgrade(conn, key)
        conn.sendall(frame(1, b'{"op":10,"d":{"x":"\xff\xfe"}}'))
    elif name == "bad_zlib":
        upgrade(conn, key)
        conn.sendall(frame(2, b"this is not zlib at all" + b"\x00\x00\xff\xff"))
    elif name == "hello_wrong_types":
        upgrade(conn, key)
        for p in ({"op": "x"}, {"op": 10, "s": "1", "d": []}, {"op": 10, "d": {"heartbeat_interval": -1}},
                  {"op": 10, "d": {}}):
            conn.sendall(text(p))
    elif name == "hello_never":
        upgrade(conn, key)
    elif name == "no_close_reply":
        upgrade(conn, key)
        conn.sendall(text(HELLO))
        conn.sendall(text({"op": 0, "t": "READY", "s": 1,
                           "d": {"session_id": "s1", "resume_gateway_url": "ws://127.0.0.1:1",
                                 "user": {"id": "1"}}}))
    elif name == "ping_flood":
        # Never reads: every ping makes the client queue a pong it cannot send.
        upgrade(conn, key)
        conn.sendall(text(HELLO))
        ping = frame(9, b"p" * 125) * 512
        conn.settimeout(10)
        deadline = time.time() + 20
        while time.time() < deadline:
            conn.sendall(ping)
        return
    else:
        raise SystemExit("unknown scenario " + name)
    hold(conn)


def serve(name, conn, n):
    try:
        req = read_request(conn)
        if req is None:
            return
        scenario(name, conn, req[1])
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    name = sys.argv[1]
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    print("PORT %d" % srv.getsockname()[1], flush=True)

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    n = 0
    while True:
        conn, _ = srv.accept()
        n += 1
        threading.Thread(target=serve, args=(name, conn, n), daemon=True).start()


if __name__ == "__main__":
    main()
