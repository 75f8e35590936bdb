import CShims
import Glibc

/// A non-blocking byte stream (TCP, optionally TLS) served by one `EventLoop`.
///
/// All callbacks run on the loop thread. `write` and `close` are thread-safe. Servers get one
/// from `TCPListener`, clients from `StreamConnection.connect`; a WebSocket runs on top of it.
public final class StreamConnection: EventLoopSelectable, @unchecked Sendable {
    enum State { case connecting, tlsHandshake, open, closed }

    public let loop: EventLoop
    /// "host:port" of the peer, for logs and errors.
    public let peer: String
    private(set) var fd: Int32
    private var tls: TLSSession?
    private var state: State
    private var out: [UInt8] = []
    private var outStart = 0
    private var closeWhenFlushed = false
    private var tlsWriteWantsRead = false
    private var tlsReadWantsWrite = false
    /// Backpressure (issue 7): while set, nothing is read (writes go on). A hang-up still
    /// reads through to the end, so a closed peer never leaves the loop spinning.
    private var readPaused = false
    private var readBuffer: UnsafeMutableRawPointer { loop.readBuffer }
    private static let readSize = EventLoop.readBufferSize

    /// Called on the loop thread with each chunk read (valid only during the call).
    var onBytes: ((UnsafeRawBufferPointer) -> Void)?
    /// Called once when the stream ends by the peer or an error (not after `close()`).
    var onEnd: ((TransportError?) -> Void)?
    /// Called once when connect (+ TLS handshake) finishes.
    var onOpen: ((Result<Void, TransportError>) -> Void)?

