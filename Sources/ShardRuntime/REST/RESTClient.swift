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
        /// First wait before repeating an idempotent request (GET, PUT, DELETE) that got
        /// 502/503/504; doubles per attempt, at most `rateLimits.maxRetries` repeats.
        public var serverErrorBackoff = 0.5
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
    /// Requests not yet completed, by id (for `cancel`).
    private var live: [RESTRequestID: PendingRequest] = [:]
    private let nextID = RequestCounter()

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
    @discardableResult
    public func request(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil,
                        completion: @escaping @Sendable (Result<RESTResponse, RESTError>) -> Void) -> RESTRequestID {
        request(method, path, rawJSONBody: body?.serialized(), completion: completion)
    }

    /// As `request(_:_:body:completion:)`, with a body that is already JSON text (for callers
    /// such as the Lua bridge that serialize themselves). Sent as `application/json` unchecked.
    @discardableResult
    public func request(_ method: HTTPMethod, _ path: String, rawJSONBody: [UInt8]?,
                        completion: @escaping @Sendable (Result<RESTResponse, RESTError>) -> Void) -> RESTRequestID {
        let id = RESTRequestID(value: nextID.add())
        loop.execute { [self] in
            let shownPath = Self.redactedPath(path)
            if let problem = Self.pathProblem(path) {
                completion(.failure(RESTError(.invalidRequest(problem), method: method, path: shownPath)))
                return
            }
            guard !isShutDown else {
                completion(.failure(RESTError(.shutdown, method: method, path: shownPath)))
                return
            }
            var headers: HTTPHeaders = ["Authorization": token.authorizationHeader, "User-Agent": userAgent,
                                        "Accept": "application/json"]
            if rawJSONBody != nil { headers.add("Content-Type", "application/json") }
            let request = HTTPRequest(method: method, target: basePath + path, headers: headers, body: rawJSONBody ?? [])
            let pending = PendingRequest(id: id, method: method, path: shownPath, route: RESTRoute(method: method, path: path),
                                         request: request, completion: completion)
            live[id] = pending
            queue.append(pending)
            pump()
        }
        return id
    }

    /// Completes the request with `.cancelled` now, if it has not completed yet. A request
    /// still queued is never sent; one already on the wire finishes there (its answer still
    /// teaches the rate limiter) but its result is dropped. Thread-safe.
    public func cancel(_ id: RESTRequestID) {
        loop.execute { [self] in
            // The request's own block was queued on the loop before `id` was returned, so
            // it already ran: the id is live, or the request is complete.
            guard let pending = live[id] else { return }
            queue.removeAll { $0 === pending }
            deliver(pending, .failure(RESTError(.cancelled, method: pending.method, path: pending.path)))
        }
    }

    /// Async form of `request(_:_:body:completion:)`.
    /// Cancelling the calling Task cancels the request (see `cancel(_:)`).
    public func request(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws(RESTError) -> RESTResponse {
        let handle = CancellationHandle(client: self)
        let result: Result<RESTResponse, RESTError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                handle.started(request(method, path, body: body) { continuation.resume(returning: $0) })
            }
        } onCancel: {
            handle.cancel()
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
            for pending in failed { deliver(pending, .failure(RESTError(.shutdown, method: pending.method, path: pending.path))) }
        }
    }

    /// Connections opened so far (for tests and diagnostics); runs `body` on the loop.
    public func connectionsOpened(_ body: @escaping @Sendable (Int) -> Void) {
        loop.execute { [self] in body(pool.connectionsOpened) }
    }

    /// Requests waiting in the queue (not on the wire), for tests; runs `body` on the loop.
    func queuedCount(_ body: @escaping @Sendable (Int) -> Void) {
        loop.execute { [self] in body(queue.count) }
    }

    public static func monotonicNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    // MARK: - Scheduling (loop thread)

    /// Admits what the limiter allows, in order, and sets a timer for the earliest wait.
    /// Known shortcoming (issue 6): a linear scan per event; fine for hundreds waiting.
    private func pump() {
        let now = configuration.clock()
        var earliest = Double.infinity
        var i = 0
        while i < queue.count {
            // Admit only what can be written now; a finished exchange pumps again.
            guard pool.canStartNow(origin) else { break }
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
                deliver(pending, .failure(error(for: rejection, pending, now: now)))
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
            deliver(pending, .failure(RESTError(kind, method: pending.method, path: pending.path)))
            return
        }

        let errorBody = response.status >= 400 ? DiscordErrorBody(response.body) : nil
        let info = RateLimitInfo(status: response.status, headers: response.headers,
                                 bodyRetryAfter: errorBody?.retryAfter, bodyGlobal: errorBody?.global)
        switch limiter.record(ticket, info, now: now, attempt: pending.attempt) {
        case .complete:
            if Self.isRetryableServerError(response.status), pending.method.isIdempotent,
               pending.attempt <= configuration.rateLimits.maxRetries {
                // Discord's edge answers 502/503/504 when busy; repeat safe methods with backoff.
                let delay = configuration.serverErrorBackoff * Double(1 << min(pending.attempt - 1, 6))
                logger.info("rest server error, retrying", ["route": pending.route, "status": response.status,
                                                            "attempt": pending.attempt])
                pending.notBefore = now + delay
                if !pending.isFinished { queue.insert(pending, at: 0) }
            } else if (200..<300).contains(response.status) {
                deliver(pending, .success(RESTResponse(status: response.status, headers: response.headers, body: response.body)))
            } else {
                if response.status == 401 || response.status == 403 {
                    logger.warn("rest request refused", ["route": pending.route, "status": response.status])
                }
                deliver(pending, .failure(RESTError(.http, method: pending.method, path: pending.path, status: response.status,
                                                      code: errorBody?.code, message: errorBody?.message)))
            }
        case .retry(let at):
            logger.info("rest rate limited, retrying", ["route": pending.route, "retry_after": at - now,
                                                        "global": info.global, "attempt": pending.attempt])
            pending.notBefore = at
            if !pending.isFinished { queue.insert(pending, at: 0) }
        case .giveUp(let retryAfter):
            logger.warn("rest rate limited, giving up", ["route": pending.route, "retry_after": retryAfter])
            deliver(pending, .failure(RESTError(.rateLimited(retryAfter: retryAfter), method: pending.method,
                                                  path: pending.path, status: 429, code: errorBody?.code,
                                                  message: errorBody?.message)))
        }
    }

    /// Hands `result` to the caller (once) and forgets the request.
    private func deliver(_ pending: PendingRequest, _ result: Result<RESTResponse, RESTError>) {
        live[pending.id] = nil
        pending.finish(result)
    }

    static func isRetryableServerError(_ status: Int) -> Bool { status == 502 || status == 503 || status == 504 }

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

    /// The path as errors show it: control bytes replaced, at most 200 characters, and the
    /// secret token of webhook / interaction paths (`/webhooks/{id}/{token}`) replaced by `:token`.
    static func redactedPath(_ path: String) -> String {
        let parts = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var segments = parts[0].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for i in segments.indices.dropFirst(2)
        where ["webhooks", "interactions"].contains(segments[i - 2])
            && !segments[i - 1].isEmpty && segments[i - 1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            segments[i] = ":token"
        }
        let joined = segments.joined(separator: "/") + (parts.count > 1 ? "?" + parts[1] : "")
        return String(joined.unicodeScalars.prefix(200).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
