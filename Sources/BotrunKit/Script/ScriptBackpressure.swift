import Foundation

/// Backpressure accounting of one `ScriptHost` (issue 7): bytes of the events queued and not
/// yet handled (the batch in hand included). Over `high` it tells the observer `true` (stop
/// reading the gateway), back down to `low` it tells `false`. Thread-safe: `queued` runs on
/// the delivering threads, `handled` on the script thread; observer calls are serialised, so
/// the last call made is always the state last wanted, and each is made with no lock of the
/// host held.
final class ScriptBackpressure: @unchecked Sendable {
    static let high = 1 << 20
    static let low = 256 << 10
    /// Counted per dispatch event on top of its data, so tiny events add up too.
    static let eventOverhead = 64

    private let lock = NSLock()
    private var outstanding = 0
    private var over = false
    private var callback: (@Sendable (Bool) -> Void)?
    private let signalLock = NSLock()
    private var applied = false  // guarded by `signalLock`

    var observer: (@Sendable (Bool) -> Void)? {
        get { lock.lock(); defer { lock.unlock() }; return callback }
        set { lock.lock(); callback = newValue; lock.unlock() }
    }

    /// An event of `bytes` was queued.
    func queued(_ bytes: Int) {
        guard bytes > 0 else { return }
        lock.lock()
        outstanding += bytes
        let crossed = !over && outstanding > ScriptBackpressure.high
        if crossed { over = true }
        lock.unlock()
        if crossed { apply() }
    }

    /// Events of `bytes` in all were handled.
    func handled(_ bytes: Int) {
        guard bytes > 0 else { return }
        lock.lock()
        outstanding -= bytes
        let lifted = over && outstanding <= ScriptBackpressure.low
        if lifted { over = false }
        lock.unlock()
        if lifted { apply() }
    }

    private func apply() {
        signalLock.lock()
        defer { signalLock.unlock() }
        lock.lock()
        let want = over
        let observer = callback
        lock.unlock()
        guard want != applied else { return }
        applied = want
        observer?(want)
    }
}
