/// Outgoing payload limit for one connection: at most `limit` payloads per `window`
/// (Discord: 120 per 60 s, closing with 4008 above it). User commands may use only
/// `limit - reserved` of them, so heartbeats, IDENTIFY and RESUME always find a slot.
///
/// A sliding window of send times: exact, and small (at most `limit` instants).
public struct CommandRateLimiter: Sendable {
    public let limit: Int
    public let window: Duration
    public let reserved: Int
    private var sent: [ContinuousClock.Instant] = []
    private var head = 0

    public init(limit: Int = 120, window: Duration = .seconds(60), reserved: Int) {
        self.limit = limit
        self.window = window
        // At least half the window stays usable for commands, even with a heartbeat interval so
        // short (tests) that beats alone would exceed the limit.
        self.reserved = min(max(0, reserved), limit / 2)
    }

    /// Slots to keep for heartbeats: one per heartbeat in a window, plus two for IDENTIFY/RESUME
    /// and a server-requested beat.
    public static func reservedSlots(heartbeatInterval: Duration, window: Duration = .seconds(60)) -> Int {
        guard heartbeatInterval > .zero else { return 3 }
        // Capped before the conversion: a tiny interval would overflow Int (and the init
        // clamps `reserved` to the limit anyway).
        let beats = min((window / heartbeatInterval).rounded(.up), 1_000_000)
        return Int(beats) + 3
    }

    private mutating func expire(now: ContinuousClock.Instant) {
        while head < sent.count, sent[head] + window <= now { head += 1 }
        if head > 64, head * 2 > sent.count {
            sent.removeFirst(head)
            head = 0
        }
    }

    private var inWindow: Int { sent.count - head }

    /// Slots a user command may still use now.
    public mutating func commandSlotsAvailable(now: ContinuousClock.Instant) -> Int {
        expire(now: now)
        return max(0, limit - reserved - inWindow)
    }

    /// Takes a slot for a user command if one is free.
    public mutating func acquireCommand(now: ContinuousClock.Instant) -> Bool {
        guard commandSlotsAvailable(now: now) > 0 else { return false }
        sent.append(now)
        return true
    }

    /// Takes a slot for a heartbeat/IDENTIFY/RESUME; these may use the reserved slots.
    /// Returns false only when the whole limit is used (which `reserved` prevents).
    public mutating func acquireEssential(now: ContinuousClock.Instant) -> Bool {
        expire(now: now)
        guard inWindow < limit else { return false }
        sent.append(now)
        return true
    }

    /// When the next command slot frees up (nil when one is free now).
    public mutating func nextCommandSlot(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard commandSlotsAvailable(now: now) == 0 else { return nil }
        let needed = inWindow - (limit - reserved)  // sends that must expire first
        guard needed >= 0, head + needed < sent.count else { return now + window }
        return sent[head + needed] + window
    }
}
