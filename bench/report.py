"""BENCHMARKS.md tables and bench/throughput.svg from the results of bench/run.py (stdlib only).

Every ratio is paired: run i of a client against run i of discord.py (they ran next to each
other, interleaved), and the table shows the median of those per-run ratios with their
min–max. Values are the median of the runs with their min–max.
"""
import math
import statistics

CLIENTS = ["botrun", "discord.py", "hikari"]
SHARD = "ShardRuntime alone (no Lua)"   # bench/shard-bench (issue 3); ~1 KB scenario only


def ok(runs):
    return [r for r in runs if "error" not in r]


def spread(values, fmt):
    if not values:
        return "–"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt(med)
    return f"{fmt(med)} ({fmt(min(values))}–{fmt(max(values))})"


def paired(runs, base, metric, invert=False):
    """Per-run ratios metric(run)/metric(base run) (or base/run when invert)."""
    out = []
    for a, b in zip(runs, base):
        if "error" in a or "error" in b:
            continue
        x, y = metric(a), metric(b)
        if x and y:
            out.append(y / x if invert else x / y)
    return out


def fnum(x):
    return f"{x:,.0f}"


def fms(x):
    return f"{x:,.1f}" if x >= 10 else f"{x:.2f}"


def fmb(x):
    return f"{x / 1e6:.0f}"


def fratio(x):
    return f"{x:.2f}×" if x < 10 else f"{x:.1f}×"


def ratio_cell(client, ratios):
    return "1 (baseline)" if client == "discord.py" else spread(ratios, fratio)


def status_row(client, status, ncols):
    return f"| {client} | " + " | ".join([status] + [""] * (ncols - 2)) + " |"


def errors_of(runs):
    errs = [r["error"] for r in runs if "error" in r]
    return f" ({len(errs)} failed run(s): {errs[0][:120]})" if errs else ""


