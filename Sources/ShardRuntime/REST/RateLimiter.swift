/// Discord's HTTP rate limits as a pure state machine: requests in, decisions out.
///
/// The client asks `admit(_:now:)` before each send and reports each response with
/// `record(_:_:now:attempt:)`. Times are seconds on a monotonic clock the caller owns
/// (tests pass a fake one). One limiter is shared by every caller of a client, so all Lua
/// handlers draw on the same buckets. Not thread-safe: the client confines it to its loop.
///
/// Policy:
/// - Per-route buckets: a route's bucket hash is learned from `X-RateLimit-Bucket`; the
///   bucket is hash + major parameter. Until learned, one request per route is in flight.
///   `Remaining` is reserved on send and refilled after `Reset-After`, but only once every
///   answer from the old window is in (a late request may count in the new window).
/// - Global limit: at most `globalLimit` sends per `globalWindow` (sliding), and a global
///   429 blocks everything for its `retry_after`.
/// - 429: wait `retry_after` and retry, at most `maxRetries` times.
/// - Invalid requests: after a 401 only one request is in flight at a time;
///   `unauthorizedLimit` 401s in a row stop all sending (the token is bad; requests fail fast); 401/403/non-shared 429 count towards `invalidRequestLimit`
///   per `invalidRequestWindow`, after which requests fail fast until the window slides
///   (Discord bans an IP at 10 000 per 10 minutes).
///
/// Known shortcoming (issue 6): interaction callbacks, which Discord exempts from the
/// global limit, are counted against it here.
public struct RateLimiter: Sendable {
    public struct Configuration: Sendable {
        public var globalLimit = 50
        public var globalWindow = 1.0
        public var maxRetries = 3
        /// A 429 asking to wait longer than this fails instead of waiting.
        public var maxRetryAfter = 60.0
        /// A bucket's `Reset-After` longer than this is read as this: a broken or hostile
        /// answer (`1e12`) must not park a route for ever. Discord's longest are minutes.
        public var maxResetAfter = 3600.0
        public var unauthorizedLimit = 3
        public var invalidRequestLimit = 5000
        public var invalidRequestWindow = 600.0

        public init() {}
    }

    /// What to do with a request now.
    public enum Decision: Sendable, Equatable {
        /// Send it; hand the ticket back to `record` or `cancel`.
        case send(Ticket)
        /// Ask again at this time.
        case wait(until: Double)
        /// Ask again after the next `record`/`cancel` (an unknown bucket has one in flight).
        case waitForResponse
        case fail(Rejection)
    }

    /// Why a request is refused without being sent.
    public enum Rejection: Sendable, Equatable {
        /// Too many 401s in a row: the token is not accepted.
        case unauthorized(consecutive: Int)
        /// Too many invalid (401/403/429) responses in the window; clears at `until`.
        case invalidRequestLimit(count: Int, until: Double)
    }

    /// What to do after a response.
    public enum Outcome: Sendable, Equatable {
        /// Deliver the response to the caller.
        case complete
        /// 429: admit the request again at or after this time.
        case retry(at: Double)
        /// 429 and retries exhausted (or the wait is too long): fail with `retryAfter`.
        case giveUp(retryAfter: Double)
    }

    public struct Ticket: Sendable, Equatable {
        public let route: RESTRoute
        let bucketKey: String?
    }

    private struct Bucket: Sendable {
        var limit: Int?
        var remaining: Int?
        var resetAt: Double?
        var inFlight = 0
    }

    public let configuration: Configuration
    /// Route key → bucket hash, or "" when the route reported no bucket (unlimited).
    private var routeHashes: [String: String] = [:]
    private var buckets: [String: Bucket] = [:]
    private var recentSends: [Double] = []
    private var globalBlockedUntil = 0.0
    private var consecutiveUnauthorized = 0
    private var inFlightTotal = 0
    private var invalidTimes: [Double] = []

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The bucket hash learned for a route, if any ("" means the route has no bucket).
    public func bucketHash(for route: RESTRoute) -> String? { routeHashes[route.routeKey] }

    /// Whether 401s stopped all sending.
    public var isStoppedByUnauthorized: Bool { consecutiveUnauthorized >= configuration.unauthorizedLimit }

    /// Decides whether `route` may be sent at `now`. `.send` reserves a slot.
    public mutating func admit(_ route: RESTRoute, now: Double) -> Decision {
        if isStoppedByUnauthorized { return .fail(.unauthorized(consecutive: consecutiveUnauthorized)) }
        invalidTimes.removeAll { $0 <= now - configuration.invalidRequestWindow }
        if invalidTimes.count >= configuration.invalidRequestLimit {
            return .fail(.invalidRequestLimit(count: invalidTimes.count,
                                              until: invalidTimes[0] + configuration.invalidRequestWindow))
        }
        if globalBlockedUntil > now { return .wait(until: globalBlockedUntil) }
        // After a 401, probe one request at a time until a success or the stop.
        if consecutiveUnauthorized > 0 && inFlightTotal > 0 { return .waitForResponse }

        let key = bucketKey(for: route)
        if let key {
            var bucket = buckets[key, default: Bucket()]
            if let resetAt = bucket.resetAt, resetAt <= now {
                // Answers still due may have landed in the new window: learn from them first.
                if bucket.inFlight > 0 { return .waitForResponse }
                bucket.remaining = bucket.limit
                bucket.resetAt = nil
            }
            buckets[key] = bucket
            switch (bucket.remaining, bucket.resetAt) {
            case (nil, _):
                // Unknown bucket: one request finds out its limits.
                if bucket.inFlight > 0 { return .waitForResponse }
            case (let remaining?, let resetAt) where remaining <= 0:
                if let resetAt { return .wait(until: resetAt) }
                return .waitForResponse
            default:
                break
            }
        }

        recentSends.removeAll { $0 <= now - configuration.globalWindow }
        if recentSends.count >= configuration.globalLimit {
            return .wait(until: recentSends[0] + configuration.globalWindow)
        }
        recentSends.append(now)
        inFlightTotal += 1
        if let key {
            buckets[key]!.inFlight += 1
            if let remaining = buckets[key]!.remaining { buckets[key]!.remaining = remaining - 1 }
        }
        return .send(Ticket(route: route, bucketKey: key))
    }

