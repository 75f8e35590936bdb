import Testing
@testable import BotrunKit

@Suite struct HelpTextTests {
    static let lines = HelpText.text.split(separator: "\n").map(String.init)

    @Test(arguments: BotrunOption.allCases)
    func helpHasOneLineForEachOption(_ option: BotrunOption) {
        let mentions = Self.lines.filter { $0.hasPrefix("  \(option.flag)") && ($0.dropFirst(2 + option.flag.count).first == " "
            || $0.dropFirst(2 + option.flag.count).first == ",") }
        #expect(mentions.count == 1, "\(option.flag)")
        guard let line = mentions.first else { return }
        #expect(line.hasSuffix(option.summary))
        if let valueName = option.valueName { #expect(line.contains("\(option.flag) \(valueName) ")) }
        for alias in option.aliases { #expect(line.contains(alias)) }
    }

    @Test func helpListsExitCodesAndEnvironment() {
        for code in BotrunExitCode.allCases {
            #expect(Self.lines.contains("  \(code.rawValue)  \(code.summary)"))
        }
        for variable in ["DISCORD_TOKEN", "SSL_CERT_FILE"] {
            #expect(Self.lines.contains { $0.hasPrefix("  \(variable) ") })
        }
        #expect(Self.lines.contains("Usage: botrun [options] SCRIPT…"))
    }

    @Test func mainPrintsHelpAndVersionAndExitsZero() {
        var output = ""
        var errors = ""
        let help = BotrunMain.main(arguments: ["--help"], environment: fakeEnvironment(),
                                   standardOutput: { output += $0 }, standardError: { errors += $0 },
                                   run: { _ in Issue.record("must not run"); return .cleanStop })
        #expect(help == 0 && output == HelpText.text && errors.isEmpty)

        output = ""
        let version = BotrunMain.main(arguments: ["--version"], environment: fakeEnvironment(),
                                      standardOutput: { output += $0 }, standardError: { errors += $0 },
                                      run: { _ in .cleanStop })
        #expect(version == 0 && output == "botrun \(BotrunVersion.string)\n")
    }

    @Test func mainReportsUsageErrorsOnStderrWithExitCodeTwo() {
        var output = ""
        var errors = ""
        let code = BotrunMain.main(arguments: ["--shard", "3/2", "bot.lua"],
                                   environment: fakeEnvironment(variables: ["DISCORD_TOKEN": testToken]),
                                   standardOutput: { output += $0 }, standardError: { errors += $0 },
                                   run: { _ in Issue.record("must not run"); return .cleanStop })
        #expect(code == 2 && output.isEmpty)
        #expect(errors == "botrun: --shard expects ID/TOTAL with ID < TOTAL, got '3/2'\n")
    }

    @Test func mainHandsValidOptionsToRunAndReturnsItsCode() {
        var received: BotrunOptions?
        let code = BotrunMain.main(arguments: ["--sim", "--shards=2", "bot.lua"], environment: fakeEnvironment(),
                                   standardOutput: { _ in }, standardError: { _ in },
                                   run: { received = $0; return .fatalGatewayClose })
        #expect(code == 1)
        #expect(received?.sim == true && received?.shards == .count(2) && received?.scripts == ["bot.lua"])
    }
}
