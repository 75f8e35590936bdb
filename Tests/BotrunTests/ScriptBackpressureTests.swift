import Foundation
@testable import BotrunKit
import Testing

/// Backpressure (issue 7): the host asks to stop reading when its queue holds more than
/// `backpressureHigh` bytes and to go on once it is down to `backpressureLow`; nothing is dropped.
@Suite struct ScriptBackpressureTests {
    final class Signals: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Bool] = []
        func add(_ v: Bool) { lock.lock(); values.append(v); lock.unlock() }
        var all: [Bool] { lock.lock(); defer { lock.unlock() }; return values }
    }

    @Test func overTheMarkPausesAndDrainingResumesWithEveryEventHandled() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("n = 0\nfunction on_message_create(m) n = n + #m.content end\nfunction on_done() print(n) end")
        let out = LineCollector()
        let host = try makeHost(dir, out)
        let signals = Signals()
        host.onBackpressure = { signals.add($0) }
        defer { host.stop() }
        // Not started yet, so everything queues: 40 events of ~64 KB pass the 1 MB mark.
        let content = String(repeating: "x", count: 64 << 10)
        let data = Array("{\"content\":\"\(content)\"}".utf8)
        for seq in 1...40 {
            host.deliver(.dispatch(shardID: 0, seq: Int64(seq), name: "MESSAGE_CREATE", data: data))
            if seq * (data.count + 64) <= ScriptHost.backpressureHigh {
                #expect(signals.all.isEmpty, "no pause under the mark (event \(seq))")
            }
        }
        #expect(signals.all == [true], "one pause once over the mark, none repeated")
        host.start()
        host.deliver(.dispatch(shardID: 0, seq: 41, name: "DONE", data: Array("{}".utf8)))
        #expect(out.wait { $0 == ["\(40 * (64 << 10))"] }, "every queued event was handled")
        #expect(waitUntil { signals.all == [true, false] }, "reading resumes once drained")
    }

    @Test func smallEventsUnderTheMarkNeverPause() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_x() end")
        let host = try makeHost(dir, LineCollector())
        let signals = Signals()
        host.onBackpressure = { signals.add($0) }
        defer { host.stop() }
        for seq in 1...1000 { host.deliver(.dispatch(shardID: 0, seq: Int64(seq), name: "X", data: Array("{}".utf8))) }
        host.start()
        #expect(host.waitUntilIdle(timeout: 10))
        #expect(signals.all.isEmpty)
    }
}
