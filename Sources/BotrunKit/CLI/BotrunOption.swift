/// The table of `botrun` command-line options.
///
/// One case per option. The parser switches over it exhaustively and `--help` is generated from
/// it, so an option cannot be added without a help line or be documented without being parsed.
public enum BotrunOption: String, CaseIterable, Sendable {
    case tokenFile = "token-file"
    case gatewayURL = "gateway-url"
    case apiURL = "api-url"
    case caFile = "ca-file"
    case compress
    case shards
    case shard
    case intents
    case logLevel = "log-level"
    case logFormat = "log-format"
    case sessionFile = "session-file"
    case sim
    case simInput = "sim-input"
    case check
    case noWatch = "no-watch"
    case unsafe
    case handlerTimeout = "handler-timeout"
    case memoryLimit = "memory-limit"
    case help
    case version

    /// `--name` as typed on the command line.
    public var flag: String { "--" + rawValue }

    /// Placeholder of the option's value in help, or nil for a flag that takes none.
    public var valueName: String? {
        switch self {
        case .tokenFile, .caFile, .sessionFile: "PATH"
        case .gatewayURL, .apiURL: "URL"
        case .compress: "MODE"
        case .shards: "N"
        case .shard: "ID/TOTAL"
        case .intents: "LIST|NUMBER"
        case .logLevel: "LEVEL"
        case .logFormat: "FORMAT"
        case .simInput: "FILE"
        case .handlerTimeout: "SECONDS"
        case .memoryLimit: "MB"
        case .sim, .check, .noWatch, .unsafe, .help, .version: nil
        }
    }

    /// One line for `--help`.
    public var summary: String {
        switch self {
        case .tokenFile: "read the bot token from PATH (default: $DISCORD_TOKEN)"
        case .gatewayURL: "gateway to connect to (default: the URL from GET /gateway/bot)"
        case .apiURL: "REST API base (default: \(BotrunOptions.defaultAPIURL))"
        case .caFile: "trust the CA certificates in PATH (default: system store, $SSL_CERT_FILE)"
        case .compress: "gateway compression: zlib-stream (default), zstd-stream or none"
        case .shards: "run shards 0..N-1 in this process (default: as Discord recommends)"
        case .shard: "run only shard ID of TOTAL, e.g. 3/8"
        case .intents: "names (guilds,guild_messages,…) or a number (default: from handlers)"
        case .logLevel: "lowest level logged: debug, info (default), warn or error"
        case .logFormat: "log lines on stderr as text (default) or json"
        case .sessionFile: "resume from PATH at start; save the session there on SIGTERM/SIGINT"
        case .sim: "run on the built-in local gateway and chat with the bot here; no token needed"
        case .simInput: "with --sim: read console lines from FILE instead of stdin"
        case .check: "load the scripts, report handlers and intents, exit"
        case .noWatch: "do not reload scripts when they change (SIGHUP still reloads)"
        case .unsafe: "give scripts the full Lua standard library (no sandbox)"
        case .handlerTimeout:
            "abort a handler call after SECONDS (default: \(BotrunOptions.defaultHandlerTimeout.plainText))"
        case .memoryLimit: "memory cap per Lua state in MiB (default: \(BotrunOptions.defaultMemoryLimitMB))"
        case .help: "show this help and exit"
        case .version: "show the version and exit"
        }
    }

    /// Other spellings accepted for the same option.
    public var aliases: [String] {
        switch self {
        case .help: ["-h"]
        default: []
        }
    }
}

extension Double {
    /// `2` for 2.0, `0.5` for 0.5: how a number of seconds reads in help and messages.
    var plainText: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
