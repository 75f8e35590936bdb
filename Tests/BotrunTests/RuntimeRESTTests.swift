import Foundation
@testable import BotrunKit
@testable import GatewaySim
import ShardRuntime
import Testing

/// rest.* end to end against the local gateway's REST side over TLS (issue 6).
@Suite struct RuntimeRESTTests {
    @Test func replyReachesTheSimWhichDispatchesItBack() async throws {
        try await offPool(Self.replyFlow)
    }

    @Test func handlerAwaitingRESTDoesNotHoldUpThousandEvents() async throws {
        try await offPool(Self.slowReply)
    }

    @Test func echoExampleRepliesInTheSimConsole() async throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        let input = try dir.write("!ping\nhello\n", name: "input.txt")
        let echo = ExampleScriptTests.packageRoot.appendingPathComponent("examples/echo.lua").path
        let run = try await offPool { RuntimeCommandLineTests.botrun(["--sim", "--sim-input", input, echo]) }
        #expect(run.code == 0, "errors: \(run.errors)")
        let world = SimWorld.standard()
        let human = world.humanUser.username
        // The console shows what the bot posted through REST, before the next line is typed.
        #expect(run.output.dropFirst() == ["<\(human)> !ping", "[#\(world.guilds[0].channels[0].name)] "
                                           + "\(world.botUser.username): pong", "<\(human)> hello"], "\(run.output)")
    }

    static func replyFlow() throws {
        let harness = try BotHarness(script: """
            function on_message_create(msg, ctx)
              if msg.author.bot then
                print("bot", msg.content, msg.message_reference and msg.message_reference.message_id)
              elseif msg.content == "!ping" then
                local reply, err, status = rest.reply(msg, "pong")
                print("replied", reply and reply.content, reply and reply.author.bot, err, status)
                print("empty", rest.create_message(msg.channel_id, { content = "" }))
              end
            end
            """)
        defer { harness.cleanup() }
        let bot = try harness.start()
        let ping = harness.sim.postUserMessage(content: "!ping")
        #expect(ping != nil)
        #expect(harness.output.wait { $0.count >= 3 })
        #expect(bot.stop() == .cleanStop)
        let lines = harness.output.lines
        #expect(lines.contains("replied\tpong\ttrue\tnil\tnil"), "\(lines)")
        #expect(lines.contains("bot\tpong\t\(ping ?? "?")"), "\(lines)")
        // Discord's answer to an empty message, surfaced as nil, message, status.
        let empty = lines.first { $0.hasPrefix("empty") } ?? ""
        #expect(empty.hasPrefix("empty\tnil\tPOST /channels/") && empty.contains("Cannot send an empty message")
                && empty.hasSuffix("\t400"), "\(empty)")
        let posted = harness.sim.world.messages.values.filter { $0.author.id == harness.sim.world.botUser.id }
        #expect(posted.map(\.content) == ["pong"])
    }

    static func slowReply() throws {
        let harness = try BotHarness(script: """
            local seen = 0
            function on_message_create(msg, ctx)
              if msg.author.bot then return end
              if msg.content == "!ping" then
                local reply, err = rest.reply(msg, "pong")
                print("replied after", seen, reply and reply.content, err)
              else
                seen = seen + 1
                if seen == 1000 then print("all", seen) end
              end
            end
            """)
        defer { harness.cleanup() }
        let bot = try harness.start()
        defer { bot.stop() }
        let sim = harness.sim
        sim.holdREST { method, path in method == "POST" && path.hasSuffix("/messages") }
        _ = sim.postUserMessage(content: "!ping")
        #expect(waitUntil { sim.heldRESTCount == 1 })
        sim.burstMessages(count: 1000)
        #expect(harness.output.wait(timeout: 30) { $0.contains("all\t1000") })
        #expect(sim.heldRESTCount == 1)
        #expect(bot.host.stats.parkedHandlers == 1)
        sim.releaseHeldREST()
        #expect(harness.output.wait { $0.contains { $0.hasPrefix("replied after") } })
        #expect(harness.output.lines == ["all\t1000", "replied after\t1000\tpong\tnil"])
    }

    @Test func tooManyRequestsIsWaitedOutAndRetried() throws {
        let fixture = try SimREST()
        defer { fixture.cleanup() }
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        // Both routes fall into one sim bucket of 1, but the client cannot know that: the
        // second call gets 429 with retry_after, which the client waits out and retries.
        try dir.write("""
            function on_x(d)
              print("message", rest.create_message(d.channel, "first").content)
              print("typing", rest.request("POST", "/channels/" .. d.channel .. "/typing"))
            end
            """)
        fixture.sim.setRESTRateLimit(RESTRateLimit(limit: 1, window: 0.3))
        let out = LineCollector()
        let host = try makeRESTHost(dir, out, rest: fixture.control)
        host.start()
        defer { host.stop() }
        host.deliver(messageEvent(seq: 1, #"{"channel":"\#(fixture.sim.world.generalChannelID)"}"#, name: "X"))
        #expect(out.wait { $0.count == 2 })
        #expect(out.lines == ["message\tfirst", "typing\ttrue"])
        let retries = fixture.logs.lines.filter { $0.contains("rest rate limited, retrying") }
        #expect(retries.count == 1 && retries.first?.contains("typing") == true, "\(fixture.logs.lines)")
    }

    @Test func unauthorizedIsSurfacedAsNilMessageStatus() throws {
        let fixture = try SimREST(token: "WRONG.token.value")
        defer { fixture.cleanup() }
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_x(d) print(rest.create_message(d.channel, 'hi')) end")
        let out = LineCollector()
        let host = try makeRESTHost(dir, out, rest: fixture.control)
        host.start()
        defer { host.stop() }
        host.deliver(messageEvent(seq: 1, #"{"channel":"\#(fixture.sim.world.generalChannelID)"}"#, name: "X"))
        #expect(out.wait { $0.count == 1 })
        let fields = out.lines.first?.split(separator: "\t").map(String.init) ?? []
        #expect(fields.count == 3 && fields[0] == "nil" && fields[2] == "401", "\(fields)")
        #expect(fields.count == 3 && fields[1].contains("HTTP 401") && !fields[1].contains("WRONG"))
    }
}
