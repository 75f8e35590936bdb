import Foundation

/// The sim's pure core: world, sessions, connections and recorder. Every input (a
/// connection opening, a client payload, a close, an HTTP request, a fault) goes in as a
/// call; what must happen on the wire comes out as `SimAction`s. No sockets, no clocks:
/// callers pass `now` (monotonic seconds). Not thread-safe; `GatewaySim` serialises calls.
public struct SimCore: Sendable {
    public internal(set) var options: GatewaySimOptions
    public internal(set) var world: SimWorld
    public internal(set) var recorder = SimRecorder()
    var sessions: [String: SimSession] = [:]
    var connections: [ConnectionID: SimConnectionState] = [:]
    /// Base for `resume_gateway_url` (e.g. `ws://127.0.0.1:1234`), set by the server.
    public var gatewayBaseURL = "ws://127.0.0.1"
    /// New connections start with ACKs off while true (the "stop ACKing" fault).
    var ackHeartbeatsDefault = true
    /// Last IDENTIFY time per identify bucket.
    var lastIdentify: [Int: Double] = [:]
    /// Extra bytes to pad the next sessions' GUILD_CREATEs to (fault).
    var guildCreatePaddingBytes = 0
    var sessionCounter = 0
    /// REST state (rate-limit buckets, 429 mode).
    var rest = RESTState()

    public init(options: GatewaySimOptions) {
        self.options = options
        self.world = options.world
    }

    // MARK: - Connections

    /// HELLO, as sent on every new connection.
    public var helloPayload: String {
        SimJSON.envelope(op: 10, d: "{\"heartbeat_interval\":\(options.heartbeatIntervalMS)}")
    }

    public mutating func connectionOpened(_ id: ConnectionID, target: String, now: Double) {
        var state = SimConnectionState(id: id)
        state.ackHeartbeats = ackHeartbeatsDefault
        state.lastHeartbeat = now
        connections[id] = state
        recorder.opened(id, target: target, at: now)
    }

    /// The client sent a close frame (`code` nil when it carried none).
    public mutating func clientClosed(_ id: ConnectionID, code: UInt16?, now: Double) {
        recorder.update(id) { $0.clientCloseCode = code ?? 1005 }
        recorder.clientCloseCodes.append(code ?? 1005)
        if let sessionID = sessionID(of: id) {
            if code == 1000 || code == 1001 {
                sessions[sessionID] = nil  // a clean client close ends the session
            } else {
                sessions[sessionID]?.connection = nil
            }
        }
        connections[id]?.phase = .closed
    }

    /// The socket is gone (after a close handshake, a TCP drop, or a server close).
    public mutating func connectionEnded(_ id: ConnectionID) {
        if let sessionID = sessionID(of: id), sessions[sessionID]?.connection == id {
            sessions[sessionID]?.connection = nil  // kept for RESUME
        }
        connections[id] = nil
        recorder.update(id) { $0.ended = true }
    }

    func sessionID(of connection: ConnectionID) -> String? {
        if case .authenticated(let sessionID)? = connections[connection]?.phase { return sessionID }
        return nil
    }

    /// Marks a server-initiated close and returns its action.
    mutating func serverClose(_ id: ConnectionID, code: UInt16) -> SimAction {
        recorder.update(id) { $0.serverCloseCode = code }
        if let sessionID = sessionID(of: id), sessions[sessionID]?.connection == id {
            sessions[sessionID]?.connection = nil
        }
        connections[id]?.phase = .closed
        return .close(id, code: code)
    }

    // MARK: - Client payloads

