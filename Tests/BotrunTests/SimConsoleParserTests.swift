import Testing
@testable import BotrunKit

@Suite struct SimConsoleParserTests {
    func parse(_ line: String) -> Result<SimConsoleCommand?, SimConsoleError> {
        do { return .success(try SimConsoleParser.parse(line)) } catch { return .failure(error) }
    }

    @Test(arguments: [
        ("hello bot", SimConsoleCommand.message("hello bot")),
        ("  !ping  ", .message("  !ping  ")),
        ("!ping\r\n", .message("!ping")),
        ("//help is a message", .message("/help is a message")),
        ("/channel general", .switchChannel("general")),
        ("/channel #random", .switchChannel("random")),
        ("/CHANNEL   general  ", .switchChannel("general")),
        ("/user alice", .switchUser("alice")),
        ("/user @bob", .switchUser("bob")),
        ("/edit fixed the typo", .editLast("fixed the typo")),
        ("/delete", .deleteLast),
        ("/react 👍", .react("👍")),
        ("/join carol", .join("carol")),
        ("/leave @carol", .leave("carol")),
        ("/reconnect", .reconnect),
        ("/invalidate", .invalidateSession(resumable: false)),
        ("/invalidate resumable", .invalidateSession(resumable: true)),
        ("/invalidate true", .invalidateSession(resumable: true)),
        ("/invalidate false", .invalidateSession(resumable: false)),
        ("/heartbeat", .requestHeartbeat),
        ("/zombie", .stopHeartbeatACKs),
        ("/zombie off", .resumeHeartbeatACKs),
        ("/close 4000", .close(code: 4000)),
        ("/close 1000", .close(code: 1000)),
        ("/drop", .dropConnection),
        ("/burst 500", .burst(count: 500)),
        ("/help", .help),
        ("/quit", .quit),
    ])
    func linesBecomeCommands(_ line: String, _ expected: SimConsoleCommand) {
        #expect(parse(line) == .success(expected), "\(line)")
    }

    @Test(arguments: ["", "   ", "\n", "\t\r\n"])
    func blankLinesAreNoCommand(_ line: String) {
        #expect(parse(line) == .success(nil))
    }

    @Test(arguments: [
        ("/channel", "/channel NAME expects one name without spaces, got ''"),
        ("/channel two words", "/channel NAME expects one name without spaces, got 'two words'"),
        ("/user @", "/user NAME expects one name without spaces, got '@'"),
        ("/react", "/react EMOJI expects one emoji, got ''"),
        ("/edit   ", "/edit TEXT needs the new text"),
        ("/invalidate maybe", "/invalidate [resumable] takes 'resumable' or nothing, got 'maybe'"),
        ("/zombie on", "/zombie [off] takes 'off' or nothing, got 'on'"),
        ("/close", "/close CODE expects 1000–1003, 1007–1014 or 3000–4999, got ''"),
        ("/close 1006", "/close CODE expects 1000–1003, 1007–1014 or 3000–4999, got '1006'"),
        ("/close 5000", "/close CODE expects 1000–1003, 1007–1014 or 3000–4999, got '5000'"),
        ("/burst 0", "/burst N expects a whole number from 1 to 1000000, got '0'"),
        ("/burst many", "/burst N expects a whole number from 1 to 1000000, got 'many'"),
        ("/quit now", "/quit takes no argument, got 'now'"),
        ("/drop 3", "/drop takes no argument, got '3'"),
    ])
    func badArgumentsSayWhatIsExpected(_ line: String, _ expected: String) {
        #expect(parse(line) == .failure(SimConsoleError(expected)))
    }

    @Test(arguments: ["/frobnicate", "/", "/ hello"])
    func unknownCommandsListEveryCommand(_ line: String) throws {
        guard case .failure(let error) = parse(line) else {
            Issue.record("\(line) parsed")
            return
        }
        let shown = line == "/ hello" ? "/" : line
        #expect(error.message.hasPrefix("unknown command '\(shown)'; commands: "))
        for verb in SimConsoleParser.Verb.allCases {
            #expect(error.message.contains("/\(verb.rawValue)"))
        }
    }

    @Test(arguments: SimConsoleParser.Verb.allCases)
    func helpTextHasOneLinePerCommand(_ verb: SimConsoleParser.Verb) {
        let lines = SimConsoleParser.helpText.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("  \(verb.usage) ") && $0.hasSuffix(verb.summary) }.count == 1)
    }
}
