/// The gateway protocol for one shard, without I/O: feed it `SessionInput`s, perform the
/// `SessionAction`s it returns. Time and randomness are injected, so every rule of issue 3
/// is unit-tested without sockets.
///
/// Rules it encodes: nothing is sent before HELLO; heartbeats start at interval × random and
/// carry the last sequence; server op 1 → beat now; a missing ACK when the next beat is due is
/// a zombie (close 4200, resume); op 7 → close 4200, resume at the resume URL; op 9 → resume
/// (`true`) or forget the session, wait 1–5 s and identify via the queue (`false`); fatal
/// close codes stop the shard; other closes reconnect with exponential backoff and jitter,
/// forever; unknown ops and events are ignored while the sequence advances; replayed
/// dispatches at or below the last sequence are dropped (exactly-once delivery).
public struct GatewaySession: Sendable {
    public private(set) var config: SessionConfiguration
    /// Uniform in [0, 1).
    private let random: @Sendable () -> Double

    public private(set) var stage: ShardStage = .idle
    public private(set) var sessionID: String?
    public private(set) var resumeURL: String?
    /// The last sequence received in the current session (nil before any dispatch).
    public private(set) var sequence: Int64?
    public private(set) var heartbeatInterval: Duration?
    public private(set) var latency = LatencyStats()
    /// Reconnects since the last READY/RESUMED.
    public private(set) var reconnectAttempts = 0

    private var connectionOpen = false
    private var awaitingAck = false
    private var identifyTicket = 0
    private var limiter = CommandRateLimiter(reserved: 3)
    private var pendingCommands: [[UInt8]] = []
    private var commandTimerArmed = false
    /// Queued commands beyond this are refused with `.sending`.
    public static let maxPendingCommands = 1000
    /// The longest heartbeat interval a HELLO may ask for (1 day); Discord sends ~41 250 ms.
    public static let maxHeartbeatIntervalMillis: Double = 86_400_000

    public init(config: SessionConfiguration, resume: ResumeSession? = nil,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.config = config
        self.random = random
        if let resume {
            sessionID = resume.sessionID
            sequence = resume.sequence
            resumeURL = resume.resumeURL
        }
    }

    /// Sets the base URL for new sessions (after `GET /gateway/bot`), before `.start`.
    public mutating func useGatewayURL(_ url: String) { config.gatewayURL = url }

    /// Whether the session could be resumed now.
    public var canResume: Bool { sessionID != nil }

    /// The data to resume this session later (nil without a session).
    public var resumeSession: ResumeSession? {
        sessionID.map { ResumeSession(sessionID: $0, sequence: sequence ?? 0, resumeURL: resumeURL) }
    }

    /// Command slots left in the current rate-limit window.
    public mutating func commandSlotsAvailable(now: ContinuousClock.Instant) -> Int {
        limiter.commandSlotsAvailable(now: now)
    }

    /// Number of commands waiting for a rate-limit slot or for the session to be ready.
    public var queuedCommands: Int { pendingCommands.count }

    // MARK: - Inputs

    public mutating func handle(_ input: SessionInput, now: ContinuousClock.Instant) -> [SessionAction] {
        var out: [SessionAction] = []
        switch input {
        case .start:
            guard stage == .idle else { break }
            connect(&out)
        case .connectionOpened:
            guard stage == .connecting else { break }
            connectionOpen = true
            stage = .handshaking
            awaitingAck = false
            latency.connectionReset()
            limiter = CommandRateLimiter(reserved: 3)
            out.append(.startTimer(.helloTimeout, after: config.helloTimeout))
        case .connectFailed(let reason):
            guard stage == .connecting else { break }
            out.append(.emit(.disconnected(code: nil, reason: reason)))
            scheduleReconnect(&out, delay: nextBackoff())
        case .payload(let header, let bytes):
            guard connectionOpen else { break }
            if config.rawPayloads { out.append(.emit(.payload(bytes))) }
            receive(header, bytes, now: now, &out)
        case .timerFired(let timer):
            timerFired(timer, now: now, &out)
        case .connectionClosed(let code, let reason):
            guard connectionOpen else { break }
            connectionClosed(code: code, reason: reason, &out)
        case .transportFailed(let failure):
            guard connectionOpen else { break }
            switch failure {
            case .messageTooLarge(let limit):
                dropConnection(&out, code: 1009, reason: "message too large")
                fail(.payloadTooLarge(limit: limit), &out)
            case .decompression(let why), .other(let why):
                dropConnection(&out, code: CloseCode.resumable, reason: why)
                out.append(.emit(.disconnected(code: nil, reason: why)))
                scheduleReconnect(&out, delay: nextBackoff())
            }
        case .identifyGranted(let ticket):
            guard ticket == identifyTicket, stage == .identifying, connectionOpen else { break }
            do {
                send(try identifyPayload(), essential: true, now: now, &out)
            } catch {
                dropConnection(&out, code: 1000, reason: "invalid IDENTIFY")
                fail(.invalidIdentify(error.reason), &out)
            }
        case .shutdown(let resumable):
            shutdown(resumable: resumable, &out)
        }
        return out
    }

