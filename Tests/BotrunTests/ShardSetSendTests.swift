import Testing
@testable import BotrunKit

/// `shard.send{type = "close", code = …}` from a script: codes RFC 6455 forbids on the wire
/// (1005, 1006, 1015, under 1000, over 4999) are refused before anything is sent.
@Suite struct ShardSetSendTests {
    @Test(arguments: [0, 999, 1004, 1005, 1006, 1015, 5000, 70000, -1])
    func forbiddenCloseCodesAreRefused(_ code: Int) {
        let error = ShardSet().send(shardID: 0, message: .close(code: code, reason: ""))
        #expect(error?.contains("close code \(code) cannot be sent") == true, "\(error ?? "sent")")
    }

    @Test(arguments: [1000, 1001, 3000, 4000, 4999])
    func allowedCloseCodesReachTheShardLookup(_ code: Int) {
        #expect(ShardSet().send(shardID: 0, message: .close(code: code, reason: "")) == "no shard 0")
    }
}
