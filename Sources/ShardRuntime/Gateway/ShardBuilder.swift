/// Configures a `Shard`. Every setter returns the builder, so calls chain.
public struct ShardBuilder: Sendable {
    public private(set) var token: Token
    public private(set) var intents: Intents
    public var eventTypes: EventTypeFlags = .all
    public var shardID = 0
    public var shardTotal = 1
    /// Gateway base URL; skips `GET /gateway/bot`. Defaults to Discord's public gateway.
    public var gatewayURL: String? = "wss://gateway.discord.gg"
    public var apiBaseURL = "https://discord.com/api/v10"
    public var largeThreshold = 50
    public var presence: UpdatePresence?
    public var compression: GatewayCompression = .zlibStream
    public var identifyQueue: IdentifyQueue = LocalIdentifyQueue.processDefault
    public var resumeSession: ResumeSession?
    public var tls: TLSConfiguration = .client()
    public var eventLoop: EventLoop?
    public var logger: Logger = .shared
    /// Largest incoming WebSocket message; bigger ones stop the shard with a clear error.
    public var maxMessageSize = 128 << 20
    public var rawPayloads = false
    /// Protocol timings; tests shrink them.
    public var invalidSessionDelay: ClosedRange<Duration> = .seconds(1) ... .seconds(5)
    public var backoffBase: Duration = .seconds(1)
    public var backoffMax: Duration = .seconds(60)
    public var helloTimeout: Duration = .seconds(60)
    public var random: @Sendable () -> Double = { Double.random(in: 0..<1) }

    public init(token: Token, intents: Intents) {
        self.token = token
        self.intents = intents
    }

    private func with(_ change: (inout ShardBuilder) -> Void) -> ShardBuilder {
        var copy = self
        change(&copy)
        return copy
    }

    public func eventTypes(_ v: EventTypeFlags) -> ShardBuilder { with { $0.eventTypes = v } }
    public func shard(id: Int, total: Int) -> ShardBuilder { with { $0.shardID = id; $0.shardTotal = total } }
    public func gatewayURL(_ v: String?) -> ShardBuilder { with { $0.gatewayURL = v } }
    public func apiBaseURL(_ v: String) -> ShardBuilder { with { $0.apiBaseURL = v } }
    /// Clamped to Discord's 50…250.
    public func largeThreshold(_ v: Int) -> ShardBuilder { with { $0.largeThreshold = min(250, max(50, v)) } }
    public func presence(_ v: UpdatePresence?) -> ShardBuilder { with { $0.presence = v } }
    public func compression(_ v: GatewayCompression) -> ShardBuilder { with { $0.compression = v } }
    public func identifyQueue(_ v: IdentifyQueue) -> ShardBuilder { with { $0.identifyQueue = v } }
    public func resumeSession(_ v: ResumeSession?) -> ShardBuilder { with { $0.resumeSession = v } }
    public func tls(_ v: TLSConfiguration) -> ShardBuilder { with { $0.tls = v } }
    public func eventLoop(_ v: EventLoop) -> ShardBuilder { with { $0.eventLoop = v } }
    public func logger(_ v: Logger) -> ShardBuilder { with { $0.logger = v } }
    public func maxMessageSize(_ v: Int) -> ShardBuilder { with { $0.maxMessageSize = v } }
    public func rawPayloads(_ v: Bool) -> ShardBuilder { with { $0.rawPayloads = v } }
    /// Scales protocol waits (op 9 delay, backoff, HELLO timeout); for tests.
    public func timings(invalidSessionDelay: ClosedRange<Duration>, backoffBase: Duration, backoffMax: Duration,
                        helloTimeout: Duration) -> ShardBuilder {
        with {
            $0.invalidSessionDelay = invalidSessionDelay
            $0.backoffBase = backoffBase
            $0.backoffMax = backoffMax
            $0.helloTimeout = helloTimeout
        }
    }
    public func random(_ v: @escaping @Sendable () -> Double) -> ShardBuilder { with { $0.random = v } }

    /// The shard plus its events as an async sequence.
    public func build() -> (Shard, AsyncStream<ShardEvent>) {
        let (stream, continuation) = AsyncStream<ShardEvent>.makeStream(bufferingPolicy: .unbounded)
        let shard = make(sink: { continuation.yield($0) }, finish: { continuation.finish() }, events: stream)
        return (shard, stream)
    }

    /// The shard, delivering events to `onEvent` on its event loop thread (fastest; keep the
    /// callback short). `onFinish` runs once after the shard ended or failed.
    public func build(onEvent: @escaping @Sendable (ShardEvent) -> Void,
                      onFinish: @escaping @Sendable () -> Void = {}) -> Shard {
        make(sink: onEvent, finish: onFinish, events: nil)
    }

    func sessionConfiguration(gatewayURL: String) -> SessionConfiguration {
        SessionConfiguration(token: token, intents: intents, shardID: shardID, shardTotal: shardTotal,
                             gatewayURL: gatewayURL, compression: compression, largeThreshold: largeThreshold,
                             presence: presence, eventTypes: eventTypes, rawPayloads: rawPayloads,
                             invalidSessionDelay: invalidSessionDelay, backoffBase: backoffBase,
                             backoffMax: backoffMax, helloTimeout: helloTimeout)
    }

    private func make(sink: @escaping @Sendable (ShardEvent) -> Void, finish: @escaping @Sendable () -> Void,
                      events: AsyncStream<ShardEvent>?) -> Shard {
        // Without `gatewayURL`, `start()` first asks GET /gateway/bot (GatewayBotLookup).
        let config = sessionConfiguration(gatewayURL: gatewayURL ?? "")
        let session = GatewaySession(config: config, resume: resumeSession, random: random)
        var ws = WebSocketOptions()
        ws.maxMessageSize = maxMessageSize
        ws.headers = [("User-Agent", "DiscordBot (https://example.invalid/botrun, 0.1)")]
        let options = ShardDriver.Options(webSocket: ws, tls: tls, identifyQueue: identifyQueue, logger: logger)
        let driver = ShardDriver(session: session, loop: eventLoop ?? EventLoopGroup.shared.next(), options: options,
                                 sink: sink, finish: finish)
        if gatewayURL == nil {
            driver.gatewayLookup = (apiBaseURL, token)
        } else {
            driver.gatewayURLProblem = ShardBuilder.problem(with: gatewayURL)
        }
        return Shard(driver: driver, id: shardID, total: shardTotal, events: events)
    }

    static func problem(with url: String?) -> ShardStartError? {
        guard let url else { return nil }
        guard GatewayURL.isValid(url) else { return ShardStartError(.parsingGatewayURL, "not a ws:// or wss:// URL: \(url)") }
        return nil
    }
}

extension LocalIdentifyQueue {
    /// The queue shared by every shard of the process unless one is configured.
    public static let processDefault = LocalIdentifyQueue(maxConcurrency: 1)
}
