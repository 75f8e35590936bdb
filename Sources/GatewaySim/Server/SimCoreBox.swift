import Foundation

/// The `SimCore` behind a condition lock: changes broadcast, so waiters re-check.
final class SimCoreBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var core: SimCore

    init(_ core: SimCore) { self.core = core }

    func read<R>(_ body: (SimCore) -> R) -> R {
        condition.lock()
        defer { condition.unlock() }
        return body(core)
    }

    /// Mutates the core; the closure's actions are returned for convenience.
    @discardableResult
    func mutate(_ body: (inout SimCore) -> [SimAction]) -> [SimAction] {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return body(&core)
    }

    func wait(timeout: Double, _ predicate: (SimCore) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(core) {
            if !condition.wait(until: deadline) { return predicate(core) }
        }
        return true
    }
}
