import Foundation

/// The I/O shell around one `GatewaySession`: performs its actions (connections, timers,
/// identify queue, event delivery) and feeds transport callbacks back in.
///
/// All session access is under `lock` (recursive, so an event callback may call back into
/// the shard). Transport callbacks and timers run on `loop`; user calls may come from any
/// thread. Each connection gets a generation number; callbacks of replaced connections are
/// ignored, except to finish a shutdown.
final class ShardDriver: @unchecked Sendable {
    struct Options: Sendable {
        var webSocket: WebSocketOptions
        var tls: TLSConfiguration
        var identifyQueue: IdentifyQueue
        var logger: Logger
    }

    let loop: EventLoop
    let options: Options
    private let lock = NSRecursiveLock()
    private var session: GatewaySession
    private let sink: @Sendable (ShardEvent) -> Void
    private let finish: @Sendable () -> Void
    private let clock = ContinuousClock()

    private var connection: WebSocketConnection?
    private var decompressor: GatewayDecompressor?
    private var generation = 0
    /// The connection being closed for a shutdown; its close completes the shutdown.
    private var closingGeneration: Int?
    private var timers: [SessionTimer: (id: Int, handle: Scheduled)] = [:]
    private var timerIDs = 0
    private var startWaiter: (@Sendable (ShardStartError?) -> Void)?
    private var finished = false
    /// Events emitted under `lock`, delivered by `deliver()` after it is released.
    private var outbox: [ShardEvent] = []
    private var finishPending = false
    /// Backpressure (issue 7): the owner asked to stop reading; kept across reconnects.
    private var readingPaused = false
    private var finishCalled = false
    /// A `deliver()` is running (guarded by `lock`).
    private var delivering = false
    /// The outbox's previous storage, emptied, kept for the next swap (used by the running `deliver()`).
    private var spareOutbox: [ShardEvent] = []
    /// Set by the builder when the gateway URL is unusable; `start()` throws it.
    var gatewayURLProblem: ShardStartError?
    /// Set by the builder when no gateway URL was given: `start()` asks `GET /gateway/bot`.
    var gatewayLookup: (apiBaseURL: String, token: Token)?

    init(session: GatewaySession, loop: EventLoop, options: Options,
         sink: @escaping @Sendable (ShardEvent) -> Void, finish: @escaping @Sendable () -> Void) {
        self.session = session
        self.loop = loop
        self.options = options
        self.sink = sink
        self.finish = finish
    }

    var shardID: Int { session.config.shardID }

