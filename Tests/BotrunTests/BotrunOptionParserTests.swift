import Testing
import ShardRuntime
@testable import BotrunKit

@Suite struct BotrunOptionParserTests {
    /// A valid value for each option and how to tell it was applied. Exhaustive over the table,
    /// so a new option does not compile here until it is tested.
    static func sample(_ option: BotrunOption) -> (value: String?, applied: (BotrunOptions) -> Bool, extra: [String]) {
        switch option {
        case .tokenFile: ("tok.txt", { $0.tokenSource == .file("tok.txt") && $0.token == Token("file-token") }, [])
        case .gatewayURL: ("wss://127.0.0.1:9443/?v=10", { $0.gatewayURL == "wss://127.0.0.1:9443/?v=10" }, [])
        case .apiURL: ("http://127.0.0.1:8080/api/v10", { $0.apiURL == "http://127.0.0.1:8080/api/v10" }, [])
        case .caFile: ("ca.pem", { $0.caFile == "ca.pem" }, [])
        case .compress: ("zstd-stream", { $0.compression == .zstdStream }, [])
        case .shards: ("4", { $0.shards == .count(4) }, [])
        case .shard: ("3/8", { $0.shards == .single(id: 3, total: 8) }, [])
        case .intents: ("guilds,guild_messages,message_content",
                        { $0.intents == .explicit(bits: 1 | 512 | 32768, names: ["guilds", "guild_messages", "message_content"]) }, [])
        case .logLevel: ("debug", { $0.logLevel == .debug }, [])
        case .logFormat: ("json", { $0.logFormat == .json }, [])
        case .sessionFile: ("session.json", { $0.sessionFile == "session.json" }, [])
        case .sim: (nil, { $0.sim }, [])
        case .simInput: ("input.txt", { $0.simInput == "input.txt" }, ["--sim"])
        case .check: (nil, { $0.check }, [])
        case .noWatch: (nil, { !$0.watch }, [])
        case .unsafe: (nil, { $0.unsafe }, [])
        case .handlerTimeout: ("0.5", { $0.handlerTimeout == 0.5 }, [])
        case .memoryLimit: ("64", { $0.memoryLimitMB == 64 && $0.memoryLimitBytes == 64 << 20 }, [])
        case .help, .version: (nil, { _ in true }, [])
        }
    }

    static let files = ["bot.lua": "", "tok.txt": "file-token\n", "ca.pem": "", "input.txt": ""]
    static let runOptions = BotrunOption.allCases.filter { $0 != .help && $0 != .version }

    @Test func defaultsOfABareCommandLine() throws {
        let options = try options(["bot.lua"])
        #expect(options.scripts == ["bot.lua"])
        #expect(options.token == Token(testToken))
        #expect(options.tokenSource == .environment)
        #expect(options.gatewayURL == nil && options.apiURL == nil && options.caFile == nil)
        #expect(options.compression == .zlibStream)
        #expect(options.shards == .automatic)
        #expect(options.intents == .derivedFromHandlers)
        #expect(options.logLevel == .info && options.logFormat == .text)
        #expect(options.sessionFile == nil && options.simInput == nil)
        #expect(!options.sim && !options.check && !options.unsafe && options.watch)
        #expect(options.handlerTimeout == 2)
        #expect(options.memoryLimitMB == 256)
    }

    @Test(arguments: runOptions)
    func everyOptionAppliesWithASeparateValue(_ option: BotrunOption) throws {
        let sample = Self.sample(option)
        let arguments = sample.extra + [option.flag] + (sample.value.map { [$0] } ?? []) + ["bot.lua"]
        let parsed = try options(arguments, files: Self.files)
        #expect(sample.applied(parsed), "\(arguments)")
        #expect(!sample.applied(BotrunOptions(scripts: ["bot.lua"])), "default must differ")
    }

