/// Fault controls of the pure core. Each targets one connection, or every live one when
/// `connection` is nil, and returns the actions to perform.
extension SimCore {
    /// Live (not closing) connection ids, sorted.
    public var liveConnections: [ConnectionID] {
        connections.values.filter { $0.phase != .closed }.map(\.id).sorted()
    }

    private func targets(_ connection: ConnectionID?) -> [ConnectionID] {
        connection.map { id in liveConnections.filter { $0 == id } } ?? liveConnections
    }

    /// Op 7 Reconnect.
    public func sendReconnect(to connection: ConnectionID? = nil) -> [SimAction] {
        targets(connection).map { .send($0, SimJSON.envelope(op: 7)) }
    }

    /// Op 9 Invalid Session. With `resumable` false the sessions are destroyed, so a later
    /// RESUME gets op 9 `false` too.
    public mutating func sendInvalidSession(resumable: Bool, to connection: ConnectionID? = nil) -> [SimAction] {
        targets(connection).map { id in
            // Either way the connection goes back to the handshake: after `true` the client
            // may RESUME on this socket (as discord.js does) or on a new one.
            if let sessionID = sessionID(of: id) {
                if resumable { sessions[sessionID]?.connection = nil } else { sessions[sessionID] = nil }
                connections[id]?.phase = .handshake
            }
            return .send(id, SimJSON.envelope(op: 9, d: resumable ? "true" : "false"))
        }
    }

    /// Forgets every session that has no live connection, as Discord does a few minutes after
    /// a disconnect: a later RESUME gets op 9 `false`. Returns how many were dropped.
    public mutating func expireDetachedSessions() -> Int {
        let detached = sessions.values.filter { $0.connection == nil }.map(\.id)
        for id in detached { sessions[id] = nil }
        return detached.count
    }

    /// Op 1: asks the client to heartbeat now.
    public func requestHeartbeat(to connection: ConnectionID? = nil) -> [SimAction] {
        targets(connection).map { .send($0, SimJSON.envelope(op: 1)) }
    }

    /// Closes with any code; sessions stay resumable.
    public mutating func close(code: UInt16, connection: ConnectionID? = nil) -> [SimAction] {
        targets(connection).map { serverClose($0, code: code) }
    }

    /// Drops the TCP connection without a close frame; sessions stay resumable.
    public mutating func dropConnections(_ connection: ConnectionID? = nil) -> [SimAction] {
        targets(connection).map { id in
            connections[id]?.phase = .closed
            return .drop(id)
        }
    }

    /// Stops (or restarts) answering op 1 with op 11, on live and future connections.
    public mutating func setHeartbeatACKs(_ enabled: Bool) {
        ackHeartbeatsDefault = enabled
        for id in connections.keys { connections[id]?.ackHeartbeats = enabled }
    }

    /// Pads the GUILD_CREATEs of later IDENTIFYs to at least `bytes` (0: normal size).
    public mutating func setGuildCreateSize(bytes: Int) { guildCreatePaddingBytes = bytes }

    /// An opcode no client knows (`{"op":<op>,"d":{...}}`).
    public func sendUnknownOpcode(_ op: Int = 99, to connection: ConnectionID? = nil) -> [SimAction] {
        targets(connection).map { .send($0, SimJSON.envelope(op: op, d: "{\"sim\":\"unknown opcode\"}")) }
    }

    /// A dispatch with an event name no client knows, through the normal sequence.
    public mutating func dispatchUnknownEvent(_ name: String = "SIM_UNKNOWN_EVENT") -> [SimAction] {
        dispatch(t: name, d: "{\"sim\":true,\"nested\":{\"list\":[1,2.5,null,\"x\"]}}", guildID: nil)
    }

    /// `count` MESSAGE_CREATEs from the simulated human in `channelID` (default #general),
    /// built before any is sent so the sender never waits on the builder.
    public mutating func burstMessages(count: Int, channelID: String? = nil, contentPrefix: String = "burst")
        -> [SimAction] {
        let channel = channelID ?? world.generalChannelID
        var actions: [SimAction] = []
        actions.reserveCapacity(count * max(1, sessions.count))
        for n in 0..<count {
            actions += postUserMessage(channelID: channel, authorID: world.humanUser.id,
                                       content: "\(contentPrefix) \(n)").actions
        }
        return actions
    }
}
