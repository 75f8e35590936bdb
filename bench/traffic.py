"""Traffic files for bench/loadgen.c and bench/floor.c (stdlib only).

Each file holds one gateway payload a line, prefixed by a tag: "M " message, "P " latency
probe, "E " end marker, "G " guild. Payloads are minified UTF-8 JSON, as Discord sends them.
Messages vary (ids, nonce, timestamp, content words from a seeded generator) so that the
zlib-stream does not collapse to back-references of one repeated message.
"""
import copy
import json
import os
import random

FIXTURES = os.environ.get("BENCH_FIXTURES", "/work/shared/protocol/fixtures")
SMALL_GUILD = "820959510528262179"   # guild_create_small.json: sent at start-up, listed in READY
BIG_GUILD = "1066077152870400042"    # guild_create_large.json: the timed 1 MB GUILD_CREATE
WORDS = ("gateway shard event lua handler message content reply latency bench ping pong "
         "guild channel role member emoji sticker thread voice presence typing reaction "
         "déjà vu 👋 日本語 ok yes no maybe tomorrow today release build test deploy").split()


def _load(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


def _dump(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _payload(seq, t, d):
    return _dump({"op": 0, "s": seq, "t": t, "d": d})


def _words(rng, nbytes):
    out, size = [], 0
    while size < nbytes:
        w = rng.choice(WORDS)
        out.append(w)
        size += len(w.encode()) + 1
    return " ".join(out)


def _message_template(kind):
    fixture = _load("message_create.json")["d"]
    if kind == "fixture":
        return fixture
    # ~1 KB: the fixture's author, member and ids, without mentions, embeds, components.
    d = {k: fixture[k] for k in ("type", "tts", "timestamp", "pinned", "nonce", "mention_everyone",
                                 "member", "id", "flags", "edited_timestamp", "content",
                                 "channel_type", "channel_id", "author", "guild_id")}
    d.update(mentions=[], mention_roles=[], embeds=[], components=[], attachments=[])
    return d


def _messages(kind, n, rng, first_seq, probe_every=0):
    """Yields (tag, payload) for n messages; every probe_every-th one is a probe."""
    template = _message_template(kind)
    content_len = len(template["content"].encode())
    if kind == "1k":
        bare = len(_payload(first_seq, "MESSAGE_CREATE", dict(template, content="")).encode())
        content_len = max(32, 1024 - bare)
    base_id = 1441066351912566784
    for i in range(n):
        d = copy.copy(template)
        d["id"] = str(base_id + i * 4194304)
        d["nonce"] = str(base_id + i * 4194304 + 1)
        d["timestamp"] = "2025-11-20T14:%02d:%02d.%06d+00:00" % (i // 60000 % 60, i // 1000 % 60, i % 1000 * 1000)
        tag = "M"
        if probe_every and i % probe_every == probe_every - 1:
            tag = "P"
            d["content"] = "__probe__ %d" % i
        else:
            d["content"] = _words(rng, content_len)
        yield tag, _payload(first_seq + i, "MESSAGE_CREATE", d)


def _end(seq, kind):
    d = copy.copy(_message_template(kind))
    d["content"] = "__bench_end__"
    return "E", _payload(seq, "MESSAGE_CREATE", d)


def _write(path, lines):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for tag, payload in lines:
            f.write(tag + " " + payload + "\n")
    os.replace(tmp, path)


def build(outdir, name, **spec):
    """Writes outdir/<name>.jsonl if missing (or if its spec changed); returns its path."""
    path = os.path.join(outdir, name + ".jsonl")
    stamp = path + ".spec"
    want = json.dumps(spec, sort_keys=True)
    if os.path.exists(path) and os.path.exists(stamp) and open(stamp).read() == want:
        return path
    rng = random.Random(7)
    kind = spec["kind"]
    if kind == "guild":
        g = _load("guild_create_large.json")
        lines = [("G", _payload(3, "GUILD_CREATE", g["d"]))]
    else:
        n, probe_every = spec["n"], spec.get("probe_every", 0)
        lines = list(_messages(kind, n, rng, 3, probe_every))
        lines.append(_end(3 + n, kind))
    _write(path, lines)
    with open(stamp, "w") as f:
        f.write(want)
    return path


def startup_guild(outdir):
    path = os.path.join(outdir, "guild_small.json")
    g = _load("guild_create_small.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(_payload(2, "GUILD_CREATE", g["d"]) + "\n")
    return path


def sizes(path):
    """(events, mean payload bytes) of the messages in a traffic file."""
    n = total = 0
    with open(path, "rb") as f:
        for line in f:
            if line[:1] in (b"M", b"P", b"G"):
                n += 1
                total += len(line) - 3
    return n, (total / n if n else 0)
