import Glibc
import Synchronization

/// One WebSocket over a `StreamConnection`: the I/O shell around the pure `WebSocketProtocol`.
///
/// Every handler call happens on `loop`. `send`, `ping`, `close` and `abort` are thread-safe
/// (they hop to the loop when called elsewhere).
public final class WebSocketConnection: @unchecked Sendable {
    enum Phase { case connecting, handshaking, open, closing, finished }

    public let loop: EventLoop
    public let role: WebSocketRole
    public let options: WebSocketOptions
    /// The URL connected to (client role).
    public let url: WebSocketURL?
    private var handler: WebSocketHandler?
    private var machine: WebSocketProtocol
    private var phase: Phase
    private var stream: StreamConnection?
    private var cancelConnect: (() -> Void)?
    private var handshakeKey = ""
    private var head: [UInt8] = []
    private var timer: Scheduled?
    /// Backpressure asked for by the owner (issue 7); applied to the stream while open.
    private var readingPaused = false
    /// The state last asked for, from any thread: a loop task applies the latest one, so a
    /// resume queued from another thread cannot undo a later pause made on the loop.
    private let wantPaused = Atomic<Bool>(false)

    private init(loop: EventLoop, role: WebSocketRole, url: WebSocketURL?, options: WebSocketOptions,
                 handler: WebSocketHandler) {
        self.loop = loop
        self.role = role
        self.url = url
        self.options = options
        self.handler = handler
        machine = WebSocketProtocol(role: role, maxMessageSize: options.maxMessageSize)
        phase = .connecting
    }

    // MARK: opening

    /// Connects to `url` (TCP, TLS for `wss://`, then the upgrade). `tls` defaults to the
    /// system trust store with full verification; it is ignored for `ws://`.
    public static func connect(url: WebSocketURL, options: WebSocketOptions = WebSocketOptions(),
                               tls: TLSConfiguration = .client(), on loop: EventLoop = EventLoopGroup.shared.next(),
                               handler: WebSocketHandler) -> WebSocketConnection {
        let ws = WebSocketConnection(loop: loop, role: .client, url: url, options: options, handler: handler)
        loop.enqueue { ws.startConnect(tls: url.secure ? tls : nil) }
        return ws
    }

    /// Turns an accepted stream whose HTTP upgrade request was read into a server-role
    /// WebSocket. With `key`, the `101` response is written first; otherwise the caller wrote
    /// it. `leftover` is whatever followed the request head. Must be called on `stream.loop`
    /// (e.g. from the stream's data callback); `webSocketDidOpen` is called before it returns.
    public static func upgrade(stream: StreamConnection, key: String? = nil, leftover: [UInt8] = [],
                               options: WebSocketOptions = WebSocketOptions(),
                               handler: WebSocketHandler) -> WebSocketConnection {
        precondition(stream.loop.inEventLoop, "WebSocketConnection.upgrade must run on the stream's loop")
        let ws = WebSocketConnection(loop: stream.loop, role: .server, url: nil, options: options, handler: handler)
        ws.attach(stream)
        if let key { stream.writeInLoop(WebSocketHandshake.serverResponse(key: key)) }
        ws.becomeOpen(leftover: leftover)
        return ws
    }

    private func startConnect(tls: TLSConfiguration?) {
        guard phase == .connecting, let url else { return }
        cancelConnect = TCPConnector.connect(host: url.host, port: url.port, tls: tls,
                                             timeout: options.connectTimeout, loop: loop) { [self] result in
            cancelConnect = nil
            switch result {
            case .failure(let e): finish(.failed(e))
            case .success(let s):
                guard phase == .connecting else { s.close(); return }
                attach(s)
                phase = .handshaking
                handshakeKey = WebSocketHandshake.makeKey()
                timer = loop.scheduleInternal(after: options.handshakeTimeout) { [self] in
                    guard phase == .handshaking else { return }
                    stream?.close()
                    finish(.failed(.handshakeTimedOut(seconds: options.handshakeTimeout)))
                }
                s.writeInLoop(WebSocketHandshake.request(url: url, key: handshakeKey, headers: options.headers))
            }
        }
    }

    private func attach(_ s: StreamConnection) {
        stream = s
        s.onBytes = { [self] in received($0) }
        s.onEnd = { [self] in streamEnded($0) }
    }

    private func becomeOpen(leftover: [UInt8]) {
        timer?.cancel()
        timer = nil
        phase = .open
        if readingPaused { stream?.setReadPaused(true) }
        handler?.webSocketDidOpen(self)
        if !leftover.isEmpty, phase == .open { leftover.withUnsafeBytes { received($0) } }
    }

    // MARK: input

    private func received(_ bytes: UnsafeRawBufferPointer) {
        switch phase {
        case .handshaking:
            head.append(contentsOf: bytes)
            guard let end = WebSocketHandshake.headEnd(in: head) else {
                if head.count > WebSocketHandshake.maxHeadSize {
                    stream?.close()
                    finish(.failed(.handshakeRejected(reason: "response head over \(WebSocketHandshake.maxHeadSize) bytes")))
                }
                return
            }
            do throws(TransportError) {
                try WebSocketHandshake.validate(responseHead: head[..<end], key: handshakeKey)
            } catch {
                stream?.close()
                return finish(.failed(error))
            }
            let leftover = Array(head[end...])
            head = []
            becomeOpen(leftover: leftover)
        case .open, .closing:
            perform(machine.receive(bytes))
        case .connecting, .finished:
            return
        }
    }

