import Foundation
import LuaBridge

/// Which handler call a Lua coroutine belongs to, for error reports after a resume.
struct ScriptCallContext {
    /// The state that runs the coroutine (after a reload possibly an old version, kept
    /// alive until its parked coroutines finish).
    let state: LuaState
    let event: String
    let shardID: Int
    let seq: Int64?
}

/// The REST calls parked coroutines wait on (issue 6). Confined to the script thread,
/// except `deliver`, which completions call from the REST loop.
final class ScriptRESTCalls: @unchecked Sendable {
    struct Pending {
        let context: ScriptCallContext
        let cancel: @Sendable () -> Void
    }

    let control: (any RESTControl)?
    /// Hands a completion to the script thread (set by `ScriptHost`; thread-safe).
    var deliver: @Sendable (Int64, ScriptRESTResult) -> Void = { _, _ in }
    /// The handler call running now on the script thread (nil between calls).
    var current: ScriptCallContext?
    private(set) var pending: [Int64: Pending] = [:]
    private var nextID: Int64 = 0
    private(set) var started: UInt64 = 0

    init(control: (any RESTControl)?) { self.control = control }

    /// Runs `body` with `context` as the current call.
    func within<T>(_ context: ScriptCallContext, _ body: () -> T) -> T {
        let outer = current
        current = context
        defer { current = outer }
        return body()
    }

    /// Called by the bridge (script thread, inside a handler): starts the request and
    /// returns the id the coroutine parks under.
    func start(method: String, path: String, body: [UInt8]?) -> Result<Int64, ScriptRESTStartError> {
        guard let control else { return .failure(ScriptRESTStartError(message: "rest not available")) }
        guard let context = current else { return .failure(ScriptRESTStartError(message: "no handler running")) }
        nextID += 1
        let id = nextID
        let deliver = self.deliver
        let cancel = control.start(method: method, path: path, body: body) { result in deliver(id, result) }
        pending[id] = Pending(context: context, cancel: cancel)
        started += 1
        return .success(id)
    }

    /// Takes the parked call `id` out (nil when it was dropped).
    func take(_ id: Int64) -> Pending? { pending.removeValue(forKey: id) }

    /// Calls parked in `state`.
    func count(in state: LuaState) -> Int { pending.values.filter { $0.context.state === state }.count }

    /// Cancels every pending request and forgets its coroutine; returns how many.
    func cancelAll() -> Int {
        let all = pending
        pending.removeAll()
        for (id, call) in all {
            call.cancel()
            _ = lb_drop(call.context.state.raw, id)
        }
        return all.count
    }
}

/// Why a `rest.*` call could not start (the script gets the message).
struct ScriptRESTStartError: Error {
    let message: String
}
