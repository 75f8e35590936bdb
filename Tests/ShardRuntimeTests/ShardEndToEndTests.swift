import Foundation
import GatewaySim
import Testing
@testable import ShardRuntime

/// Collects a shard's events; tests wait on conditions with a deadline.
final class EventLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [ShardEvent] = []
    private var finished = false

    func append(_ event: ShardEvent) {
        condition.lock()
        events.append(event)
        condition.broadcast()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    var snapshot: [ShardEvent] { condition.lock(); defer { condition.unlock() }; return events }
    var isFinished: Bool { condition.lock(); defer { condition.unlock() }; return finished }

    /// Waits until `check` holds for the events so far (or `seconds` pass).
    @discardableResult
    func wait(_ seconds: Double = 10, _ check: ([ShardEvent], Bool) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !check(events, finished) {
            if !condition.wait(until: deadline) { return check(events, finished) }
        }
        return true
    }

    func count(_ match: (ShardEvent) -> Bool) -> Int { snapshot.filter(match).count }

    var dispatches: [DispatchEvent] { ShardRuntimeTests.dispatches(snapshot) }
}

func dispatches(_ events: [ShardEvent]) -> [DispatchEvent] {
    events.compactMap { if case .dispatch(let d) = $0 { d } else { nil } }
}

func isConnected(_ resumed: Bool) -> (ShardEvent) -> Bool { { $0 == .connected(resumed: resumed) } }

@Suite(.serialized) struct ShardEndToEndTests {
    struct Setup {
        let sim: GatewaySim
        let shard: Shard
        let log: EventLog
    }

    static func setUp(compression: GatewayCompression = .zlibStream, tls: Bool = false, loop: EventLoop? = nil,
                      configure: (inout GatewaySimOptions) -> Void = { _ in }) throws -> Setup {
        var options = GatewaySimOptions()
        // A long interval: with 300 ms, a loaded machine delayed an ACK past the next beat now
        // and then, and the zombie reconnect broke "connected" / "identified once" checks.
        // Tests about heartbeats set a short one themselves.
        options.heartbeatIntervalMS = 20_000
        options.tls = tls
        configure(&options)
        let sim = GatewaySim(options: options)
        _ = try sim.start()
        let log = EventLog()
        var builder = Shard.builder(token: sim.token, intents: [.guilds, .guildMessages, .messageContent])
            .gatewayURL(sim.gatewayURL)
            .compression(compression)
            .identifyQueue(LocalIdentifyQueue(maxConcurrency: 1, interval: .milliseconds(10)))
            .logger(Logger(level: .error))
            .timings(invalidSessionDelay: .milliseconds(10) ... .milliseconds(50), backoffBase: .milliseconds(50),
                     backoffMax: .milliseconds(400), helloTimeout: .seconds(5))
        if tls, let ca = sim.caFile { builder = builder.tls(.client(caFile: ca)) }
        if let loop { builder = builder.eventLoop(loop) }
        let shard = builder.build(onEvent: { log.append($0) }, onFinish: { log.finish() })
        return Setup(sim: sim, shard: shard, log: log)
    }

    static func tearDown(_ s: Setup) {
        s.shard.shutdown()
        s.log.wait(5) { _, finished in finished }
        s.sim.stop()
    }

    @Test(arguments: [GatewayCompression.zlibStream, .zstdStream, .none])
    func identifyReadyAndDispatch(compression: GatewayCompression) async throws {
        let s = try Self.setUp(compression: compression)
        defer { Self.tearDown(s) }
        try await s.shard.start()
        #expect(s.log.wait { events, _ in events.contains(.connected(resumed: false)) })
        #expect(s.log.wait { events, _ in dispatches(events).contains { $0.name == "GUILD_CREATE" } })
        _ = s.sim.postUserMessage(content: "hello from the sim")
        #expect(s.log.wait { events, _ in dispatches(events).contains { $0.name == "MESSAGE_CREATE" } })
        let message = try #require(s.log.dispatches.first { $0.name == "MESSAGE_CREATE" })
        #expect(try message.decodeData()["content"]?.stringValue == "hello from the sim")
        let info = try s.shard.info()
        #expect(info.stage == .connected && info.sessionID != nil && info.sequence == message.sequence)
        let target = s.sim.recorder.connections.first?.target ?? ""
        #expect(target.contains("v=10") && target.contains("encoding=json"))
        #expect(s.sim.recorder.identifyCount == 1)
    }

    @Test func overTLS() async throws {
        let s = try Self.setUp(tls: true)
        defer { Self.tearDown(s) }
        try await s.shard.start()
        #expect(s.log.wait { events, _ in events.contains(.connected(resumed: false)) })
    }

