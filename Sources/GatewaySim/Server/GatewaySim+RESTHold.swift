import ShardRuntime

/// Test hook (issue 6): hold REST requests unanswered until the test releases them, so a
/// test can keep a bot's REST call in flight for as long as it needs (no sleeps).
/// A held request is served (recorded, dispatched) only when released.
final class SimRESTHold: @unchecked Sendable {
    struct State {
        var predicate: (@Sendable (_ method: String, _ path: String) -> Bool)?
        var held: [@Sendable () -> Void] = []
    }

    let state = SimLocked(State())

    func shouldHold(_ request: HTTPRequest) -> Bool {
        state.withLock { $0.predicate?(request.method, request.path) ?? false }
    }

    func add(_ resume: @escaping @Sendable () -> Void) {
        state.withLock { $0.held.append(resume) }
    }
}

extension GatewaySim {
    /// Holds every later REST request for which `predicate(method, path)` is true (path as
    /// sent, e.g. `/api/v10/channels/1/messages`); nil holds nothing new. Held requests
    /// stay held until `releaseHeldREST()`.
    public func holdREST(where predicate: (@Sendable (_ method: String, _ path: String) -> Bool)?) {
        restHold.state.withLock { $0.predicate = predicate }
    }

    /// REST requests held now.
    public var heldRESTCount: Int { restHold.state.withLock { $0.held.count } }

    /// Serves and answers every held request, in arrival order.
    public func releaseHeldREST() {
        let held = restHold.state.withLock { state -> [@Sendable () -> Void] in
            defer { state.held = [] }
            return state.held
        }
        loop.execute { for resume in held { resume() } }
    }
}

/// A loop-confined object carried through a `@Sendable` closure that runs on the same loop.
struct SimLoopBound<Value: AnyObject>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
