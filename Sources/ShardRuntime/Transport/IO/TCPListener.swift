import CShims
import Dispatch
import Glibc

/// A listening TCP socket on 127.0.0.1 (port 0 → any free port, see `port`), optionally TLS.
/// Each accepted connection is handed to `onAccept` on the loop thread, before any byte is
/// read; the callee sets its handlers with `StreamConnection.setHandlers`.
public final class TCPListener: EventLoopSelectable, @unchecked Sendable {
    public let loop: EventLoop
    /// The bound port.
    public let port: Int
    private var fd: Int32
    private let tlsContext: TLSContext?
    private let onAccept: (StreamConnection) -> Void

    public init(port: Int = 0, tls: TLSConfiguration? = nil, loop: EventLoop = EventLoopGroup.shared.next(),
                onAccept: @escaping @Sendable (StreamConnection) -> Void) throws(TransportError) {
        self.loop = loop
        self.onAccept = onAccept
        tlsContext = try tls.map { c throws(TransportError) in try TLSContext.shared(for: c) }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .listenFailed(port: port, reason: "socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 1024) == 0 else {
            let e = errno
            Glibc.close(fd)
            throw .listenFailed(port: port, reason: String(cString: strerror(e)))
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        self.port = Int(UInt16(bigEndian: addr.sin_port))
        self.fd = fd
        if loop.inEventLoop { loop.register(fd: fd, self, read: true, write: false) } else {
            loop.enqueue { self.loop.register(fd: fd, self, read: true, write: false) }
        }
    }

    /// Stops accepting and closes the socket; accepted connections stay open. Thread-safe and
    /// synchronous: when it returns, the port is closed (a connect to it is refused), so
    /// off the loop thread it waits for the loop to do it. Do not call it from a thread the
    /// loop itself is blocked on.
    public func close() {
        let body = {
            guard self.fd >= 0 else { return }
            self.loop.deregister(fd: self.fd)
            // shutdown first: it stops the listening socket itself, even while a child being
            // spawned (fork, before exec closes CLOEXEC fds) still holds a copy of the fd.
            _ = shutdown(self.fd, Int32(SHUT_RDWR))
            Glibc.close(self.fd)
            self.fd = -1
        }
        if loop.inEventLoop { body(); return }
        let done = DispatchSemaphore(value: 0)
        loop.enqueue {
            body()
            done.signal()
        }
        // A loop that was shut down never runs the task; then no thread touches `fd` any more.
        while done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            guard loop.hasExited else { continue }
            if done.wait(timeout: .now()) == .timedOut, fd >= 0 {
                _ = shutdown(fd, Int32(SHUT_RDWR))
                Glibc.close(fd)
                fd = -1
            }
            return
        }
    }

    func ready(readable: Bool, writable: Bool, hangup: Bool) {
        while fd >= 0 {
            var addr = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let c = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(fd, $0, &len)
                }
            }
            guard c >= 0 else { return }
            _ = fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK)
            _ = fcntl(c, F_SETFD, FD_CLOEXEC)
            var one: Int32 = 1
            setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let peer = "127.0.0.1:\(UInt16(bigEndian: addr.sin_port))"
            var session: TLSSession?
            if let tlsContext {
                session = try? TLSSession(context: tlsContext, fd: c, host: "127.0.0.1")
                if session == nil { Glibc.close(c); continue }
            }
            let conn = StreamConnection(loop: loop, fd: c, peer: peer, tls: session, connected: true)
            onAccept(conn)
            conn.start()
        }
    }
}
