/// A successful (2xx) REST answer.
public struct RESTResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body parsed as JSON; `.null` for an empty body (204).
    public func json() throws -> JSONValue {
        body.isEmpty ? .null : try JSONParser.parse(body)
    }
}

/// `GET /gateway/bot`: where to connect, how many shards, and the session start budget.
public struct GatewayBotInfo: Sendable, Equatable {
    public struct SessionStartLimit: Sendable, Equatable {
        public var total: Int
        public var remaining: Int
        /// Milliseconds until the budget resets.
        public var resetAfter: Int
        /// Identifies allowed per 5 s (number of identify buckets).
        public var maxConcurrency: Int
    }

    public var url: String
    public var shards: Int
    public var sessionStartLimit: SessionStartLimit

    public init(url: String, shards: Int, sessionStartLimit: SessionStartLimit) {
        self.url = url
        self.shards = shards
        self.sessionStartLimit = sessionStartLimit
    }

    /// Reads the documented fields; nil if one is missing or has the wrong type.
    public init?(json: JSONValue) {
        guard let url = json["url"]?.stringValue, let shards = json["shards"]?.intValue,
              let limit = json["session_start_limit"],
              let total = limit["total"]?.intValue, let remaining = limit["remaining"]?.intValue,
              let resetAfter = limit["reset_after"]?.intValue,
              let maxConcurrency = limit["max_concurrency"]?.intValue else { return nil }
        self.init(url: url, shards: shards,
                  sessionStartLimit: .init(total: total, remaining: remaining, resetAfter: resetAfter,
                                           maxConcurrency: maxConcurrency))
    }
}

/// Discord's error body: `{"code": 50035, "message": "Invalid Form Body", "errors": {...}}`,
/// and for 429 `{"message", "retry_after", "global"}`.
struct DiscordErrorBody {
    var code: Int?
    var message: String?
    var retryAfter: Double?
    var global: Bool?

    init(_ body: [UInt8]) {
        guard let json = try? JSONParser.parse(body) else { return }
        code = json["code"]?.intValue
        message = json["message"]?.stringValue
        retryAfter = json["retry_after"]?.doubleValue
        global = json["global"]?.boolValue
    }
}
