#!/usr/bin/env python3
"""Independent client for the GatewaySim tests: the `websockets` library plus Python's zlib
and urllib. Each scenario prints one JSON object (its observations) on stdout and exits 0;
any protocol surprise raises, printing a traceback and exiting non-zero.

Usage: sim_gateway_peer.py SCENARIO GATEWAY_URL API_BASE TOKEN CA_FILE_OR_DASH CHANNEL_ID
Scenarios: identify, bad_token, resume, rest, split
"""
import asyncio
import json
import ssl
import sys
import urllib.error
import urllib.request
import zlib

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

SCENARIO, GATEWAY, API, TOKEN = sys.argv[1:5]
CA_FILE = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] != "-" else None
SSL_CTX = ssl.create_default_context(cafile=CA_FILE) if CA_FILE else None
QUERY = "/?v=10&encoding=json&compress=zlib-stream"
TIMEOUT = 30


class Gateway:
    """One zlib-stream gateway connection: buffers binary messages until 00 00 FF FF."""

    def __init__(self, ws):
        self.ws = ws
        self.inflater = zlib.decompressobj()
        self.buffer = b""
        self.messages = 0

    async def recv(self):
        while True:
            data = await asyncio.wait_for(self.ws.recv(), TIMEOUT)
            self.messages += 1
            assert isinstance(data, bytes), "zlib-stream payloads must be binary frames"
            self.buffer += data
            if self.buffer.endswith(b"\x00\x00\xff\xff"):
                text = self.inflater.decompress(self.buffer)
                self.buffer = b""
                return json.loads(text)

    async def send(self, payload):
        await self.ws.send(json.dumps(payload))


def open_gateway(url=GATEWAY):
    return connect(url + QUERY, ssl=SSL_CTX, max_size=None, compression=None, open_timeout=TIMEOUT)


def identify_payload(token=TOKEN):
    return {"op": 2, "d": {"token": token, "intents": 37377,
                           "properties": {"os": "linux", "browser": "peer", "device": "peer"}, "shard": [0, 1]}}


def rest(method, path, body=None, token=TOKEN):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(API + path, data=data, method=method)
    request.add_header("Authorization", "Bot " + token)
    request.add_header("User-Agent", "DiscordBot (peer, 1)")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT, context=SSL_CTX) as response:
            raw = response.read()
            return response.status, response.headers.get("Content-Type"), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, error.headers.get("Content-Type"), json.loads(raw) if raw else None


async def start_session(gw):
    hello = await gw.recv()
    assert hello["op"] == 10, hello
    await gw.send(identify_payload())
    ready = await gw.recv()
    assert ready["t"] == "READY", ready
    guild = await gw.recv()
    assert guild["t"] == "GUILD_CREATE", guild
    return hello, ready, guild


async def scenario_identify():
    async with open_gateway() as ws:
        gw = Gateway(ws)
        hello, ready, guild = await start_session(gw)
        await gw.send({"op": 1, "d": ready["s"]})
        ack = await gw.recv()
        await ws.close(1000)
        return {"hello_interval": hello["d"]["heartbeat_interval"], "ready_s": ready["s"],
                "session_id": ready["d"]["session_id"], "resume_url": ready["d"]["resume_gateway_url"],
                "guild_s": guild["s"], "guild_name": guild["d"]["name"],
                "channels": [c["name"] for c in guild["d"]["channels"]], "ack_op": ack["op"]}


async def scenario_bad_token():
    async with open_gateway() as ws:
        gw = Gateway(ws)
        await gw.recv()
        await gw.send(identify_payload(token="not-the-token"))
        try:
            await gw.recv()
        except ConnectionClosed as closed:
            return {"close_code": closed.rcvd.code if closed.rcvd else None}
        raise AssertionError("expected the server to close")


async def scenario_resume():
    async with open_gateway() as ws:
        gw = Gateway(ws)
        _, ready, guild = await start_session(gw)
        session, url, last = ready["d"]["session_id"], ready["d"]["resume_gateway_url"], guild["s"]
        await ws.close(4200)  # non-1000: the session stays resumable
    # While disconnected, the bot posts two messages: MESSAGE_CREATEs the session misses.
    for n in range(2):
        status, _, body = rest("POST", f"/channels/{CHANNEL}/messages", {"content": f"missed {n}"})
        assert status == 200, (status, body)
    async with open_gateway(url) as ws:
        gw = Gateway(ws)
        hello = await gw.recv()
        assert hello["op"] == 10
        await gw.send({"op": 6, "d": {"token": TOKEN, "session_id": session, "seq": last}})
        replayed = []
        while True:
            payload = await gw.recv()
            replayed.append({"t": payload["t"], "s": payload["s"],
                             "content": (payload["d"] or {}).get("content")})
            if payload["t"] == "RESUMED":
                break
        await ws.close(1000)
    return {"last_seq": last, "replayed": replayed}


async def scenario_rest():
    status, ctype, gateway_bot = rest("GET", "/gateway/bot")
    assert status == 200, status
    out = {"gateway_bot": gateway_bot, "content_type": ctype}
    async with open_gateway(gateway_bot["url"]) as ws:
        gw = Gateway(ws)
        await start_session(gw)
        status, _, message = rest("POST", f"/channels/{CHANNEL}/messages", {"content": "hello from rest"})
        out["post_status"] = status
        event = await gw.recv()
        out["event"] = {"t": event["t"], "content": event["d"]["content"], "id": event["d"]["id"],
                        "author_bot": event["d"]["author"].get("bot", False)}
        out["message_id"] = message["id"]
        status, _, error = rest("POST", f"/channels/{CHANNEL}/messages", {"content": ""})
        out["empty_status"], out["empty_error"] = status, error
        status, _, _ = rest("GET", "/users/@me", token="wrong")
        out["bad_token_status"] = status
        await ws.close(1000)
    return out


async def scenario_split():
    """HELLO arrives split over several messages/frames with pings in between."""
    async with open_gateway() as ws:
        gw = Gateway(ws)
        hello, ready, guild = await start_session(gw)
        await ws.close(1000)
        return {"messages": gw.messages, "guild_bytes": len(json.dumps(guild["d"])), "ready_s": ready["s"]}


CHANNEL = None


async def main():
    global CHANNEL
    if SCENARIO in ("resume", "rest"):
        status, _, me = rest("GET", "/users/@me")
        assert status == 200 and me["bot"], (status, me)
        CHANNEL = sys.argv[6] if len(sys.argv) > 6 else None
        assert CHANNEL, "CHANNEL_ID argument needed"
    result = await globals()["scenario_" + SCENARIO]()
    print(json.dumps(result))


asyncio.run(main())