    @Test func reconnectRequestResumesAndDeliversEverySequenceOnce() async throws {
        let s = try Self.setUp()
        defer { Self.tearDown(s) }
        try await s.shard.start()
        #expect(s.log.wait { events, _ in events.contains(.connected(resumed: false)) })
        for i in 0..<5 { _ = s.sim.postUserMessage(content: "before \(i)") }
        s.sim.sendReconnect()
        for i in 0..<5 { _ = s.sim.postUserMessage(content: "during \(i)") }
        #expect(s.log.wait { events, _ in events.contains(.connected(resumed: true)) })
        _ = s.sim.postUserMessage(content: "after")
        #expect(s.log.wait { events, _ in dispatches(events).contains { (try? $0.decodeData()["content"]?.stringValue) == "after" } })
        let rec = s.sim.recorder
        #expect(rec.resumeCount == 1 && rec.identifyCount == 1)
        #expect(rec.clientCloseCodes.allSatisfy { $0 != 1000 && $0 != 1001 })
        let seqs = s.log.dispatches.map(\.sequence)
        #expect(seqs == Array(seqs.sorted()) && Set(seqs).count == seqs.count)  // in order, no duplicate
        let sessionID = try #require(try s.shard.info().sessionID)
        let sent = Set(rec.deliveredSequences[sessionID] ?? []).map { Int64($0) }
        #expect(Set(seqs) == Set(sent))  // nothing the gateway sent was lost
        let contents = s.log.dispatches.compactMap { try? $0.decodeData()["content"]?.stringValue }
        #expect(contents.filter { $0.hasPrefix("during") }.count == 5)
    }

    @Test func zombieConnectionIsClosedAndResumed() async throws {
        let s = try Self.setUp { $0.heartbeatIntervalMS = 150 }
        defer { Self.tearDown(s) }
        try await s.shard.start()
        #expect(s.log.wait { events, _ in events.contains(.connected(resumed: false)) })
        s.sim.setHeartbeatACKs(false)
        #expect(s.sim.waitUntil(timeout: 10) { !$0.clientCloseCodes.isEmpty })
        s.sim.setHeartbeatACKs(true)
        #expect(s.log.wait { events, _ in events.contains(.connected(resumed: true)) })
        #expect(s.sim.recorder.clientCloseCodes.first.map { $0 != 1000 && $0 != 1001 } == true)
    }

    @Test func fatalCloseStopsTheShardWithTheError() async throws {
        let s = try Self.setUp()
        defer { Self.tearDown(s) }
        try await s.shard.start()
        #expect(s.log.wait { events, _ in events.contains(.connected(resumed: false)) })
        s.sim.close(code: 4004)
        #expect(s.log.wait { _, finished in finished })
        #expect(s.log.snapshot.contains { if case .fatal(.fatalClose(4004, _)) = $0 { true } else { false } })
        #expect(throws: SessionInactiveError.self) { try s.shard.info() }
        #expect(s.sim.recorder.connections.count == 1)  // no reconnect
    }

    @Test func invalidSessionFalseReidentifies() async throws {
        let s = try Self.setUp()
        defer { Self.tearDown(s) }
        try await s.shard.start()
        #expect(s.log.wait { events, _ in events.contains(.connected(resumed: false)) })
        s.sim.sendInvalidSession(resumable: false)
        #expect(s.log.wait { events, _ in events.filter { $0 == .connected(resumed: false) }.count == 2 })
        #expect(s.sim.recorder.identifyCount == 2)
    }

    @Test func shutdownResumableThenResumeInANewShard() async throws {
        let s = try Self.setUp()
        try await s.shard.start()
        #expect(s.log.wait { events, _ in events.contains(.connected(resumed: false)) })
        let resume = try #require(s.shard.shutdownResumable())
        #expect(s.log.wait { _, finished in finished })
        #expect(s.sim.waitUntil { $0.clientCloseCodes.contains { $0 != 1000 } })
        let log2 = EventLog()
        let shard2 = Shard.builder(token: s.sim.token, intents: [.guilds, .guildMessages])
            .gatewayURL(s.sim.gatewayURL).resumeSession(resume).logger(Logger(level: .error))
            .build(onEvent: { log2.append($0) }, onFinish: { log2.finish() })
        try await shard2.start()
        #expect(log2.wait { events, _ in events.contains(.connected(resumed: true)) })
        #expect(s.sim.recorder.resumeCount == 1)
        shard2.shutdown()
        #expect(log2.wait(5) { _, finished in finished })
        s.sim.stop()
    }

