import Foundation

/// Grants IDENTIFY permits: Discord allows one IDENTIFY per 5 s per bucket
/// (`shard_id % max_concurrency`). One queue is shared by all shards of a process (or, with
/// another implementation, of a deployment); shards ask it before every IDENTIFY.
public protocol IdentifyQueue: Sendable {
    /// Calls `grant` (on any thread) once shard `shardID` may send IDENTIFY. Grants within a
    /// bucket come in request order.
    func enqueue(shardID: Int, grant: @escaping @Sendable () -> Void)
}

extension IdentifyQueue {
    /// Waits for an IDENTIFY permit.
    public func permit(shardID: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            enqueue(shardID: shardID) { c.resume() }
        }
    }
}

/// The bucket schedule behind `LocalIdentifyQueue`, pure: given "now", when may the next
/// IDENTIFY of a bucket go out?
public struct IdentifySchedule: Sendable {
    public let maxConcurrency: Int
    public let interval: Duration
    private var nextFree: [Int: ContinuousClock.Instant] = [:]

    public init(maxConcurrency: Int, interval: Duration = .seconds(5)) {
        self.maxConcurrency = max(1, maxConcurrency)
        self.interval = interval
    }

    public func bucket(forShard shardID: Int) -> Int { shardID % maxConcurrency }

    /// Reserves the bucket's next slot and returns when it starts (never before `now`).
    public mutating func reserve(shardID: Int, now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let bucket = bucket(forShard: shardID)
        let at = max(now, nextFree[bucket] ?? now)
        nextFree[bucket] = at + interval
        return at
    }
}

/// In-process identify queue: one IDENTIFY per `interval` per bucket, shared by every shard
/// that holds this instance.
///
/// Known limits (issue 3): a permit granted to a shard that shut down meanwhile still uses its
/// slot; `session_start_limit.remaining` (1000 per day) is not tracked.
public final class LocalIdentifyQueue: IdentifyQueue, @unchecked Sendable {
    private let lock = NSLock()
    private var schedule: IdentifySchedule
    private let clock = ContinuousClock()
    /// Delayed grants fire on an event loop thread: a Dispatch queue would share the global
    /// pool that blocked threads (tests, blocking callers) can starve for seconds.
    private let timerLoop = EventLoopGroup.shared.next()

    public init(maxConcurrency: Int = 1, interval: Duration = .seconds(5)) {
        schedule = IdentifySchedule(maxConcurrency: maxConcurrency, interval: interval)
    }

    public var maxConcurrency: Int { schedule.maxConcurrency }

    public func enqueue(shardID: Int, grant: @escaping @Sendable () -> Void) {
        let now = clock.now
        lock.lock()
        let at = schedule.reserve(shardID: shardID, now: now)
        lock.unlock()
        let wait = now.duration(to: at)
        if wait <= .zero {
            grant()
        } else {
            timerLoop.schedule(after: wait.inSeconds, grant)
        }
    }
}
