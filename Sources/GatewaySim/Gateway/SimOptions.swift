import ShardRuntime

/// How a `GatewaySim` behaves. Defaults are Discord's, except where a test-friendly value
/// is noted.
public struct GatewaySimOptions: Sendable {
    /// The bot token the sim accepts (IDENTIFY/RESUME `token`, REST `Authorization: Bot …`).
    public var token: String = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.sim.local-token"
    /// HELLO's `heartbeat_interval`, in milliseconds.
    public var heartbeatIntervalMS: Int = 41_250
    /// When set, a connection that sends no heartbeat for this many HELLO intervals is closed
    /// with 4009 (Discord drops silent clients; the code is the sim's choice). Nil: never.
    /// The interval is measured from HELLO, so a client must beat before the first deadline.
    public var heartbeatTimeoutFactor: Double? = nil
    /// Privileged intent bits the "application" has enabled (GUILD_MEMBERS 2,
    /// GUILD_PRESENCES 256, MESSAGE_CONTENT 32768). Requesting others closes with 4014.
    public var allowedPrivilegedIntents: Int = GatewayIntents.privileged
    /// At most `payloadLimit` client payloads per `payloadWindow` seconds, else close 4008.
    public var payloadLimit: Int = 120
    public var payloadWindow: Double = 60
    /// Dispatches each session keeps for RESUME.
    public var replayBufferSize: Int = 5_000
    /// `shards` returned by `GET /gateway/bot`.
    public var recommendedShards: Int = 1
    /// `session_start_limit.max_concurrency`; identify buckets are `shard_id % max_concurrency`.
    public var maxConcurrency: Int = 1
    /// Seconds between two IDENTIFYs of one bucket; a faster one gets op 9 `false`.
    /// Discord uses 5; the sim defaults to 0 (off) so tests that re-identify are not slowed.
    public var identifyInterval: Double = 0
    /// Largest client payload accepted, in bytes (Discord: 4096, else 4002).
    public var maxClientPayloadBytes: Int = 4096
    /// Serve TLS (with a generated CA + `localhost`/`127.0.0.1` certificate).
    public var tls: Bool = false
    /// Port to listen on, 0 for a random free one.
    public var port: UInt16 = 0
    /// Where the sim logs connection and REST events (debug level; closes by the sim at info).
    public var logger: Logger = .shared
    /// The guilds, channels, members and users the sim serves.
    public var world: SimWorld = .standard()

    public init() {}
}

/// Intent bits (Discord's values).
/// The intent bits the sim checks, as `Int`s, taken from ShardRuntime's `Intents`.
public enum GatewayIntents {
    public static let guilds = bit(.guilds)
    public static let guildMembers = bit(.guildMembers)
    public static let guildPresences = bit(.guildPresences)
    public static let guildMessages = bit(.guildMessages)
    public static let guildMessageReactions = bit(.guildMessageReactions)
    public static let guildMessageTyping = bit(.guildMessageTyping)
    public static let directMessages = bit(.directMessages)
    public static let messageContent = bit(.messageContent)
    /// GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT.
    public static let privileged = bit(.privileged)
    /// Every documented bit.
    public static let allDocumented = bit(.all)

    private static func bit(_ intents: Intents) -> Int { Int(intents.rawValue) }
}
