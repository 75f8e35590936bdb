import Foundation
import Testing
import ShardRuntime

/// Raw byte streams: a client stream to a TCPListener, bytes both ways, clean EOF reported.
@Suite struct StreamConnectionTests {
    final class Bytes: @unchecked Sendable {
        private let cond = NSCondition()
        private var data: [UInt8] = []
        private(set) var closed = false
        func add(_ b: [UInt8]) { cond.lock(); data += b; cond.broadcast(); cond.unlock() }
        func close() { cond.lock(); closed = true; cond.broadcast(); cond.unlock() }
        func wait(_ cond2: @escaping ([UInt8], Bool) -> Bool) -> Bool {
            let deadline = Date(timeIntervalSinceNow: 10)
            cond.lock(); defer { cond.unlock() }
            while !cond2(data, closed) { if !cond.wait(until: deadline) { return cond2(data, closed) } }
            return true
        }
    }

    @Test func clientStreamTalksToListenerAndSeesEOF() throws {
        let serverSide = Bytes()
        let listener = try TCPListener(port: 0) { stream in
            stream.setHandlers(onData: { bytes in
                serverSide.add(bytes)
                if bytes.contains(0x0A) {
                    stream.write(Array("pong\n".utf8))
                    stream.close(flushFirst: true)
                }
            }, onClose: { _ in serverSide.close() })
        }
        defer { listener.close() }
        let clientSide = Bytes()
        StreamConnection.connect(host: "127.0.0.1", port: listener.port) { result in
            guard case .success(let s) = result else { clientSide.close(); return }
            s.setHandlers(onData: { clientSide.add($0) }, onClose: { _ in clientSide.close() })
            s.write(Array("ping\n".utf8))
        }
        #expect(serverSide.wait { d, _ in d == Array("ping\n".utf8) })
        #expect(clientSide.wait { d, closed in d == Array("pong\n".utf8) && closed }, "reply, then EOF")
    }

    @Test func webSocketOverIPv6Loopback() throws {
        let peer = try PythonPeer(script: "ws_interop_peer.py", arguments: ["--host", "::1"])
        defer { peer.stop() }
        let rec = WebSocketRecorder()
        let ws = WebSocketClient.connect(url: try WebSocketURL("ws://[::1]:\(peer.port)/echo"), handler: rec)
        #expect(rec.wait { $0.contains(.open) || !$0.isEmpty })
        ws.send(text: "over v6")
        #expect(rec.wait { $0.contains(.message(.text(Array("over v6".utf8)))) }, "\(rec.events)")
        ws.close()
        #expect(rec.waitForEnd() == .closed(1000, ""))
    }
}
