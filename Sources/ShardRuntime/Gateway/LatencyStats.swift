/// Heartbeat round trips of one shard: averages and the most recent few.
public struct LatencyStats: Sendable, Equatable {
    public static let recentCount = 5

    /// Heartbeats sent and ACKs received over the shard's life.
    public private(set) var heartbeatsSent = 0
    public private(set) var acksReceived = 0
    /// The last `recentCount` round trips, newest last.
    public private(set) var recent: [Duration] = []
    private var total: Duration = .zero
    private var pendingSince: ContinuousClock.Instant?

    public init() {}

    /// Mean of every measured round trip.
    public var average: Duration? { acksReceived == 0 ? nil : total / acksReceived }
    /// The latest round trip.
    public var latest: Duration? { recent.last }

    mutating func heartbeatSent(at now: ContinuousClock.Instant) {
        heartbeatsSent += 1
        if pendingSince == nil { pendingSince = now }
    }

    /// Records an ACK; returns the round trip, or nil for an ACK without a beat in flight.
    @discardableResult
    mutating func ackReceived(at now: ContinuousClock.Instant) -> Duration? {
        guard let since = pendingSince else { return nil }
        pendingSince = nil
        let rtt = since.duration(to: now)
        acksReceived += 1
        total += rtt
        recent.append(rtt)
        if recent.count > LatencyStats.recentCount { recent.removeFirst() }
        return rtt
    }

    /// A new connection: a beat in flight on the old one will never be ACKed.
    mutating func connectionReset() { pendingSince = nil }
}
