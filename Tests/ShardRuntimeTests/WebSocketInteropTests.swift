import Foundation
import Testing
@testable import ShardRuntime

/// Our client against an independent server: Python `websockets` over TLS, with a test CA and
/// server certificate made at test time by the `openssl` CLI.
@Suite(.serialized) struct WebSocketInteropTests {
    let certs: TestCertificates
    let peer: PythonPeer
    let loop = EventLoopGroup.shared.next()

    init() throws {
        certs = try TestCertificates.get()
        peer = try PythonPeer(script: "ws_interop_peer.py", arguments: ["--cert", certs.serverCert, "--key", certs.serverKey])
    }

    func connect(_ path: String, host: String = "127.0.0.1", tls: TLSConfiguration? = nil,
                 options: WebSocketOptions = WebSocketOptions(), on loop: EventLoop? = nil) throws -> (WebSocketConnection, WebSocketRecorder) {
        let rec = WebSocketRecorder()
        let url = try WebSocketURL("wss://\(host):\(peer.port)\(path)")
        let ws = WebSocketClient.connect(url: url, options: options, tls: tls ?? .client(caFile: certs.caFile),
                                         on: loop ?? self.loop, handler: rec)
        return (ws, rec)
    }

    static func opened(_ rec: WebSocketRecorder) -> Bool {
        rec.wait { $0.contains(.open) || $0.contains { if case .failed = $0 { true } else { false } } }
        return rec.events.first == .open
    }

    @Test func textAndBinaryEcho() throws {
        defer { peer.stop() }
        let (ws, rec) = try connect("/echo?v=10&encoding=json")
        #expect(Self.opened(rec), "\(rec.events)")
        ws.send(text: "héllo ✓")
        ws.send(binary: [0, 1, 2, 255])
        ws.ping(Array("are you there".utf8))
        #expect(rec.wait { $0.filter { if case .message = $0 { true } else { false } }.count == 2 && $0.contains(.pong(Array("are you there".utf8))) })
        #expect(rec.messages == [.text(Array("héllo ✓".utf8)), .binary([0, 1, 2, 255])])
        ws.close(code: 4001, reason: "client done")
        #expect(rec.waitForEnd() == .closed(4001, "client done"), "the server echoes our application close code")
    }

    @Test func twentyMegabyteMessageBothWays() throws {
        defer { peer.stop() }
        // A loop of its own: 20 MB each way keeps a debug-build loop busy for seconds, which on
        // a shared loop delayed other parallel tests' heartbeats into zombie reconnects.
        let own = EventLoop(name: "interop-20mb")
        defer { own.shutdown() }
        let (ws, rec) = try connect("/echo", on: own)
        #expect(Self.opened(rec))
        var big = [UInt8](repeating: 0, count: 20 * 1024 * 1024)
        var x: UInt32 = 12345
        for i in big.indices { x = x &* 1_103_515_245 &+ 12345; big[i] = UInt8(truncatingIfNeeded: x >> 16) }
        ws.send(binary: big)
        #expect(rec.wait(timeout: 60) { $0.contains { if case .message = $0 { true } else { false } } })
        #expect(rec.messages.first == .binary(big))
        ws.close()
        #expect(rec.waitForEnd() == .closed(1000, ""))
    }

    @Test func fragmentedMessageWithPingsInside() throws {
        defer { peer.stop() }
        let (ws, rec) = try connect("/fragments")
        #expect(Self.opened(rec))
        #expect(rec.wait { $0.contains { if case .message = $0 { true } else { false } } })
        #expect(rec.messages == [.text(Array("frag-one frag-two ünïcødé end".utf8))])
        // The peer waits for our pong after each ping it puts between fragments, so the
        // message only completes because we answered them.
        ws.send(text: "after")
        #expect(rec.wait { $0.filter { if case .message = $0 { true } else { false } }.count == 2 })
        ws.abort()
    }

    @Test func serverCloseWith4000PassesThrough() throws {
        defer { peer.stop() }
        let (_, rec) = try connect("/close4000")
        #expect(rec.waitForEnd() == .closed(4000, "custom reason"))
        #expect(rec.messages == [.text(Array("bye".utf8))])
    }

    @Test func zlibStreamTraffic() throws {
        defer { peer.stop() }
        let inflater = ZlibStreamInflater()
        let rec = WebSocketRecorder()
        let payloads = LockedPayloads()
        rec.onMessage = { _, m in
            if case .binary(let b) = m {
                do { if let p = try inflater.decompress(b) { payloads.append(p) } } catch { payloads.fail("\(error)") }
            }
        }
        let url = try WebSocketURL("wss://localhost:\(peer.port)/zlib?compress=zlib-stream")
        let ws = WebSocketClient.connect(url: url, tls: .client(caFile: certs.caFile), on: loop, handler: rec)
        #expect(rec.wait(timeout: 30) { $0.contains { if case .message(.text) = $0 { true } else { false } } })
        let summaryText = try #require(rec.messages.last?.string)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(summaryText.utf8)) as? [String: Int])
        let got = payloads.items
        #expect(payloads.error == nil)
        #expect(got.count == summary["count"])
        #expect(got.reduce(0) { $0 + $1.count } == summary["bytes"])
        for (i, p) in got.enumerated() {
            let obj = try JSONSerialization.jsonObject(with: Data(p)) as? [String: Any]
            #expect(obj?["s"] as? Int == i + 1)
        }
        ws.close()
        #expect(rec.waitForEnd() == .closed(1000, ""))
    }

    @Test func refusesUnknownCA() throws {
        defer { peer.stop() }
        let (_, rec) = try connect("/echo", tls: .client(caFile: certs.otherCAFile))
        guard case .failed(.certificateRejected(_, let problem, let detail)) = rec.waitForEnd() else {
            Issue.record("expected a certificate rejection, got \(rec.events)"); return
        }
        #expect(problem == .unknownCA, "\(detail)")
        #expect(detail.contains("issuer"))
    }

    @Test func refusesWrongHostName() throws {
        defer { peer.stop() }
        let (_, rec) = try connect("/echo", host: "127.0.0.1", tls: .client(caFile: certs.caFile, serverName: "wrong.example.invalid"))
        guard case .failed(let error) = rec.waitForEnd(), case .certificateRejected(let host, let problem, _) = error else {
            Issue.record("expected a certificate rejection, got \(rec.events)"); return
        }
        #expect(problem == .hostnameMismatch)
        #expect(host == "wrong.example.invalid")
        #expect(error.description.contains("hostnameMismatch"))
    }

    @Test func systemStoreDoesNotTrustTestCA() throws {
        defer { peer.stop() }
        let (_, rec) = try connect("/echo", tls: .client())
        guard case .failed(.certificateRejected(_, let problem, _)) = rec.waitForEnd() else {
            Issue.record("expected a certificate rejection, got \(rec.events)"); return
        }
        #expect(problem == .unknownCA)
    }
}

final class LockedPayloads: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [[UInt8]] = []
    private var err: String?
    func append(_ p: [UInt8]) { lock.lock(); list.append(p); lock.unlock() }
    func fail(_ e: String) { lock.lock(); err = e; lock.unlock() }
    var items: [[UInt8]] { lock.lock(); defer { lock.unlock() }; return list }
    var error: String? { lock.lock(); defer { lock.unlock() }; return err }
}
