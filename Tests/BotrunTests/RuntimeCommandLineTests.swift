import Foundation
@testable import BotrunKit
import GatewaySim
import ShardRuntime
import Testing

/// The command line end to end: arguments through `BotrunMain` into a runtime whose output
/// the test collects (`--sim` with `--sim-input`, `--check`, scripts that do not load).
@Suite struct RuntimeCommandLineTests {
    /// What one `botrun` invocation printed and returned.
    struct Run {
        var code: Int32
        var output: [String]
        var errors: [String]
        var logs: [String]
    }

    static func botrun(_ arguments: [String]) -> Run {
        let output = LineCollector()
        let errors = LineCollector()
        let logs = LineCollector()
        let process = BotrunOptionParser.Environment.process
        let environment = BotrunOptionParser.Environment(variables: [:], readFile: process.readFile,
                                                         isReadableFile: process.isReadableFile)
        let code = BotrunMain.main(
            arguments: arguments, environment: environment,
            standardOutput: { output.sink($0) }, standardError: { errors.sink($0) },
            run: { options in
                BotRuntime(options: options, logger: Logger(level: .info, sink: { logs.sink($0) }),
                           output: { output.sink($0) },
                           errorOutput: { text in text.split(separator: "\n").forEach { errors.sink(String($0)) } },
                           handlesSignals: false).run()
            })
        return Run(code: code, output: output.lines, errors: errors.lines, logs: logs.lines)
    }

    static let chatScript = """
        function on_message_create(m, ctx)
          if m.author.bot then return end
          print(('<%s> %s'):format(m.author.username, m.content))
          if m.content == '!ping' then print('pong') end
        end
        """

    @Test func simInputLinesBecomeMessagesAndEndOfInputStopsCleanly() async throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write(Self.chatScript)
        // After each disruption the bot reconnects (resuming) and still gets the next line, once.
        let input = try dir.write("hello\n!ping\n/close 4000\nafter the close\n/reconnect\nafter op 7\n"
                                  + "/drop\nafter the drop\n/invalidate resumable\nafter op 9\n", name: "input.txt")
        // Two shards: the end-of-input drain must follow each shard's own session.
        let run = try await offPool { Self.botrun(["--sim", "--shards", "2", "--sim-input", input, dir.script]) }
        #expect(run.code == 0, "errors: \(run.errors)")
        let human = SimWorld.standard().humanUser.username
        #expect(run.output == ["<\(human)> hello", "<\(human)> !ping", "pong", "<\(human)> after the close",
                               "<\(human)> after op 7", "<\(human)> after the drop", "<\(human)> after op 9"])
        #expect(run.errors.isEmpty)
    }

    @Test func fatalCloseExitsWithOneAndNamesTheCode() async throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write(Self.chatScript)
        let input = try dir.write("hello\n/close 4004\n", name: "input.txt")
        let run = try await offPool { Self.botrun(["--sim", "--sim-input", input, dir.script]) }
        #expect(run.code == 1)
        #expect(run.errors.contains { $0.contains("4004") && $0.contains("authentication failed") }, "\(run.errors)")
        #expect(run.output.first == "<\(SimWorld.standard().humanUser.username)> hello")
    }

    @Test func checkReportsHandlersAndIntents() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_message_create() end\nfunction on_guild_create() end\nfunction helper() end")
        let run = Self.botrun(["--check", dir.script])
        #expect(run.code == 0)
        // GUILDS (1) for GUILD_CREATE; GUILD_MESSAGES (512) + DIRECT_MESSAGES (4096) for MESSAGE_CREATE.
        #expect(run.output == ["bot.lua: handlers for GUILD_CREATE, MESSAGE_CREATE",
                               "intents: 4609 (guilds, guild_messages, direct_messages)"])
        // message_content is privileged: left off unless named, with a warning at start.
        // Spelled as --intents takes them, with the value to pass.
        #expect(run.logs.contains { $0.hasPrefix("warn privileged intents are off") && $0.contains("missing=message_content")
                    && $0.contains("try=\"--intents guilds,guild_messages,direct_messages,message_content\"") },
                "\(run.logs)")
    }

    @Test func checkSaysNoneWhenNoIntentIsNeeded() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_ready() end")
        let run = Self.botrun(["--check", dir.script])
        #expect(run.code == 0)
        #expect(run.output == ["bot.lua: handlers for READY", "intents: 0 (none)"])
    }

    @Test func simStillWarnsThatDiscordNeedsPrivilegedIntentsNamed() async throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write(Self.chatScript)
        let run = try await offPool { Self.botrun(["--sim", "--sim-input", "/dev/null", dir.script]) }
        #expect(run.code == 0, "errors: \(run.errors)")
        #expect(run.logs.contains { $0.hasPrefix("warn the local gateway grants privileged intents")
                    && $0.contains("privileged=message_content")
                    && $0.contains("try=\"--intents guild_messages,direct_messages,message_content\"") },
                "\(run.logs)")
        // Named explicitly: nothing to warn about.
        let named = try await offPool {
            Self.botrun(["--sim", "--sim-input", "/dev/null", "--intents", "guild_messages,message_content", dir.script])
        }
        #expect(!named.logs.contains { $0.hasPrefix("warn") }, "\(named.logs)")
    }

    @Test func simLogLinesGoThroughTheRunsLogger() async throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write(Self.chatScript)
        let input = try dir.write("/close 4000\n", name: "input.txt")
        let run = try await offPool { Self.botrun(["--sim", "--sim-input", input, dir.script]) }
        #expect(run.code == 0, "errors: \(run.errors)")
        // The local gateway's own line, in the same logger (so --log-format json covers it).
        #expect(run.logs.contains { $0.hasPrefix("info sim closes connection") && $0.contains("code=4000") }, "\(run.logs)")
    }

    @Test func consoleConfirmsCommandsWhoseEffectIsNotVisible() async throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write(Self.chatScript)
        let input = try dir.write("hello\n/edit changed\n/react 👍\n/delete\n/delete\n/heartbeat\n/zombie\n",
                                  name: "input.txt")
        let run = try await offPool { Self.botrun(["--sim", "--sim-input", input, dir.script]) }
        #expect(run.code == 0, "errors: \(run.errors)")
        let general = SimWorld.standard().guilds[0].channels[0].name
        #expect(Array(run.output.dropFirst().prefix(6)) == [
            "sim: edited your last message in #\(general)",
            "sim: reacted 👍 to the last message in #\(general)",
            "sim: deleted your last message in #\(general)",
            "sim: no message to delete in #\(general)",
            "sim: asked the bot for a heartbeat (op 1)",
            "sim: heartbeats are no longer acknowledged, on this and later connections; "
                + "the bot should call the connection a zombie and reconnect within about 83 s",
        ], "\(run.output)")
    }

    @Test func syntaxErrorExitsWithTwoAndTheCompilerMessage() async throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_message_create(m)\n  print(m.content\nend\n")
        for arguments in [["--check", dir.script], ["--sim", "--sim-input", "/dev/null", dir.script]] {
            let run = try await offPool { Self.botrun(arguments) }
            #expect(run.code == 2, "\(arguments)")
            #expect(run.errors.count == 1 && run.errors[0].contains("bot.lua:3:") && run.errors[0].contains("expected"),
                    "\(run.errors)")
            #expect(run.output.isEmpty)
        }
    }
}