    /// Queues a user command payload (already serialized and validated). Sends it now when
    /// the session is connected and a rate-limit slot is free.
    public mutating func command(_ payload: [UInt8], now: ContinuousClock.Instant) -> Result<[SessionAction], CommandError> {
        switch stage {
        case .idle, .ended, .failed, .shuttingDown: return .failure(CommandError(.sessionInactive, "shard is \(stage.rawValue)"))
        default: break
        }
        guard pendingCommands.count < GatewaySession.maxPendingCommands else {
            return .failure(CommandError(.sending, "\(pendingCommands.count) commands already queued"))
        }
        // Known limit (issue 3): commands queued while disconnected are sent after the next
        // READY/RESUMED, however old they are by then (bounded by `maxPendingCommands`).
        pendingCommands.append(payload)
        var out: [SessionAction] = []
        flushCommands(now: now, &out)
        return .success(out)
    }

    // MARK: - Payloads

    private mutating func receive(_ h: GatewayPayloadHeader, _ bytes: [UInt8], now: ContinuousClock.Instant,
                                  _ out: inout [SessionAction]) {
        switch h.op {
        case GatewayOpcode.dispatch.rawValue:
            dispatch(h, bytes, now: now, &out)
        case GatewayOpcode.heartbeat.rawValue:
            sendHeartbeat(now: now, &out)
        case GatewayOpcode.heartbeatAck.rawValue:
            awaitingAck = false
            out.append(.emit(.heartbeatAck(latency: latency.ackReceived(at: now))))
        case GatewayOpcode.hello.rawValue:
            hello(h, bytes, now: now, &out)
        case GatewayOpcode.reconnect.rawValue:
            out.append(.emit(.reconnectRequested))
            dropConnection(&out, code: CloseCode.resumable, reason: "reconnect requested")
            scheduleReconnect(&out, delay: requestedReconnectDelay())
        case GatewayOpcode.invalidSession.rawValue:
            let resumable = Self.decode(h, bytes)?.boolValue ?? false
            out.append(.emit(.invalidSession(resumable: resumable)))
            // op 9 `true` resumes on a new connection (close 4200, reconnect, RESUME) rather than
            // sending RESUME on the same socket; both are accepted practice (issue 3).
            if resumable, canResume {
                dropConnection(&out, code: CloseCode.resumable, reason: "invalid session (resumable)")
                scheduleReconnect(&out, delay: requestedReconnectDelay())
            } else {
                forgetSession()
                dropConnection(&out, code: 1000, reason: "invalid session")
                let range = config.invalidSessionDelay
                let wait = range.lowerBound + (range.upperBound - range.lowerBound) * random()
                scheduleReconnect(&out, delay: wait)
            }
        default:
            break  // unknown opcodes never break the session
        }
    }

    private mutating func hello(_ h: GatewayPayloadHeader, _ bytes: [UInt8], now: ContinuousClock.Instant,
                                _ out: inout [SessionAction]) {
        let ms = Self.decode(h, bytes)?["heartbeat_interval"]?.doubleValue ?? 0
        // A hostile or broken server could send 1e300 (Duration would trap), 1e-15 (the rate
        // limiter's beat count would overflow Int) or other values that make timers meaningless;
        // Discord sends ~41 s. Refuse anything outside [1 ms, 1 day].
        guard ms >= 1, ms <= GatewaySession.maxHeartbeatIntervalMillis else {
            let why = "HELLO without a valid heartbeat_interval"
            out.append(.emit(.disconnected(code: CloseCode.resumable, reason: why)))
            dropConnection(&out, code: CloseCode.resumable, reason: why)
            scheduleReconnect(&out, delay: nextBackoff())
            return
        }
        let interval = Duration.milliseconds(ms)
        heartbeatInterval = interval
        limiter = CommandRateLimiter(reserved: CommandRateLimiter.reservedSlots(heartbeatInterval: interval))
        out.append(.cancelTimer(.helloTimeout))
        out.append(.emit(.hello(heartbeatInterval: interval)))
        out.append(.startTimer(.heartbeat, after: interval * random()))
        guard stage == .handshaking else { return }  // a repeated HELLO only updates the interval
        if canResume {
            stage = .resuming
            out.append(.emit(.resuming))
            send(resumePayload(), essential: true, now: now, &out)
        } else {
            stage = .identifying
            identifyTicket += 1
            out.append(.emit(.identifying))
            out.append(.requestIdentify(ticket: identifyTicket))
        }
    }

