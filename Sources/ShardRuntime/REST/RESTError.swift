/// Every failure of a REST call, with what a caller needs to act on it: the method and
/// path, the HTTP status, and Discord's error `code` / `message` when the body had them.
/// Never contains the bot token (it lives only in the `Authorization` header), nor a
/// webhook/interaction token (redacted from `path`).
public struct RESTError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Discord answered with a non-2xx status (other than a retried 429).
        case http
        /// 429 after `maxRetries` retries, or a `retry_after` longer than allowed.
        case rateLimited(retryAfter: Double)
        /// Sending stopped after repeated 401s: the token is not accepted. Fails fast.
        case unauthorized
        /// Too many 401/403/429 answers recently; sending paused until the window slides.
        case invalidRequestLimit(retryAfter: Double)
        /// Connect, DNS, TLS (e.g. `certificateRejected`) or socket failure.
        case transport(TransportError)
        /// No response within the time-out (connect or response phase).
        case timedOut(seconds: Double)
        /// The response could not be parsed as HTTP, or its JSON was not what was expected.
        case invalidResponse(String)
        /// The request could not be built (bad path, bad base URL).
        case invalidRequest(String)
        /// The client was shut down before the request completed.
        case shutdown
        /// `RESTClient.cancel(_:)` or the calling Task's cancellation.
        case cancelled
    }

    public var kind: Kind
    public var method: HTTPMethod
    /// The request path relative to the base URL (e.g. `/channels/1/messages`), with
    /// webhook/interaction tokens replaced by `:token`.
    public var path: String
    public var status: Int?
    /// Discord's JSON error `code` (e.g. 50035 invalid form body), when present.
    public var code: Int?
    /// Discord's JSON error `message`, when present.
    public var message: String?

    public init(_ kind: Kind, method: HTTPMethod, path: String, status: Int? = nil, code: Int? = nil, message: String? = nil) {
        self.kind = kind
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String {
        var out = "\(method.rawValue) \(path)"
        switch kind {
        case .http: out += " failed: HTTP \(status ?? 0)"
        case .rateLimited(let after): out += " rate limited: retry after \(after)s (retries exhausted)"
        case .unauthorized: out += " refused: repeated 401 Unauthorized, the token is not accepted; not sending"
        case .invalidRequestLimit(let after):
            out += " refused: too many invalid requests (401/403/429), paused for \(after)s to avoid a ban"
        case .transport(let error): out += " failed: \(error)"
        case .timedOut(let seconds): out += " timed out after \(seconds)s"
        case .invalidResponse(let reason): out += " failed: \(reason)"
        case .invalidRequest(let reason): out += " not sent: \(reason)"
        case .shutdown: out += " cancelled: REST client shut down"
        case .cancelled: out += " cancelled"
        }
        if let code { out += " (code \(code))" }
        if let message { out += ": \(message)" }
        return out
    }
}
