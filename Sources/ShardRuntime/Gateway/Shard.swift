import Foundation

/// A raw WebSocket message for `Shard.send(_:)`.
public enum ShardMessage: Sendable, Equatable {
    case text(String)
    case binary([UInt8])
    case ping([UInt8])
    case close(code: UInt16, reason: String)
}

/// A snapshot of a running shard (`Shard.info()`).
public struct ShardInfo: Sendable {
    public let id: Int
    public let total: Int
    public let stage: ShardStage
    public let latency: LatencyStats
    public let sessionID: String?
    public let sequence: Int64?
    public let resumeURL: String?
    /// User-command slots left in the current 60 s window.
    public let commandSlotsAvailable: Int
    /// Commands waiting for a slot or for the session to be ready.
    public let queuedCommands: Int
}

/// One gateway session (shard): connects, identifies or resumes, heartbeats, reconnects, and
/// delivers events. A cheap Sendable reference; any task or thread may call it.
///
/// ```swift
/// let (shard, events) = Shard.builder(token: token, intents: [.guilds, .guildMessages]).build()
/// try await shard.start()
/// for await event in events { … }
/// ```
public final class Shard: Sendable {
    let driver: ShardDriver
    public let id: Int
    public let total: Int
    /// The event sequence when built with `build()` or `init(token:intents:)`; nil with a callback.
    public let events: AsyncStream<ShardEvent>?

    init(driver: ShardDriver, id: Int, total: Int, events: AsyncStream<ShardEvent>?) {
        self.driver = driver
        self.id = id
        self.total = total
        self.events = events
    }

    /// A shard with default settings (shard 0 of 1, `wss://gateway.discord.gg`); read `events`.
    public convenience init(token: String, intents: Intents) {
        let (shard, events) = ShardBuilder(token: Token(token), intents: intents).build()
        self.init(driver: shard.driver, id: shard.id, total: shard.total, events: events)
    }

    public static func builder(token: String, intents: Intents) -> ShardBuilder {
        ShardBuilder(token: Token(token), intents: intents)
    }

    public static func builder(token: Token, intents: Intents) -> ShardBuilder {
        ShardBuilder(token: token, intents: intents)
    }

    /// Connects; returns once the first WebSocket is open (IDENTIFY/RESUME follow HELLO).
    /// Throws `ShardStartError` (`.establishing`, `.parsingGatewayURL`, `.retrievingGatewayURL`).
    public func start() async throws {
        try await driver.start()
    }

    /// The callback form of `start()`, for thread-based callers: `completion` runs once, with
    /// nil once the first WebSocket is open, else the `ShardStartError`. It uses no
    /// Swift-concurrency thread, so it cannot be starved by callers that block theirs.
    public func start(completion: @escaping @Sendable (ShardStartError?) -> Void) {
        driver.start(completion: completion)
    }

    /// Backpressure (issue 7): while paused the shard reads nothing from its connection, so
    /// events wait in the kernel and at Discord instead of in this process; heartbeats,
    /// commands and timers go on, and a close handshake still reads. Kept across reconnects.
    /// Known limit (issue 7): heartbeat ACKs are not read while paused either, so a pause
    /// longer than a heartbeat interval makes the session judge the connection a zombie and
    /// resume on a new one (nothing is lost: unread events are replayed).
    public func setReadingPaused(_ paused: Bool) {
        driver.setReadingPaused(paused)
    }

    /// The shard's current state. Throws `SessionInactiveError` before `start()` and after
    /// shutdown or a fatal error.
    public func info() throws -> ShardInfo {
        try driver.withSession { s throws(SessionInactiveError) -> ShardInfo in
            switch s.stage {
            case .idle, .ended, .failed: throw SessionInactiveError()
            default: break
            }
            return ShardInfo(id: s.config.shardID, total: s.config.shardTotal, stage: s.stage, latency: s.latency,
                             sessionID: s.sessionID, sequence: s.sequence, resumeURL: s.resumeURL,
                             commandSlotsAvailable: s.commandSlotsAvailable(now: .now), queuedCommands: s.queuedCommands)
        }
    }

    /// Sends a typed command (queued until the session is ready and a rate-limit slot is free).
    /// Throws `CommandError`: `.serializing` with the reason, `.sessionInactive`, `.sending`.
    public func command(_ command: some GatewayCommand) throws {
        try driver.command(command.payload())
    }

    /// Sends a raw `{"op":…,"d":…}` payload. Prefer `command(_:)`.
    @available(*, deprecated, message: "use command(_:) or send(_:)")
    public func commandRaw(_ json: [UInt8]) throws {
        try driver.command(RawGatewayCommand(json: json).payload())
    }

    /// Sends a raw WebSocket message on the current connection. Throws `SendError`.
    public func send(_ message: ShardMessage) throws {
        try driver.send(message)
    }

    /// Closes with 1000: the session ends (the bot goes offline).
    public func shutdown() {
        _ = driver.shutdown(resumable: false)
    }

    /// Closes with a non-1000 code, keeping the session; pass the result to
    /// `ShardBuilder.resumeSession` to continue it later. Nil when no session was established.
    @discardableResult
    public func shutdownResumable() -> ResumeSession? {
        driver.shutdown(resumable: true)
    }
}

extension ShardDriver {
    func withSession<T, E: Error>(_ body: (inout GatewaySession) throws(E) -> T) throws(E) -> T {
        var result: Result<T, E>!
        withSession { (s: inout GatewaySession) -> Void in
            do throws(E) { result = .success(try body(&s)) } catch { result = .failure(error) }
        }
        return try result.get()
    }
}
