/// What one response says about rate limits: the `X-RateLimit-*` headers, the status, and
/// for a 429 the `retry_after` / `global` fields of its JSON body.
public struct RateLimitInfo: Sendable, Equatable {
    public var status: Int
    /// `X-RateLimit-Bucket`: opaque hash shared by routes that share a limit.
    public var bucket: String?
    public var limit: Int?
    public var remaining: Int?
    /// `X-RateLimit-Reset-After`, seconds (fractional) until the bucket refills.
    public var resetAfter: Double?
    /// 429 only: seconds to wait (body `retry_after`, else the `Retry-After` header).
    public var retryAfter: Double?
    /// `X-RateLimit-Global: true` or body `global: true`.
    public var global: Bool
    /// `X-RateLimit-Scope` (`user`, `global`, `shared`); `shared` 429s do not count as invalid.
    public var scope: String?

    public init(status: Int, bucket: String? = nil, limit: Int? = nil, remaining: Int? = nil,
                resetAfter: Double? = nil, retryAfter: Double? = nil, global: Bool = false, scope: String? = nil) {
        self.status = status
        self.bucket = bucket
        self.limit = limit
        self.remaining = remaining
        self.resetAfter = resetAfter
        self.retryAfter = retryAfter
        self.global = global
        self.scope = scope
    }

    /// Reads the headers; `bodyRetryAfter` / `bodyGlobal` come from a 429's JSON body.
    public init(status: Int, headers: HTTPHeaders, bodyRetryAfter: Double? = nil, bodyGlobal: Bool? = nil) {
        self.status = status
        bucket = headers["X-RateLimit-Bucket"]
        limit = headers["X-RateLimit-Limit"].flatMap { Int($0) }
        remaining = headers["X-RateLimit-Remaining"].flatMap { Int($0) }
        resetAfter = headers["X-RateLimit-Reset-After"].flatMap(RateLimitInfo.seconds)
        retryAfter = bodyRetryAfter.flatMap { $0.isFinite ? $0 : nil } ?? headers["Retry-After"].flatMap(RateLimitInfo.seconds)
        global = bodyGlobal ?? false || headers["X-RateLimit-Global"]?.lowercased() == "true"
        scope = headers["X-RateLimit-Scope"]
    }

    /// A finite number of seconds; "inf"/"nan" (which Double accepts) would block a bucket
    /// forever or defeat every comparison, so they count as absent.
    static func seconds(_ text: String) -> Double? {
        Double(text).flatMap { $0.isFinite ? $0 : nil }
    }
}
