/// Gateway opcodes.
public enum GatewayOpcode: Int, Sendable {
    case dispatch = 0, heartbeat = 1, identify = 2, presenceUpdate = 3, voiceStateUpdate = 4
    case resume = 6, reconnect = 7, requestGuildMembers = 8, invalidSession = 9, hello = 10
    case heartbeatAck = 11, requestSoundboardSounds = 31, requestChannelInfo = 43
}

/// A command a user may send over the gateway (`Shard.command(_:)`).
public protocol GatewayCommand: Sendable {
    var opcode: GatewayOpcode { get }
    /// The `d` value; throws `CommandError` (`.serializing`) when the command is invalid.
    func data() throws(CommandError) -> JSONValue
    /// The full payload; the default encodes `opcode` and `data()`.
    func payload() throws(CommandError) -> [UInt8]
}

extension GatewayCommand {
    /// The full `{"op":…,"d":…}` payload, at most 4096 bytes.
    public func payload() throws(CommandError) -> [UInt8] {
        try GatewayPayload.encode(op: opcode.rawValue, data: data())
    }
}

/// Builds outgoing payloads.
public enum GatewayPayload {
    /// Discord closes with 4002 for client payloads over this size.
    public static let maxOutgoingBytes = 4096

    public static func encode(op: Int, data: JSONValue) throws(CommandError) -> [UInt8] {
        var out: [UInt8] = Array(#"{"op":"#.utf8)
        JSONWriter.appendInteger(Int64(op), to: &out)
        out.append(contentsOf: #","d":"#.utf8)
        JSONWriter.append(data, to: &out)
        out.append(UInt8(ascii: "}"))
        guard out.count <= maxOutgoingBytes else {
            throw CommandError.invalid("payload is \(out.count) bytes, over the \(maxOutgoingBytes)-byte gateway limit")
        }
        return out
    }
}

/// A snowflake as Discord sends it: a decimal string.
@inline(__always) func snowflake(_ id: UInt64) -> JSONValue { .string(String(id)) }

/// Op 8: ask for a guild's members (answered by GUILD_MEMBERS_CHUNK dispatches).
public struct RequestGuildMembers: GatewayCommand, Equatable {
    public enum Selection: Sendable, Equatable {
        /// Members whose username starts with `prefix` (`""` = everyone), at most `limit` (0 = no limit).
        case query(String, limit: Int)
        /// Specific users (at most 100).
        case userIDs([UInt64])
    }

    public var guildID: UInt64
    public var selection: Selection
    public var presences: Bool?
    public var nonce: String?

    public init(guildID: UInt64, selection: Selection, presences: Bool? = nil, nonce: String? = nil) {
        self.guildID = guildID
        self.selection = selection
        self.presences = presences
        self.nonce = nonce
    }

    /// Every member of the guild (needs GUILD_MEMBERS; 1 per guild per 30 s).
    public static func all(guildID: UInt64, presences: Bool? = nil, nonce: String? = nil) -> RequestGuildMembers {
        RequestGuildMembers(guildID: guildID, selection: .query("", limit: 0), presences: presences, nonce: nonce)
    }

    public var opcode: GatewayOpcode { .requestGuildMembers }

    public func data() throws(CommandError) -> JSONValue {
        var d: JSONObject = ["guild_id": snowflake(guildID)]
        switch selection {
        case .query(let query, let limit):
            guard limit >= 0 else { throw .invalid("request guild members: limit \(limit) is negative") }
            d["query"] = .string(query)
            d["limit"] = .int(Int64(limit))
        case .userIDs(let ids):
            guard !ids.isEmpty else { throw .invalid("request guild members: user_ids is empty") }
            guard ids.count <= 100 else { throw .invalid("request guild members: \(ids.count) user_ids, at most 100") }
            d["user_ids"] = .array(ids.map(snowflake))
        }
        if let presences { d["presences"] = .bool(presences) }
        if let nonce {
            guard nonce.utf8.count <= 32 else { throw .invalid("request guild members: nonce over 32 bytes") }
            d["nonce"] = .string(nonce)
        }
        return .object(d)
    }
}

/// An activity in a presence. Bots may set only name, type, url and state.
public struct Activity: Sendable, Equatable {
    public enum Kind: Int, Sendable { case playing = 0, streaming = 1, listening = 2, watching = 3, custom = 4, competing = 5 }
    public var name: String
    public var kind: Kind
    public var url: String?
    public var state: String?

    public init(name: String, kind: Kind = .playing, url: String? = nil, state: String? = nil) {
        self.name = name
        self.kind = kind
        self.url = url
        self.state = state
    }

    var json: JSONValue {
        var o: JSONObject = ["name": .string(name), "type": .int(Int64(kind.rawValue))]
        if let url { o["url"] = .string(url) }
        if let state { o["state"] = .string(state) }
        return .object(o)
    }
}

/// Op 3 (and IDENTIFY's `presence`): the bot's status and activities.
public struct UpdatePresence: GatewayCommand, Equatable {
    public enum Status: String, Sendable { case online, dnd, idle, invisible, offline }
    public var status: Status
    public var activities: [Activity]
    public var afk: Bool
    /// Unix milliseconds since the client went idle.
    public var since: Int64?

    public init(status: Status = .online, activities: [Activity] = [], afk: Bool = false, since: Int64? = nil) {
        self.status = status
        self.activities = activities
        self.afk = afk
        self.since = since
    }

    public var opcode: GatewayOpcode { .presenceUpdate }

    public func data() throws(CommandError) -> JSONValue {
        for activity in activities where activity.kind == .streaming && activity.url == nil {
            throw .invalid("update presence: streaming activity '\(activity.name)' needs a url")
        }
        return [
            "since": since.map { .int($0) } ?? .null,
            "activities": .array(activities.map(\.json)),
            "status": .string(status.rawValue),
            "afk": .bool(afk),
        ]
    }
}

/// Op 4: join, move or leave (`channelID == nil`) a voice channel.
public struct UpdateVoiceState: GatewayCommand, Equatable {
    public var guildID: UInt64
    public var channelID: UInt64?
    public var selfMute: Bool
    public var selfDeaf: Bool

    public init(guildID: UInt64, channelID: UInt64?, selfMute: Bool = false, selfDeaf: Bool = false) {
        self.guildID = guildID
        self.channelID = channelID
        self.selfMute = selfMute
        self.selfDeaf = selfDeaf
    }

    public var opcode: GatewayOpcode { .voiceStateUpdate }

    public func data() throws(CommandError) -> JSONValue {
        [
            "guild_id": snowflake(guildID), "channel_id": channelID.map(snowflake) ?? .null,
            "self_mute": .bool(selfMute), "self_deaf": .bool(selfDeaf),
        ]
    }
}

/// Op 31: ask for guilds' soundboard sounds (answered by SOUNDBOARD_SOUNDS dispatches).
public struct RequestSoundboardSounds: GatewayCommand, Equatable {
    public var guildIDs: [UInt64]

    public init(guildIDs: [UInt64]) { self.guildIDs = guildIDs }

    public var opcode: GatewayOpcode { .requestSoundboardSounds }

    public func data() throws(CommandError) -> JSONValue {
        guard !guildIDs.isEmpty else { throw .invalid("request soundboard sounds: guild_ids is empty") }
        return ["guild_ids": .array(guildIDs.map(snowflake))]
    }
}

/// A raw command: any opcode with any `d` (escape hatch; prefer the typed commands).
public struct RawGatewayCommand: GatewayCommand {
    public var op: Int
    public var d: JSONValue

    public init(op: Int, d: JSONValue) {
        self.op = op
        self.d = d
    }

    /// Parses a whole `{"op":…,"d":…}` payload.
    public init(json: [UInt8]) throws(CommandError) {
        let value: JSONValue
        do { value = try JSONParser.parse(json) } catch { throw .invalid("raw command is not JSON: \(error)") }
        guard let op = value["op"]?.intValue else { throw .invalid("raw command has no integer 'op'") }
        self.init(op: op, d: value["d"] ?? .null)
    }

    public var opcode: GatewayOpcode { GatewayOpcode(rawValue: op) ?? .dispatch }

    public func data() throws(CommandError) -> JSONValue { d }

    public func payload() throws(CommandError) -> [UInt8] { try GatewayPayload.encode(op: op, data: d) }
}
