import CShims
import Foundation
import Glibc

/// Opens client `StreamConnection`s: resolve (IP literals inline, names on a thread of their own), non-blocking connect to each
/// address in turn (IPv4 and IPv6) under one deadline, TCP_NODELAY, then the TLS handshake.
/// Known limit (issue 2): addresses are tried one after another, not raced (no Happy
/// Eyeballs), and there is no proxy support.
enum TCPConnector {
    struct Address: @unchecked Sendable {
        var storage: sockaddr_storage
        var length: socklen_t
        var family: Int32
    }

    /// Calls `completion` on `loop` with an open stream or the error. Returns a cancel hook
    /// usable on the loop thread.
    static func connect(host: String, port: Int, tls: TLSConfiguration?, timeout: Double, loop: EventLoop,
                        completion: @escaping (Result<StreamConnection, TransportError>) -> Void) -> () -> Void {
        var finished = false
        var current: StreamConnection?
        let finish: (Result<StreamConnection, TransportError>) -> Void = { r in
            guard !finished else { return }
            finished = true
            completion(r)
        }
        let timer = loop.scheduleInternal(after: timeout) {
            current?.close()
            finish(.failure(.connectTimedOut(host: host, port: port, seconds: timeout)))
        }
        var tlsContext: TLSContext?
        if let tls {
            do throws(TransportError) { tlsContext = try TLSContext.shared(for: tls) } catch {
                loop.enqueue { timer.cancel(); finish(.failure(error)) }
                return {}
            }
        }
        let resolveBox = UncheckedBox<(Result<[Address], TransportError>) -> Void> { result in
            loop.enqueue {
                guard !finished else { return }
                switch result {
                case .failure(let e): timer.cancel(); finish(.failure(e))
                case .success(let addresses):
                    var lastError = TransportError.connectFailed(host: host, port: port, reason: "no address")
                    func attempt(_ i: Int) {
                        guard !finished else { return }
                        guard i < addresses.count else { timer.cancel(); finish(.failure(lastError)); return }
                        do throws(TransportError) {
                            let s = try open(addresses[i], host: host, port: port, tlsContext: tlsContext, loop: loop)
                            current = s
                            s.onOpen = { r in
                                switch r {
                                case .success: timer.cancel(); finish(.success(s))
                                case .failure(let e):
                                    if case .socketError(_, let errno) = e {
                                        lastError = .connectFailed(host: host, port: port,
                                                                   reason: String(cString: strerror(errno)))
                                        attempt(i + 1)
                                    } else { timer.cancel(); finish(.failure(e)) }
                                }
                            }
                            s.start()
                        } catch {
                            lastError = error
                            attempt(i + 1)
                        }
                    }
                    attempt(0)
                }
            }
        }
        if let numeric = numericAddress(host: host, port: port) {
            // An IP literal needs no lookup: connect right away, without a thread hop.
            resolveBox.value(.success([numeric]))
        } else {
            // A name lookup may block for seconds, so it runs on its own thread, never on the
            // loop nor on Dispatch's shared pool (which blocked test or Lua threads can starve).
            let t = Thread { resolveBox.value(resolve(host: host, port: port)) }
            t.name = "botrun-resolve"
            t.stackSize = 256 << 10
            t.start()
        }
        return { current?.close(); timer.cancel(); finished = true }
    }

    /// The address for an IPv4 or IPv6 literal (`127.0.0.1`, `::1`), or nil for a name.
    static func numericAddress(host: String, port: Int) -> Address? {
        var storage = sockaddr_storage()
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            sin.sin_addr = v4
            withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: sin) { dst.copyMemory(from: $0) } }
            return Address(storage: storage, length: socklen_t(MemoryLayout<sockaddr_in>.size), family: AF_INET)
        }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var v6 = in6_addr()
        if inet_pton(AF_INET6, bare, &v6) == 1 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            sin6.sin6_addr = v6
            withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: sin6) { dst.copyMemory(from: $0) } }
            return Address(storage: storage, length: socklen_t(MemoryLayout<sockaddr_in6>.size), family: AF_INET6)
        }
        return nil
    }

    static func resolve(host: String, port: Int) -> Result<[Address], TransportError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &res)
        guard rc == 0, let first = res else {
            return .failure(.resolveFailed(host: host, reason: String(cString: gai_strerror(rc))))
        }
        defer { freeaddrinfo(first) }
        var out: [Address] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(start: ai.pointee.ai_addr, count: Int(ai.pointee.ai_addrlen)))
            }
            out.append(Address(storage: storage, length: ai.pointee.ai_addrlen, family: ai.pointee.ai_family))
            p = ai.pointee.ai_next
        }
        return out.isEmpty ? .failure(.resolveFailed(host: host, reason: "no addresses")) : .success(out)
    }

    private static func open(_ a: Address, host: String, port: Int, tlsContext: TLSContext?,
                             loop: EventLoop) throws(TransportError) -> StreamConnection {
        let fd = socket(a.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .socketError(operation: "socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = a.storage
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, a.length) }
        }
        if rc != 0 && errno != EINPROGRESS {
            let e = errno
            Glibc.close(fd)
            throw .connectFailed(host: host, port: port, reason: String(cString: strerror(e)))
        }
        var session: TLSSession?
        if let tlsContext {
            do throws(TransportError) { session = try TLSSession(context: tlsContext, fd: fd, host: host) } catch {
                Glibc.close(fd)
                throw error
            }
        }
        return StreamConnection(loop: loop, fd: fd, peer: "\(host):\(port)", tls: session, connected: false)
    }
}

/// Carries a non-Sendable value across a thread hop whose ordering we control.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

extension StreamConnection {
    /// Opens a client stream to `host:port` (TLS when `tls` is given). `completion` runs on
    /// `loop` once connected (set the handlers there, before any byte is read) or with the
    /// error: resolve failure, refused, timed out, or a TLS refusal that says which check failed.
    public static func connect(host: String, port: Int, tls: TLSConfiguration? = nil, timeout: Double = 10,
                               on loop: EventLoop = EventLoopGroup.shared.next(),
                               completion: @escaping @Sendable (Result<StreamConnection, TransportError>) -> Void) {
        loop.execute {
            _ = TCPConnector.connect(host: host, port: port, tls: tls, timeout: timeout, loop: loop, completion: completion)
        }
    }
}
