import Foundation

/// How a script is run (issue 5; the CLI maps `--unsafe`, `--memory-limit`,
/// `--handler-timeout` onto these).
public struct ScriptOptions: Sendable {
    public var scriptPath: String
    public var sandbox: Bool
    /// Bytes per Lua state.
    public var memoryLimit: Int
    /// Seconds per handler or timer call.
    public var handlerTimeout: Double
    /// The shard `shard.*` calls default to outside handlers (top level, timers created
    /// there, `on_reload`): the first shard this process runs.
    public var defaultShardID: Int
    /// Seconds `stop()` waits for handlers parked on REST calls before cancelling them.
    public var stopGrace: Double

    public init(scriptPath: String, sandbox: Bool = true, memoryLimit: Int = 256 << 20, handlerTimeout: Double = 2,
                defaultShardID: Int = 0, stopGrace: Double = 5) {
        self.scriptPath = scriptPath
        self.sandbox = sandbox
        self.memoryLimit = memoryLimit
        self.handlerTimeout = handlerTimeout
        self.defaultShardID = defaultShardID
        self.stopGrace = stopGrace
    }
}
