/// REST-side counters and settings of the core.
struct RESTState: Sendable {
    /// When set, every authenticated route is rate limited per bucket and answers carry
    /// `X-RateLimit-*` headers; exhausted buckets get 429.
    var rateLimit: RESTRateLimit?
    /// Bucket → (window start, requests in window).
    var buckets: [String: (start: Double, count: Int)] = [:]
    /// Requests served, for tests.
    var requestCount = 0
}

