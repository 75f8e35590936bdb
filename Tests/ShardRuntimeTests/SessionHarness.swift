@testable import ShardRuntime

/// Drives a `GatewaySession` by hand: a fake clock, a fixed random value, and helpers that
/// feed JSON text and pick actions out of the result.
struct SessionHarness {
    var session: GatewaySession
    var now = ContinuousClock.now
    var last: [SessionAction] = []

    static let token = Token("FAKE.secret.token-xyz")

    init(random: Double = 0.5, resume: ResumeSession? = nil, configure: (inout SessionConfiguration) -> Void = { _ in }) {
        var config = SessionConfiguration(token: SessionHarness.token, intents: [.guilds, .guildMessages],
                                          shardID: 3, shardTotal: 8, gatewayURL: "wss://gw.example.invalid",
                                          compression: .zlibStream)
        configure(&config)
        session = GatewaySession(config: config, resume: resume, random: { random })
    }

    @discardableResult
    mutating func feed(_ input: SessionInput) -> [SessionAction] {
        last = session.handle(input, now: now)
        return last
    }

    @discardableResult
    mutating func receive(_ json: String) -> [SessionAction] {
        let bytes = Array(json.utf8)
        let header = try! GatewayPayloadScanner.scan(bytes)
        return feed(.payload(header, bytes))
    }

    mutating func advance(_ d: Duration) { now += d }

    /// start → open → HELLO (interval ms) → identify granted → READY.
    mutating func connectAndReady(interval: Int = 1000, sessionID: String = "sess-1",
                                  resumeURL: String = "wss://resume.example.invalid") {
        feed(.start)
        feed(.connectionOpened)
        receive(#"{"op":10,"d":{"heartbeat_interval":\#(interval)}}"#)
        if let ticket = last.compactMap({ if case .requestIdentify(let t) = $0 { t } else { nil } }).first {
            feed(.identifyGranted(ticket: ticket))
        }
        receive(#"{"t":"READY","s":1,"op":0,"d":{"session_id":"\#(sessionID)","resume_gateway_url":"\#(resumeURL)","user":{"id":"1"}}}"#)
    }
}

extension Array where Element == SessionAction {
    var sent: [String] { compactMap { if case .send(let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil } } }
    var events: [ShardEvent] { compactMap { if case .emit(let e) = $0 { e } else { nil } } }
    var connects: [String] { compactMap { if case .connect(let u) = $0 { u } else { nil } } }
    var closes: [UInt16] { compactMap { if case .close(let c, _) = $0 { c } else { nil } } }
    func timer(_ t: SessionTimer) -> Duration? {
        compactMap { if case .startTimer(t, let d) = $0 { d } else { nil } }.last
    }
    var identifyTickets: [Int] { compactMap { if case .requestIdentify(let t) = $0 { t } else { nil } } }
    var dispatchSequences: [Int64] { events.compactMap { if case .dispatch(let d) = $0 { d.sequence } else { nil } } }
    var fatal: GatewayError? { events.compactMap { if case .fatal(let e) = $0 { e } else { nil } }.first }
}
