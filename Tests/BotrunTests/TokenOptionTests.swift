import Testing
import ShardRuntime
@testable import BotrunKit

@Suite struct TokenOptionTests {
    static let noToken: [String: String] = [:]

    @Test func missingTokenIsAUsageErrorExceptWithSimOrCheck() throws {
        let error = usageError(["bot.lua"], variables: Self.noToken)
        #expect(error?.description
                == "botrun: no token: set DISCORD_TOKEN or pass --token-file PATH (or try --sim, which needs none)")
        #expect(try options(["--sim", "bot.lua"], variables: Self.noToken).token == nil)
        let checked = try options(["--check", "bot.lua"], variables: Self.noToken)
        #expect(checked.check && checked.token == nil)
    }

    @Test func tokenFileWinsOverTheEnvironmentAndIsTrimmed() throws {
        let files = ["bot.lua": "", "tok": "  Bot file-secret \n"]
        let parsed = try options(["--token-file", "tok", "bot.lua"], files: files)
        #expect(parsed.token?.exposedSecret == "file-secret")
        #expect(parsed.tokenSource == .file("tok"))
    }

    @Test func simNeverCarriesTheRealToken() throws {
        let parsed = try options(["--sim", "bot.lua"])
        #expect(parsed.token == nil && parsed.tokenSource == nil)
    }

    @Test(arguments: [
        ("", "botrun: $DISCORD_TOKEN holds no token (it is empty)"),
        ("  \n", "botrun: $DISCORD_TOKEN holds no token (it is empty)"),
        ("secret-part other-part", "botrun: $DISCORD_TOKEN does not hold a single token (it contains spaces or several lines)"),
    ])
    func badEnvironmentTokensAreRefusedWithoutShowingThem(_ value: String, _ expected: String) {
        let error = usageError(["bot.lua"], variables: ["DISCORD_TOKEN": value])
        #expect(error?.description == expected)
        #expect(error?.description.contains("secret-part") == false)
    }

    @Test func badTokenFilesNameTheFileButNotTheToken() {
        let files = ["bot.lua": "", "two-lines": "secret-one\nsecret-two\n", "empty": ""]
        #expect(usageError(["--token-file", "absent", "bot.lua"], files: files)?.description
                == "botrun: --token-file cannot read 'absent': No such file or directory")
        #expect(usageError(["--token-file=empty", "bot.lua"], files: files)?.description
                == "botrun: --token-file 'empty' holds no token (it is empty)")
        let twoLines = usageError(["--token-file", "two-lines", "bot.lua"], files: files)
        #expect(twoLines?.description
                == "botrun: --token-file 'two-lines' does not hold a single token (it contains spaces or several lines)")
        #expect(twoLines?.description.contains("secret") == false)
    }

    @Test func theOptionsSummaryNeverShowsTheToken() throws {
        let parsed = try options(["bot.lua"])
        #expect(!parsed.summary.contains(testToken))
        #expect(!"\(parsed)".contains(testToken))
        #expect(parsed.summary.contains("token=$DISCORD_TOKEN"))
    }
}
