import Testing
@testable import ShardRuntime

/// Field values often come from the network (a close reason, an error from the server):
/// control characters must not reach the terminal raw (ANSI escapes, carriage returns).
@Suite struct LoggerEscapingTests {
    final class Lines: @unchecked Sendable {
        var lines: [String] = []
    }

    @Test(arguments: ["\u{1b}]0;pwned\u{07}", "a\rfake", "x\u{7f}", "tab\there"])
    func controlCharactersInTextFieldsAreEscaped(_ value: String) {
        let lines = Lines()
        let logger = Logger(level: .info, format: .text, sink: { lines.lines.append($0) })
        logger.info("shard disconnected", ["reason": value])
        let line = lines.lines.first ?? ""
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, "\(line.debugDescription)")
        #expect(line.hasPrefix("info shard disconnected reason=\""))
    }

    @Test func plainValuesStayUnquoted() {
        let lines = Lines()
        let logger = Logger(level: .info, format: .text, sink: { lines.lines.append($0) })
        logger.info("shard connecting", ["shard": 3, "url": "wss://gateway.discord.gg/"])
        #expect(lines.lines == ["info shard connecting shard=3 url=wss://gateway.discord.gg/"])
    }

    /// A script logging what a user typed: the message part is escaped too (one line, no raw
    /// escapes), quotes and backslashes in it stay readable.
    @Test func controlCharactersInTheMessageAreEscaped() {
        let lines = Lines()
        let logger = Logger(level: .info, format: .text, sink: { lines.lines.append($0) })
        logger.info("user said \u{1b}[2J\nwarn forged \"q\" \\ ok")
        #expect(lines.lines == [#"info user said \u001b[2J\nwarn forged "q" \\ ok"#])
    }
}
