/// REST-side settings and counters that tests and the console change at run time.
public struct RESTRateLimit: Sendable, Equatable {
    /// Requests allowed per bucket per window.
    public var limit: Int
    /// Window length, seconds.
    public var window: Double
    /// Report the limit as global (`X-RateLimit-Global: true`, `"global": true`).
    public var global: Bool

    public init(limit: Int, window: Double, global: Bool = false) {
        self.limit = limit
        self.window = window
        self.global = global
    }
}

struct RESTState: Sendable {
    /// When set, every authenticated route is rate limited per bucket and answers carry
    /// `X-RateLimit-*` headers; exhausted buckets get 429.
    var rateLimit: RESTRateLimit?
    /// Bucket → (window start, requests in window).
    var buckets: [String: (start: Double, count: Int)] = [:]
    /// Requests served, for tests.
    var requestCount = 0
}

/// A message the bot posted or changed through REST, for the console's observer.
public struct SimBotMessage: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case created, edited, deleted, reacted(emoji: String) }
    public var kind: Kind
    public var channelID: String
    public var messageID: String
    public var content: String
}