    /// One complete client message (already inflated if the client compressed nothing —
    /// clients never compress). Returns what to send or close.
    public mutating func received(_ id: ConnectionID, text bytes: [UInt8], now: Double) -> [SimAction] {
        guard let state = connections[id], state.phase != .closed else { return [] }
        let payload = bytes.count <= options.maxClientPayloadBytes ? JSONInput.parse(bytes) : nil
        let op = payload?["op"]?.int
        recorder.update(id) {
            $0.payloads.append(RecordedPayload(time: now, op: op, text: String(decoding: bytes, as: UTF8.self)))
        }

        var times = state.payloadTimes.filter { now - $0 < options.payloadWindow }
        times.append(now)
        connections[id]?.payloadTimes = times
        if times.count > options.payloadLimit { return [serverClose(id, code: 4008)] }

        guard let payload, payload.isObject, let op else { return [serverClose(id, code: 4002)] }
        let d = payload["d"]

        switch (op, state.phase) {
        case (1, _):
            connections[id]?.lastHeartbeat = now
            return state.ackHeartbeats ? [.send(id, SimJSON.envelope(op: 11))] : []
        case (2, .handshake):
            return identify(id, d, now: now)
        case (2, .authenticated):
            return [serverClose(id, code: 4005)]
        case (6, .handshake):
            return resume(id, d)
        case (3, _), (4, _), (6, _), (8, _), (31, _), (43, _):
            guard case .authenticated(let sessionID) = state.phase else { return [serverClose(id, code: 4003)] }
            if op == 6 { return [serverClose(id, code: 4005)] }
            if op == 8 { return requestGuildMembers(id, sessionID: sessionID, d) }
            return []
        default:
            return [serverClose(id, code: 4001)]
        }
    }

    /// Closes (4009, the sim's choice) connections that sent no heartbeat for
    /// `heartbeatTimeoutFactor` × the HELLO interval. No-op when enforcement is off.
    public mutating func enforceHeartbeats(now: Double) -> [SimAction] {
        guard let factor = options.heartbeatTimeoutFactor else { return [] }
        let limit = Double(options.heartbeatIntervalMS) / 1000 * factor
        return connections.values.filter { $0.phase != .closed && now - $0.lastHeartbeat > limit }
            .map(\.id).sorted().map { serverClose($0, code: 4009) }
    }

    // MARK: - Identify and resume

    /// Known limits (issue 4): `compress: true` (payload compression) and `large_threshold`
    /// are ignored, a `Bot ` prefix on the token is tolerated, and sessions never time out
    /// (Discord drops detached sessions after a few minutes).
    mutating func identify(_ id: ConnectionID, _ d: JSONInput?, now: Double) -> [SimAction] {
        recorder.identifyCount += 1
        guard let d, d.isObject, d["properties"]?.isObject == true else { return [serverClose(id, code: 4001)] }
        guard d["token"]?.string.map(stripBotPrefix) == options.token else { return [serverClose(id, code: 4004)] }

        var shard: [Int]?
        if let shardValue = d["shard"], !shardValue.isNull {
            guard let pair = shardValue.array?.compactMap(\.int), pair.count == 2,
                  pair[1] >= 1, pair[0] >= 0, pair[0] < pair[1] else { return [serverClose(id, code: 4010)] }
            shard = pair
        }
        guard let intents = d["intents"]?.int, intents >= 0,
              intents & ~GatewayIntents.allDocumented == 0 else { return [serverClose(id, code: 4013)] }
        if intents & GatewayIntents.privileged & ~options.allowedPrivilegedIntents != 0 {
            return [serverClose(id, code: 4014)]
        }

        let bucket = (shard?[0] ?? 0) % max(1, options.maxConcurrency)
        if options.identifyInterval > 0, let last = lastIdentify[bucket], now - last < options.identifyInterval {
            return [.send(id, SimJSON.envelope(op: 9, d: "false"))]
        }
        lastIdentify[bucket] = now

        sessionCounter += 1
        let sessionID = String(format: "sim%08x%020d", sessionCounter, UInt64(now * 1_000_000))
        sessions[sessionID] = SimSession(id: sessionID, shard: shard, intents: intents, connection: id)
        connections[id]?.phase = .authenticated(sessionID: sessionID)
        recorder.update(id) { $0.sessionID = sessionID }
        recorder.deliveredSequences[sessionID] = []

        var actions = emit(sessionID, t: "READY",
                           d: world.readyJSON(sessionID: sessionID, resumeURL: gatewayBaseURL, shard: shard))
        for guild in world.guilds where sessions[sessionID]?.receives(guildID: guild.id) == true {
            actions += emit(sessionID, t: "GUILD_CREATE",
                            d: world.guildCreateJSON(guild, paddingBytes: guildCreatePaddingBytes))
        }
        return actions
    }