def markdown(scenarios, results, idle, reload, micro, status, machine, command, nruns):
    py = machine.get("python") or ["?", "?", "?", "?"]
    L = []
    L += ["# Benchmarks", "",
          "botrun against discord.py and hikari, measured side by side in one run of `scripts/bench`",
          "on the same machine, against the same local load generator (`bench/loadgen.c`, zlib-stream,",
          "traffic compressed before the clock starts). Each client ran "
          f"{nruns} times per scenario, interleaved (botrun, discord.py, hikari, botrun, …), each run",
          "against a fresh load generator. Figures: median of the runs (min–max). Ratios are **paired**:",
          "each run divided by the discord.py run next to it, then the median (min–max) of those ratios.",
          "The machine is shared and noisy, so compare ratios, not absolute numbers across runs.", "",
          "**Reproduce:** `" + command + "`", "",
          f"**Machine:** {machine['nproc']} CPUs ({machine['cpu']}), Linux {machine['kernel']}; "
          f"Python {py[0]}, discord.py {py[1]}, hikari {py[2]}, aiohttp {py[3]} (both on zlib-stream); "
          f"commit {machine['commit']}; {machine['date']}; whole run {machine['duration_s']:.0f} s.", ""]
    for c in CLIENTS + [SHARD]:
        if status.get(c):
            L += [f"**{c}: {status[c]}** — its columns say *pending*; nothing was measured for it.", ""]

    L += ["## How completion is measured", "",
          "The load generator (not the client) holds the clock. After a client is ready it sends",
          "op 3 `ready`; the load generator then writes the pre-built traffic and, after the last",
          "MESSAGE_CREATE, one more with content `__bench_end__`. Each bot's handler reads",
          "`content` of every message and answers the end marker with a presence update (op 3)",
          "carrying its own count of handled messages; the clock stops when that op 3 arrives,",
          "and a run whose count differs from what was sent is reported as failed.", "",
          "Peak RSS is the bot process's `VmHWM` (from `/proc`) at the end of the run. The **floor** is",
          "`bench/floor.c`: one C thread inflating the same zlib-stream bytes and running a validating",
          "JSON scan that touches every byte and finds `d.content` — no objects built, no socket, no",
          "WebSocket framing. It is a lower bound on the work per event, not a client. When the",
          "project's LuaBridge is in the tree, a second floor row does botrun's own minimum on one thread:",
          "inflate, then LuaBridge decodes `d` into Lua tables and calls the handler (reads `msg.content`)",
          "in a sandboxed state; **% of floor** is then relative to that row.", "",
          f"**{SHARD}** (~1 KB table only, issue 3) is `bench/shard-bench`: the same gateway client as",
          "botrun (`ShardRuntime`: socket, WebSocket framing, zlib-stream inflate, payload header scan,",
          "session) through its public API, with no Lua, no JSON decode of `d` and no objects built. It",
          "runs in the same interleaved runs as the other clients and behaves like `bench.lua` (op 3",
          "`ready`, `end:<count>`), but its \"read the content\" is only a byte search for the first",
          "`\"content\":\"` key in the raw `d` bytes and a compare with the end marker. It is ShardRuntime's",
          "own ceiling, not a bot. Its **% of floor** is against `floor (C: inflate + JSON scan)`, not the",
          "LuaBridge floor (both it and that floor only inflate and scan), paired per run: run i of",
          "ShardRuntime alone ÷ the floor measured right after it in the same round.", ""]

    for s in scenarios:
        res = results[s["name"]]
        base = res["discord.py"]
        if s["kind"] == "throughput":
            L += [f"## {s['title']}", "",
                  f"{s['events']:,} events including the end marker; mean payload {s['mean_bytes']:,.0f} bytes "
                  "(minified JSON, as Discord sends).", "",
                  "| client | events/s | × discord.py | % of floor | peak RSS MB | RSS × discord.py (lower is better) |",
                  "|---|---|---|---|---|---|"]
            floor = ok(res["floor"])
            floor_med = statistics.median([f["events_per_s"] for f in floor]) if floor else None
            lua_floor = [f["lua_events_per_s"] for f in floor if "lua_events_per_s" in f]
            if lua_floor:   # the floor that does botrun's own minimum: LuaBridge decode + handler
                floor_med = statistics.median(lua_floor)
            for c in CLIENTS + ([SHARD] if SHARD in res else []):
                if status.get(c):
                    L.append(status_row(c, "pending", 6))
                    continue
                runs = res[c]
                good = ok(runs)
                eps = [r["events_per_s"] for r in good]
                ratio = paired(runs, base, lambda r: r["events_per_s"])
                pct = (f"{100 * statistics.median(eps) / floor_med:.1f} %" if eps and floor_med else "–")
                if c == SHARD:   # issue 3: per-run ratio against the C inflate + JSON scan floor of the same run
                    per_run = paired(runs, res["floor"], lambda r: r["events_per_s"])
                    pct = (spread([100 * x for x in per_run], lambda v: f"{v:.1f} %") + " of inflate + scan"
                           if per_run else "–")
                rss = [r["peak_rss"] for r in good if r.get("peak_rss")]
                rss_ratio = paired(runs, base, lambda r: r.get("peak_rss"))
                L.append(f"| {c}{errors_of(runs)} | {spread(eps, fnum)} | {ratio_cell(c, ratio)} | {pct} | "
                         f"{spread(rss, fmb)} | {ratio_cell(c, rss_ratio)} |")
            if floor:
                feps = [f["events_per_s"] for f in floor]
                ratio = [f["events_per_s"] / b["events_per_s"] for f, b in zip(res["floor"], base) if "error" not in b]
                pct = f"{100 * statistics.median(feps) / floor_med:.0f} %" if lua_floor else "100 %"
                L.append(f"| floor (C: inflate + JSON scan) | {spread(feps, fnum)} | {spread(ratio, fratio)} | {pct} | – | – |")
                if lua_floor:
                    ratio = [f["lua_events_per_s"] / b["events_per_s"] for f, b in zip(res["floor"], base)
                             if "error" not in b and "lua_events_per_s" in f]
                    L.append(f"| floor (C: inflate + LuaBridge decode + Lua handler) | {spread(lua_floor, fnum)} | "
                             f"{spread(ratio, fratio)} | 100 % | – | – |")
                L += ["", f"Floor detail: inflate alone {spread([f['inflate_mb_per_s'] for f in floor], fnum)} MB/s "
                      f"of JSON out; inflate + JSON scan {spread([f['decode_mb_per_s'] for f in floor], fnum)} MB/s; "
                      f"compressed stream {floor[0]['compressed_bytes']:,} bytes for {floor[0]['raw_bytes']:,} bytes of JSON."]
            L.append("")
        elif s["kind"] == "guild":
            L += [f"## {s['title']}", "",
                  f"One GUILD_CREATE of {s['mean_bytes'] / 1e6:.2f} MB "
                  "(`guild_create_large.json`: 1 422 members, channels, roles, presences); time from the "
                  "load generator writing it to the op 3 sent by the bot's guild handler.", "",
                  "| client | ms | speed × discord.py (discord.py ms / client ms) | peak RSS MB |", "|---|---|---|---|"]
            for c in CLIENTS:
                if status.get(c):
                    L.append(status_row(c, "pending", 4))
                    continue
                runs = res[c]
                good = ok(runs)
                ms = [r["seconds"] * 1e3 for r in good]
                ratio = paired(runs, base, lambda r: r["seconds"], invert=True)
                rss = [r["peak_rss"] for r in good if r.get("peak_rss")]
                L.append(f"| {c}{errors_of(runs)} | {spread(ms, fms)} | {ratio_cell(c, ratio)} | {spread(rss, fmb)} |")
            floor = ok(res["floor"])
            if floor:
                ms = [1e3 / f["events_per_s"] for f in floor]
                ratio = [b["seconds"] * f["events_per_s"] for f, b in zip(res["floor"], base) if "error" not in b]
                L.append(f"| floor (C: inflate + JSON scan) | {spread(ms, fms)} | {spread(ratio, fratio)} | – |")
                lua = [f for f in floor if "lua_events_per_s" in f]
                if lua:
                    ms = [1e3 / f["lua_events_per_s"] for f in lua]
                    ratio = [b["seconds"] * f["lua_events_per_s"] for f, b in zip(res["floor"], base)
                             if "error" not in b and "lua_events_per_s" in f]
                    L.append(f"| floor (C: inflate + LuaBridge decode + Lua handler) | {spread(ms, fms)} | "
                             f"{spread(ratio, fratio)} | – |")
                L += ["", f"Floor detail: C zlib inflate alone of this document "
                      f"{spread([f['inflate_mb_per_s'] for f in floor], fnum)} MB/s of JSON out (compare with the "
                      "Swift inflater below, same file, same run)."]
            L.append("")
        elif s["kind"] == "latency":
            L += [f"## {s['title']}", "",
                  f"{s['events']:,} ~1 KB MESSAGE_CREATE written at a fixed {s['rate']:,} events/s; every 100th is a "
                  "probe that the handler answers at once with an op 3 naming it. Latency = probe written → "
                  "answer received by the load generator (so it includes the bot's send path). Lua has no "
                  "wall clock in the sandbox, so the load generator measures it for every client alike.", "",
                  "| client | p50 ms | p99 ms | p50 × discord.py (lower is better) | probes/run |",
                  "|---|---|---|---|---|"]
            for c in CLIENTS:
                if status.get(c):
                    L.append(status_row(c, "pending", 5))
                    continue
                runs = res[c]
                good = ok(runs)
                p50 = [r["p50_ms"] for r in good if "p50_ms" in r]
                p99 = [r["p99_ms"] for r in good if "p99_ms" in r]
                ratio = paired(runs, base, lambda r: r.get("p50_ms"))
                probes = good[0].get("probes", 0) if good else 0
                L.append(f"| {c}{errors_of(runs)} | {spread(p50, fms)} | {spread(p99, fms)} | "
                         f"{ratio_cell(c, ratio)} | {probes} |")
            L.append("")

    L += ["## botrun only: idle shards (RSS, CPU with heartbeats)", ""]
    if status.get("botrun"):
        L += ["*pending* — botrun is " + status["botrun"].split(":")[0] + "; `scripts/bench` measures 1, 100 and "
              "1 000 shards (`botrun --shards N`) once it runs a bot.", ""]
    else:
        L += ["| shards | RSS MB | RSS per shard beyond the first, KB | idle CPU % of one core | all identified after s |",
              "|---|---|---|---|---|"]
        first = next((r for r in idle if "error" not in r and r["shards"] == 1), None)
        for r in idle:
            if "error" in r:
                rss = f"{r['rss'] / 1e6:.1f} with {r['identified']} identified" if r.get("rss") else "–"
                L.append(f"| {r.get('shards', '?'):,} | {rss} | – | – | {r['error']} |")
                continue
            per = (f"{(r['rss'] - first['rss']) / (r['shards'] - 1) / 1024:.0f}"
                   if first and r["shards"] > 1 else "–")
            L.append(f"| {r['shards']:,} | {r['rss'] / 1e6:.1f} | {per} | {r['cpu_percent']:.1f} | {r['identify_s']:.1f} |")
        L += ["", "One run each (not interleaved: the Python peers are not run with many shards)."]
    L += ["", "## botrun only: live reload", "",
          "The script is saved again (atomic rename, as editors do) while ~1 KB MESSAGE_CREATE stream at "
          "2 000/s; latency = file saved → first event answered by the new handler (both on CLOCK_MONOTONIC). "
          "The handlers count in `store`, which survives the reload, so the end count shows no event was "
          "lost or delivered twice.", ""]
    if status.get("botrun"):
        L += ["*pending* — botrun is " + status["botrun"].split(":")[0] + ".", ""]
    else:
        good = [r for r in reload if "error" not in r]
        L += ["| runs | reload latency ms | all events counted once |", "|---|---|---|",
              f"| {len(good)}/{len(reload)} | {spread([r['reload_ms'] for r in good], fms)} | "
              f"{'yes' if good and len(good) == len(reload) else 'no: ' + '; '.join(r['error'] for r in reload if 'error' in r)[:300]} |", ""]
    L += ["## Transport microbenchmarks (Swift, release build)", "",
          "From `swift test -c release --filter TransportBenchmarks` with `BOTRUN_BENCH=1` (issue 2; "
          "best of 5 inside one process, so not a median like the tables above). Compare the zlib-stream "
          "inflate figure with the C floor's inflate rate of the same `guild_create_large.json` in the "
          "GUILD_CREATE table above.", ""]
    if isinstance(micro, str):
        L += [f"*{micro}*", ""]
    else:
        L += ["| benchmark |", "|---|"] + [f"| {line} |" for line in micro] + [""]
    return "\n".join(L)


