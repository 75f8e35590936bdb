/// The people and places of the simulated world. Ids are snowflake-shaped strings.

public struct SimUser: Sendable, Equatable {
    public var id: String
    public var username: String
    public var globalName: String?
    public var bot: Bool

    public init(id: String, username: String, globalName: String? = nil, bot: Bool = false) {
        self.id = id
        self.username = username
        self.globalName = globalName
        self.bot = bot
    }

    var json: String {
        var fields: [(String, String)] = [
            ("id", SimJSON.string(id)), ("username", SimJSON.string(username)),
            ("global_name", SimJSON.optionalString(globalName)), ("discriminator", "\"0\""),
            ("avatar", "null"), ("public_flags", "0"),
        ]
        if bot { fields.append(("bot", "true")) }
        return SimJSON.object(fields)
    }
}

public struct SimChannel: Sendable, Equatable {
    /// 0 text, 2 voice, 4 category (Discord's channel types).
    public var id: String
    public var name: String
    public var type: Int
    public var position: Int
    public var topic: String?

    public init(id: String, name: String, type: Int = 0, position: Int, topic: String? = nil) {
        self.id = id
        self.name = name
        self.type = type
        self.position = position
        self.topic = topic
    }

    func json(guildID: String) -> String {
        var fields: [(String, String)] = [
            ("id", SimJSON.string(id)), ("type", String(type)), ("guild_id", SimJSON.string(guildID)),
            ("name", SimJSON.string(name)), ("position", String(position)),
            ("permission_overwrites", "[]"), ("parent_id", "null"), ("nsfw", "false"),
        ]
        if type == 0 {
            fields += [("topic", SimJSON.optionalString(topic)), ("last_message_id", "null"),
                       ("rate_limit_per_user", "0")]
        } else if type == 2 {
            fields += [("bitrate", "64000"), ("user_limit", "0"), ("rtc_region", "null")]
        }
        return SimJSON.object(fields)
    }
}

public struct SimRole: Sendable, Equatable {
    public var id: String
    public var name: String
    public var permissions: String
    public var position: Int
    public var color: Int

    public init(id: String, name: String, permissions: String, position: Int, color: Int = 0) {
        self.id = id
        self.name = name
        self.permissions = permissions
        self.position = position
        self.color = color
    }

    var json: String {
        SimJSON.object([
            ("id", SimJSON.string(id)), ("name", SimJSON.string(name)), ("color", String(color)),
            ("colors", "{\"primary_color\":\(color),\"secondary_color\":null,\"tertiary_color\":null}"),
            ("hoist", "false"), ("icon", "null"), ("unicode_emoji", "null"), ("position", String(position)),
            ("permissions", SimJSON.string(permissions)), ("managed", "false"), ("mentionable", "false"),
            ("flags", "0"),
        ])
    }
}

public struct SimMember: Sendable, Equatable {
    public var user: SimUser
    public var nick: String?
    public var roleIDs: [String]

    public init(user: SimUser, nick: String? = nil, roleIDs: [String] = []) {
        self.user = user
        self.nick = nick
        self.roleIDs = roleIDs
    }

    /// The member object; `withUser` false gives the partial form MESSAGE_CREATE carries.
    func json(withUser: Bool = true) -> String {
        var fields: [(String, String)] = []
        if withUser { fields.append(("user", user.json)) }
        fields += [
            ("nick", SimJSON.optionalString(nick)), ("avatar", "null"),
            ("roles", SimJSON.array(roleIDs.map(SimJSON.string))),
            ("joined_at", "\"2024-01-01T00:00:00.000000+00:00\""), ("premium_since", "null"),
            ("deaf", "false"), ("mute", "false"), ("flags", "0"), ("pending", "false"),
        ]
        return SimJSON.object(fields)
    }
}

public struct SimGuild: Sendable, Equatable {
    public var id: String
    public var name: String
    public var ownerID: String
    public var roles: [SimRole]
    public var channels: [SimChannel]
    public var members: [SimMember]

    public init(id: String, name: String, ownerID: String, roles: [SimRole], channels: [SimChannel],
                members: [SimMember]) {
        self.id = id
        self.name = name
        self.ownerID = ownerID
        self.roles = roles
        self.channels = channels
        self.members = members
    }
}

/// A message the world remembers, so REST edits, deletes and reactions can refer to it.
struct SimMessage: Sendable {
    var id: String
    var channelID: String
    var guildID: String?
    var author: SimUser
    var member: SimMember?
    var content: String
    /// JSON array text.
    var embeds: String
    var timestamp: String
    var editedTimestamp: String?
    var mentionsBot: Bool
    /// `message_reference.message_id` of a reply (issue 6), echoed back like Discord does.
    var referencedMessageID: String? = nil
}
