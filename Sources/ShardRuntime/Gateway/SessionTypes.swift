/// Timers the session asks its shell to run; each fires back as `.timerFired`.
public enum SessionTimer: Sendable, Hashable {
    case heartbeat
    case helloTimeout
    case reconnect
    case commandQueue
}

/// Something that happened to a session.
public enum SessionInput: Sendable {
    /// `Shard.start()`.
    case start
    /// The WebSocket handshake completed.
    case connectionOpened
    /// Opening a connection failed before the WebSocket was up.
    case connectFailed(reason: String)
    /// A payload arrived, already scanned by `GatewayPayloadScanner`.
    case payload(GatewayPayloadHeader, [UInt8])
    case timerFired(SessionTimer)
    /// The open connection closed; `code` nil means no close frame (TCP drop, 1006).
    case connectionClosed(code: UInt16?, reason: String)
    /// The open connection failed.
    case transportFailed(TransportFailure)
    /// The identify queue granted the permit requested with `ticket`.
    case identifyGranted(ticket: Int)
    /// `shutdown()` / `shutdownResumable()`.
    case shutdown(resumable: Bool)
}

/// How an open connection failed, as far as the session cares.
public enum TransportFailure: Sendable, Equatable {
    /// An incoming message was larger than the configured maximum.
    case messageTooLarge(limit: Int)
    /// The stream could not be decompressed (zlib/zstd error).
    case decompression(String)
    case other(String)
}

/// What the session asks its shell to do, in order.
public enum SessionAction: Sendable, Equatable {
    /// Open a new connection (the previous one, if any, was already closed).
    case connect(url: String)
    /// Send a text payload on the open connection.
    case send([UInt8])
    /// Close the open connection; the shell must not wait for the peer's reply.
    case close(code: UInt16, reason: String)
    case startTimer(SessionTimer, after: Duration)
    case cancelTimer(SessionTimer)
    /// Ask the identify queue for a permit; answer with `.identifyGranted(ticket:)`.
    case requestIdentify(ticket: Int)
    case emit(ShardEvent)
}

/// Everything the session needs to know about the shard it runs.
public struct SessionConfiguration: Sendable {
    public var token: Token
    public var intents: Intents
    public var shardID: Int
    public var shardTotal: Int
    /// Base URL for new sessions (no query needed).
    public var gatewayURL: String
    public var compression: GatewayCompression
    public var largeThreshold: Int
    public var presence: UpdatePresence?
    public var eventTypes: EventTypeFlags
    /// Emit `.payload` for every incoming payload.
    public var rawPayloads: Bool
    /// `properties.browser` / `device` in IDENTIFY.
    public var libraryName: String
    /// Wait before re-identifying after op 9 `false` (Discord: 1–5 s).
    public var invalidSessionDelay: ClosedRange<Duration>
    /// Exponential backoff: first delay and cap.
    public var backoffBase: Duration
    public var backoffMax: Duration
    /// Time allowed between connection open and HELLO.
    public var helloTimeout: Duration

    public init(token: Token, intents: Intents, shardID: Int = 0, shardTotal: Int = 1,
                gatewayURL: String = "wss://gateway.discord.gg", compression: GatewayCompression = .zlibStream,
                largeThreshold: Int = 50, presence: UpdatePresence? = nil, eventTypes: EventTypeFlags = .all,
                rawPayloads: Bool = false, libraryName: String = "botrun",
                invalidSessionDelay: ClosedRange<Duration> = .seconds(1) ... .seconds(5),
                backoffBase: Duration = .seconds(1), backoffMax: Duration = .seconds(60),
                helloTimeout: Duration = .seconds(60)) {
        self.token = token
        self.intents = intents
        self.shardID = shardID
        self.shardTotal = shardTotal
        self.gatewayURL = gatewayURL
        self.compression = compression
        self.largeThreshold = largeThreshold
        self.presence = presence
        self.eventTypes = eventTypes
        self.rawPayloads = rawPayloads
        self.libraryName = libraryName
        self.invalidSessionDelay = invalidSessionDelay
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
        self.helloTimeout = helloTimeout
    }
}
