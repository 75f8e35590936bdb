import Foundation
import Testing
@testable import ShardRuntime

/// What a log line looks like: JSON lines carry a time stamp and typed values; durations
/// read as seconds with millisecond precision in both formats.
@Suite struct LoggerFormatTests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
    }

    @Test func jsonLinesHaveATimestampAndTypedValues() throws {
        let lines = Lines()
        let logger = Logger(level: .info, format: .json, sink: { lines.lines.append($0) })
        let before = Date().timeIntervalSince1970
        logger.info("shard connected", ["shard": 3, "resumed": false, "url": "wss://x"])
        let line = try #require(lines.lines.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["shard"] as? Int == 3)
        #expect(object["resumed"] as? Bool == false)
        #expect(object["url"] as? String == "wss://x")
        #expect(object["msg"] as? String == "shard connected")
        let ts = try #require(object["ts"] as? Double)
        #expect(ts >= before.rounded(.down) && ts <= Date().timeIntervalSince1970 + 1)
    }

    @Test func durationsAreSecondsWithMilliseconds() throws {
        let lines = Lines()
        let text = Logger(level: .info, format: .text, sink: { lines.lines.append($0) })
        text.info("shard reconnecting", ["after": Duration.milliseconds(1363) + .nanoseconds(196_436)])
        #expect(lines.lines.last == "info shard reconnecting after=1.363s")
        let json = Logger(level: .info, format: .json, sink: { lines.lines.append($0) })
        json.info("shard reconnecting", ["after": Duration.seconds(2)])
        #expect(lines.lines.last?.hasSuffix(#""after":"2.000s"}"#) == true)
    }
}
