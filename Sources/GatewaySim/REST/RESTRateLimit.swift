/// REST rate limiting the sim applies when asked (`GatewaySim.setRESTRateLimit`).
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