    private func perform(_ actions: [WebSocketProtocol.Action]) {
        for action in actions {
            switch action {
            case .write(let bytes):
                guard let s = stream else { break }
                // A peer that stops reading (while pinging us, say) must not make us buffer
                // without bound: past the backlog limit the connection is dropped.
                if s.pendingOutput + bytes.count > options.effectiveMaxPendingOutput {
                    let unsent = s.pendingOutput
                    s.close()
                    stream = nil
                    timer?.cancel()
                    finish(.failed(.socketError(operation: "send to \(s.peer) (\(unsent) bytes unsent: the peer is not reading)",
                                                errno: ENOBUFS)))
                    return
                }
                s.writeInLoop(bytes)
            case .message(let m): handler?.webSocket(self, didReceive: m)
            case .pong(let p): handler?.webSocket(self, didReceivePong: p)
            case .closed(let code, let reason):
                finish(.closed(code, reason))
                drain()
            case .protocolError(let e):
                perform(machine.fail(e))
            case .fail(let e):
                finish(.failed(e))
                drain()
            }
        }
    }

    /// After the close handshake (or a failure we answered with a close frame): a server drops
    /// TCP once the frame is out; a client waits for the server to drop it, up to closeTimeout.
    private func drain() {
        timer?.cancel()
        if role == .server { stream?.close(flushFirst: true); stream = nil; return }
        timer = loop.scheduleInternal(after: options.closeTimeout) { [self] in
            stream?.close()
            stream = nil
        }
    }

    private func streamEnded(_ error: TransportError?) {
        stream = nil
        timer?.cancel()
        switch phase {
        case .finished: return
        case .handshaking:
            finish(.failed(error ?? .handshakeRejected(reason: "connection closed before the response")))
        default:
            finish(.failed(error ?? .unexpectedEOF))
        }
    }

    private enum Outcome { case closed(UInt16, String), failed(TransportError), silent }

    private func finish(_ outcome: Outcome) {
        guard phase != .finished else { return }
        phase = .finished
        if case .silent = outcome {} else { timer?.cancel() }
        let h = handler
        handler = nil
        switch outcome {
        case let .closed(code, reason): h?.webSocket(self, didCloseWith: code, reason: reason)
        case let .failed(e): h?.webSocket(self, didFail: e)
        case .silent: break
        }
    }

    // MARK: commands (thread-safe)

    /// Backpressure (issue 7): while paused, nothing more is read from the socket, so messages
    /// wait in the kernel (and then at the peer) instead of in memory; writes, pings and
    /// timers go on. Only an open connection pauses: the handshake, and a close handshake
    /// once started, always read.
    public func setReadingPaused(_ paused: Bool) {
        wantPaused.store(paused, ordering: .sequentiallyConsistent)
        onLoop { [self] in
            let latest = wantPaused.load(ordering: .sequentiallyConsistent)
            readingPaused = latest
            if phase == .open { stream?.setReadPaused(latest) }
        }
    }

    private func onLoop(_ body: @escaping () -> Void) {
        if loop.inEventLoop { body() } else { loop.enqueue(body) }
    }

    public func send(text: String) { send(.text, Array(text.utf8)) }
    /// Sends UTF-8 bytes as a text message (not validated here).
    public func send(textBytes: [UInt8]) { send(.text, textBytes) }
    public func send(binary: [UInt8]) { send(.binary, binary) }
    public func ping(_ payload: [UInt8] = []) { send(.ping, Array(payload.prefix(125))) }

    /// Sends one raw frame (for tests and the local gateway: fragments, unsolicited pongs).
    public func send(frame: WebSocketFrame) {
        onLoop { [self] in
            guard phase == .open else { return }
            perform(machine.send(frame.opcode, payload: frame.payload, fin: frame.fin))
        }
    }

    private func send(_ opcode: WebSocketOpcode, _ payload: [UInt8]) {
        send(frame: WebSocketFrame(fin: true, opcode: opcode, payload: payload))
    }

    /// Starts the close handshake. `didClose` follows when the peer answers; if it does not
    /// within `closeTimeout`, TCP is dropped and `didFail(.closeTimedOut)` is reported.
    /// Before the connection is open, this aborts it and reports `didClose` with 1006.
    public func close(code: UInt16 = WebSocketCloseCode.normal, reason: String = "") {
        onLoop { [self] in
            switch phase {
            case .connecting, .handshaking:
                dropTransport()
                finish(.closed(WebSocketCloseCode.abnormal, "closed before the connection opened"))
            case .open:
                phase = .closing
                stream?.setReadPaused(false)  // the peer's close frame must be read
                perform(machine.close(code: code, reason: reason))
                timer = loop.scheduleInternal(after: options.closeTimeout) { [self] in
                    guard phase == .closing else { return }
                    dropTransport()
                    finish(.failed(.closeTimedOut(seconds: options.closeTimeout)))
                }
            case .closing, .finished: return
            }
        }
    }

    /// Drops TCP at once, without a close frame. No handler call follows.
    public func abort() {
        onLoop { [self] in
            dropTransport()
            finish(.silent)
        }
    }

    private func dropTransport() {
        timer?.cancel()
        timer = nil
        cancelConnect?()
        cancelConnect = nil
        stream?.close()
        stream = nil
    }
}
