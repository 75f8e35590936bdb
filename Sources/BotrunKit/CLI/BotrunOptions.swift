import ShardRuntime

/// Everything the `botrun` command line decided, as a plain value.
///
/// Produced by `BotrunOptionParser`; consumed by `runBot(options:)`. Defaults are the values a
/// bare `botrun bot.lua` runs with. The token is a `Token`, whose description is redacted.
public struct BotrunOptions: Sendable, Equatable {
    /// Lua scripts to load, in the order given.
    public var scripts: [String]
    /// The bot token (from `--token-file` or `DISCORD_TOKEN`); nil with `--sim`/`--check` and none given.
    public var token: Token?
    /// Where the token came from, for messages that must not show the token itself.
    public var tokenSource: TokenSource?
    /// `--gateway-url`: nil means the URL from `GET /gateway/bot`.
    public var gatewayURL: String?
    /// `--api-url`: nil means `defaultAPIURL`.
    public var apiURL: String?
    /// `--ca-file`: extra trust anchors; nil means the system store (and `SSL_CERT_FILE`/`SSL_CERT_DIR`).
    public var caFile: String?
    public var compression: Compression
    public var shards: ShardSelection
    public var intents: IntentSelection
    public var logLevel: LogLevel
    public var logFormat: Logger.Format
    /// `--session-file`: resume from it at start, write it on SIGTERM/SIGINT.
    public var sessionFile: String?
    /// `--sim`: run against the in-process local gateway (issue 4).
    public var sim: Bool
    /// `--sim-input`: read console lines from this file instead of stdin (needs `--sim`).
    public var simInput: String?
    /// `--check`: load the scripts, report handlers and intents, exit.
    public var check: Bool
    /// `--no-watch`: false turns live reload off.
    public var watch: Bool
    /// `--unsafe`: the full Lua standard library, no sandbox.
    public var unsafe: Bool
    /// `--handler-timeout`: time budget of one handler call, in seconds.
    public var handlerTimeout: Double
    /// `--memory-limit`: memory cap of one Lua state, in MiB.
    public var memoryLimitMB: Int

    public static let defaultAPIURL = "https://discord.com/api/v10"
    public static let defaultHandlerTimeout = 2.0
    public static let defaultMemoryLimitMB = 256

    public init(scripts: [String]) {
        self.scripts = scripts
        token = nil
        tokenSource = nil
        gatewayURL = nil
        apiURL = nil
        caFile = nil
        compression = .zlibStream
        shards = .automatic
        intents = .derivedFromHandlers
        logLevel = .info
        logFormat = .text
        sessionFile = nil
        sim = false
        simInput = nil
        check = false
        watch = true
        unsafe = false
        handlerTimeout = Self.defaultHandlerTimeout
        memoryLimitMB = Self.defaultMemoryLimitMB
    }

    /// Memory cap in bytes, as the Lua allocator wants it.
    public var memoryLimitBytes: Int { memoryLimitMB * 1024 * 1024 }

    public enum TokenSource: Sendable, Equatable {
        case environment
        case file(String)
    }

    /// Gateway transport compression (`compress=` query parameter).
    public enum Compression: String, Sendable, Equatable, CaseIterable {
        case zlibStream = "zlib-stream"
        case zstdStream = "zstd-stream"
        case none
    }

    /// Which shards this process runs.
    public enum ShardSelection: Sendable, Equatable {
        /// As many as `GET /gateway/bot` recommends, all in this process.
        case automatic
        /// `--shards N`: shards 0..<N, all in this process.
        case count(Int)
        /// `--shard ID/TOTAL`: only shard ID of TOTAL.
        case single(id: Int, total: Int)
    }

    /// Which gateway intents to identify with.
    public enum IntentSelection: Sendable, Equatable {
        /// The non-privileged intents the defined handlers need (issue 5).
        case derivedFromHandlers
        /// `--intents`: exactly these bits; `names` are the names given (empty for a number).
        case explicit(bits: UInt64, names: [String])
    }
}