    func withSession<T>(_ body: (inout GatewaySession) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&session)
    }

    // MARK: - User entry points

    /// Starts the session and waits until the first connection opens (or fails).
    func start() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            start { error in
                if let error { c.resume(throwing: error) } else { c.resume() }
            }
        }
    }

    /// The callback form of `start()`: `completion` runs once (on the loop, or at once for an
    /// unusable URL or a second start) with nil when the first connection opened, else the
    /// error. It needs no Swift-concurrency thread, so a caller whose other threads block
    /// (a thread-based runtime, tests) cannot starve it.
    func start(completion: @escaping @Sendable (ShardStartError?) -> Void) {
        if let problem = gatewayURLProblem { completion(problem); return }
        guard let lookup = gatewayLookup else { begin(completion); return }
        GatewayBotLookup.fetch(apiBaseURL: lookup.apiBaseURL, token: lookup.token, tls: options.tls, loop: loop) { [self] result in
            switch result {
            case .failure(let error): completion(error)
            case .success(let info):
                guard GatewayURL.isValid(info.url) else {
                    completion(ShardStartError(.parsingGatewayURL, "GET /gateway/bot returned \(info.url)"))
                    return
                }
                withSession { $0.useGatewayURL(info.url) }
                begin(completion)
            }
        }
    }

    private func begin(_ completion: @escaping @Sendable (ShardStartError?) -> Void) {
        var refused: ShardStartError?
        locked { d in
            guard d.session.stage == .idle else {
                refused = ShardStartError(.alreadyStarted, "shard \(d.shardID) was already started")
                return
            }
            d.startWaiter = completion
            d.input(.start)
        }
        if let refused { completion(refused) }
    }

    /// Reports the start's outcome outside the state lock (the callback may call into shards).
    private func completeStart(_ error: ShardStartError?) {
        guard let waiter = startWaiter else { return }
        startWaiter = nil
        loop.execute { waiter(error) }
    }

    func command(_ payload: [UInt8]) throws(CommandError) {
        lock.lock()
        let result = session.command(payload, now: clock.now)
        if case .success(let actions) = result { perform(actions) }
        lock.unlock()
        deliver()
        if case .failure(let error) = result { throw error }
    }

    func send(_ message: ShardMessage) throws(SendError) {
        lock.lock()
        defer { lock.unlock() }
        switch session.stage {
        case .idle, .ended, .failed, .shuttingDown: throw SendError(.sessionInactive, "shard is \(session.stage.rawValue)")
        default: break
        }
        guard let connection else { throw SendError(.sending, "no open connection (shard is \(session.stage.rawValue))") }
        switch message {
        case .text(let text): connection.send(textBytes: Array(text.utf8))
        case .binary(let bytes): connection.send(binary: bytes)
        case .ping(let bytes): connection.ping(bytes)
        case .close(let code, let reason): connection.close(code: code, reason: reason)
        }
    }

    func setReadingPaused(_ paused: Bool) {
        lock.lock()
        defer { lock.unlock() }
        guard paused != readingPaused else { return }
        readingPaused = paused
        connection?.setReadingPaused(paused)
    }

    func shutdown(resumable: Bool) -> ResumeSession? {
        var resume: ResumeSession?
        locked { d in
            resume = resumable ? d.session.resumeSession : nil
            d.input(.shutdown(resumable: resumable))
        }
        return resume
    }

    // MARK: - Session plumbing

    /// Feeds one input and performs the resulting actions. Caller holds `lock`.
    private func input(_ input: SessionInput) {
        perform(session.handle(input, now: clock.now))
        afterInput(input)
    }

    private func afterInput(_ input: SessionInput) {
        if startWaiter != nil {
            switch (input, session.stage) {
            case (.connectionOpened, _):
                completeStart(nil)
            case (.connectFailed(let reason), _):
                completeStart(ShardStartError(.establishing, reason))
                perform(session.handle(.shutdown(resumable: false), now: clock.now))
            default: break
            }
        }
        if (session.stage == .ended || session.stage == .failed) && !finished {
            finished = true
            for (_, timer) in timers { timer.handle.cancel() }
            timers.removeAll()
            completeStart(ShardStartError(.establishing, "shard stopped before connecting"))
            finishPending = true
        }
    }

    private func perform(_ actions: [SessionAction]) {
        for action in actions {
            switch action {
            case .connect(let url): connect(url)
            case .send(let bytes): connection?.send(textBytes: bytes)
            case .close(let code, let reason):
                if session.stage == .shuttingDown { closingGeneration = generation }
                connection?.close(code: code, reason: reason)
                connection = nil
                decompressor = nil
            case .startTimer(let timer, let after): startTimer(timer, after: after)
            case .cancelTimer(let timer): timers.removeValue(forKey: timer)?.handle.cancel()
            case .requestIdentify(let ticket):
                let loop = self.loop
                options.identifyQueue.enqueue(shardID: shardID) { [self] in
                    loop.execute { [self] in locked { $0.input(.identifyGranted(ticket: ticket)) } }
                }
            case .emit(let event):
                log(event)
                outbox.append(event)
            }
        }
    }

    /// Runs `body` under the state lock, then delivers the events it emitted.
    private func locked(_ body: (ShardDriver) -> Void) {
        lock.lock()
        body(self)
        lock.unlock()
        deliver()
    }

    /// Hands queued events to the sink in order, holding no lock while the sink runs, so a
    /// callback may call into this or any other shard (from any thread) without deadlocks.
    /// One deliverer at a time: a call made while another delivery runs (re-entrant, or from
    /// another thread) returns at once and leaves its events to the running deliverer. The
    /// `delivering` flag is read and cleared under `lock`, the lock that guards `outbox`, so an
    /// event queued while the deliverer is finishing is never stranded.
    /// (Holding a per-shard delivery lock across the sink deadlocked two shards whose
    /// callbacks called into each other from their two loop threads.)
    private func deliver() {
        lock.lock()
        guard !delivering else { lock.unlock(); return }
        delivering = true
        while true {
            // Swapped, not copied: the outbox gets the spare's emptied storage, so neither side
            // allocates per payload (issue 7). The spare belongs to the running deliverer.
            var batch: [ShardEvent] = []
            swap(&batch, &spareOutbox)
            swap(&batch, &outbox)
            if batch.isEmpty {
                spareOutbox = batch
                delivering = false
                let finishNow = finishPending && !finishCalled
                if finishNow { finishCalled = true }
                lock.unlock()
                if finishNow { finish() }
                return
            }
            lock.unlock()
            for event in batch { sink(event) }
            batch.removeAll(keepingCapacity: batch.capacity <= 1024)
            lock.lock()
            spareOutbox = batch
        }
    }

    private func startTimer(_ timer: SessionTimer, after: Duration) {
        timers.removeValue(forKey: timer)?.handle.cancel()
        timerIDs += 1
        let id = timerIDs
        let seconds = max(0, after.inSeconds)
        let handle = loop.schedule(after: seconds) { [weak self] in
            self?.locked { driver in
                guard driver.timers[timer]?.id == id else { return }
                driver.timers.removeValue(forKey: timer)
                driver.input(.timerFired(timer))
            }
        }
        timers[timer] = (id, handle)
    }

    private func connect(_ urlString: String) {
        generation += 1
        let gen = generation
        let url: WebSocketURL
        do {
            url = try WebSocketURL(urlString)
        } catch {
            loop.execute { [weak self] in self?.locked { $0.input(.connectFailed(reason: "\(error)")) } }
            return
        }
        decompressor = session.config.compression.makeDecompressor(limit: options.webSocket.maxMessageSize)
        let handler = ConnectionHandler(driver: self, generation: gen)
        connection = WebSocketClient.connect(url: url, options: options.webSocket, tls: options.tls, on: loop, handler: handler)
        if readingPaused { connection?.setReadingPaused(true) }
    }

    // MARK: - Transport callbacks (loop thread)

    fileprivate func opened(_ gen: Int) {
        locked { d in
            guard gen == d.generation, d.connection != nil else { return }
            d.input(.connectionOpened)
        }
    }

    fileprivate func received(_ gen: Int, _ message: WebSocketMessage) {
        locked { d in
            guard gen == d.generation, d.connection != nil else { return }
            var payload = message.bytes
            if let decompressor = d.decompressor {
                do {
                    guard let whole = try decompressor.decompress(payload) else { return }
                    payload = whole
                } catch {
                    if case TransportError.messageTooLarge(_, let limit) = error {
                        d.input(.transportFailed(.messageTooLarge(limit: limit)))
                    } else {
                        d.input(.transportFailed(.decompression("\(error)")))
                    }
                    return
                }
            }
            let header: GatewayPayloadHeader
            do {
                header = try GatewayPayloadScanner.scan(payload)
            } catch {
                d.options.logger.warn("gateway payload ignored", ["shard": d.shardID, "error": "\(error)"])
                return
            }
            d.input(.payload(header, payload))
        }
    }

    /// Known limit (issue 3): a fatal close reaches the user when the transport finishes the
    /// close handshake; a peer that sends the close frame but keeps TCP open delays it by the
    /// WebSocket `closeTimeout` (5 s), as seen with the sim's 4004 on IDENTIFY.
    fileprivate func ended(_ gen: Int, opened: Bool, code: UInt16?, reason: String, failure: TransportError?) {
        locked { d in
            if gen != d.generation || d.connection == nil {
                // A connection we replaced or closed; only a shutdown waits for it.
                if gen == d.closingGeneration {
                    d.closingGeneration = nil
                    d.perform(d.session.closeCompleted())
                    d.afterInput(.shutdown(resumable: false))
                }
                return
            }
            d.connection = nil
            d.decompressor = nil
            if !opened {
                d.input(.connectFailed(reason: failure.map { "\($0)" } ?? reason))
            } else if case .messageTooLarge(_, let limit)? = failure {
                d.input(.transportFailed(.messageTooLarge(limit: limit)))
            } else if case .protocolViolation(_, closeCode: 1009)? = failure {
                // The transport refuses a single frame over the limit this way.
                d.input(.transportFailed(.messageTooLarge(limit: d.options.webSocket.maxMessageSize)))
            } else if let failure {
                d.input(.connectionClosed(code: nil, reason: "\(failure)"))
            } else {
                d.input(.connectionClosed(code: code == 1005 || code == 1006 ? nil : code, reason: reason))
            }
        }
    }

    private func log(_ event: ShardEvent) {
        let logger = options.logger
        switch event {
        case .dispatch, .payload, .heartbeatAck, .hello: return
        case .connecting(let url): logger.info("shard connecting", ["shard": shardID, "url": url])
        case .identifying: logger.info("shard identifying", ["shard": shardID])
        case .resuming: logger.info("shard resuming", ["shard": shardID, "seq": session.sequence ?? 0])
        case .connected(let resumed): logger.info("shard connected", ["shard": shardID, "resumed": resumed])
        case .reconnecting(let after): logger.info("shard reconnecting", ["shard": shardID, "after": after])
        case .disconnected(let code, let reason):
            logger.info("shard disconnected", ["shard": shardID, "code": code.map { "\($0)" } ?? "none", "reason": reason])
        case .invalidSession(let resumable): logger.warn("invalid session", ["shard": shardID, "resumable": resumable])
        case .reconnectRequested: logger.info("gateway requested reconnect", ["shard": shardID])
        case .fatal(let error): logger.error("shard stopped", ["shard": shardID, "error": error])
        }
    }
}

/// Per-connection handler: tags callbacks with the connection's generation.
private final class ConnectionHandler: WebSocketHandler {
    let driver: ShardDriver
    let generation: Int
    var opened = false

    init(driver: ShardDriver, generation: Int) {
        self.driver = driver
        self.generation = generation
    }

    func webSocketDidOpen(_ ws: WebSocketConnection) {
        opened = true
        driver.opened(generation)
    }

    func webSocket(_ ws: WebSocketConnection, didReceive message: WebSocketMessage) {
        driver.received(generation, message)
    }

    func webSocket(_ ws: WebSocketConnection, didReceivePong payload: [UInt8]) {}

    func webSocket(_ ws: WebSocketConnection, didCloseWith code: UInt16, reason: String) {
        driver.ended(generation, opened: opened, code: code, reason: reason, failure: nil)
    }

    func webSocket(_ ws: WebSocketConnection, didFail error: TransportError) {
        driver.ended(generation, opened: opened, code: nil, reason: "", failure: error)
    }
}
