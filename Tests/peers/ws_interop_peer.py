#!/usr/bin/env python3
"""Independent WebSocket peer for the transport interop tests (Python `websockets`).

Listens on 127.0.0.1 (port 0), optionally over TLS, prints `PORT <n>` on stdout, and serves
routes by request path:
  /echo        echoes every message (text stays text, binary stays binary)
  /fragments   sends one text message in 4 fragments with pings between them, then echoes
  /close4000   sends "bye" then closes with 4000 "custom reason"
  /zlib        sends zlib-stream payloads (some split across messages, including inside the
               00 00 FF FF marker; some as fragmented messages), then text {"count","bytes"}
Exits when stdin closes (the test process ended) or on SIGTERM.
"""
import argparse
import asyncio
import json
import ssl
import sys
import zlib

from websockets.asyncio.server import serve


def zlib_payloads():
    out = []
    for i in range(60):
        pad = "é✓x" * ((i * 37) % 2000)
        out.append(json.dumps({"op": 0, "s": i + 1, "t": "TEST", "d": {"n": i, "pad": pad}}).encode())
    big = json.dumps({"op": 0, "s": 61, "t": "BIG", "d": {"items": [{"id": str(10**17 + k), "name": f"member-{k}"} for k in range(40000)]}}).encode()
    out.append(big)
    return out


async def handler(ws):
    path = ws.request.path
    if path.startswith("/echo"):
        async for message in ws:
            await ws.send(message)
    elif path.startswith("/fragments"):
        async def parts():
            for k, part in enumerate(["frag-one ", "frag-two ", "ünïcødé ", "end"]):
                if k > 0:
                    # Wait for the pong: the message only completes if the client answers
                    # pings that arrive between fragments.
                    pong_waiter = await ws.ping(f"inside-{k}".encode())
                    await asyncio.wait_for(pong_waiter, 5)
                yield part
        await ws.send(parts())
        async for message in ws:
            await ws.send(message)
    elif path.startswith("/close4000"):
        await ws.send("bye")
        await ws.close(4000, "custom reason")
    elif path.startswith("/zlib"):
        comp = zlib.compressobj()
        total = 0
        payloads = zlib_payloads()
        for i, payload in enumerate(payloads):
            data = comp.compress(payload) + comp.flush(zlib.Z_SYNC_FLUSH)
            total += len(payload)
            if i % 7 == 3:
                # Split into three messages; the last cut falls inside 00 00 FF FF.
                a = len(data) // 2
                await ws.send(data[:a])
                await ws.send(data[a:-2])
                await ws.send(data[-2:])
            elif i % 11 == 5:
                async def frags(d=data):
                    step = max(1, len(d) // 5)
                    for k in range(0, len(d), step):
                        yield d[k:k + step]
                await ws.send(frags())
            else:
                await ws.send(data)
        await ws.send(json.dumps({"count": len(payloads), "bytes": total}))
        async for _ in ws:
            pass
    else:
        await ws.close(1008, "unknown route")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--host", default="127.0.0.1", help="127.0.0.1 or ::1 (loopback only)")
    args = ap.parse_args()
    ctx = None
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
    if args.host not in ("127.0.0.1", "::1"):
        sys.exit("loopback only")
    async with serve(handler, args.host, 0, ssl=ctx, max_size=None, compression=None,
                     ping_interval=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        loop = asyncio.get_running_loop()
        # Stop when the parent closes our stdin.
        await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
