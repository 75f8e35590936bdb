#!/usr/bin/env python3
"""A small Discord-REST-like HTTP/1.1 server for the REST client's end-to-end tests (issue 6).

Listens on 127.0.0.1 (port 0 unless --port), prints "PORT <n>" on stdout, then one line per
request: "REQ conn=<id> <METHOD> <path> status=<code> t=<monotonic seconds>". Standard library
only. Stops on SIGTERM or when stdin closes.

Behaviour:
  Authorization must be "Bot <--token>", else 401 with Discord's error shape.
  User-Agent must start with "DiscordBot (", else 400.
  GET  /api/v10/gateway/bot             -> gateway bot JSON (max_concurrency 1)
  POST /api/v10/channels/<id>/messages  -> echo message; empty content and no embeds -> 400 50006;
        per-channel fixed-window bucket (--limit per --window seconds) with X-RateLimit-* headers;
        over the limit -> 429 with retry_after (counted as a violation)
  POST /api/v10/limited/<n>             -> the first <n> requests on this path get 429
        retry_after=--retry-after (body and headers), then 200
  ANY  /api/v10/flaky/<n>               -> the first <n> requests on this path get 502, then 200
  GET  /api/v10/chunked                 -> 200 with a chunked JSON body
  GET  /api/v10/slow                    -> 200 after 3 s (for time-outs)
  GET  /api/v10/drop                    -> 200 (keep-alive), then the connection is dropped 0.2 s later
  GET  /api/v10/close                   -> 200 with "Connection: close"
  --cert/--key                          -> serve TLS
"""
import argparse
import json
import math
import os
import re
import socketserver
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

LOCK = threading.Lock()
STATE = {"conn": 0, "windows": {}, "limited": {}}


def log(line):
    with LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with LOCK:
            STATE["conn"] += 1
            self.conn_id = STATE["conn"]

    def log_message(self, *args):
        pass

    def reply(self, status, obj, headers=None, close=False, chunked=False):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 7):
                part = body[i:i + 7]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        log(f"REQ conn={self.conn_id} {self.command} {self.path} status={status} t={time.monotonic():.4f}")

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.headers.get("Authorization") != "Bot " + ARGS.token:
            return self.reply(401, {"message": "401: Unauthorized", "code": 0})
        if not (self.headers.get("User-Agent") or "").startswith("DiscordBot ("):
            return self.reply(400, {"message": "missing DiscordBot user agent", "code": 0})
        path = self.path
        if self.command == "GET" and path == "/api/v10/gateway/bot":
            return self.reply(200, {"url": "wss://gateway.example.invalid", "shards": 2,
                                    "session_start_limit": {"total": 1000, "remaining": 998,
                                                            "reset_after": 5000, "max_concurrency": 1}})
        if self.command == "GET" and path == "/api/v10/chunked":
            return self.reply(200, {"chunked": True, "text": "x" * 100}, chunked=True)
        if self.command == "GET" and path == "/api/v10/slow":
            time.sleep(3)
            return self.reply(200, {"slow": True})
        if self.command == "GET" and path == "/api/v10/drop":
            # Answer as if keeping the connection alive, then drop it 0.2 s later without
            # reading what the client sent meanwhile (a stale keep-alive connection).
            self.reply(200, {"dropped": True})
            time.sleep(0.2)
            self.close_connection = True
            return
        if self.command == "GET" and path == "/api/v10/close":
            return self.reply(200, {"closed": True}, close=True)
        m = re.fullmatch(r"/api/v10/flaky/(\d+)", path)
        if m:
            with LOCK:
                seen = STATE["limited"].get(path, 0)
                STATE["limited"][path] = seen + 1
            if seen < int(m.group(1)):
                return self.reply(502, {"message": "Bad Gateway", "code": 0})
            return self.reply(200, {"ok": True, "attempts": seen + 1})
        m = re.fullmatch(r"/api/v10/limited/(\d+)", path)
        if m and self.command == "POST":
            with LOCK:
                seen = STATE["limited"].get(path, 0)
                STATE["limited"][path] = seen + 1
            if seen < int(m.group(1)):
                ra = ARGS.retry_after
                return self.reply(429, {"message": "You are being rate limited.", "retry_after": ra, "global": False},
                                  {"Retry-After": str(max(1, int(ra))), "X-RateLimit-Limit": "1",
                                   "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": str(ra),
                                   "X-RateLimit-Bucket": "limitedbucket", "X-RateLimit-Scope": "user"})
            return self.reply(200, {"ok": True, "attempts": seen + 1})
        m = re.fullmatch(r"/api/v10/channels/(\d+)/messages", path)
        if m and self.command == "POST":
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                return self.reply(400, {"message": "400: Bad Request", "code": 50109})
            if not isinstance(body, dict) or (not body.get("content") and not body.get("embeds")):
                return self.reply(400, {"message": "Cannot send an empty message", "code": 50006})
            now = time.monotonic()
            with LOCK:
                start, used = STATE["windows"].get(m.group(1), (None, 0))
                if start is None or now >= start + ARGS.window:
                    start, used = now, 0
                used += 1
                STATE["windows"][m.group(1)] = (start, used)
            # Rounded up to the printed millisecond: an early reset would draw a 429 from a
            # client that obeys the header exactly.
            reset_after = math.ceil(max(0.0, start + ARGS.window - now) * 1000) / 1000
            headers = {"X-RateLimit-Limit": str(ARGS.limit), "X-RateLimit-Remaining": str(max(0, ARGS.limit - used)),
                       "X-RateLimit-Reset-After": f"{reset_after:.3f}", "X-RateLimit-Bucket": "msgbucket"}
            if used > ARGS.limit:
                headers["X-RateLimit-Scope"] = "user"
                return self.reply(429, {"message": "You are being rate limited.", "retry_after": reset_after,
                                        "global": False}, headers)
            return self.reply(200, {"id": "1", "channel_id": m.group(1), "content": body.get("content", "")}, headers)
        return self.reply(404, {"message": "404: Not Found", "code": 0})

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--token", default="FAKE.rest.token")
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--window", type=float, default=0.2)
    p.add_argument("--retry-after", type=float, default=0.2)
    p.add_argument("--cert")
    p.add_argument("--key")
    ARGS = p.parse_args()
    server = Server(("127.0.0.1", ARGS.port), Handler)
    if ARGS.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.cert, ARGS.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    log(f"PORT {server.server_address[1]}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sys.stdin.read()  # the test closes stdin (or kills us) to stop
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
