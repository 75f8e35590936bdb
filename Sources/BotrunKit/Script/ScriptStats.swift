/// Counters of a `ScriptHost`.
public struct ScriptStats: Sendable, Equatable {
    /// Handler and timer calls made (events without a handler are not counted).
    public var eventsHandled: UInt64 = 0
    /// Of which failed (runtime error, time budget, memory cap).
    public var handlerErrors: UInt64 = 0
    public var reloads: Int = 0
    public var failedReloads: Int = 0
    /// Bytes held by the current Lua state (after the last batch of events).
    public var luaMemoryBytes: Int = 0
    /// `rest.*` requests started (issue 6).
    public var restCalls: UInt64 = 0
    /// Handlers parked on a REST call (after the last batch of events).
    public var parkedHandlers: Int = 0
}
