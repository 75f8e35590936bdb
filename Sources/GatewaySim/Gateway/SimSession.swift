/// Identifies one accepted WebSocket connection for the lifetime of the sim.
public typealias ConnectionID = Int

/// A gateway session: created by IDENTIFY, kept across connections until the client closes
/// with 1000/1001 (or it is invalidated), and resumable while it exists.
struct SimSession {
    let id: String
    let shard: [Int]?
    let intents: Int
    /// The last sequence number assigned.
    var seq: Int = 0
    /// Dispatches sent (or due) on this session, oldest first, for RESUME replay.
    var replay: [(seq: Int, text: String)] = []
    /// The connection currently receiving this session's dispatches.
    var connection: ConnectionID?

    /// Whether an event for `guildID` belongs to this session's shard
    /// (`(guild_id >> 22) % num_shards`; events without a guild go to shard 0).
    func receives(guildID: String?) -> Bool {
        guard let shard, shard.count == 2, shard[1] > 1 else { return true }
        guard let guildID, let id = UInt64(guildID) else { return shard[0] == 0 }
        return Int((id >> 22) % UInt64(shard[1])) == shard[0]
    }
}

/// What the sim knows about one live connection.
struct SimConnectionState {
    enum Phase: Equatable {
        /// Waiting for IDENTIFY or RESUME.
        case handshake
        /// Bound to a session.
        case authenticated(sessionID: String)
        /// Server or client closed; further input is ignored.
        case closed
    }

    let id: ConnectionID
    var phase: Phase = .handshake
    /// Receive times inside the current 4008 window.
    var payloadTimes: [Double] = []
    /// Whether op 1 gets an op 11 (the "stop ACKing" fault turns this off).
    var ackHeartbeats = true
    /// When the connection opened, or its last op 1 arrived (for heartbeat enforcement).
    var lastHeartbeat: Double = 0
}

