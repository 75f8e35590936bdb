import Foundation
@testable import BotrunKit
import GatewaySim
import ShardRuntime
import Testing

/// Live reload end to end: the watcher sees a save while the gateway streams events.
@Suite struct RuntimeReloadTests {
    @Test func reloadWhileEventsStreamKeepsTheSessionAndLosesNothing() async throws {
        try await offPool(Self.reloadWhileStreaming)
    }

    @Test func brokenSaveKeepsTheOldHandlersAndLogsTheError() async throws {
        try await offPool(Self.brokenSave)
    }

    @Test func eventsWithoutHandlerStopAtTheFilterUntilAReloadAddsOne() async throws {
        try await offPool(Self.eventFilter)
    }

    /// Each handler prints `version, seq, store.count`; v1 spends ~0.3 ms per message so the
    /// save lands while the burst is still being handled.
    static func script(_ version: Int, extra: String = "") -> String {
        """
        store.count = store.count or 0
        local function seen(ctx)
          store.count = store.count + 1
          print(\(version), ctx.seq, store.count)
        end
        function on_ready(_, ctx) seen(ctx) end
        function on_guild_create(_, ctx) seen(ctx) end
        function on_message_create(_, ctx)
          local t = os.clock()
          while \(version) == 1 and os.clock() - t < 0.0003 do end
          seen(ctx)
        end
        \(extra)
        """
    }

    static func reloadWhileStreaming() throws {
        // Default heartbeat interval on purpose: with 300 ms, the sim queues its ACK behind the
        // 3000-message burst (debug build) and the client rightly declares the connection a
        // zombie and resumes. Heartbeats under a busy Lua thread: RuntimeLimitsTests.
        let harness = try BotHarness(script: script(1))
        defer { harness.cleanup() }
        let bot = try harness.start(harness.options { $0.watch = true })
        defer { bot.stop() }
        let sim = harness.sim
        let session = try #require(harness.sessionID)
        let burst = 3000
        sim.burstMessages(count: burst)
        #expect(harness.output.wait { $0.count >= 300 })
        try harness.dir.write(script(2, extra: """
            function on_reload()
              print('reloaded', store.count, shard.info().session_id)
            end
            """))
        #expect(waitUntil(timeout: 10) { bot.host.stats.reloads == 1 })
        let delivered = harness.delivered()
        let total = delivered.count
        #expect(harness.output.wait(timeout: 20) { $0.count >= total + 1 })

        let lines = rows(harness.output.lines)
        let reloadIndex = try #require(lines.firstIndex { $0[0] == "reloaded" })
        let events = lines.filter { $0[0] != "reloaded" }
        // 0 lost, 0 duplicated, in gateway order: the handlers saw exactly what the sim sent.
        #expect(events.map { Int($0[1])! } == delivered)
        // The swap happened once, between two events, while the burst was still flowing.
        #expect(events.map(\.[0]) == events.map(\.[0]).sorted())
        #expect(lines[..<reloadIndex].allSatisfy { $0[0] == "1" })
        #expect(lines[(reloadIndex + 1)...].allSatisfy { $0[0] == "2" })
        #expect(lines[(reloadIndex + 1)...].count > 100)
        // store carried over: the count continues; on_reload saw it and the same session.
        #expect(lines[reloadIndex] == ["reloaded", String(reloadIndex), session])
        #expect(events.map { Int($0[2])! } == Array(1...events.count))
        // No new IDENTIFY, no RESUME: the gateway session was never touched.
        let recorder = sim.recorder
        #expect(recorder.identifyCount == 1 && recorder.resumeCount == 0)
        #expect(recorder.connections.count == 1 && sim.sessionIDs == [session])
    }

    static func brokenSave() throws {
        let harness = try BotHarness(script: "function on_message_create(m) print('v1', m.content) end")
        defer { harness.cleanup() }
        let bot = try harness.start(harness.options { $0.watch = true })
        defer { bot.stop() }
        try harness.dir.write("function on_message_create(m)\n  print('v2', m.content)\n")  // no `end`
        #expect(harness.logs.wait { $0.contains { $0.contains("reload failed") && $0.contains("bot.lua:") } })
        let logged = harness.logs.lines.first { $0.contains("reload failed") } ?? ""
        #expect(logged.contains("'end' expected"), "log: \(logged)")
        harness.sim.postUserMessage(content: "still here")
        #expect(harness.output.wait { $0 == ["v1\tstill here"] })
        #expect(bot.host.stats.failedReloads == 1 && bot.host.stats.reloads == 0)
    }

    static func eventFilter() throws {
        let harness = try BotHarness(script: "function on_message_create(m) print('message', m.content) end")
        defer { harness.cleanup() }
        let bot = try harness.start(harness.options { $0.watch = true })
        defer { bot.stop() }
        let sim = harness.sim
        let typing = #"{"channel_id":"1","user_id":"2","timestamp":1700000000}"#
        sim.dispatch(event: "TYPING_START", d: typing, guildID: nil)
        sim.postUserMessage(content: "after typing")
        #expect(harness.output.wait { $0 == ["message\tafter typing"] })
        // READY, one GUILD_CREATE per guild, the TYPING_START, the MESSAGE_CREATE: all sent.
        #expect(harness.delivered().count == 3 + sim.world.guilds.count)
        #expect(bot.runtime.forwardedCount("TYPING_START") == 0)
        #expect(bot.runtime.forwardedCount("MESSAGE_CREATE") == 1)
        #expect(bot.runtime.forwardedCount("READY") == 0 && bot.runtime.forwardedCount("GUILD_CREATE") == 0)

        try harness.dir.write("""
            function on_message_create(m) print('message', m.content) end
            function on_typing_start(t, ctx) print('typing', t.user_id, ctx.event) end
            """)
        #expect(waitUntil(timeout: 10) { bot.host.stats.reloads == 1 })
        sim.dispatch(event: "TYPING_START", d: typing, guildID: nil)
        #expect(harness.output.wait { $0.last == "typing\t2\tTYPING_START" })
        #expect(bot.runtime.forwardedCount("TYPING_START") == 1)
    }
}