    private mutating func dispatch(_ h: GatewayPayloadHeader, _ bytes: [UInt8], now: ContinuousClock.Instant,
                                   _ out: inout [SessionAction]) {
        let name = h.eventName ?? ""
        if let s = h.sequence {
            if name != "READY", let last = sequence, s <= last { return }  // replayed twice: deliver once
            sequence = s
        }
        if name == "READY" {
            let d = Self.decode(h, bytes)
            if let id = d?["session_id"]?.stringValue {
                sessionID = id
                resumeURL = d?["resume_gateway_url"]?.stringValue ?? resumeURL
            }
            becomeConnected(resumed: false, now: now, &out)
        } else if name == "RESUMED" {
            becomeConnected(resumed: true, now: now, &out)
        }
        guard config.eventTypes.wants(eventName: name), let range = h.dataRange else { return }
        out.append(.emit(.dispatch(DispatchEvent(name: name, sequence: h.sequence ?? sequence ?? 0,
                                                 payload: bytes, dataRange: range))))
    }

    private mutating func becomeConnected(resumed: Bool, now: ContinuousClock.Instant, _ out: inout [SessionAction]) {
        stage = .connected
        reconnectAttempts = 0
        out.append(.emit(.connected(resumed: resumed)))
        flushCommands(now: now, &out)
    }

    // MARK: - Timers

    private mutating func timerFired(_ timer: SessionTimer, now: ContinuousClock.Instant, _ out: inout [SessionAction]) {
        switch timer {
        case .heartbeat:
            guard connectionOpen, let interval = heartbeatInterval else { return }
            if awaitingAck {
                // Known limit (issue 3): only ACKs prove liveness. A payload that takes longer
                // than one interval to arrive delays the ACK queued behind it, so the connection
                // is judged a zombie and the RESUME replays the same payload. With Discord's
                // ~41 s interval this needs a very slow link; tests with short intervals must
                // keep payloads small (see the 40 MB end-to-end test).
                out.append(.emit(.disconnected(code: CloseCode.resumable, reason: "zombie connection: no heartbeat ACK")))
                dropConnection(&out, code: CloseCode.resumable, reason: "no heartbeat ACK")
                scheduleReconnect(&out, delay: nextBackoff())
                return
            }
            sendHeartbeat(now: now, &out)
            out.append(.startTimer(.heartbeat, after: interval))
        case .helloTimeout:
            guard connectionOpen, stage == .handshaking else { return }
            out.append(.emit(.disconnected(code: CloseCode.resumable, reason: "no HELLO")))
            dropConnection(&out, code: CloseCode.resumable, reason: "no HELLO")
            scheduleReconnect(&out, delay: nextBackoff())
        case .reconnect:
            guard stage == .reconnecting else { return }
            connect(&out)
        case .commandQueue:
            commandTimerArmed = false
            flushCommands(now: now, &out)
        }
    }

    // MARK: - Connections

    private mutating func connect(_ out: inout [SessionAction]) {
        stage = .connecting
        let base = canResume ? (resumeURL ?? config.gatewayURL) : config.gatewayURL
        let url = GatewayURL.connectionURL(base: base, compression: config.compression)
        out.append(.emit(.connecting(url: url)))
        out.append(.connect(url: url))
    }

    private mutating func connectionClosed(code: UInt16?, reason: String, _ out: inout [SessionAction]) {
        connectionOpen = false
        out.append(.cancelTimer(.heartbeat))
        out.append(.cancelTimer(.helloTimeout))
        out.append(.emit(.disconnected(code: code, reason: reason)))
        if stage == .shuttingDown {
            stage = .ended
            return
        }
        if let code, CloseCode.fatal.contains(code) {
            fail(.fatalClose(code: code, reason: reason), &out)
            return
        }
        if let code, CloseCode.newSession.contains(code) { forgetSession() }
        scheduleReconnect(&out, delay: nextBackoff())
    }

