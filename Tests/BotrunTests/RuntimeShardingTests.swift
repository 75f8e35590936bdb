import Foundation
@testable import BotrunKit
import GatewaySim
import ShardRuntime
import Testing

/// Automatic sharding: `GET /gateway/bot` decides how many shards run and how many may
/// identify at once (`max_concurrency`).
@Suite struct RuntimeShardingTests {
    @Test func recommendedShardsRunAndIdentifyConcurrently() async throws {
        try await offPool(Self.automaticShards)
    }

    static func automaticShards() throws {
        let harness = try BotHarness(script: "function on_guild_create(g, ctx) print('guild', ctx.shard_id) end") {
            $0.recommendedShards = 3
            $0.maxConcurrency = 3
        }
        defer { harness.cleanup() }
        let options = harness.options { $0.shards = .automatic }
        let bot = RunningBot(harness.runtime(options, identifyQueue: nil))
        #expect(bot.started)
        defer { _ = bot.stop() }
        #expect(bot.runtime.allConnected.wait(timeout: .now() + 30) == .success)

        #expect(bot.runtime.shards.all.map(\.id) == [0, 1, 2])
        let identifies = harness.sim.recorder.payloads(op: 2)
        #expect(identifies.count == 3)
        // With one identify bucket the queue would space them 5 s apart (10 s for three);
        // max_concurrency 3 gives each shard its own bucket.
        let times = identifies.map(\.time)
        #expect((times.max() ?? 0) - (times.min() ?? 0) < 5)
    }
}