def svg(scenarios, results, status):
    """Horizontal bars (log scale) of median events/s with min–max whiskers."""
    rows = []
    for s in scenarios:
        if s["kind"] != "throughput":
            continue
        res = results[s["name"]]
        for c in ["floor"] + CLIENTS + ([SHARD] if SHARD in res else []):
            vals = [r["events_per_s"] for r in ok(res[c])]
            rows.append((s["title"], c, vals, status.get(c)))
    W, left, right, bar, gap = 860, 300, 110, 18, 6
    H = 60 + len(rows) * (bar + gap) + 40 * len({r[0] for r in rows})
    top = max([max(r[2]) for r in rows if r[2]] or [1e5])
    lo, hi = 3, max(6, math.ceil(math.log10(top) + 0.15))  # 1e3 .. >= 1e6 events/s
    scale = (W - left - right) / (hi - lo)

    def x(v):
        return left + (min(max(math.log10(max(v, 1)), lo), hi) - lo) * scale

    colors = {"floor": "#888888", "botrun": "#d9480f", "discord.py": "#5865f2", "hikari": "#e8a23a", SHARD: "#2b8a3e"}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="15">MESSAGE_CREATE events/s into a handler '
           '(median, min–max; log scale)</text>']
    for e in range(lo, hi + 1):
        out.append(f'<line x1="{x(10 ** e)}" y1="34" x2="{x(10 ** e)}" y2="{H - 20}" stroke="#ddd"/>')
        out.append(f'<text x="{x(10 ** e)}" y="{H - 6}" text-anchor="middle">{10 ** e:,}</text>')
    y, title = 40, None
    for t, c, vals, st in rows:
        if t != title:
            title = t
            y += 16
            out.append(f'<text x="10" y="{y}" font-weight="bold">{t}</text>')
            y += 8
        out.append(f'<text x="{left - 8}" y="{y + bar - 5}" text-anchor="end">{c}</text>')
        if vals:
            med = statistics.median(vals)
            out.append(f'<rect x="{left}" y="{y}" width="{x(med) - left:.1f}" height="{bar}" fill="{colors[c]}"/>')
            out.append(f'<line x1="{x(min(vals)):.1f}" y1="{y + bar / 2}" x2="{x(max(vals)):.1f}" y2="{y + bar / 2}" '
                       'stroke="black" stroke-width="1.5"/>')
            out.append(f'<text x="{x(max(vals)) + 6:.1f}" y="{y + bar - 5}">{med:,.0f}</text>')
        else:
            out.append(f'<text x="{left + 4}" y="{y + bar - 5}" fill="#666">{"pending" if st else "no data"}</text>')
        y += bar + gap
    out.append("</svg>")
    return "\n".join(out) + "\n"
