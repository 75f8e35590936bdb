"""Driver of scripts/bench (stdlib only): runs botrun, discord.py and hikari side by side
against a fresh bench/loadgen per run, interleaved (A, B, C, A, B, C, ...), and writes
BENCHMARKS.md and bench/throughput.svg. In the ~1 KB scenario a fourth client runs in the
same interleaving: bench/shard-bench, ShardRuntime alone without Lua (issue 3).
Usage: see scripts/bench --help.
"""
import argparse
import json
import os
import platform
import select
import signal
import statistics
import subprocess
import sys
import time

import report
import traffic

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
BIN = os.path.join(HERE, "bin")
VENV_PY = os.path.join(HERE, ".venv", "bin", "python")
BOTRUN = os.path.join(ROOT, ".build", "release", "botrun")
SHARD_BENCH = os.path.join(ROOT, ".build", "release", "shard-bench")
TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.GbEnCh.bench-only-not-a-real-token-000"
CLIENTS = ["botrun", "discord.py", "hikari"]
SHARD = report.SHARD          # ShardRuntime alone (bench/shard-bench), ~1 KB scenario only
SHARD_SCENARIOS = ("msg1k",)
IDENTIFY_DEADLINE = 30  # idle scenario: seconds for all shards to identify


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def proc_status(pid, field):
    """A kB field of /proc/<pid>/status (VmHWM, VmRSS) in bytes, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def proc_cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Lines:
    """JSON lines from a process's stdout, read with a deadline (keeps what it over-read)."""

    def __init__(self, proc):
        self.proc, self.buf = proc, b""

    def next(self, deadline, watch=None):
        """Next JSON line before deadline; None on timeout, EOF, or if `watch` exits."""
        while b"\n" not in self.buf:
            if time.monotonic() >= deadline:
                return None
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    return None
                self.buf += chunk
            elif watch is not None and watch.poll() is not None:
                return None
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)


def client_command(client, port, shards=1, script=None, watch=False):
    if client == SHARD:
        return [SHARD_BENCH, str(port)]
    if client == "discord.py":
        return [VENV_PY, os.path.join(HERE, "peers", "dpy_bot.py"), str(port), traffic.BIG_GUILD]
    if client == "hikari":
        return [VENV_PY, os.path.join(HERE, "peers", "hikari_bot.py"), str(port), traffic.BIG_GUILD]
    cmd = [BOTRUN, "--gateway-url", f"ws://127.0.0.1:{port}", "--api-url",
           f"http://127.0.0.1:{port}/api/v10", "--intents", "guilds,guild_messages,message_content",
           "--log-level", "warn"] + ([] if watch else ["--no-watch"])
    if shards > 1:
        cmd += ["--shards", str(shards)]
    return cmd + [script or os.path.join(HERE, "bots", "bench.lua")]


def run_once(client, scenario, timeout):
    """One run of one client against a fresh load generator. Returns a result dict."""
    args = [os.path.join(BIN, "loadgen"), "--guild", scenario["guild"], "--guild-id",
            traffic.SMALL_GUILD, "--traffic", scenario["traffic"], "--timeout", str(timeout)]
    if scenario.get("rate"):
        args += ["--rate", str(scenario["rate"])]
    lg = subprocess.Popen(args, stdout=subprocess.PIPE)
    lines = Lines(lg)
    logpath = os.path.join(OUT, f"{scenario['name']}-{client}.log")
    bot = None
    try:
        port = lines.next(time.monotonic() + 10)["port"]
        env = dict(os.environ, DISCORD_TOKEN=TOKEN, PYTHONUNBUFFERED="1")
        with open(logpath, "w") as logf:
            bot = subprocess.Popen(client_command(client, port), stdout=logf, stderr=subprocess.STDOUT,
                                   env=env, cwd=ROOT)
        result = lines.next(time.monotonic() + timeout, watch=bot)
        if result is None:
            with open(logpath, errors="replace") as f:
                tail = f.read()[-600:]
            why = "exited" if bot.poll() is not None else "timed out"
            return {"error": f"{client} {why} before the end reply; log tail: {tail.strip()}"}
        result["peak_rss"] = proc_status(bot.pid, "VmHWM")
        result["cpu_s"] = proc_cpu_seconds(bot.pid)
        expected = f"end:{scenario['events'] - 1}"
        if result["reply"].startswith("end") and result["reply"] != expected:
            result["error"] = f"bot counted {result['reply']}, expected {expected}"
        return result
    finally:
        if bot is not None:
            stop(bot)
        stop(lg)


