/// What the gateway hands a script (issue 5): a dispatch event or a lifecycle change.
public enum ScriptEvent: Sendable, Equatable {
    /// A dispatch (op 0): `name` is `t` (e.g. "MESSAGE_CREATE"), `data` the raw bytes of `d`.
    case dispatch(shardID: Int, seq: Int64, name: String, data: [UInt8])
    case lifecycle(shardID: Int, ScriptLifecycleEvent)

    public var shardID: Int {
        switch self {
        case .dispatch(let shardID, _, _, _), .lifecycle(let shardID, _): shardID
        }
    }
}

/// Lifecycle handlers: `on_shard_connected(ctx)`, `on_shard_disconnected(code, reason, ctx)`,
/// `on_shard_resumed(ctx)`, `on_shard_reconnecting(ctx)`, `on_invalid_session(resumable, ctx)`.
public enum ScriptLifecycleEvent: Sendable, Equatable {
    case connected
    case disconnected(code: Int, reason: String)
    case resumed
    case reconnecting
    case invalidSession(resumable: Bool)

    var handler: String {
        switch self {
        case .connected: "on_shard_connected"
        case .disconnected: "on_shard_disconnected"
        case .resumed: "on_shard_resumed"
        case .reconnecting: "on_shard_reconnecting"
        case .invalidSession: "on_invalid_session"
        }
    }

    /// The handler's arguments (before ctx) as a JSON array.
    var argumentsJSON: String? {
        switch self {
        case .disconnected(let code, let reason): "[\(code),\(ScriptShardInfo.quote(reason))]"
        case .invalidSession(let resumable): "[\(resumable)]"
        default: nil
        }
    }
}
