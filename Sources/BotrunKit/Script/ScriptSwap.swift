import Foundation

/// A compiled new version travelling from the reloading thread to the script thread.
final class ScriptSwap: @unchecked Sendable {
    let fresh: LuaState
    private let done = NSCondition()
    private var result: Result<Void, ScriptError>?

    init(fresh: LuaState) { self.fresh = fresh }

    func finish(_ result: Result<Void, ScriptError>) {
        done.lock()
        self.result = result
        done.broadcast()
        done.unlock()
    }

    func wait() -> Result<Void, ScriptError> {
        done.lock()
        defer { done.unlock() }
        while result == nil { done.wait() }
        return result!
    }
}