    @Test func startErrors() async throws {
        let idle = Shard(token: "t", intents: .guilds)
        #expect(throws: SessionInactiveError.self) { try idle.info() }
        #expect { try idle.command(UpdatePresence()) } throws: { ($0 as? CommandError)?.kind == .sessionInactive }
        #expect { try idle.send(.text("{}")) } throws: { ($0 as? SendError)?.kind == .sessionInactive }
        let bad = Shard.builder(token: "t", intents: .guilds).gatewayURL("https://nope").build(onEvent: { _ in })
        await #expect { try await bad.start() } throws: { ($0 as? ShardStartError)?.kind == .parsingGatewayURL }
        // A port nobody listens on (bound then closed by the sim): lookup and connect both fail.
        let sim = GatewaySim()
        let port = try sim.start()
        sim.stop()
        let none = Shard.builder(token: "t", intents: .guilds).gatewayURL(nil).apiBaseURL("http://127.0.0.1:\(port)/api/v10")
            .build(onEvent: { _ in })
        await #expect { try await none.start() } throws: { ($0 as? ShardStartError)?.kind == .retrievingGatewayURL }
        let refused = Shard.builder(token: "t", intents: .guilds).gatewayURL("ws://127.0.0.1:\(port)")
            .logger(Logger(level: .error)).build(onEvent: { _ in })
        await #expect { try await refused.start() } throws: { ($0 as? ShardStartError)?.kind == .establishing }
        #expect(throws: SessionInactiveError.self) { try refused.info() }
    }

    @Test func fortyMegabyteGuildCreateIsDeliveredIntact() async throws {
        // A 40 MB payload takes longer than a short heartbeat to cross in a debug build; the ACK
        // queued behind it would look like a zombie, so this test keeps setUp's long interval.
        // A loop of its own: decoding 40 MB keeps a debug-build loop busy for seconds, which on
        // a shared loop delayed other parallel tests' heartbeats into zombie reconnects.
        let own = EventLoop(name: "shard-40mb")
        defer { own.shutdown() }
        let s = try Self.setUp(compression: .none, loop: own)
        defer { Self.tearDown(s) }
        let size = 40 << 20
        s.sim.setGuildCreateSize(bytes: size)
        s.sim.setPayloadSplit(messages: 1, frames: 3)
        try await s.shard.start()
        #expect(s.log.wait(30) { events, _ in dispatches(events).contains { $0.name == "GUILD_CREATE" } })
        let guild = try #require(s.log.dispatches.first { $0.name == "GUILD_CREATE" }, "\(s.log.snapshot.map { if case .dispatch(let d) = $0 { "dispatch \(d.name)" } else { "\($0)" } })")
        #expect(guild.data.count >= size)
        #expect(try guild.decodeData()["id"]?.stringValue != nil)
    }

    @Test func payloadOverTheLimitIsAClearFatalErrorNotAnIdentifyLoop() async throws {
        var options = GatewaySimOptions()
        // Long: under load a 300 ms beat's ACK (queued behind the 2 MB payload) came late, and
        // the zombie reconnect identified again (a second IDENTIFY that is no identify loop).
        options.heartbeatIntervalMS = 20_000
        let sim = GatewaySim(options: options)
        _ = try sim.start()
        defer { sim.stop() }
        sim.setGuildCreateSize(bytes: 2 << 20)
        let log = EventLog()
        let shard = Shard.builder(token: sim.token, intents: .guilds).gatewayURL(sim.gatewayURL).compression(.none)
            .maxMessageSize(1 << 20).logger(Logger(level: .error))
            .identifyQueue(LocalIdentifyQueue(maxConcurrency: 1, interval: .milliseconds(10)))
            .build(onEvent: { log.append($0) }, onFinish: { log.finish() })
        try await shard.start()
        #expect(log.wait(20) { _, finished in finished })
        #expect(log.snapshot.contains(.fatal(.payloadTooLarge(limit: 1 << 20))))
        #expect(sim.recorder.identifyCount == 1)
    }

    @Test func lateHelloServerHeartbeatRequestUnknownOpsAndSplitPayloads() async throws {
        let s = try Self.setUp()
        defer { Self.tearDown(s) }
        s.sim.setHelloDelay(0.4)
        s.sim.setPayloadSplit(messages: 3, frames: 2, pingsBetweenFragments: true)
        try await s.shard.start()
        #expect(s.log.wait { events, _ in events.contains(.connected(resumed: false)) })
        let first = try #require(s.sim.recorder.connections.first)
        #expect(first.payloads.first.map { $0.time - first.openedAt >= 0.39 } == true)  // nothing before HELLO

        let beatsBefore = s.sim.recorder.payloads(op: 1).count
        s.sim.requestHeartbeat()
        #expect(s.sim.waitUntil { $0.payloads(op: 1).count > beatsBefore })

        s.sim.sendUnknownOpcode(99)
        s.sim.dispatchUnknownEvent("SIM_UNKNOWN_EVENT")
        _ = s.sim.postUserMessage(content: "still alive")
        #expect(s.log.wait { events, _ in dispatches(events).contains { (try? $0.decodeData()["content"]?.stringValue) == "still alive" } })
        #expect(s.log.dispatches.contains { $0.name == "SIM_UNKNOWN_EVENT" })
        let last = try #require(s.log.dispatches.last)
        #expect(try s.shard.info().sequence == last.sequence)
        #expect(s.sim.recorder.connections.count == 1)  // never reconnected
    }

