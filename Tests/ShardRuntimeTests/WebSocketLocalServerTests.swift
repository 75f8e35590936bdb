import Foundation
import Testing
@testable import ShardRuntime

/// Our server side (TCPListener + upgrade, as the local gateway uses it) against our client,
/// plus the client's time-outs and failure reports against servers that misbehave on purpose.
@Suite struct WebSocketLocalServerTests {
    /// How the test server treats an accepted connection.
    enum Behaviour: Sendable {
        /// Answers the upgrade and runs `handler` as a server-role WebSocket.
        case upgrade(@Sendable () -> WebSocketRecorder)
        /// Answers the upgrade, then ignores every byte (never answers a close).
        case upgradeThenIgnore
        /// Never answers the request.
        case silent
        /// Answers with a wrong Sec-WebSocket-Accept.
        case badAccept
        /// Answers the upgrade, then closes TCP without a close frame.
        case upgradeThenDrop
    }

    final class Server: @unchecked Sendable {
        var listener: TCPListener!
        let lock = NSCondition()
        var serverSockets: [WebSocketConnection] = []
        var streams: [StreamConnection] = []
        var recorders: [WebSocketRecorder] = []

        init(_ behaviour: Behaviour, tls: TLSConfiguration? = nil) throws {
            listener = try TCPListener(port: 0, tls: tls) { [self] stream in
                var head: [UInt8] = []
                lock.lock(); streams.append(stream); lock.unlock()
                stream.setHandlers(onData: { [self] bytes in
                    head += bytes
                    guard let end = WebSocketHandshake.headEnd(in: head) else { return }
                    let text = String(decoding: head[..<end], as: UTF8.self)
                    let key = text.split(separator: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }
                        .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) } ?? ""
                    let leftover = Array(head[end...])
                    head = []
                    switch behaviour {
                    case .upgrade(let make):
                        let rec = make()
                        let ws = WebSocketConnection.upgrade(stream: stream, key: key, leftover: leftover, handler: rec)
                        lock.lock(); serverSockets.append(ws); recorders.append(rec); lock.broadcast(); lock.unlock()
                    case .upgradeThenIgnore:
                        stream.write(WebSocketHandshake.serverResponse(key: key))
                        head = Array(repeating: 0, count: 0)
                        stream.setHandlers(onData: { _ in }, onClose: { _ in })
                    case .silent: break
                    case .badAccept:
                        stream.write(WebSocketHandshake.serverResponse(key: "not-the-key"))
                    case .upgradeThenDrop:
                        stream.write(WebSocketHandshake.serverResponse(key: key))
                        stream.close(flushFirst: true)
                    }
                }, onClose: { _ in })
            }
        }

        /// The first server-side recorder. The client may see its `open` before the server's
        /// accept callback has stored the recorder, so this waits (bounded) for it to appear.
        var recorder: WebSocketRecorder? {
            let deadline = Date(timeIntervalSinceNow: 15)
            lock.lock(); defer { lock.unlock() }
            while recorders.isEmpty && lock.wait(until: deadline) {}
            return recorders.first
        }

        func stop() {
            listener.close()
            lock.lock(); let s = streams; lock.unlock()
            s.forEach { $0.close() }
        }
    }

    func client(_ server: Server, options: WebSocketOptions = WebSocketOptions()) throws -> (WebSocketConnection, WebSocketRecorder) {
        let rec = WebSocketRecorder()
        let ws = WebSocketClient.connect(url: try WebSocketURL("ws://127.0.0.1:\(server.listener.port)/gw?v=10"),
                                         options: options, handler: rec)
        return (ws, rec)
    }

    @Test func swiftServerAndClientExchangeMessagesAndClose() throws {
        let server = try Server(.upgrade {
            let r = WebSocketRecorder()
            r.onMessage = { ws, m in
                if case .text(let b) = m { ws.send(textBytes: Array("echo:".utf8) + b) } else { ws.send(binary: m.bytes) }
            }
            return r
        })
        defer { server.stop() }
        let (ws, rec) = try client(server)
        #expect(rec.wait { $0.contains(.open) })
        ws.send(text: "one")
        ws.send(binary: Array(repeating: 7, count: 100_000))
        #expect(rec.wait { $0.filter { if case .message = $0 { true } else { false } }.count == 2 })
        #expect(rec.messages == [.text(Array("echo:one".utf8)), .binary(Array(repeating: 7, count: 100_000))])
        ws.close(code: 4999, reason: "app")
        #expect(rec.waitForEnd() == .closed(4999, ""))
        #expect(server.recorder?.waitForEnd() == .closed(4999, "app"), "the server saw our code and reason")
    }

    @Test func closeTimesOutWhenPeerNeverAnswers() throws {
        let server = try Server(.upgradeThenIgnore)
        defer { server.stop() }
        let (ws, rec) = try client(server, options: WebSocketOptions(closeTimeout: 0.2))
        #expect(rec.wait { $0.contains(.open) })
        ws.close()
        #expect(rec.waitForEnd() == .failed(.closeTimedOut(seconds: 0.2)))
    }

    @Test func handshakeTimesOut() throws {
        let server = try Server(.silent)
        defer { server.stop() }
        let (_, rec) = try client(server, options: WebSocketOptions(handshakeTimeout: 0.2))
        #expect(rec.waitForEnd() == .failed(.handshakeTimedOut(seconds: 0.2)))
    }

    @Test func wrongAcceptIsRejected() throws {
        let server = try Server(.badAccept)
        defer { server.stop() }
        let (_, rec) = try client(server)
        guard case .failed(.handshakeRejected(let reason)) = rec.waitForEnd() else { Issue.record("\(rec.events)"); return }
        #expect(reason.contains("Sec-WebSocket-Accept"))
    }

    @Test func droppedTCPIsReportedAsUnexpectedEOF() throws {
        let server = try Server(.upgradeThenDrop)
        defer { server.stop() }
        let (_, rec) = try client(server)
        #expect(rec.waitForEnd() == .failed(.unexpectedEOF))
    }

    @Test func refusedConnectSaysWhere() throws {
        // Bind a port, then close it so nothing listens there.
        let listener = try TCPListener(port: 0) { _ in }
        let port = listener.port
        listener.close()
        // close() is synchronous (before, it ran later on the listener's loop and a loaded run
        // reached the still-open listener: a reset instead). Still wait (bounded) until the
        // port refuses: once a loaded parallel run saw it accept right after close() returned
        // (suspected: a child process being spawned held a copy of the fd until its exec;
        // close() now shuts the socket down first, which stops it for every holder).
        #expect(waitUntilRefused(port: port), "the port still accepts after close() returned")
        let rec = WebSocketRecorder()
        _ = WebSocketClient.connect(url: try WebSocketURL("ws://127.0.0.1:\(port)/"), handler: rec)
        guard case .failed(.connectFailed(let host, let p, _)) = rec.waitForEnd() else { Issue.record("\(rec.events)"); return }
        #expect(host == "127.0.0.1" && p == port)
    }

    @Test func abortDropsWithoutCloseFrameOrCallback() throws {
        let server = try Server(.upgrade { WebSocketRecorder() })
        defer { server.stop() }
        let (ws, rec) = try client(server)
        #expect(rec.wait { $0.contains(.open) })
        ws.abort()
        #expect(server.recorder?.waitForEnd() == .failed(.unexpectedEOF), "the server got no close frame")
        #expect(rec.events == [.open], "no callback after abort")
    }

    @Test func tlsServerSideWithOurClient() throws {
        let certs = try TestCertificates.get()
        let server = try Server(.upgrade {
            let r = WebSocketRecorder()
            r.onMessage = { ws, m in ws.send(binary: m.bytes.reversed()) }
            return r
        }, tls: .server(certificateChainFile: certs.serverCert, privateKeyFile: certs.serverKey))
        defer { server.stop() }
        let rec = WebSocketRecorder()
        let ws = WebSocketClient.connect(url: try WebSocketURL("wss://localhost:\(server.listener.port)/"),
                                         tls: .client(caFile: certs.caFile), handler: rec)
        #expect(rec.wait { $0.contains(.open) || $0.count > 0 })
        ws.send(binary: [1, 2, 3])
        #expect(rec.wait { $0.contains(.message(.binary([3, 2, 1]))) }, "\(rec.events)")
        ws.close()
        #expect(rec.waitForEnd() == .closed(1000, ""))
    }

    @Test func refusesExpiredCertificate() throws {
        let certs = try TestCertificates.get()
        let server = try Server(.upgrade { WebSocketRecorder() },
                                tls: .server(certificateChainFile: certs.expiredCert, privateKeyFile: certs.serverKey))
        defer { server.stop() }
        let rec = WebSocketRecorder()
        _ = WebSocketClient.connect(url: try WebSocketURL("wss://localhost:\(server.listener.port)/"),
                                    tls: .client(caFile: certs.caFile), handler: rec)
        guard case .failed(.certificateRejected(_, let problem, let detail)) = rec.waitForEnd() else {
            Issue.record("expected a certificate rejection, got \(rec.events)"); return
        }
        #expect(problem == .expired)
        #expect(detail.contains("expired"))
    }

    @Test func manyConnectionsShareOneLoop() throws {
        let server = try Server(.upgrade {
            let r = WebSocketRecorder()
            r.onMessage = { ws, m in ws.send(binary: m.bytes) }
            return r
        })
        defer { server.stop() }
        let loop = EventLoop(name: "test-many")
        defer { loop.shutdown() }
        let url = try WebSocketURL("ws://127.0.0.1:\(server.listener.port)/")
        let clients = (0..<200).map { _ in WebSocketRecorder() }
        let sockets = clients.map { WebSocketClient.connect(url: url, on: loop, handler: $0) }
        for (i, rec) in clients.enumerated() {
            #expect(rec.wait { $0.contains(.open) })
            sockets[i].send(binary: [UInt8(i & 0xFF), UInt8(i >> 8)])
        }
        for (i, rec) in clients.enumerated() {
            #expect(rec.wait { $0.contains(.message(.binary([UInt8(i & 0xFF), UInt8(i >> 8)]))) })
        }
        sockets.forEach { $0.close() }
        #expect(clients.allSatisfy { $0.waitForEnd() == .closed(1000, "") })
    }

    @Test func idleConnectionDoesNotSpin() throws {
        let server = try Server(.upgrade { WebSocketRecorder() })
        defer { server.stop() }
        let loop = EventLoop(name: "test-idle")
        defer { loop.shutdown() }
        let rec = WebSocketRecorder()
        let ws = WebSocketClient.connect(url: try WebSocketURL("ws://127.0.0.1:\(server.listener.port)/"), on: loop, handler: rec)
        #expect(rec.wait { $0.contains(.open) })
        // Sample the loop's wake-up counter on the loop itself, 0.3 s apart.
        let samples = EventLoopTests.Log()
        loop.execute { samples.add("\(loop.wakeups)") }
        loop.schedule(after: 0.3) { samples.add("\(loop.wakeups)") }
        let s = samples.wait(count: 2).compactMap { Int($0) }
        #expect(s.count == 2)
        if s.count == 2 { #expect(s[1] - s[0] <= 3, "an idle loop sleeps in epoll_wait") }
        ws.abort()
    }
}

/// Waits (up to `timeout`) until a plain connect to 127.0.0.1:`port` is refused.
func waitUntilRefused(port: Int, timeout: Double = 5) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while !isRefused(port: port) {
        if Date() > deadline { return false }
        usleep(10_000)  // probe again: a connect is the only way to observe the condition
    }
    return true
}

/// Whether a plain connect to 127.0.0.1:`port` is refused right now.
func isRefused(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return rc != 0 && errno == ECONNREFUSED
}
