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

    static func setUp(compression: GatewayCompression = .zlibStream, tls: Bool = false,
                      configure: (inout GatewaySimOptions) -> Void = { _ in }) throws -> Setup {
        var options = GatewaySimOptions()
        options.heartbeatIntervalMS = 300
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
        let bad = Shard.builder(token: "t", intents: .guilds).gatewayURL("https://nope").build(onEvent: { _ in })
        await #expect { try await bad.start() } throws: { ($0 as? ShardStartError)?.kind == .parsingGatewayURL }
        let none = Shard.builder(token: "t", intents: .guilds).gatewayURL(nil).build(onEvent: { _ in })
        await #expect { try await none.start() } throws: { ($0 as? ShardStartError)?.kind == .retrievingGatewayURL }
        // A port nobody listens on (bound then closed by the sim) fails to establish.
        let sim = GatewaySim()
        let port = try sim.start()
        sim.stop()
        let refused = Shard.builder(token: "t", intents: .guilds).gatewayURL("ws://127.0.0.1:\(port)")
            .logger(Logger(level: .error)).build(onEvent: { _ in })
        await #expect { try await refused.start() } throws: { ($0 as? ShardStartError)?.kind == .establishing }
        #expect(throws: SessionInactiveError.self) { try refused.info() }
    }
}