    mutating func resume(_ id: ConnectionID, _ d: JSONInput?) -> [SimAction] {
        recorder.resumeCount += 1
        guard let d, d.isObject, let sessionID = d["session_id"]?.string else {
            return [serverClose(id, code: 4001)]
        }
        guard d["token"]?.string.map(stripBotPrefix) == options.token else { return [serverClose(id, code: 4004)] }
        guard var session = sessions[sessionID] else { return [.send(id, SimJSON.envelope(op: 9, d: "false"))] }
        let seq = d["seq"]?.int ?? 0
        if seq > session.seq { return [serverClose(id, code: 4007)] }
        let buffered = session.replay.suffix(options.replayBufferSize)
        let oldest = buffered.first?.seq ?? session.seq + 1
        if seq < oldest - 1 {  // the client missed more than the buffer holds
            sessions[sessionID] = nil
            return [.send(id, SimJSON.envelope(op: 9, d: "false"))]
        }

        var actions: [SimAction] = []
        if let previous = session.connection, previous != id { connections[previous]?.phase = .handshake }
        session.connection = id
        sessions[sessionID] = session
        connections[id]?.phase = .authenticated(sessionID: sessionID)
        recorder.update(id) { $0.sessionID = sessionID }
        for entry in buffered where entry.seq > seq {
            actions.append(.send(id, entry.text))
            recorder.deliveredSequences[sessionID, default: []].append(entry.seq)
        }
        recorder.resumedCount += 1
        actions += emit(sessionID, t: "RESUMED", d: "{\"_trace\":[\"[\\\"gateway-sim\\\",{}]\"]}")
        return actions
    }

    func stripBotPrefix(_ token: String) -> String { token.hasPrefix("Bot ") ? String(token.dropFirst(4)) : token }

    mutating func requestGuildMembers(_ id: ConnectionID, sessionID: String, _ d: JSONInput?) -> [SimAction] {
        guard let guildID = d?["guild_id"]?.string, let guild = world.guilds.first(where: { $0.id == guildID }) else {
            return [serverClose(id, code: 4001)]
        }
        let nonce = d?["nonce"]?.string
        var fields: [(String, String)] = [
            ("guild_id", SimJSON.string(guildID)), ("members", SimJSON.array(guild.members.map { $0.json() })),
            ("chunk_index", "0"), ("chunk_count", "1"),
        ]
        if let nonce { fields.append(("nonce", SimJSON.string(nonce))) }
        return emit(sessionID, t: "GUILD_MEMBERS_CHUNK", d: SimJSON.object(fields))
    }

    // MARK: - Dispatch

    /// Assigns the session's next `s`, buffers the dispatch for RESUME and, when the session
    /// has a live connection, sends it.
    mutating func emit(_ sessionID: String, t: String, d: String) -> [SimAction] {
        // Mutated in place: copying a session out would copy its whole replay buffer.
        guard sessions[sessionID] != nil else { return [] }
        sessions[sessionID]!.seq += 1
        let seq = sessions[sessionID]!.seq
        let text = SimJSON.envelope(op: 0, d: d, s: seq, t: t)
        sessions[sessionID]!.replay.append((seq, text))
        // Trim in batches so a full buffer does not shift on every event.
        let excess = sessions[sessionID]!.replay.count - options.replayBufferSize
        if excess > max(16, options.replayBufferSize / 4) {
            sessions[sessionID]!.replay.removeFirst(excess)
        }
        guard let connection = sessions[sessionID]!.connection else { return [] }
        recorder.deliveredSequences[sessionID, default: []].append(seq)
        return [.send(connection, text)]
    }

    /// Dispatches an event to every session that should see it: its shard owns `guildID`,
    /// and it has `intent` (when given). Sessions without MESSAGE_CONTENT get `stripped`
    /// instead of `d` when one is given.
    public mutating func dispatch(t: String, d: String, guildID: String?, intent: Int? = nil,
                                  stripped: (() -> String)? = nil) -> [SimAction] {
        var strippedText: String?  // built once, and only if some session lacks MESSAGE_CONTENT
        var actions: [SimAction] = []
        for sessionID in sessions.keys.sorted() {
            guard let session = sessions[sessionID], session.receives(guildID: guildID) else { continue }
            if let intent, session.intents & intent == 0 { continue }
            let contentAllowed = session.intents & GatewayIntents.messageContent != 0
            if !contentAllowed, strippedText == nil { strippedText = stripped?() ?? d }
            actions += emit(sessionID, t: t, d: contentAllowed ? d : strippedText!)
        }
        return actions
    }

    /// Live session ids, sorted.
    public var sessionIDs: [String] { sessions.keys.sorted() }

    /// The last sequence number of a session, nil when it does not exist.
    public func lastSequence(of sessionID: String) -> Int? { sessions[sessionID]?.seq }
}
