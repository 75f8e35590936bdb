/// Keep-alive connections per origin (scheme, host, port, TLS settings), with a cap per
/// origin and a FIFO of exchanges waiting for a free connection. Loop-confined.
final class HTTPConnectionPool {
    struct Origin: Hashable {
        var host: String
        var port: Int
        var tls: TLSConfiguration?
        var key: String { "\(tls == nil ? "http" : "https")://\(host):\(port)" }
    }

    private struct Waiter {
        var origin: Origin
        var request: HTTPRequest
        var completion: (Result<HTTPResponse, HTTPExchangeError>) -> Void
    }

    let loop: EventLoop
    let connectTimeout: Double
    let responseTimeout: Double
    let maxConnectionsPerOrigin: Int
    private var idle: [String: [HTTPConnection]] = [:]
    private var open: [String: Int] = [:]
    private var waiting: [Waiter] = []
    private var connecting: [Int: () -> Void] = [:]
    private var nextConnectID = 0
    private var isShutDown = false
    /// Total connections opened, for tests and logs.
    private(set) var connectionsOpened = 0

    init(loop: EventLoop, connectTimeout: Double, responseTimeout: Double, maxConnectionsPerOrigin: Int) {
        self.loop = loop
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.maxConnectionsPerOrigin = maxConnectionsPerOrigin
    }

    /// Whether an exchange for `origin` would start at once (an idle connection, or room for
    /// a new one) instead of queueing. The REST client admits requests through its rate
    /// limiter only then, so a request is counted against its bucket when it is written,
    /// not while it waits for a connection.
    func canStartNow(_ origin: Origin) -> Bool {
        !(idle[origin.key] ?? []).isEmpty || open[origin.key, default: 0] < maxConnectionsPerOrigin
    }

    /// Runs one exchange on an idle connection, a new one, or when one frees up.
    func execute(_ request: HTTPRequest, origin: Origin,
                 completion: @escaping (Result<HTTPResponse, HTTPExchangeError>) -> Void) {
        guard !isShutDown else { completion(.failure(.transport(.notOpen))); return }
        if var list = idle[origin.key], let connection = list.popLast() {
            idle[origin.key] = list
            guard connection.stream.isOpen else {
                open[origin.key, default: 1] -= 1
                execute(request, origin: origin, completion: completion)
                return
            }
            run(request, on: connection, origin: origin, retryIfStale: true, completion: completion)
        } else if open[origin.key, default: 0] < maxConnectionsPerOrigin {
            connect(request, origin: origin, completion: completion)
        } else {
            waiting.append(Waiter(origin: origin, request: request, completion: completion))
        }
    }

    func shutdown() {
        isShutDown = true
        for list in idle.values { list.forEach { $0.close() } }
        idle = [:]
        let waiters = waiting
        waiting = []
        connecting.values.forEach { $0() }
        connecting = [:]
        for waiter in waiters { waiter.completion(.failure(.transport(.notOpen))) }
    }

    private func connect(_ request: HTTPRequest, origin: Origin,
                         completion: @escaping (Result<HTTPResponse, HTTPExchangeError>) -> Void) {
        open[origin.key, default: 0] += 1
        connectionsOpened += 1
        nextConnectID += 1
        let id = nextConnectID
        var finished = false
        let cancel = TCPConnector.connect(host: origin.host, port: origin.port, tls: origin.tls,
                                          timeout: connectTimeout, loop: loop) { [self] result in
            finished = true
            connecting[id] = nil
            switch result {
            case .success(let stream):
                let connection = HTTPConnection(stream: stream, key: origin.key)
                run(request, on: connection, origin: origin, retryIfStale: false, completion: completion)
            case .failure(let error):
                open[origin.key, default: 1] -= 1
                completion(.failure(.transport(error)))
                serveWaiters(origin)
            }
        }
        if !finished { connecting[id] = cancel }
    }

    private func run(_ request: HTTPRequest, on connection: HTTPConnection, origin: Origin, retryIfStale: Bool,
                     completion: @escaping (Result<HTTPResponse, HTTPExchangeError>) -> Void) {
        connection.onIdleClose = nil
        connection.send(request, host: Self.hostHeader(origin), timeout: responseTimeout) { [self] result in
            if connection.isReusable && !isShutDown {
                connection.onIdleClose = { [weak self, weak connection] in
                    if let self, let connection { self.dropIdle(connection, origin) }
                }
                idle[origin.key, default: []].append(connection)
            } else {
                connection.close()
                open[origin.key, default: 1] -= 1
            }
            if case .failure(.staleConnection) = result, retryIfStale {
                // The server closed a kept-alive connection before answering a byte. Known
                // shortcoming (issue 6): also done for POST, which a server that read the
                // request before closing would see twice.
                execute(request, origin: origin, completion: completion)
            } else {
                completion(result)
            }
            serveWaiters(origin)
        }
    }

    private func dropIdle(_ connection: HTTPConnection, _ origin: Origin) {
        guard var list = idle[origin.key], let i = list.firstIndex(where: { $0 === connection }) else { return }
        list.remove(at: i)
        idle[origin.key] = list
        open[origin.key, default: 1] -= 1
        serveWaiters(origin)
    }

    private func serveWaiters(_ origin: Origin) {
        guard let i = waiting.firstIndex(where: { $0.origin == origin }) else { return }
        let hasIdle = !(idle[origin.key] ?? []).isEmpty
        guard hasIdle || open[origin.key, default: 0] < maxConnectionsPerOrigin else { return }
        let waiter = waiting.remove(at: i)
        execute(waiter.request, origin: waiter.origin, completion: waiter.completion)
    }

    private static func hostHeader(_ origin: Origin) -> String {
        let defaultPort = origin.tls == nil ? 80 : 443
        let host = origin.host.contains(":") ? "[\(origin.host)]" : origin.host
        return origin.port == defaultPort ? host : "\(host):\(origin.port)"
    }
}