    @Test func callbacksMayCallIntoThisAndOtherShards() async throws {
        var options = GatewaySimOptions()
        options.heartbeatIntervalMS = 300
        let sim = GatewaySim(options: options)
        _ = try sim.start()
        defer { sim.stop() }
        final class Peers: @unchecked Sendable { var shards: [Shard] = [] }
        let peers = Peers()
        let log = EventLog()
        let queue = LocalIdentifyQueue(maxConcurrency: 2, interval: .milliseconds(10))
        for id in 0..<2 {
            let shard = Shard.builder(token: sim.token, intents: .guilds).gatewayURL(sim.gatewayURL).shard(id: id, total: 2)
                .identifyQueue(queue).logger(Logger(level: .error))
                .build(onEvent: { event in
                    guard case .dispatch(let d) = event, d.name == "GUILD_CREATE" || d.name == "READY" else { return }
                    // From the loop thread, inside the callback: this shard's info and the other's command.
                    let me = peers.shards[id]
                    _ = try? me.info()
                    try? peers.shards[1 - id].command(UpdatePresence(status: .idle))
                    log.append(event)
                })
            peers.shards.append(shard)
        }
        for shard in peers.shards { try await shard.start() }
        #expect(sim.waitUntil(timeout: 10) { $0.payloads(op: 3).count >= 2 })
        for shard in peers.shards { shard.shutdown() }
    }

    @Test func gatewayURLFromGatewayBotLookup() async throws {
        let s = try Self.setUp()
        defer { s.sim.stop() }
        let info = try await GatewayBotLookup.fetch(apiBaseURL: s.sim.apiBaseURL, token: Token(s.sim.token))
        #expect(info.url == s.sim.gatewayURL && info.shards == 1 && info.sessionStartLimit.maxConcurrency == 1)
        let log = EventLog()
        // Its own identify queue: the process-wide default paces every test that uses it 5 s apart.
        let shard = Shard.builder(token: s.sim.token, intents: .guilds).gatewayURL(nil).apiBaseURL(s.sim.apiBaseURL)
            .identifyQueue(LocalIdentifyQueue(interval: .milliseconds(10)))
            .logger(Logger(level: .error)).build(onEvent: { log.append($0) }, onFinish: { log.finish() })
        try await shard.start()
        #expect(log.wait { events, _ in events.contains(.connected(resumed: false)) })
        shard.shutdown()
        #expect(log.wait(5) { _, finished in finished })
    }

    @Test func tokenNeverAppearsInLogsErrorsOrDescriptions() async throws {
        let lines = LineSink()
        var options = GatewaySimOptions()
        options.heartbeatIntervalMS = 100
        let sim = GatewaySim(options: options)
        _ = try sim.start()
        defer { sim.stop() }
        let secret = sim.token
        // A wrong token: lookup fails with 401 and IDENTIFY is closed with 4004.
        let wrong = "WRONG-\(secret)"
        await #expect {
            _ = try await GatewayBotLookup.fetch(apiBaseURL: sim.apiBaseURL, token: Token(wrong))
        } throws: { error in
            lines.add("\(error)")
            return !"\(error)".contains(wrong) && !String(reflecting: error).contains(wrong)
        }
        let log = EventLog()
        let builder = Shard.builder(token: wrong, intents: .guilds).gatewayURL(sim.gatewayURL)
            .identifyQueue(LocalIdentifyQueue(interval: .milliseconds(10)))  // not the 5 s process-wide one
            .logger(Logger(level: .debug, sink: { lines.add($0) }))
        let shard = builder.build(onEvent: { log.append($0); lines.add("\($0)") }, onFinish: { log.finish() })
        try await shard.start()
        #expect(log.wait { _, finished in finished })
        #expect(log.snapshot.contains { if case .fatal(.fatalClose(4004, _)) = $0 { true } else { false } })
        lines.add(String(reflecting: builder))
        lines.add(String(reflecting: shard))
        let all = lines.all
        #expect(!all.isEmpty)
        #expect(!all.contains { $0.contains(secret) })
    }
}

final class LineSink: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
