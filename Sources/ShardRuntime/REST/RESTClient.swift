import Foundation
import Glibc

/// Discord's HTTP API over our own HTTP/1.1 client: keep-alive connections on the transport's
/// TCP/TLS streams, `Authorization: Bot <token>`, Discord's `User-Agent`, JSON bodies,
/// time-outs, and one shared `RateLimiter` for every caller.
///
/// Thread-safe: call from any thread. Work and completions run on `loop`; a completion must
/// not block (hand the result to another thread or resume a coroutine/continuation).
/// Requests are admitted in the order they were made, subject to their buckets.
public final class RESTClient: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var connectTimeout = 10.0
        /// From writing the request to the last byte of the response.
        public var responseTimeout = 30.0
        public var maxConnectionsPerHost = 4
        /// The `<version>` in `User-Agent: DiscordBot (<url>, <version>)`.
        public var version = "0.1.0"
        public var rateLimits = RateLimiter.Configuration()
        /// Monotonic seconds; tests may substitute their own.
        public var clock: @Sendable () -> Double = RESTClient.monotonicNow

        public init() {}
    }

    public static let defaultBaseURL = "https://discord.com/api/v10"
    public static let projectURL = "https://github.com/botrun/botrun"

    public let loop: EventLoop
    public let baseURL: String
    public let configuration: Configuration
    let userAgent: String
    private let token: Token
    private let origin: HTTPConnectionPool.Origin
    private let basePath: String
    private let logger: Logger

    // Loop-confined state.
    private var limiter: RateLimiter
    private let pool: HTTPConnectionPool
    private var queue: [PendingRequest] = []
    private var wake: (at: Double, timer: Scheduled)?
    private var isShutDown = false

    /// - Parameters:
    ///   - baseURL: `http://` or `https://` URL up to the API version (`--api-url`).
    ///   - tls: trust settings for `https` (the same `TLSConfiguration` as the gateway).
    /// - Throws: `.invalidRequest` when `baseURL` is not an absolute http(s) URL.
    public init(token: Token, baseURL: String = RESTClient.defaultBaseURL, tls: TLSConfiguration = .client(),
                loop: EventLoop = EventLoopGroup.shared.next(), configuration: Configuration = Configuration(),
                logger: Logger = .shared) throws(RESTError) {
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty, url.query == nil else {
            throw RESTError(.invalidRequest("base URL must be an absolute http(s) URL without query: \(baseURL)"),
                            method: .get, path: "")
        }
        var path = url.path
        while path.hasSuffix("/") { path.removeLast() }
        self.token = token
        self.baseURL = baseURL
        self.basePath = path
        self.origin = HTTPConnectionPool.Origin(host: host, port: url.port ?? (scheme == "https" ? 443 : 80),
                                                tls: scheme == "https" ? tls : nil)
        self.loop = loop
        self.configuration = configuration
        self.logger = logger
        self.userAgent = "DiscordBot (\(RESTClient.projectURL), \(configuration.version))"
        self.limiter = RateLimiter(configuration: configuration.rateLimits)
        self.pool = HTTPConnectionPool(loop: loop, connectTimeout: configuration.connectTimeout,
                                       responseTimeout: configuration.responseTimeout,
                                       maxConnectionsPerOrigin: configuration.maxConnectionsPerHost)
    }

    // MARK: - Requests

    /// Sends `method path` (relative to the base URL, query allowed) with an optional JSON
    /// body. `completion` runs once on `loop`: `.success` for 2xx, else the `RESTError`.
    public func request(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil,
                        completion: @escaping @Sendable (Result<RESTResponse, RESTError>) -> Void) {
        loop.execute { [self] in
            if let problem = Self.pathProblem(path) {
                completion(.failure(RESTError(.invalidRequest(problem), method: method, path: Self.redactedPath(path))))
                return
            }
            guard !isShutDown else {
                completion(.failure(RESTError(.shutdown, method: method, path: path)))
                return
            }
            var headers: HTTPHeaders = ["Authorization": token.authorizationHeader, "User-Agent": userAgent,
                                        "Accept": "application/json"]
            var bytes: [UInt8] = []
            if let body {
                bytes = body.serialized()
                headers.add("Content-Type", "application/json")
            }
            let request = HTTPRequest(method: method, target: basePath + path, headers: headers, body: bytes)
            queue.append(PendingRequest(method: method, path: path, route: RESTRoute(method: method, path: path),
                                        request: request, completion: completion))
            pump()
        }
    }

    /// Async form of `request(_:_:body:completion:)`.
    public func request(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws(RESTError) -> RESTResponse {
        let result: Result<RESTResponse, RESTError> = await withCheckedContinuation { continuation in
            request(method, path, body: body) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Fails queued requests with `.shutdown` and closes idle connections. Requests already
    /// on the wire still complete.
    public func shutdown() {
        loop.execute { [self] in
            isShutDown = true
            wake?.timer.cancel()
            wake = nil
            let failed = queue
            queue = []
            pool.shutdown()
            for pending in failed { pending.completion(.failure(RESTError(.shutdown, method: pending.method, path: pending.path))) }
        }
    }

    /// Connections opened so far (for tests and diagnostics); runs `body` on the loop.
    public func connectionsOpened(_ body: @escaping @Sendable (Int) -> Void) {
        loop.execute { [self] in body(pool.connectionsOpened) }
    }

    public static func monotonicNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    // MARK: - Scheduling (loop thread)

    private func pump() {
        let now = configuration.clock()
        var earliest = Double.infinity
        var i = 0
        while i < queue.count {
            let pending = queue[i]
            if pending.notBefore > now {
                earliest = min(earliest, pending.notBefore)
                i += 1
                continue
            }
            switch limiter.admit(pending.route, now: now) {
            case .send(let ticket):
                queue.remove(at: i)
                dispatch(pending, ticket)
            case .wait(let until):
                earliest = min(earliest, until)
                i += 1
            case .waitForResponse:
                i += 1
            case .fail(let rejection):
                queue.remove(at: i)
                pending.completion(.failure(error(for: rejection, pending, now: now)))
            }
        }
        scheduleWake(at: earliest, now: now)
    }

    private func scheduleWake(at time: Double, now: Double) {
        guard time.isFinite else { return }
        if let wake, wake.at <= time { return }
        wake?.timer.cancel()
        let timer = loop.scheduleInternal(after: max(0, time - now)) { [weak self] in
            guard let self else { return }
            self.wake = nil
            self.pump()
        }
        wake = (time, timer)
    }

    private func dispatch(_ pending: PendingRequest, _ ticket: RateLimiter.Ticket) {
        pending.attempt += 1
        pool.execute(pending.request, origin: origin) { [self] result in
            complete(pending, ticket, result)
            pump()
        }
    }

    private func complete(_ pending: PendingRequest, _ ticket: RateLimiter.Ticket, _ result: Result<HTTPResponse, HTTPExchangeError>) {
        let now = configuration.clock()
        let response: HTTPResponse
        switch result {
        case .success(let r):
            response = r
        case .failure(let failure):
            limiter.cancel(ticket)
            let kind: RESTError.Kind = switch failure {
            case .transport(let e): .transport(e)
            case .timedOut(let s): .timedOut(seconds: s)
            case .invalidResponse(let e): .invalidResponse(e.reason)
            case .staleConnection: .transport(.connectionReset)
            }
            logger.warn("rest request failed", ["route": pending.route, "error": "\(kind)"])
            pending.completion(.failure(RESTError(kind, method: pending.method, path: pending.path)))
            return
        }

        let errorBody = response.status >= 400 ? DiscordErrorBody(response.body) : nil
        let info = RateLimitInfo(status: response.status, headers: response.headers,
                                 bodyRetryAfter: errorBody?.retryAfter, bodyGlobal: errorBody?.global)
        switch limiter.record(ticket, info, now: now, attempt: pending.attempt) {
        case .complete:
            if (200..<300).contains(response.status) {
                pending.completion(.success(RESTResponse(status: response.status, headers: response.headers, body: response.body)))
            } else {
                if response.status == 401 || response.status == 403 {
                    logger.warn("rest request refused", ["route": pending.route, "status": response.status])
                }
                pending.completion(.failure(RESTError(.http, method: pending.method, path: pending.path, status: response.status,
                                                      code: errorBody?.code, message: errorBody?.message)))
            }
        case .retry(let at):
            logger.info("rest rate limited, retrying", ["route": pending.route, "retry_after": at - now,
                                                        "global": info.global, "attempt": pending.attempt])
            pending.notBefore = at
            queue.insert(pending, at: 0)
        case .giveUp(let retryAfter):
            logger.warn("rest rate limited, giving up", ["route": pending.route, "retry_after": retryAfter])
            pending.completion(.failure(RESTError(.rateLimited(retryAfter: retryAfter), method: pending.method,
                                                  path: pending.path, status: 429, code: errorBody?.code,
                                                  message: errorBody?.message)))
        }
    }

    private func error(for rejection: RateLimiter.Rejection, _ pending: PendingRequest, now: Double) -> RESTError {
        switch rejection {
        case .unauthorized:
            return RESTError(.unauthorized, method: pending.method, path: pending.path, status: 401)
        case .invalidRequestLimit(_, let until):
            return RESTError(.invalidRequestLimit(retryAfter: max(0, until - now)), method: pending.method, path: pending.path)
        }
    }

    /// Why `path` cannot be sent, or nil: it must start with `/`, hold only visible ASCII,
    /// and have no `.`/`..` segments (so a path cannot climb out of the API version).
    static func pathProblem(_ path: String) -> String? {
        guard HTTPRequest.isValidTarget(path) else {
            return "path must start with / and contain only visible ASCII (percent-encode the rest)"
        }
        let pathOnly = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if pathOnly.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) {
            return "path must not contain . or .. segments"
        }
        return nil
    }

    /// A path safe to echo in an error for an invalid request (control bytes replaced).
    static func redactedPath(_ path: String) -> String {
        String(path.unicodeScalars.prefix(200).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}

/// One request waiting for, or on, the wire. Loop-confined.
private final class PendingRequest {
    let method: HTTPMethod
    let path: String
    let route: RESTRoute
    let request: HTTPRequest
    let completion: @Sendable (Result<RESTResponse, RESTError>) -> Void
    var attempt = 0
    var notBefore = 0.0

    init(method: HTTPMethod, path: String, route: RESTRoute, request: HTTPRequest,
         completion: @escaping @Sendable (Result<RESTResponse, RESTError>) -> Void) {
        self.method = method
        self.path = path
        self.route = route
        self.request = request
        self.completion = completion
    }
}
