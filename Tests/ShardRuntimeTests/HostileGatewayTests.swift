import Foundation
import Testing
@testable import ShardRuntime

/// A shard against a deliberately broken gateway (`Tests/peers/hostile_gateway_peer.py`):
/// each broken rule must end the connection with a reason naming it, then reconnect with
/// backoff (no tight loop, no crash, no hang), and shutdown must still finish.
@Suite struct HostileGatewayTests {
    static func run(_ scenario: String, compression: GatewayCompression = .none, maxMessageSize: Int = 128 << 20,
                    until check: @escaping ([ShardEvent]) -> Bool) async throws -> (startError: String?, events: [ShardEvent]) {
        let peer = try PythonPeer(script: "hostile_gateway_peer.py", arguments: [scenario])
        defer { peer.stop() }
        let log = EventLog()
        let shard = Shard.builder(token: Token("hostile.test.token"), intents: [.guilds])
            .gatewayURL("ws://127.0.0.1:\(peer.port)")
            .compression(compression)
            .maxMessageSize(maxMessageSize)
            .identifyQueue(LocalIdentifyQueue(maxConcurrency: 1, interval: .milliseconds(10)))
            .logger(Logger(level: .error))
            .timings(invalidSessionDelay: .milliseconds(10) ... .milliseconds(50), backoffBase: .milliseconds(50),
                     backoffMax: .milliseconds(200), helloTimeout: .milliseconds(500))
            .build(onEvent: { log.append($0) }, onFinish: { log.finish() })
        do {
            try await shard.start()
        } catch {
            shard.shutdown()
            return ("\(error)", log.snapshot)
        }
        let reached = log.wait(10) { events, _ in check(events) }
        shard.shutdown()
        let finished = log.wait(15) { _, finished in finished }  // closeTimeout is 5 s (hello_never never answers the close)
        #expect(reached, "\(scenario): \(log.snapshot)")
        #expect(finished, "\(scenario): shutdown did not finish")
        return (nil, log.snapshot)
    }

    static func connects(_ events: [ShardEvent]) -> Int {
        events.filter { if case .connecting = $0 { true } else { false } }.count
    }

    static func reasons(_ events: [ShardEvent]) -> [String] {
        events.compactMap { if case .disconnected(_, let r) = $0 { r } else { nil } }
    }

    /// The first connection failing makes `start()` throw, naming the problem.
    @Test(arguments: [
        ("not_101", "status 403"), ("bad_accept", "Sec-WebSocket-Accept"), ("garbage_status", "malformed status line")
    ])
    func brokenUpgradeFailsStartWithTheReason(scenario: String, expected: String) async throws {
        let (startError, _) = try await Self.run(scenario) { _ in true }
        #expect(startError?.contains(expected) == true, "\(scenario): \(startError ?? "started")")
    }

    @Test(arguments: [
        ("reserved_bits", "reserved bits"), ("masked", "masked frame"), ("fragmented_ping", "fragmented control"),
        ("length_top_bit", "top bit"), ("close_one_byte", "1-byte"), ("close_bad_code", "invalid close code"),
        ("bad_utf8", "UTF-8"), ("hello_never", "no HELLO"), ("hello_wrong_types", "heartbeat_interval"),
    ])
    func brokenServerIsNamedAndRetriedWithBackoff(scenario: String, expected: String) async throws {
        let (startError, events) = try await Self.run(scenario) { Self.connects($0) >= 3 }
        #expect(startError == nil)
        let reasons = Self.reasons(events)
        #expect(reasons.contains { $0.localizedCaseInsensitiveContains(expected) }, "\(scenario): \(reasons)")
        #expect(!events.contains { if case .connected = $0 { true } else { false } })
        // Backoff, not a tight reconnect loop.
        let delays = events.compactMap { if case .reconnecting(let d) = $0 { d } else { nil } }
        #expect(delays.count >= 2 && delays.allSatisfy { $0 > .zero }, "\(scenario): \(delays)")
    }

    @Test func garbageZlibIsNamedAndRetried() async throws {
        let (startError, events) = try await Self.run("bad_zlib", compression: .zlibStream) { Self.connects($0) >= 3 }
        #expect(startError == nil)
        #expect(Self.reasons(events).contains { $0.contains("zlib") }, "\(Self.reasons(events))")
    }

    /// A server that floods pings and never reads: the pongs queued for it were unbounded.
    /// The backlog is capped (maxMessageSize + 1 MiB) and the connection is dropped.
    @Test func serverThatNeverReadsIsDroppedNotBufferedForever() async throws {
        let (startError, events) = try await Self.run("ping_flood", maxMessageSize: 1 << 20) { events in
            Self.reasons(events).contains { $0.contains("not reading") }
        }
        #expect(startError == nil)
        #expect(Self.reasons(events).contains { $0.contains("not reading") }, "\(Self.reasons(events))")
    }
}