    init(loop: EventLoop, fd: Int32, peer: String, tls: TLSSession?, connected: Bool) {
        self.loop = loop
        self.fd = fd
        self.peer = peer
        self.tls = tls
        self.state = connected ? (tls == nil ? .open : .tlsHandshake) : .connecting
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Sets the owner's callbacks (loop thread): `onData` gets each chunk read as a new array;
    /// `onClose` gets nil for a clean EOF, else the error. Used by servers such as GatewaySim.
    public func setHandlers(onData: @escaping ([UInt8]) -> Void, onClose: @escaping (TransportError?) -> Void) {
        onBytes = { onData(Array($0)) }
        onEnd = onClose
    }

    /// Registers with the loop and starts I/O (loop thread).
    func start() {
        loop.register(fd: fd, self, read: state != .connecting, write: true)
        if state == .tlsHandshake { loop.enqueue { self.ready(readable: false, writable: true, hangup: false) } }
    }

    public var isOpen: Bool { state == .open }

    /// Stops or restarts reading (loop thread). Restarting reads what arrived meanwhile,
    /// including bytes TLS had already decrypted.
    func setReadPaused(_ paused: Bool) {
        guard paused != readPaused else { return }
        readPaused = paused
        guard state == .open else { return }
        updateInterest()
        if !paused { readAvailable() }
    }

    /// Bytes queued and not yet handed to the kernel (loop thread).
    var pendingOutput: Int { out.count - outStart }

    /// Queues bytes for sending. Thread-safe; ignored once closed.
    public func write(_ bytes: [UInt8]) {
        if loop.inEventLoop { writeInLoop(bytes) } else { loop.enqueue { self.writeInLoop(bytes) } }
    }

    func writeInLoop(_ bytes: [UInt8]) {
        guard state != .closed, !closeWhenFlushed else { return }
        // Drop the already-sent prefix first: a peer that reads slowly but never lets the
        // buffer drain completely would otherwise keep every byte ever sent.
        if outStart > 1 << 20 && outStart * 2 > out.count {
            out.removeFirst(outStart)
            outStart = 0
        }
        if out.isEmpty { out = bytes; outStart = 0 } else { out.append(contentsOf: bytes) }
        if state == .open { flush() }
    }

    /// Closes the stream. With `flushFirst`, pending output is written first. Thread-safe.
    /// The owner's `onClose` is not called for a close it asked for.
    public func close(flushFirst: Bool = false) {
        if loop.inEventLoop { closeInLoop(flushFirst: flushFirst) } else {
            loop.enqueue { self.closeInLoop(flushFirst: flushFirst) }
        }
    }

    func closeInLoop(flushFirst: Bool) {
        guard state != .closed else { return }
        if flushFirst && state == .open && outStart < out.count {
            closeWhenFlushed = true
            return
        }
        teardown()
    }

    private func teardown() {
        guard state != .closed else { return }
        if state == .open { tls?.shutdown() }
        state = .closed
        loop.deregister(fd: fd)
        Glibc.close(fd)
        fd = -1
        out = []
        onBytes = nil
        onOpen = nil
        onEnd = nil
    }

    private func fail(_ error: TransportError?) {
        let end = onEnd, open = onOpen
        teardown()
        if let open { open(.failure(error ?? .unexpectedEOF)) } else { end?(error) }
    }

    // MARK: readiness

    func ready(readable: Bool, writable: Bool, hangup: Bool) {
        switch state {
        case .closed: return
        case .connecting:
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if err != 0 { fail(.socketError(operation: "connect to \(peer)", errno: err)); return }
            guard writable else { return }
            state = tls == nil ? .open : .tlsHandshake
            if state == .open { didOpen() } else { handshakeStep() }
        case .tlsHandshake:
            handshakeStep()
        case .open:
            if writable || (readable && tlsWriteWantsRead) { flush() }
            guard state == .open else { return }
            // Paused, the read interest is off: `readable` then means the peer hung up (or an
            // error), so read through to the end instead of being woken again and again.
            if readable || (writable && tlsReadWantsWrite) { readAvailable(throughPause: readPaused) }
        }
    }

    private func handshakeStep() {
        guard let tls else { return }
        switch tls.handshake() {
        case .done:
            state = .open
            didOpen()
        case .wantRead: loop.setInterest(fd: fd, read: true, write: false)
        case .wantWrite: loop.setInterest(fd: fd, read: true, write: true)
        case .failed(let e): fail(e)
        }
    }

    private func didOpen() {
        let open = onOpen
        onOpen = nil
        updateInterest()
        open?(.success(()))
        if state == .open && outStart < out.count { flush() }
        // A TLS server may have delivered application data together with the handshake.
        if state == .open && tls != nil { readAvailable() }
    }

    private func updateInterest() {
        guard state == .open else { return }
        loop.setInterest(fd: fd, read: !readPaused, write: outStart < out.count || tlsReadWantsWrite)
    }

    private func flush() {
        tlsWriteWantsRead = false
        while outStart < out.count {
            let remaining = out.count - outStart
            let result: TLSSession.IOResult = out.withUnsafeBytes { raw in
                let p = raw.baseAddress! + outStart
                if let tls { return tls.write(p, count: remaining) }
                let n = send(fd, p, remaining, Int32(MSG_NOSIGNAL))
                if n >= 0 { return .bytes(n) }
                if errno == EAGAIN || errno == EWOULDBLOCK { return .wantWrite }
                if errno == EINTR { return .bytes(0) }
                if errno == EPIPE || errno == ECONNRESET { return .failed(.connectionReset) }
                return .failed(.socketError(operation: "send to \(peer)", errno: errno))
            }
            switch result {
            case .bytes(let n): outStart += n
            case .wantWrite: updateInterest(); return
            case .wantRead: tlsWriteWantsRead = true; updateInterest(); return
            case .eof: fail(.connectionReset); return
            case .failed(let e): fail(e); return
            }
        }
        out.removeAll(keepingCapacity: out.capacity <= 1 << 20)
        outStart = 0
        if closeWhenFlushed { teardown(); return }
        updateInterest()
    }

    private func readAvailable(throughPause: Bool = false) {
        tlsReadWantsWrite = false
        // Read until the socket (and OpenSSL's buffer) is drained; the loop is level-triggered.
        for _ in 0..<64 {
            guard state == .open else { return }
            if readPaused && !throughPause { return }
            let result: TLSSession.IOResult
            if let tls {
                result = tls.read(into: readBuffer, count: StreamConnection.readSize)
            } else {
                let n = recv(fd, readBuffer, StreamConnection.readSize, 0)
                if n > 0 { result = .bytes(n) } else if n == 0 { result = .eof } else if errno == EAGAIN || errno == EWOULDBLOCK {
                    result = .wantRead
                } else if errno == EINTR { continue } else if errno == ECONNRESET {
                    result = .failed(.connectionReset)
                } else { result = .failed(.socketError(operation: "recv from \(peer)", errno: errno)) }
            }
            switch result {
            case .bytes(let n):
                onBytes?(UnsafeRawBufferPointer(start: readBuffer, count: n))
            case .wantRead: return
            case .wantWrite: tlsReadWantsWrite = true; updateInterest(); return
            case .eof: fail(nil); return
            case .failed(let e): fail(e); return
            }
        }
        // Budget used up: with TLS, decrypted bytes may sit in OpenSSL's buffer where epoll
        // cannot see them, so continue on the next loop turn.
        if state == .open, !readPaused || throughPause, let tls, SSL_pending(tls.ssl) > 0 {
            loop.enqueue { self.readAvailable(throughPause: throughPause) }
        }
    }
}
