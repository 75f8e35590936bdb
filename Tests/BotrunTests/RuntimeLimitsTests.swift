import Foundation
@testable import BotrunKit
import GatewaySim
import ShardRuntime
import Testing

/// A runaway handler and a memory bomb are stopped with a clear error, the bot goes on, and
/// the gateway's heartbeats stay on time meanwhile (Lua never blocks the event loop).
@Suite struct RuntimeLimitsTests {
    @Test func runawayLoopAndMemoryBombAreStoppedWhileHeartbeatsStayOnTime() async throws {
        try await offPool(Self.runawayAndBomb)
    }

    static let intervalMS = 500
    /// The runaway handler's budget: a loop that Lua blocked would show a heartbeat gap of at
    /// least this long, well above the jitter a loaded machine adds to an on-time beat.
    static let budget = 2.0

    static func runawayAndBomb() throws {
        let harness = try BotHarness(script: """
            function on_message_create(m, ctx)
              if m.content == 'loop' then
                while true do end
              elseif m.content == 'bomb' then
                local t, i = {}, 0
                while true do i = i + 1; t[i] = string.rep('x', 1000) .. i end
              else
                print('ok', m.content)
              end
            end
            """, heartbeatMS: intervalMS)
        defer { harness.cleanup() }
        // Budget above three heartbeat intervals: the loop outlasts several beats.
        let bot = try harness.start(harness.options {
            $0.handlerTimeout = budget
            $0.memoryLimitMB = 16
        })
        defer { bot.stop() }
        let sim = harness.sim
        let started = Date()

        sim.postUserMessage(content: "loop")
        sim.postUserMessage(content: "after loop")
        #expect(harness.output.wait(timeout: 10) { $0 == ["ok\tafter loop"] })
        #expect(Date().timeIntervalSince(started) >= budget)  // the loop really ran for its budget
        sim.postUserMessage(content: "bomb")
        sim.postUserMessage(content: "after bomb")
        #expect(harness.output.wait(timeout: 10) { $0 == ["ok\tafter loop", "ok\tafter bomb"] })

        let failures = harness.logs.lines.filter { $0.contains("handler failed") }
        #expect(failures.count == 2)
        #expect(failures.first?.contains("MESSAGE_CREATE") == true)
        #expect(failures.first.map { $0.contains("bot.lua:3: time budget exceeded (2 s)") } == true, "\(failures)")
        #expect(failures.last.map { $0.contains("bot.lua:6: memory limit exceeded (16 MB)") } == true, "\(failures)")
        #expect(waitUntil { bot.host.stats.handlerErrors == 2 })  // counted after each batch

        // Heartbeats during all of it: after the first (jittered) one, one per interval.
        let elapsed = Date().timeIntervalSince(started)
        let interval = Double(intervalMS) / 1000
        let beats = sim.recorder.payloads(op: 1).map(\.time)
        #expect(Double(beats.count) >= elapsed / interval - 2, "beats \(beats.count) in \(elapsed)s")
        let gaps = zip(beats.dropFirst(), beats).map { $0 - $1 }
        // "Late" is a gap nearer the budget than the interval: a blocked loop gives at least
        // `budget` (2 s); scheduling on a loaded 2-core run added up to ~0.2 s to a 0.3 s beat,
        // which a tighter 1.5 × interval bound reported as late.
        let late = gaps.filter { $0 > interval + (budget - interval) / 2 }
        #expect(late.isEmpty, "gaps \(gaps)")
        #expect(sim.recorder.identifyCount == 1 && sim.recorder.connections.count == 1)
    }
}