    /// Releases a ticket whose request got no response (transport failure, time-out).
    public mutating func cancel(_ ticket: Ticket) {
        inFlightTotal = max(0, inFlightTotal - 1)
        guard let key = ticket.bucketKey, var bucket = buckets[key] else { return }
        bucket.inFlight = max(0, bucket.inFlight - 1)
        if let remaining = bucket.remaining, bucket.resetAt != nil { bucket.remaining = remaining + 1 }
        buckets[key] = bucket
    }

    /// Learns from a response and says whether to deliver it or retry.
    /// - Parameter attempt: how many times this request was sent so far (1 for the first).
    public mutating func record(_ ticket: Ticket, _ info: RateLimitInfo, now: Double, attempt: Int) -> Outcome {
        inFlightTotal = max(0, inFlightTotal - 1)
        if let key = ticket.bucketKey, var old = buckets[key] {
            old.inFlight = max(0, old.inFlight - 1)
            buckets[key] = old
        }
        learn(ticket.route, info, now: now)
        countInvalid(info, now: now)
        if buckets.count > Self.maxIdleBuckets { purgeIdleBuckets(now: now) }

        guard info.status == 429 else { return .complete }
        let retryAfter = max(0, info.retryAfter ?? info.resetAfter ?? 1)
        if info.global { globalBlockedUntil = max(globalBlockedUntil, now + retryAfter) }
        if !info.global, let key = bucketKey(for: ticket.route) {
            var bucket = buckets[key, default: Bucket()]
            bucket.remaining = 0
            bucket.resetAt = max(bucket.resetAt ?? 0, now + retryAfter)
            buckets[key] = bucket
        }
        if attempt > configuration.maxRetries || retryAfter > configuration.maxRetryAfter {
            return .giveUp(retryAfter: retryAfter)
        }
        return .retry(at: now + retryAfter)
    }

    /// Forget a 401 stop (for example after the token was replaced).
    public mutating func resetAuthorization() { consecutiveUnauthorized = 0 }

    /// Above this many buckets (one per bucket hash and channel/guild), idle ones are dropped:
    /// a bot that posts to many channels must not grow without bound. A dropped bucket is
    /// learned again by its next request.
    static let maxIdleBuckets = 10_000

    private mutating func purgeIdleBuckets(now: Double) {
        buckets = buckets.filter { _, bucket in
            bucket.inFlight > 0 || (bucket.resetAt.map { $0 > now } ?? false)
        }
    }

    /// Buckets currently tracked (for tests).
    var bucketCount: Int { buckets.count }

    private func bucketKey(for route: RESTRoute) -> String? {
        let major = route.majorParameter ?? "-"
        switch routeHashes[route.routeKey] {
        case nil: return "route:\(route.routeKey):\(major)"
        case ""?: return nil
        case let hash?: return "\(hash):\(major)"
        }
    }

    private mutating func learn(_ route: RESTRoute, _ info: RateLimitInfo, now: Double) {
        guard let hash = info.bucket else {
            // No bucket header on a success: this route is limited only globally. (Error
            // answers such as 401 often lack the headers and prove nothing.)
            if (200..<300).contains(info.status) && routeHashes[route.routeKey] == nil {
                routeHashes[route.routeKey] = ""
                buckets["route:\(route.routeKey):\(route.majorParameter ?? "-")"] = nil
            }
            return
        }
        let provisional = "route:\(route.routeKey):\(route.majorParameter ?? "-")"
        routeHashes[route.routeKey] = hash
        let key = "\(hash):\(route.majorParameter ?? "-")"
        var bucket = buckets[key] ?? buckets[provisional] ?? Bucket()
        if key != provisional { buckets[provisional] = nil }
        if let limit = info.limit { bucket.limit = limit }
        guard let remaining = info.remaining, let resetAfter = info.resetAfter else {
            buckets[key] = bucket
            return
        }
        let resetAt = now + min(resetAfter, configuration.maxResetAfter)
        if let known = bucket.resetAt, let current = bucket.remaining, now < known {
            // The window we know is still open: answers arrive out of order and with
            // varying delay, so never raise what is left, and keep the latest reset.
            bucket.remaining = min(current, remaining)
            bucket.resetAt = max(known, resetAt)
        } else {
            // A new window: requests still in flight will use up part of it.
            bucket.remaining = max(0, remaining - bucket.inFlight)
            bucket.resetAt = resetAt
        }
        buckets[key] = bucket
    }

    private mutating func countInvalid(_ info: RateLimitInfo, now: Double) {
        switch info.status {
        case 401:
            consecutiveUnauthorized += 1
            invalidTimes.append(now)
        case 403:
            invalidTimes.append(now)
        case 429 where info.scope != "shared":
            invalidTimes.append(now)
        case 200..<300:
            consecutiveUnauthorized = 0
        default:
            break
        }
    }
}