    @Test(arguments: runOptions.filter { $0.valueName != nil })
    func everyValueOptionAppliesWithEquals(_ option: BotrunOption) throws {
        let sample = Self.sample(option)
        let arguments = sample.extra + ["\(option.flag)=\(sample.value!)", "bot.lua"]
        #expect(sample.applied(try options(arguments, files: Self.files)), "\(arguments)")
    }

    @Test(arguments: runOptions.filter { $0.valueName != nil })
    func everyValueOptionWithoutValueNamesTheOption(_ option: BotrunOption) {
        let error = usageError(["bot.lua", option.flag], files: Self.files)
        #expect(error?.option == option.flag)
        #expect(error?.description == "botrun: \(option.flag) expects a value: \(option.valueName!)")
        // The next option is not taken as the value.
        #expect(usageError([option.flag, "--sim", "bot.lua"], files: Self.files)?.option == option.flag)
    }

    @Test(arguments: runOptions.filter { $0.valueName != nil })
    func aValueOptionGivenTwiceIsRefused(_ option: BotrunOption) {
        let sample = Self.sample(option)
        let arguments = sample.extra + [option.flag, sample.value!, "\(option.flag)=\(sample.value!)", "bot.lua"]
        #expect(usageError(arguments, files: Self.files)?.description == "botrun: \(option.flag) given more than once")
    }

    @Test(arguments: runOptions.filter { $0.valueName == nil })
    func aFlagRefusesAValue(_ option: BotrunOption) {
        #expect(usageError(["\(option.flag)=yes", "bot.lua"])?.description == "botrun: \(option.flag) takes no value, got 'yes'")
    }

    @Test(arguments: [
        (["--shard", "3/2", "bot.lua"], "botrun: --shard expects ID/TOTAL with ID < TOTAL, got '3/2'"),
        (["--shard=3", "bot.lua"], "botrun: --shard expects ID/TOTAL with ID < TOTAL, got '3'"),
        (["--shard", "-1/2", "bot.lua"], "botrun: --shard expects ID/TOTAL with ID < TOTAL, got '-1/2'"),
        (["--shard", "0/0", "bot.lua"], "botrun: --shard expects ID/TOTAL with ID < TOTAL, got '0/0'"),
        (["--shards", "0", "bot.lua"], "botrun: --shards expects a whole number from 1 to 65535, got '0'"),
        (["--shards=two", "bot.lua"], "botrun: --shards expects a whole number from 1 to 65535, got 'two'"),
        (["--compress", "gzip", "bot.lua"], "botrun: --compress expects zlib-stream, zstd-stream or none, got 'gzip'"),
        (["--log-level", "verbose", "bot.lua"], "botrun: --log-level expects debug, info, warn or error, got 'verbose'"),
        (["--log-format=xml", "bot.lua"], "botrun: --log-format expects text or json, got 'xml'"),
        (["--gateway-url", "https://gateway.example", "bot.lua"],
         "botrun: --gateway-url expects a ws:// or wss:// URL with a host, got 'https://gateway.example'"),
        (["--gateway-url", "wss://", "bot.lua"], "botrun: --gateway-url expects a ws:// or wss:// URL with a host, got 'wss://'"),
        (["--api-url", "ftp://x", "bot.lua"], "botrun: --api-url expects a http:// or https:// URL with a host, got 'ftp://x'"),
        (["--ca-file", "missing.pem", "bot.lua"], "botrun: --ca-file cannot read file 'missing.pem'"),
        (["--sim", "--sim-input", "nope.txt", "bot.lua"], "botrun: --sim-input cannot read file 'nope.txt'"),
        (["--handler-timeout", "0", "bot.lua"],
         "botrun: --handler-timeout expects seconds above 0 and at most 3600 (e.g. 2 or 0.5), got '0'"),
        (["--handler-timeout=nan", "bot.lua"],
         "botrun: --handler-timeout expects seconds above 0 and at most 3600 (e.g. 2 or 0.5), got 'nan'"),
        (["--memory-limit", "1.5", "bot.lua"], "botrun: --memory-limit expects a whole number of MiB from 1 to 65536, got '1.5'"),
        (["--intents", "131072", "bot.lua"], "botrun: --intents got '131072', which sets bits that are not intents (131072)"),
        (["--intents", "99999999999999999999", "bot.lua"],
         "botrun: --intents expects intent names or a whole number, got '99999999999999999999'"),
        (["--intents", "guilds,,guild_messages", "bot.lua"],
         "botrun: --intents expects comma-separated intent names, got an empty name in 'guilds,,guild_messages'"),
        (["--session-file=", "bot.lua"], "botrun: --session-file expects a value: PATH, got ''"),
        (["--shards", "2", "--shard", "0/2", "bot.lua"], "botrun: --shard cannot be combined with --shards"),
        (["--sim-input", "input.txt", "bot.lua"], "botrun: --sim-input needs --sim"),
        (["--sim", "--gateway-url", "ws://127.0.0.1:1", "bot.lua"],
         "botrun: --gateway-url cannot be combined with --sim (the local gateway has its own URL)"),
        (["--shrads", "2", "bot.lua"], "botrun: --shrads is not an option; did you mean --shards? (see botrun --help)"),
        (["--verbose", "bot.lua"], "botrun: --verbose is not an option (see botrun --help)"),
        (["-x", "bot.lua"], "botrun: -x is not an option (see botrun --help)"),
        (["--check"], "botrun: no script given; usage: botrun [options] SCRIPT… (see botrun --help)"),
        (["missing.lua"], "botrun: cannot read script 'missing.lua'"),
    ])
    func badInputNamesTheOptionAndTheValue(_ arguments: [String], _ expected: String) {
        #expect(usageError(arguments)?.description == expected)
    }

