import Foundation
import GatewaySim
import Testing
@testable import ShardRuntime

@Suite struct ClusterTests {
    @Test func upUsesRecommendedShardsThenDownResumableAndResumeAll() async throws {
        var options = GatewaySimOptions()
        options.heartbeatIntervalMS = 20_000  // long: a late ACK under load must not cause a zombie resume (counts below)
        options.recommendedShards = 2
        let sim = GatewaySim(options: options)
        _ = try sim.start()
        defer { sim.stop() }
        let log = EventLog()
        let builder = Cluster.builder(token: sim.token, intents: [.guilds, .guildMessages]).configure {
            $0.gatewayURL(nil).apiBaseURL(sim.apiBaseURL).logger(Logger(level: .error))
                .identifyQueue(LocalIdentifyQueue(maxConcurrency: 1, interval: .milliseconds(20)))
        }
        let tagged = Tagged()
        let cluster = try await builder.build(onEvent: { id, e in tagged.add(id, e); log.append(e) },
                                              onFinish: { log.finish() })
        #expect(cluster.shards.map(\.id) == [0, 1] && cluster.shards.allSatisfy { $0.total == 2 })
        try await cluster.up()
        #expect(log.wait { events, _ in events.filter { $0 == .connected(resumed: false) }.count == 2 })
        #expect(Set(tagged.ids(of: .connected(resumed: false))) == [0, 1])
        let identifies = sim.recorder.payloads(op: 2).compactMap { try? JSONParser.parse(Array($0.text.utf8))["d"]?["shard"] }
        #expect(Set(identifies.map { $0.jsonString }) == ["[0,2]", "[1,2]"])

        let sessions = cluster.downResumable()
        #expect(sessions.count == 2)
        #expect(log.wait(10) { _, finished in finished })

        let log2 = EventLog()
        let again = try await builder.shards(0..<2, total: 2).resumeSessions(sessions)
            .build(onEvent: { _, e in log2.append(e) }, onFinish: { log2.finish() })
        try await again.up()
        #expect(log2.wait { events, _ in events.filter { $0 == .connected(resumed: true) }.count == 2 })
        #expect(sim.recorder.resumeCount == 2 && sim.recorder.identifyCount == 2)
        again.down()
        #expect(log2.wait(10) { _, finished in finished })
    }
}

final class Tagged: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(Int, ShardEvent)] = []
    func add(_ id: Int, _ e: ShardEvent) { lock.withLock { items.append((id, e)) } }
    func ids(of event: ShardEvent) -> [Int] { lock.withLock { items.filter { $0.1 == event }.map(\.0) } }
}