def run_floor(scenario):
    out = subprocess.run([os.path.join(BIN, "floor"), scenario["traffic"], "1.0"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def run_idle(shards, settle, window):
    """botrun with N shards, no traffic: RSS once all identified, CPU over an idle window."""
    args = [os.path.join(BIN, "loadgen"), "--guild", os.path.join(OUT, "guild_small.json"),
            "--guild-id", traffic.SMALL_GUILD, "--shards", str(shards), "--timeout", "600"]
    lg = subprocess.Popen(args, stdout=subprocess.PIPE)
    lines = Lines(lg)
    bot = None
    try:
        port = lines.next(time.monotonic() + 10)["port"]
        env = dict(os.environ, DISCORD_TOKEN=TOKEN)
        with open(os.path.join(OUT, f"idle{shards}-botrun.log"), "w") as logf:
            bot = subprocess.Popen(client_command("botrun", port, shards), stdout=logf,
                                   stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        t0 = time.monotonic()
        identified = 0
        while identified < shards:
            line = lines.next(t0 + IDENTIFY_DEADLINE, watch=bot)
            if line is None:
                break
            identified = line["identified"]
        identify_s = time.monotonic() - t0
        if identified < shards:
            return {"shards": shards, "identified": identified, "rss": proc_status(bot.pid, "VmRSS"),
                    "error": f"only {identified} of {shards} shards identified within {IDENTIFY_DEADLINE} s"}
        time.sleep(settle)
        cpu0, w0 = proc_cpu_seconds(bot.pid), time.monotonic()
        time.sleep(window)
        cpu1, w1 = proc_cpu_seconds(bot.pid), time.monotonic()
        if bot.poll() is not None:
            return {"error": "botrun exited during the idle window"}
        return {"shards": shards, "rss": proc_status(bot.pid, "VmRSS"), "peak_rss": proc_status(bot.pid, "VmHWM"),
                "cpu_percent": 100 * (cpu1 - cpu0) / (w1 - w0), "identify_s": identify_s}
    finally:
        if bot is not None:
            stop(bot)
        stop(lg)


def run_reload(traffic_path, events):
    """botrun only: save a new version of the script while events stream at 2 000/s;
    latency = file saved -> first event answered by the new handler (both CLOCK_MONOTONIC)."""
    src = os.path.join(HERE, "bots", "reload.lua")
    script = os.path.join(OUT, "reload.lua")
    with open(src) as f:
        v1 = f.read()
    with open(script, "w") as f:
        f.write(v1)
    args = [os.path.join(BIN, "loadgen"), "--guild", os.path.join(OUT, "guild_small.json"), "--guild-id",
            traffic.SMALL_GUILD, "--traffic", traffic_path, "--rate", "2000", "--timeout", "60"]
    lg = subprocess.Popen(args, stdout=subprocess.PIPE)
    lines = Lines(lg)
    bot = None
    try:
        port = lines.next(time.monotonic() + 10)["port"]
        env = dict(os.environ, DISCORD_TOKEN=TOKEN)
        with open(os.path.join(OUT, "reload-botrun.log"), "w") as logf:
            bot = subprocess.Popen(client_command("botrun", port, script=script, watch=True), stdout=logf,
                                   stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        mark = lines.next(time.monotonic() + 30, watch=bot)
        if not mark or mark.get("mark") != "mark-v1":
            return {"error": f"no first event from version 1 ({mark})"}
        time.sleep(0.5)
        tmp = script + ".tmp"
        with open(tmp, "w") as f:
            f.write(v1.replace("local VERSION = 1", "local VERSION = 2"))
        os.replace(tmp, script)
        saved = time.monotonic()
        mark = lines.next(saved + 10, watch=bot)
        if not mark or mark.get("mark") != "mark-v2":
            return {"error": f"new handler not seen within 10 s ({mark})"}
        result = lines.next(time.monotonic() + 30, watch=bot)
        if not result:
            return {"error": "no end reply after the reload"}
        out = {"reload_ms": (mark["t"] - saved) * 1e3, "reply": result["reply"]}
        if result["reply"] != f"end:{events - 1}":
            out["error"] = f"events lost or doubled across the reload: {result['reply']}, expected end:{events - 1}"
        return out
    finally:
        if bot is not None:
            stop(bot)
        stop(lg)


def run_transport_micro():
    """The transport's own Swift microbenchmarks (Tests/ShardRuntimeTests/TransportBenchmarks.swift,
    issue 2): frame parse, encode, inflate, zstd; their `bench ...` lines, or an error string."""
    if not os.path.exists(os.path.join(ROOT, "Tests", "ShardRuntimeTests", "TransportBenchmarks.swift")):
        return "not available: Tests/ShardRuntimeTests/TransportBenchmarks.swift is not in this tree"
    cmd = ["swift", "test", "-c", "release", "-Xswiftc", "-enable-testing", "--filter", "TransportBenchmarks"]
    try:
        out = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ, BOTRUN_BENCH="1"), capture_output=True,
                             text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"not available: {e}"
    lines = [line[len("bench "):].strip() for line in out.stdout.splitlines() if line.startswith("bench ")]
    if out.returncode != 0 or not lines:
        return f"failed (rc {out.returncode}): " + (out.stdout + out.stderr).strip()[-300:]
    return lines


def botrun_status(skip):
    if skip:
        return "skipped (--no-botrun)"
    if not os.access(BOTRUN, os.X_OK):
        return "not available: .build/release/botrun is not built"
    return None


def shard_status():
    if not os.access(SHARD_BENCH, os.X_OK):
        return "not available: .build/release/shard-bench is not built"
    return None


def clients_of(scenario):
    """The clients of a scenario in their interleaving order."""
    if scenario["name"] in SHARD_SCENARIOS:
        return CLIENTS[:1] + [SHARD] + CLIENTS[1:]
    return CLIENTS


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small event counts: a smoke run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-botrun", action="store_true")
    ap.add_argument("--no-swift-micro", action="store_true", help="skip the transport's Swift microbenchmarks")
    ap.add_argument("--command", default="scripts/bench", help="reproducing command shown in the report")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite BENCHMARKS.md and the plot from bench/out/results.json, run nothing")
    opts = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    if opts.report_only:
        with open(os.path.join(OUT, "results.json")) as f:
            d = json.load(f)
        write_report(opts, d)
        return
    q = opts.quick
    n_small = 10_000 if q else 100_000
    n_fixture = 5_000 if q else 30_000
    rate, rate_seconds = 2000, (3 if q else 5)
    started = time.monotonic()

    guild = traffic.startup_guild(OUT)
    scenarios = [
        dict(name="msg1k", title=f"MESSAGE_CREATE ~1 KB × {n_small:,}", kind="throughput",
             traffic=traffic.build(OUT, f"msg1k-{n_small}", kind="1k", n=n_small)),
        dict(name="fixture", title=f"MESSAGE_CREATE fixture (message_create.json, 3.7 KB minified) × {n_fixture:,}", kind="throughput",
             traffic=traffic.build(OUT, f"fixture-{n_fixture}", kind="fixture", n=n_fixture)),
        dict(name="guild", title="1 MB GUILD_CREATE into the handler", kind="guild",
             traffic=traffic.build(OUT, "guild-large", kind="guild")),
        dict(name="latency", title=f"handler latency at {rate} events/s", kind="latency", rate=rate,
             traffic=traffic.build(OUT, f"latency-{rate * rate_seconds}", kind="1k",
                                   n=rate * rate_seconds, probe_every=100)),
    ]
    for s in scenarios:
        s["guild"] = guild
        s["events"], s["mean_bytes"] = traffic.sizes(s["traffic"])
        if s["kind"] != "guild":
            s["events"] += 1   # the end marker is an event too
    status = {"botrun": botrun_status(opts.no_botrun), "discord.py": None, "hikari": None,
              SHARD: shard_status()}
    results = {s["name"]: {c: [] for c in clients_of(s) + ["floor"]} for s in scenarios}

    for s in scenarios:
        timeout = 240 if s["kind"] == "throughput" else 60
        for r in range(opts.runs):
            for client in clients_of(s):
                if status[client]:
                    continue
                log(f"bench: {s['name']} run {r + 1}/{opts.runs}: {client}")
                res = run_once(client, s, timeout)
                results[s["name"]][client].append(res)
                if "error" in res:
                    log(f"bench:   {res['error']}")
                    if client in ("botrun", SHARD) and r == 0:
                        status[client] = "not available: " + res["error"][:300]
                else:
                    log(f"bench:   {res['events_per_s']:.0f} events/s, {res['seconds']:.3f} s, "
                        f"peak RSS {res['peak_rss'] / 1e6:.1f} MB")
            if s["kind"] in ("throughput", "guild"):
                res = run_floor(s)
                results[s["name"]]["floor"].append(res)
                log(f"bench: {s['name']} run {r + 1}: floor {res['events_per_s']:.0f} events/s"
                    + (f", LuaBridge floor {res['lua_events_per_s']:.0f} events/s" if "lua_events_per_s" in res else ""))

    idle, reload = [], []
    if not status["botrun"]:
        path = traffic.build(OUT, "reload-8000", kind="1k", n=8000)
        for r in range(opts.runs):
            log(f"bench: reload run {r + 1}/{opts.runs}: botrun")
            reload.append(run_reload(path, traffic.sizes(path)[0] + 1))
            log(f"bench:   {reload[-1]}")
        for shards in ([1, 100] if q else [1, 100, 1000]):
            log(f"bench: idle botrun --shards {shards}")
            idle.append(run_idle(shards, settle=2, window=3 if q else 6))
            log(f"bench:   {idle[-1]}")
            if "error" in idle[-1]:
                break   # more shards would not identify either

    micro = "skipped (--no-swift-micro)"
    if not opts.no_swift_micro:
        log("bench: transport microbenchmarks (swift test -c release --filter TransportBenchmarks)")
        micro = run_transport_micro()
        log(f"bench:   {micro}")

    machine = {
        "nproc": os.cpu_count(),
        "cpu": next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                     if line.startswith("model name")), platform.processor()),
        "kernel": platform.release(),
        "python": subprocess.run([VENV_PY, "-c", "import sys,discord,hikari,aiohttp;print(sys.version.split()[0],"
                                  "discord.__version__,hikari.__version__,aiohttp.__version__)"],
                                 capture_output=True, text=True).stdout.split(),
        "commit": subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                 capture_output=True, text=True).stdout.strip(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "duration_s": time.monotonic() - started,
    }
    d = {"scenarios": scenarios, "results": results, "idle": idle, "reload": reload, "micro": micro,
         "status": status, "machine": machine, "command": opts.command, "runs": opts.runs}
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(d, f, indent=1)
    write_report(opts, d)


def write_report(opts, d):
    md = report.markdown(d["scenarios"], d["results"], d["idle"], d["reload"], d["micro"], d["status"],
                         d["machine"], d.get("command", opts.command), d.get("runs", opts.runs))
    with open(opts.out, "w") as f:
        f.write(md)
    with open(os.path.join(HERE, "throughput.svg"), "w") as f:
        f.write(report.svg(d["scenarios"], d["results"], d["status"]))
    print(md)
    log(f"bench: wrote {os.path.relpath(opts.out, ROOT)} and bench/throughput.svg "
        f"(run took {d['machine']['duration_s']:.0f} s)")


if __name__ == "__main__":
    main()
