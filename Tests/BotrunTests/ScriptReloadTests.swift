import Foundation
@testable import BotrunKit
import Testing

@Suite struct ScriptReloadTests {
    @Test func brokenReloadKeepsOldHandlers() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_x() print('v1') end")
        let out = LineCollector()
        let host = try makeHost(dir, out)
        host.start()
        defer { host.stop() }
        try dir.write("function on_x() print('v2')\n") // missing end
        let result = host.reload()
        guard case .failure(let error) = result else { Issue.record("reload should fail"); return }
        #expect(error.kind == .syntax && error.message.contains("bot.lua:"))
        try dir.write("function on_x() print('v3') end\nerror('top-level boom')")
        guard case .failure(let runtime) = host.reload() else { Issue.record("reload should fail"); return }
        #expect(runtime.kind == .runtime && runtime.message.contains("bot.lua:2: top-level boom"))
        host.deliver(.dispatch(shardID: 0, seq: 1, name: "X", data: Array("{}".utf8)))
        #expect(out.wait { $0 == ["v1"] })
        #expect(host.stats.failedReloads == 2 && host.stats.reloads == 0)
    }

    @Test func storeSurvivesReloadAndOnReloadRuns() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("store.n = store.n or 0\nfunction on_x() store.n = store.n + 1 end")
        let out = LineCollector()
        let host = try makeHost(dir, out)
        let changes = LineCollector()
        host.onWantedEventsChange = { events in changes.sink(events.sorted().joined(separator: ",")) }
        host.start()
        defer { host.stop() }
        for seq in 1...3 { host.deliver(.dispatch(shardID: 0, seq: Int64(seq), name: "X", data: Array("{}".utf8))) }
        try dir.write("""
            print('top', store.n)
            function on_reload() print('reloaded', store.n) end
            function on_y() end
            """)
        guard case .success = host.reload() else { Issue.record("reload failed"); return }
        #expect(out.lines == ["top\t3", "reloaded\t3"])
        #expect(host.wantedEvents == ["Y"])
        #expect(changes.lines == ["Y"])
        #expect(host.stats.reloads == 1)
    }

    @Test func reloadWhileEventsStreamLosesAndDuplicatesNothing() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        let script = { (version: Int) in "function on_message_create(m, ctx) print(\(version), ctx.shard_id, ctx.seq) end" }
        try dir.write(script(1))
        let out = LineCollector()
        let host = try makeHost(dir, out)
        host.start()
        defer { host.stop() }
        let total = 4000
        // The producer streams events and only pauses at each 1000th until the reload
        // started at ~500 more than the last has finished, so every reload happens
        // while events are queued and being delivered.
        let reloaded = DispatchSemaphore(value: 0)
        let producer = Thread {
            for seq in 1...total {
                host.deliver(.dispatch(shardID: seq % 3, seq: Int64(seq), name: "MESSAGE_CREATE", data: Array("{\"content\":\"hi\"}".utf8)))
                if seq % 1000 == 0 && seq < total { _ = reloaded.wait(timeout: .now() + 10) }
            }
        }
        producer.start()
        for version in 2...4 {
            #expect(out.wait { $0.count >= (version - 2) * 1000 + 500 })
            try dir.write(script(version))
            let result = host.reload()
            reloaded.signal()
            guard case .success = result else { Issue.record("reload \(version) failed"); return }
        }
        #expect(out.wait(timeout: 10) { $0.count >= total })
        let rows = out.lines.map { $0.split(separator: "\t").map { Int($0)! } }
        #expect(rows.count == total)
        #expect(rows.map { $0[2] } == Array(1...total))           // none lost, none twice, in order
        let versions = rows.map { $0[0] }
        #expect(versions == versions.sorted())                     // each swap happened once, between events
        #expect(Set(versions) == [1, 2, 3, 4])
        #expect(host.stats.reloads == 3)
    }

    @Test func watcherReloadsOnSaveOfScriptAndRequiredFile() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("return 'h1'", name: "helper.lua")
        try dir.write("local h = require('helper')\nfunction on_x() print(h) end")
        let out = LineCollector()
        let host = try makeHost(dir, out)
        #expect(host.watchedFiles.contains(dir.url.appendingPathComponent("helper.lua").standardizedFileURL.path))
        host.start()
        defer { host.stop() }
        try host.startWatching(debounce: 0.02)
        try dir.write("scratch", name: ".bot.lua.swp")  // not watched
        try dir.write("return 'h2'", name: "helper.lua", atomically: false)  // in place: IN_CLOSE_WRITE
        #expect(waitUntil { host.stats.reloads == 1 })
        host.deliver(.dispatch(shardID: 0, seq: 1, name: "X", data: []))
        #expect(out.wait { $0 == ["h2"] })
        try dir.write("function on_x() print('v2') end")  // temp file + rename: IN_MOVED_TO
        #expect(waitUntil { host.stats.reloads == 2 })
        host.deliver(.dispatch(shardID: 0, seq: 2, name: "X", data: []))
        #expect(out.wait { $0 == ["h2", "v2"] })
    }
}
