import Foundation
import ShardRuntime
import Testing
@testable import GatewaySim

/// Our own client stack (Shard → TLS → WebSocket → zlib-stream) against the sim, the path
/// `botrun --sim` takes.
@Suite("ShardRuntime's Shard against the sim")
struct ShardAgainstSimTests {
    final class Events: @unchecked Sendable {
        private let condition = NSCondition()
        private var events: [ShardEvent] = []

        func append(_ event: ShardEvent) {
            condition.lock()
            events.append(event)
            condition.broadcast()
            condition.unlock()
        }

        @discardableResult
        func wait(timeout: Double = 20, _ predicate: ([ShardEvent]) -> Bool) -> Bool {
            let deadline = Date(timeIntervalSinceNow: timeout)
            condition.lock()
            defer { condition.unlock() }
            while !predicate(events) {
                if !condition.wait(until: deadline) { return predicate(events) }
            }
            return true
        }

        static func dispatches(_ events: [ShardEvent], _ name: String) -> [DispatchEvent] {
            events.compactMap { if case .dispatch(let d) = $0, d.name == name { return d } else { return nil } }
        }
    }

    @Test func tlsZlibShardIdentifiesReceivesMessagesAndResumesAfterReconnect() async throws {
        var options = GatewaySimOptions()
        options.tls = true
        options.heartbeatIntervalMS = 1000
        let sim = GatewaySim(options: options)
        try sim.start()
        defer { sim.stop() }
        let events = Events()
        let shard = Shard.builder(token: sim.token, intents: [.guilds, .guildMessages, .messageContent])
            .gatewayURL(sim.gatewayURL)
            .apiBaseURL(sim.apiBaseURL)
            .tls(.client(caFile: sim.caFile))
            .compression(.zlibStream)
            .identifyQueue(LocalIdentifyQueue(interval: .milliseconds(10)))  // not the 5 s process-wide one
            .build(onEvent: { events.append($0) })
        defer { shard.shutdown() }
        try await shard.start()

        #expect(events.wait { !Events.dispatches($0, "GUILD_CREATE").isEmpty })
        #expect(Events.dispatches(eventsSnapshot(events), "READY").first?.sequence == 1)

        sim.postUserMessage(content: "hello shard")
        #expect(events.wait { !Events.dispatches($0, "MESSAGE_CREATE").isEmpty })
        let message = Events.dispatches(eventsSnapshot(events), "MESSAGE_CREATE").first
        let text = message.map { String(decoding: $0.payload[$0.dataRange], as: UTF8.self) } ?? ""
        #expect(text.contains("\"content\":\"hello shard\""))

        sim.sendReconnect()
        #expect(events.wait { $0.contains(.connected(resumed: true)) })
        #expect(sim.recorder.resumedCount == 1)
        #expect(sim.recorder.identifyCount == 1)
    }

    private func eventsSnapshot(_ events: Events) -> [ShardEvent] {
        var copy: [ShardEvent] = []
        events.wait(timeout: 0) { copy = $0; return true }
        return copy
    }
}
