import Foundation
@testable import BotrunKit
import Testing

@Suite struct ScriptHostTests {
    @Test func eventsReachHandlersInOrderPerShard() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_message_create(m, ctx) print(ctx.shard_id, ctx.seq, m.n) end")
        let out = LineCollector()
        let host = try makeHost(dir, out)
        host.start()
        defer { host.stop() }
        for seq in 1...500 {
            host.deliver(.dispatch(shardID: seq % 2, seq: Int64(seq), name: "MESSAGE_CREATE", data: Array("{\"n\":\(seq)}".utf8)))
        }
        #expect(out.wait { $0.count == 500 })
        let seqs = out.lines.map { $0.split(separator: "\t") }
        for shard in ["0", "1"] {
            let mine = seqs.filter { $0[0] == shard }.map { Int($0[1])! }
            #expect(mine == mine.sorted() && mine.count == 250)
        }
        #expect(seqs.allSatisfy { $0[1] == $0[2] })
        #expect(waitUntil { host.stats.eventsHandled == 500 })
        #expect(host.stats.luaMemoryBytes > 0)
    }

    /// A timer centuries away made the script thread trap in NSCondition.wait(until:),
    /// killing the whole process.
    @Test func farAwayTimerDoesNotCrashTheHost() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("timer.after(1e300, function() print('never') end)\ntimer.every(1e12, function() end)\nfunction on_message_create(m) print('got', m.n) end")
        let out = LineCollector()
        let host = try makeHost(dir, out)
        host.start()
        defer { host.stop() }
        host.deliver(.dispatch(shardID: 0, seq: 1, name: "MESSAGE_CREATE", data: Array("{\"n\":1}".utf8)))
        #expect(out.wait { $0 == ["got\t1"] })
    }

    @Test func wantedEventsComeFromDefinedHandlers() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_ready() end\nfunction on_message_create() end\nfunction on_shard_resumed() end\nfunction helper() end")
        let host = try makeHost(dir, LineCollector())
        #expect(host.wantedEvents == ["READY", "MESSAGE_CREATE"])
        #expect(host.handlerNames == ["on_message_create", "on_ready", "on_shard_resumed"])
    }

    @Test func handlerErrorIsLoggedCountedAndNextEventProceeds() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_x(d, ctx)\n  if ctx.seq == 1 then error('bad') end\n  print('ok', ctx.seq)\nend")
        let out = LineCollector(), logs = LineCollector()
        let host = try makeHost(dir, out, logs: logs)
        host.start()
        defer { host.stop() }
        host.deliver(.dispatch(shardID: 0, seq: 1, name: "X", data: Array("{}".utf8)))
        host.deliver(.dispatch(shardID: 0, seq: 2, name: "X", data: Array("{}".utf8)))
        #expect(out.wait { $0 == ["ok\t2"] })
        #expect(waitUntil { host.stats.handlerErrors == 1 && host.stats.eventsHandled == 2 })
        let record = logs.lines.first { $0.contains("handler failed") } ?? ""
        #expect(record.contains("bot.lua:2: bad") && record.contains("seq=1") && record.contains("event=X"))
        #expect(record.contains("shard=0"))
    }

    @Test func runawayHandlerIsStoppedAndTheHostGoesOn() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_spin() while true do end end\nfunction on_x() print('after') end")
        let out = LineCollector()
        let host = try makeHost(dir, out, timeout: 0.1)
        host.start()
        defer { host.stop() }
        host.deliver(.dispatch(shardID: 0, seq: 1, name: "SPIN", data: Array("{}".utf8)))
        host.deliver(.dispatch(shardID: 0, seq: 2, name: "X", data: Array("{}".utf8)))
        #expect(out.wait { $0 == ["after"] })
        #expect(waitUntil { host.stats.handlerErrors == 1 })
    }

    @Test func lifecycleEventsCallLifecycleHandlers() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("""
            function on_shard_disconnected(code, reason, ctx) print('down', code, reason, ctx.shard_id) end
            function on_invalid_session(resumable, ctx) print('invalid', resumable) end
            function on_shard_connected(ctx) print('up', ctx.shard_id) end
            """)
        let out = LineCollector()
        let host = try makeHost(dir, out)
        host.start()
        defer { host.stop() }
        host.deliver(.lifecycle(shardID: 1, .connected))
        host.deliver(.lifecycle(shardID: 1, .disconnected(code: 4000, reason: "unknown \"error\"")))
        host.deliver(.lifecycle(shardID: 1, .invalidSession(resumable: false)))
        host.deliver(.lifecycle(shardID: 1, .resumed))
        #expect(out.wait { $0.count == 3 })
        #expect(out.lines == ["up\t1", "down\t4000\tunknown \"error\"\t1", "invalid\tfalse"])
    }

    @Test func shardAPIReachesTheControl() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("""
            function on_x(d, ctx)
              local i = shard.info(0)
              print(i.session_id, i.seq, i.latency.average, i.ratelimit.available, i.queue_depth)
              print(shard.info(5))
              print(shard.command("update_presence", {status = "idle"}))
              print(shard.command("update_presence", {status = 5}))
              print(shard.send({type = "ping", data = "x"}))
            end
            """)
        let control = FakeShardControl()
        let out = LineCollector()
        let host = try makeHost(dir, out, control: control)
        host.start()
        defer { host.stop() }
        host.deliver(.dispatch(shardID: 1, seq: 1, name: "X", data: Array("{}".utf8)))
        #expect(out.wait { $0.count == 5 })
        #expect(out.lines == ["abc\t7\t41.5\t118\t1", "nil\tsession inactive", "true",
                              "nil\tbad field 'status' (string expected, got number) at bot.lua:6", "true"])
        #expect(control.commands.count == 1)
        #expect(control.commands.first?.shardID == 1 && control.commands.first?.json == #"{"status":"idle"}"#)
        #expect(control.sends.first?.shardID == 1 && control.sends.first?.message == .ping(Array("x".utf8)))
    }

    @Test func logRecordsCarryShardAndScriptLine() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_x()\n  log.warn('careful', 1)\nend")
        let logs = LineCollector()
        let host = try makeHost(dir, LineCollector(), logs: logs)
        host.start()
        defer { host.stop() }
        host.deliver(.dispatch(shardID: 2, seq: 1, name: "X", data: []))
        #expect(logs.wait { $0.contains("warn careful 1 shard=2 script=bot.lua at=bot.lua:2") }, "\(logs.lines)")
    }

    @Test func timersRunOnTheScriptThreadInOrder() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("""
            timer.after(0.03, function() print('c') end)
            timer.after(0.01, function() print('a') end)
            timer.after(0.02, function() print('b') end)
            local n = 0
            local h
            h = timer.every(0.005, function() n = n + 1 if n == 3 then h:cancel() print('every3') end end)
            """)
        let out = LineCollector()
        let host = try makeHost(dir, out)
        host.start()
        defer { host.stop() }
        #expect(out.wait { $0.count == 4 })
        #expect(out.lines.filter { $0.count == 1 } == ["a", "b", "c"])
        #expect(out.lines.contains("every3"))
    }

    @Test func syntaxErrorAtStartIsThrownWithLine() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("x = 1\nfunction on_x(\n")
        #expect(throws: ScriptError.self) { try makeHost(dir, LineCollector()) }
        do {
            _ = try makeHost(dir, LineCollector())
        } catch {
            #expect(error.kind == .syntax && error.message.hasPrefix("bot.lua:3:"))
        }
    }
}
