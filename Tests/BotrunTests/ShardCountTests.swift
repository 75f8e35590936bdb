import Testing
@testable import BotrunKit

/// `GET /gateway/bot`'s `shards` comes from the network: only 1…65535 (the `--shards` range)
/// is used, anything else falls back to one shard instead of building that many.
@Suite struct ShardCountTests {
    @Test(arguments: [0, -3, 65_536, 1_000_000_000, Int.max])
    func impossibleRecommendationsAreRefused(_ shards: Int) {
        #expect(BotRuntime.acceptedShardCount(shards) == nil)
    }

    @Test(arguments: [1, 2, 160, 65_535])
    func plausibleRecommendationsAreUsed(_ shards: Int) {
        #expect(BotRuntime.acceptedShardCount(shards) == shards)
    }
}