    @Test func unknownIntentNameListsTheKnownOnes() {
        let error = usageError(["--intents", "guilds,guild_mesages", "bot.lua"])
        #expect(error?.option == "--intents")
        #expect(error?.message.hasPrefix("does not know the intent 'guild_mesages' in 'guilds,guild_mesages' (known: guilds,") == true)
        #expect(error?.message.contains("direct_message_polls") == true)
    }

    @Test func intentsAsANumberAndAsOldOrUpperCaseNames() throws {
        #expect(try options(["--intents", "37377", "bot.lua"]).intents == .explicit(bits: 37377, names: []))
        #expect(try options(["--intents", "0", "bot.lua"]).intents == .explicit(bits: 0, names: []))
        #expect(try options(["--intents=GUILD_BANS, guild_emojis_and_stickers", "bot.lua"]).intents
                == .explicit(bits: 4 | 8, names: ["guild_bans", "guild_emojis_and_stickers"]))
        #expect(IntentNames.allDocumented == 53_608_447)
        #expect(IntentNames.names(of: 37377) == ["guilds", "guild_messages", "direct_messages", "message_content"])
    }

    @Test func scriptsKeepTheirOrderAndDoubleDashEndsOptions() throws {
        let files = ["a.lua": "", "--sim": "", "b.lua": ""]
        let parsed = try options(["a.lua", "--no-watch", "b.lua", "--", "--sim"], files: files)
        #expect(parsed.scripts == ["a.lua", "b.lua", "--sim"])
        #expect(!parsed.watch && !parsed.sim)
    }

    @Test func helpAndVersionWinOverEverythingElse() throws {
        #expect(try parse(["--bogus", "--help"]) == .help)
        #expect(try parse(["-h"]) == .help)
        #expect(try parse(["--version", "--shard", "9/1"]) == .version)
        #expect(try parse(["--help", "--version"]) == .help)
        // After `--`, `--help` is a script name.
        #expect(usageError(["--", "--help"]) == UsageError(option: nil, "cannot read script '--help'"))
    }
}
