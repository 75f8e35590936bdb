import Foundation

// ┌─────────────────────────────────────────────────────────────────────────────────────┐
// │ LEAD: complete this function. It receives validated options and returns the exit  │
// │ code. To do (issues 4, 5, 6):                                                      │
// │  - Logger from options.logLevel / options.logFormat;                                │
// │  - options.sim: start GatewaySim on 127.0.0.1, connect through TLS + zlib-stream,   │
// │    read console lines from stdin or options.simInput, parse each with              │
// │    `SimConsoleParser.parse(_:)` and bind the `SimConsoleCommand` to GatewaySim;      │
// │    end of input → clean stop (exit 0);                                              │
// │  - ScriptHost: load options.scripts (syntax error → exit 2 with the compiler's       │
// │    message), sandbox unless options.unsafe, handlerTimeout, memoryLimitBytes,       │
// │    watch/no-watch, SIGHUP reload;                                                   │
// │  - options.check: report handlers and the intents they need, exit 0;                │
// │  - intents: .derivedFromHandlers or .explicit(bits:names:) — warn when a handler    │
// │    needs an intent that is off;                                                     │
// │  - shards (automatic / count / single), gatewayURL, apiURL, caFile, compression,    │
// │    sessionFile (resume at start, save on SIGTERM/SIGINT);                            │
// │  - exit 1 on a fatal gateway close, naming the code (e.g. 4004 bad token).           │
// └─────────────────────────────────────────────────────────────────────────────────────┘

/// Runs the bot the options describe until it stops; returns the process exit code.
///
/// NOT WIRED YET: the runtime pieces (ShardRuntime cluster, GatewaySim, ScriptHost) are being
/// built on other branches. Until the lead wires them here, this says so and exits with 2.
public func runBot(options: BotrunOptions) -> BotrunExitCode {
    BotrunMain.write(
        "botrun: the runtime is not wired to the command line yet (issues 4 and 5); "
            + "options were valid: \(options.summary)\n",
        to: .standardError)
    return .usageOrScriptError
}

extension BotrunOptions {
    /// One line describing the options, for logs. Never contains the token.
    public var summary: String {
        var parts = ["scripts=\(scripts.joined(separator: ","))"]
        if sim { parts.append("sim") }
        if check { parts.append("check") }
        switch tokenSource {
        case .environment: parts.append("token=$\(BotrunOptionParser.tokenVariable)")
        case .file(let path): parts.append("token=file:\(path)")
        case nil: break
        }
        switch shards {
        case .automatic: parts.append("shards=auto")
        case .count(let count): parts.append("shards=\(count)")
        case .single(let id, let total): parts.append("shard=\(id)/\(total)")
        }
        switch intents {
        case .derivedFromHandlers: parts.append("intents=from-handlers")
        case .explicit(let bits, _): parts.append("intents=\(bits)")
        }
        parts.append("compress=\(compression.rawValue)")
        return parts.joined(separator: " ")
    }
}