    /// Closes the open connection from our side; its later close event is ignored.
    private mutating func dropConnection(_ out: inout [SessionAction], code: UInt16, reason: String) {
        guard connectionOpen else { return }
        connectionOpen = false
        out.append(.cancelTimer(.heartbeat))
        out.append(.cancelTimer(.helloTimeout))
        out.append(.close(code: code, reason: reason))
    }

    private mutating func scheduleReconnect(_ out: inout [SessionAction], delay: Duration) {
        stage = .reconnecting
        out.append(.emit(.reconnecting(after: delay)))
        out.append(.startTimer(.reconnect, after: delay))
    }

    /// Exponential backoff with equal jitter: a delay in [cap/2, cap), cap doubling per attempt
    /// from `backoffBase` up to `backoffMax`. Never gives up.
    /// Op 7 / op 9 (resumable) ask for an immediate reconnect; a server repeating that before
    /// the session is back would get a tight connect loop, so repeats back off.
    private mutating func requestedReconnectDelay() -> Duration {
        if reconnectAttempts == 0 {
            reconnectAttempts = 1
            return .zero
        }
        return nextBackoff()
    }

    private mutating func nextBackoff() -> Duration {
        reconnectAttempts += 1
        let exponent = min(reconnectAttempts - 1, 30)
        var cap = config.backoffBase * (1 << exponent)
        if cap > config.backoffMax { cap = config.backoffMax }
        return cap / 2 + (cap / 2) * random()
    }

    private mutating func forgetSession() {
        sessionID = nil
        resumeURL = nil
        sequence = nil
    }

    private mutating func fail(_ error: GatewayError, _ out: inout [SessionAction]) {
        stage = .failed
        pendingCommands.removeAll()
        out.append(.cancelTimer(.reconnect))
        out.append(.cancelTimer(.commandQueue))
        out.append(.emit(.fatal(error)))
    }

    private mutating func shutdown(resumable: Bool, _ out: inout [SessionAction]) {
        switch stage {
        case .ended, .failed, .shuttingDown: return
        default: break
        }
        if !resumable { forgetSession() }
        pendingCommands.removeAll()
        out.append(.cancelTimer(.reconnect))
        out.append(.cancelTimer(.commandQueue))
        if connectionOpen {
            dropConnection(&out, code: resumable ? CloseCode.resumable : 1000, reason: "shutdown")
            stage = .shuttingDown
        } else {
            stage = .ended
            out.append(.emit(.disconnected(code: nil, reason: "shutdown")))
        }
    }

    /// A close we initiated is complete (or was abandoned); ends a shutdown.
    public mutating func closeCompleted() -> [SessionAction] {
        guard stage == .shuttingDown else { return [] }
        stage = .ended
        return [.emit(.disconnected(code: nil, reason: "shutdown"))]
    }

    // MARK: - Sending

    private mutating func sendHeartbeat(now: ContinuousClock.Instant, _ out: inout [SessionAction]) {
        var bytes: [UInt8] = Array(#"{"op":1,"d":"#.utf8)
        if let sequence { JSONWriter.appendInteger(sequence, to: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
        bytes.append(UInt8(ascii: "}"))
        awaitingAck = true
        latency.heartbeatSent(at: now)
        send(bytes, essential: true, now: now, &out)
    }

    private mutating func send(_ bytes: [UInt8], essential: Bool, now: ContinuousClock.Instant, _ out: inout [SessionAction]) {
        _ = limiter.acquireEssential(now: now)
        out.append(.send(bytes))
    }

    private mutating func flushCommands(now: ContinuousClock.Instant, _ out: inout [SessionAction]) {
        guard stage == .connected, connectionOpen else { return }
        while !pendingCommands.isEmpty {
            guard limiter.acquireCommand(now: now) else {
                if !commandTimerArmed, let at = limiter.nextCommandSlot(now: now) {
                    commandTimerArmed = true
                    out.append(.startTimer(.commandQueue, after: now.duration(to: at)))
                }
                return
            }
            out.append(.send(pendingCommands.removeFirst()))
        }
    }

    static func decode(_ h: GatewayPayloadHeader, _ bytes: [UInt8]) -> JSONValue? {
        guard let range = h.dataRange else { return nil }
        return bytes.withUnsafeBytes { raw in try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[range])) }
    }
}
