/// Fault controls and world events, for tests and the sim console. Each applies to one
/// connection, or to every live connection when `connection` is nil.
extension GatewaySim {
    /// Op 7 Reconnect.
    public func sendReconnect(connection: ConnectionID? = nil) {
        apply { $0.sendReconnect(to: connection) }
    }

    /// Op 9 Invalid Session; `resumable: false` also destroys the sessions.
    public func sendInvalidSession(resumable: Bool, connection: ConnectionID? = nil) {
        apply { $0.sendInvalidSession(resumable: resumable, to: connection) }
    }

    /// Forgets sessions with no live connection (a later RESUME gets op 9 `false`).
    @discardableResult
    public func expireDetachedSessions() -> Int {
        var count = 0
        core.mutate { count = $0.expireDetachedSessions(); return [] }
        return count
    }

    /// Op 1: the client must heartbeat at once.
    public func requestHeartbeat(connection: ConnectionID? = nil) {
        apply { $0.requestHeartbeat(to: connection) }
    }

    /// Sends a close frame with `code` (any code) and closes; sessions stay resumable.
    public func close(code: UInt16, connection: ConnectionID? = nil) {
        apply { $0.close(code: code, connection: connection) }
    }

    /// Drops TCP without a close frame; sessions stay resumable.
    public func dropConnections(_ connection: ConnectionID? = nil) {
        apply { $0.dropConnections(connection) }
    }

    /// Stops (false) or resumes (true) ACKing heartbeats, on live and new connections.
    public func setHeartbeatACKs(_ enabled: Bool) {
        core.mutate { $0.setHeartbeatACKs(enabled); return [] }
    }

    /// Delays HELLO on new connections by `seconds`.
    public func setHelloDelay(_ seconds: Double) {
        setTransportFaults { $0.helloDelay = seconds }
    }

    /// Splits every later payload: over `messages` WebSocket messages (zlib-stream only),
    /// each sent as `frames` frames, with a ping between fragments when asked.
    public func setPayloadSplit(messages: Int = 1, frames: Int = 1, pingsBetweenFragments: Bool = false) {
        setTransportFaults {
            $0.messagesPerPayload = messages
            $0.framesPerMessage = frames
            $0.pingsBetweenFragments = pingsBetweenFragments
        }
    }

    public func setTransportFaults(_ change: (inout SimTransportFaults) -> Void) {
        transportFaults.withLock { change(&$0) }
    }

    /// GUILD_CREATEs of later IDENTIFYs are padded to at least `bytes` (0: normal).
    public func setGuildCreateSize(bytes: Int) {
        core.mutate { $0.setGuildCreateSize(bytes: bytes); return [] }
    }

    /// Sends an opcode no client knows.
    public func sendUnknownOpcode(_ op: Int = 99, connection: ConnectionID? = nil) {
        apply { $0.sendUnknownOpcode(op, to: connection) }
    }

    /// Dispatches an event name no client knows (it takes a sequence number like any other).
    public func dispatchUnknownEvent(_ name: String = "SIM_UNKNOWN_EVENT") {
        apply { $0.dispatchUnknownEvent(name) }
    }

    /// `count` MESSAGE_CREATEs from the simulated human, all built before the first is sent.
    public func burstMessages(count: Int, channelID: String? = nil, contentPrefix: String = "burst") {
        apply { $0.burstMessages(count: count, channelID: channelID, contentPrefix: contentPrefix) }
    }

    /// REST rate limiting per route bucket (429 with `retry_after`); nil turns it off.
    public func setRESTRateLimit(_ limit: RESTRateLimit?) {
        core.mutate { $0.setRESTRateLimit(limit); return [] }
    }

    /// Dispatches any event (e.g. GUILD_MEMBER_ADD from the console) to the sessions that
    /// should see it. `d` is JSON text.
    public func dispatch(event: String, d: String, guildID: String?, intent: Int? = nil) {
        apply { $0.dispatch(t: event, d: d, guildID: guildID, intent: intent) }
    }

    /// A simulated user says `content` (default: the human user in #general); becomes a
    /// MESSAGE_CREATE. Returns the message id, nil for an unknown channel.
    @discardableResult
    public func postUserMessage(channelID: String? = nil, authorID: String? = nil, content: String) -> String? {
        var messageID: String?
        apply { core in
            let posted = core.postUserMessage(channelID: channelID ?? core.world.generalChannelID,
                                              authorID: authorID ?? core.world.humanUser.id, content: content)
            messageID = posted.messageID
            return posted.actions
        }
        return messageID
    }
}

/// Console actions of simulated users. Each returns false when its target is unknown.
extension GatewaySim {
    @discardableResult
    public func editUserMessage(messageID: String, content: String) -> Bool {
        var found = false
        apply { core in
            let actions = core.editUserMessage(messageID: messageID, content: content)
            found = actions != nil
            return actions ?? []
        }
        return found
    }

    @discardableResult
    public func deleteMessage(messageID: String) -> Bool {
        var found = false
        apply { core in
            let actions = core.deleteAnyMessage(messageID: messageID)
            found = actions != nil
            return actions ?? []
        }
        return found
    }

    /// `userID` (default: the human user) reacts to a message.
    @discardableResult
    public func react(messageID: String, emoji: String, userID: String? = nil, add: Bool = true) -> Bool {
        var found = false
        apply { core in
            let actions = core.userReaction(messageID: messageID, userID: userID ?? core.world.humanUser.id,
                                            emoji: emoji, add: add)
            found = actions != nil
            return actions ?? []
        }
        return found
    }

    /// A new member joins the guild; returns their user.
    @discardableResult
    public func memberJoins(username: String) -> SimUser {
        var user: SimUser?
        apply { core in
            let joined = core.memberJoins(username: username)
            user = joined.user
            return joined.actions
        }
        return user!
    }

    @discardableResult
    public func memberLeaves(userID: String) -> Bool {
        var found = false
        apply { core in
            let actions = core.memberLeaves(userID: userID)
            found = actions != nil
            return actions ?? []
        }
        return found
    }
}
