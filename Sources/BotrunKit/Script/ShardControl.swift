import Foundation
import ShardRuntime

/// What a script can ask of the shards (issue 5): the host side of `shard.info`,
/// `shard.command` and `shard.send`. The lead binds this to the real `Shard`s;
/// tests use a fake. Methods are called on the script thread and must not block
/// for long (queue the work and return).
public protocol ShardControl: Sendable {
    /// `shard.info(id)`; nil means "session inactive" (or no such shard).
    func info(shardID: Int) -> ScriptShardInfo?
    /// `shard.command(name, fields)`: `json` is the fields object, already type-checked
    /// by the bridge. Returns nil on success or an error message for the script.
    func command(shardID: Int, name: String, json: [UInt8]) -> String?
    /// `shard.send(msg)`. Returns nil on success or an error message.
    func send(shardID: Int, message: ScriptOutgoingMessage) -> String?
}

/// The table `shard.info()` returns.
public struct ScriptShardInfo: Sendable, Equatable {
    public struct Latency: Sendable, Equatable {
        /// Milliseconds; nil before the first heartbeat ACK.
        public var average: Double?
        public var recent: Double?
        public var heartbeats: Int
        public init(average: Double? = nil, recent: Double? = nil, heartbeats: Int = 0) {
            self.average = average
            self.recent = recent
            self.heartbeats = heartbeats
        }
    }

    public struct RateLimit: Sendable, Equatable {
        public var available: Int
        public var max: Int
        public init(available: Int, max: Int) {
            self.available = available
            self.max = max
        }
    }

    public var id: Int
    public var total: Int
    public var stage: String
    public var sessionID: String?
    public var seq: Int64?
    public var latency: Latency
    public var ratelimit: RateLimit
    public var queueDepth: Int

    public init(id: Int, total: Int, stage: String, sessionID: String? = nil, seq: Int64? = nil,
                latency: Latency = Latency(), ratelimit: RateLimit = RateLimit(available: 120, max: 120),
                queueDepth: Int = 0) {
        self.id = id
        self.total = total
        self.stage = stage
        self.sessionID = sessionID
        self.seq = seq
        self.latency = latency
        self.ratelimit = ratelimit
        self.queueDepth = queueDepth
    }

    /// The JSON object the bridge decodes into the Lua table (nil fields omitted).
    var json: String {
        var out = "{\"id\":\(id),\"total\":\(total),\"stage\":\(ScriptShardInfo.quote(stage))"
        if let sessionID { out += ",\"session_id\":\(ScriptShardInfo.quote(sessionID))" }
        if let seq { out += ",\"seq\":\(seq)" }
        out += ",\"latency\":{\"heartbeats\":\(latency.heartbeats)"
        if let average = latency.average, average.isFinite { out += ",\"average\":\(average)" }
        if let recent = latency.recent, recent.isFinite { out += ",\"recent\":\(recent)" }
        out += "},\"ratelimit\":{\"available\":\(ratelimit.available),\"max\":\(ratelimit.max)}"
        out += ",\"queue_depth\":\(queueDepth)}"
        return out
    }

    static func quote(_ s: String) -> String { JSONWriter.quoted(s) }
}

/// A frame a script asks to send with `shard.send`.
public enum ScriptOutgoingMessage: Sendable, Equatable {
    /// A text frame; the bytes are JSON checked by the bridge.
    case text([UInt8])
    case binary([UInt8])
    case ping([UInt8])
    case close(code: Int, reason: String)
}
