import Foundation
import Testing
@testable import ShardRuntime

/// Backpressure (issue 7): a paused connection reads nothing but still writes, and catches up
/// in order once resumed.
@Suite struct WebSocketBackpressureTests {
    @Test func pausedClientReadsNothingButWritesAndCatchesUpInOrder() throws {
        let server = try WebSocketLocalServerTests.Server(.upgrade {
            let r = WebSocketRecorder()
            r.onMessage = { ws, m in
                if m == .text(Array("go".utf8)) {
                    ws.send(textBytes: Array("a".utf8))
                    ws.send(textBytes: Array("b".utf8))
                }
            }
            return r
        })
        defer { server.stop() }
        let rec = WebSocketRecorder()
        let ws = WebSocketClient.connect(url: try WebSocketURL("ws://127.0.0.1:\(server.listener.port)/gw"), handler: rec)
        #expect(rec.wait { $0.contains(.open) })
        // The server records its side just after answering the upgrade, so it may lag our open.
        let deadline = Date(timeIntervalSinceNow: 10)
        while server.recorder == nil && Date() < deadline { usleep(1000) }
        let peer = try #require(server.recorder)
        func serverGot(_ text: String) -> Bool { peer.wait { $0.contains(.message(.text(Array(text.utf8)))) } }

        ws.setReadingPaused(true)
        ws.send(text: "go")
        #expect(serverGot("go"), "writes go on while paused")
        // The server answered "go" (a, b) before it read "sync1", so a and b sit in our socket
        // buffer by now; the loop turn that writes "sync2" handles readiness first, so an
        // unpaused connection would have delivered them before the server sees "sync2".
        ws.send(text: "sync1")
        #expect(serverGot("sync1"))
        ws.send(text: "sync2")
        #expect(serverGot("sync2"))
        #expect(rec.messages.isEmpty, "nothing is read while paused")

        ws.setReadingPaused(false)
        #expect(rec.wait { evs in evs.filter { if case .message = $0 { true } else { false } }.count == 2 })
        #expect(rec.messages == [.text(Array("a".utf8)), .text(Array("b".utf8))])
        ws.close()
        #expect(rec.waitForEnd() == .closed(1000, ""))
    }

    /// A resume asked for from another thread runs later on the loop; a pause made on the loop
    /// in between (as the script queue does when it crosses its mark) must win.
    @Test func laterPauseOnTheLoopWinsOverAnEarlierResumeFromAnotherThread() throws {
        let server = try WebSocketLocalServerTests.Server(.upgrade {
            let r = WebSocketRecorder()
            r.onMessage = { ws, m in if m == .text(Array("go".utf8)) { ws.send(textBytes: Array("a".utf8)) } }
            return r
        })
        defer { server.stop() }
        let rec = WebSocketRecorder()
        let ws = WebSocketClient.connect(url: try WebSocketURL("ws://127.0.0.1:\(server.listener.port)/gw"), handler: rec)
        #expect(rec.wait { $0.contains(.open) })
        let deadline = Date(timeIntervalSinceNow: 10)
        while server.recorder == nil && Date() < deadline { usleep(1000) }
        let peer = try #require(server.recorder)
        func serverGot(_ text: String) -> Bool { peer.wait { $0.contains(.message(.text(Array(text.utf8)))) } }

        ws.setReadingPaused(true)
        let release = DispatchSemaphore(value: 0), paused = DispatchSemaphore(value: 0)
        ws.loop.execute {
            release.wait()
            ws.setReadingPaused(true)  // on the loop: applied at once
            paused.signal()
        }
        ws.setReadingPaused(false)  // from this thread: queued behind the task above
        release.signal()
        #expect(paused.wait(timeout: .now() + 10) == .success)
        ws.send(text: "go")
        #expect(serverGot("go"))
        ws.send(text: "sync1")
        #expect(serverGot("sync1"))
        ws.send(text: "sync2")
        #expect(serverGot("sync2"))
        #expect(rec.messages.isEmpty, "the last request (pause) holds")
        ws.setReadingPaused(false)
        #expect(rec.wait { $0.contains(.message(.text(Array("a".utf8)))) })
        ws.close()
        #expect(rec.waitForEnd() == .closed(1000, ""))
    }

    @Test func closeReadsThePeersCloseFrameEvenWhilePaused() throws {
        let server = try WebSocketLocalServerTests.Server(.upgrade { WebSocketRecorder() })
        defer { server.stop() }
        let rec = WebSocketRecorder()
        let ws = WebSocketClient.connect(url: try WebSocketURL("ws://127.0.0.1:\(server.listener.port)/gw"),
                                         options: WebSocketOptions(closeTimeout: 10), handler: rec)
        #expect(rec.wait { $0.contains(.open) })
        ws.setReadingPaused(true)
        ws.close(code: 4000, reason: "bye")
        // Without reading, the close handshake could only end by the 10 s time-out (a failure).
        #expect(rec.waitForEnd(timeout: 5) == .closed(4000, ""))
    }
}
