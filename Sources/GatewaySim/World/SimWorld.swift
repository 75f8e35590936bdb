import Foundation

/// The simulated Discord world: one bot, its application, a guild with channels (`#general`
/// first), roles and a few members (including a simulated human, "tester"), and the messages
/// posted so far. Pure data plus JSON rendering; not thread-safe (the hub serialises access).
public struct SimWorld: Sendable {
    public var botUser: SimUser
    public var applicationID: String
    /// The user whose lines the sim console turns into MESSAGE_CREATEs.
    public var humanUser: SimUser
    public var guilds: [SimGuild]
    var messages: [String: SimMessage] = [:]
    private var snowflakeCounter: UInt64 = 0

    public init(botUser: SimUser, applicationID: String, humanUser: SimUser, guilds: [SimGuild]) {
        self.botUser = botUser
        self.applicationID = applicationID
        self.humanUser = humanUser
        self.guilds = guilds
    }

    /// The default world: guild "Sim Guild" with #general, #bot-log, a voice channel, three
    /// roles, the bot, the owner "tester" and two more members.
    public static func standard() -> SimWorld {
        let bot = SimUser(id: "1100000000000000001", username: "simbot", bot: true)
        let tester = SimUser(id: "1100000000000000002", username: "tester", globalName: "Tester")
        let alice = SimUser(id: "1100000000000000003", username: "alice", globalName: "Alice")
        let bob = SimUser(id: "1100000000000000004", username: "bob")
        let guildID = "1100000000000000100"
        let roles = [
            SimRole(id: guildID, name: "@everyone", permissions: "104324673", position: 0),
            SimRole(id: "1100000000000000201", name: "Moderator", permissions: "1099511627775", position: 2,
                    color: 3447003),
            SimRole(id: "1100000000000000202", name: "simbot", permissions: "2147483647", position: 1),
        ]
        let channels = [
            SimChannel(id: "1100000000000000301", name: "general", position: 0, topic: "Say hi to the bot"),
            SimChannel(id: "1100000000000000302", name: "bot-log", position: 1),
            SimChannel(id: "1100000000000000303", name: "Voice", type: 2, position: 2),
        ]
        let members = [
            SimMember(user: bot, roleIDs: ["1100000000000000202"]),
            SimMember(user: tester, roleIDs: ["1100000000000000201"]),
            SimMember(user: alice, nick: "Ali"),
            SimMember(user: bob),
        ]
        let guild = SimGuild(id: guildID, name: "Sim Guild", ownerID: tester.id, roles: roles,
                             channels: channels, members: members)
        return SimWorld(botUser: bot, applicationID: bot.id, humanUser: tester, guilds: [guild])
    }

    // MARK: - Lookup

    public var generalChannelID: String { guilds[0].channels[0].id }

    /// The channel named `name` (a leading `#` is ignored), in any guild.
    public func channel(named name: String) -> SimChannel? {
        let bare = name.hasPrefix("#") ? String(name.dropFirst()) : name
        return guilds.lazy.flatMap(\.channels).first { $0.name.lowercased() == bare.lowercased() }
    }

    public func channel(id: String) -> SimChannel? {
        guilds.lazy.flatMap(\.channels).first { $0.id == id }
    }

    /// The member whose username, global name or nick is `name` (case-insensitive), in any guild.
    public func member(named name: String) -> SimMember? {
        let lower = name.lowercased()
        return guilds.lazy.flatMap(\.members).first {
            [$0.user.username, $0.user.globalName, $0.nick].contains { $0?.lowercased() == lower }
        }
    }

    func guildIndex(ofChannel channelID: String) -> Int? {
        guilds.firstIndex { $0.channels.contains { $0.id == channelID } }
    }

    func member(_ userID: String, inGuild index: Int) -> SimMember? {
        guilds[index].members.first { $0.user.id == userID }
    }

    func user(_ userID: String) -> SimUser? {
        if userID == botUser.id { return botUser }
        for guild in guilds { if let m = guild.members.first(where: { $0.user.id == userID }) { return m.user } }
        return nil
    }

    /// A fresh snowflake: Discord-epoch milliseconds in the top bits, a counter below.
    mutating func nextSnowflake(now: Date = Date()) -> String {
        snowflakeCounter &+= 1
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000 - 1_420_070_400_000))
        return String((millis << 22) | (snowflakeCounter & 0x3FFFFF))
    }

    /// Discord's timestamp form, `2026-01-01T12:00:00.123000+00:00` (UTC, microseconds).
    static func timestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        let micros = Int((seconds - Double(whole)) * 1_000_000)
        var parts = tm()
        gmtime_r(&whole, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00", Int(parts.tm_year) + 1900,
                      Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min),
                      Int(parts.tm_sec), micros)
    }

    // MARK: - Rendering

    /// READY's `d`.
    func readyJSON(sessionID: String, resumeURL: String, shard: [Int]?) -> String {
        var fields: [(String, String)] = [
            ("v", "10"), ("user_settings", "{}"), ("user", botUserJSON),
            ("session_type", "\"normal\""), ("session_id", SimJSON.string(sessionID)),
            ("resume_gateway_url", SimJSON.string(resumeURL)),
            ("relationships", "[]"), ("private_channels", "[]"), ("presences", "[]"),
            ("guilds", SimJSON.array(guilds.map { "{\"id\":\(SimJSON.string($0.id)),\"unavailable\":true}" })),
            ("guild_join_requests", "[]"), ("geo_ordered_rtc_regions", "[\"sim-local\"]"),
            ("application", "{\"id\":\(SimJSON.string(applicationID)),\"flags\":8953856}"),
            ("_trace", "[\"[\\\"gateway-sim\\\",{\\\"micros\\\":0}]\"]"),
        ]
        if let shard { fields.insert(("shard", SimJSON.array(shard.map(String.init))), at: 3) }
        return SimJSON.object(fields)
    }

    var botUserJSON: String {
        SimJSON.object([
            ("id", SimJSON.string(botUser.id)), ("username", SimJSON.string(botUser.username)),
            ("global_name", "null"), ("discriminator", "\"0\""), ("avatar", "null"), ("bot", "true"),
            ("verified", "true"), ("mfa_enabled", "false"), ("email", "null"), ("flags", "0"),
        ])
    }

    /// GUILD_CREATE's `d`. `paddingBytes` > 0 adds synthetic members until the payload is at
    /// least that large (the "GUILD_CREATE of N MB" fault).
    func guildCreateJSON(_ guild: SimGuild, paddingBytes: Int = 0) -> String {
        var members = guild.members.map { $0.json() }
        var memberCount = members.count
        if paddingBytes > 0 {
            var size = members.reduce(0) { $0 + $1.utf8.count }
            var n = 0
            while size < paddingBytes {
                n += 1
                let user = SimUser(id: String(1_200_000_000_000_000_000 + UInt64(n)), username: "member\(n)",
                                   globalName: "Padding member №\(n) 🎈")
                let json = SimMember(user: user, nick: n % 3 == 0 ? "nick\(n)" : nil).json()
                size += json.utf8.count + 1
                members.append(json)
            }
            memberCount = members.count
        }
        return SimJSON.object([
            ("id", SimJSON.string(guild.id)), ("name", SimJSON.string(guild.name)), ("icon", "null"),
            ("splash", "null"), ("discovery_splash", "null"), ("owner_id", SimJSON.string(guild.ownerID)),
            ("afk_channel_id", "null"), ("afk_timeout", "300"), ("verification_level", "0"),
            ("default_message_notifications", "0"), ("explicit_content_filter", "0"),
            ("roles", SimJSON.array(guild.roles.map(\.json))), ("emojis", "[]"), ("features", "[]"),
            ("mfa_level", "0"), ("application_id", "null"),
            ("system_channel_id", SimJSON.string(guild.channels[0].id)), ("system_channel_flags", "0"),
            ("rules_channel_id", "null"), ("vanity_url_code", "null"), ("description", "null"),
            ("banner", "null"), ("premium_tier", "0"), ("preferred_locale", "\"en-US\""),
            ("public_updates_channel_id", "null"), ("nsfw_level", "0"),
            ("premium_progress_bar_enabled", "false"), ("safety_alerts_channel_id", "null"),
            ("joined_at", "\"2024-01-01T00:00:00.000000+00:00\""), ("large", paddingBytes > 0 ? "true" : "false"),
            ("unavailable", "false"), ("member_count", String(memberCount)), ("voice_states", "[]"),
            ("members", SimJSON.array(members)),
            ("channels", SimJSON.array(guild.channels.map { $0.json(guildID: guild.id) })),
            ("threads", "[]"), ("presences", "[]"), ("stage_instances", "[]"),
            ("guild_scheduled_events", "[]"), ("soundboard_sounds", "[]"),
        ])
    }

    /// A message object. `stripContent` empties what MESSAGE_CONTENT gates (for sessions
    /// without that intent).
    func messageJSON(_ message: SimMessage, stripContent: Bool = false) -> String {
        var fields: [(String, String)] = [
            ("type", "0"), ("tts", "false"), ("timestamp", SimJSON.string(message.timestamp)),
            ("pinned", "false"), ("mentions", message.mentionsBot ? SimJSON.array([botUser.json]) : "[]"),
            ("mention_roles", "[]"), ("mention_everyone", "false"),
        ]
        if let member = message.member { fields.append(("member", member.json(withUser: false))) }
        fields += [
            ("id", SimJSON.string(message.id)), ("flags", "0"),
            ("embeds", stripContent ? "[]" : message.embeds),
            ("edited_timestamp", SimJSON.optionalString(message.editedTimestamp)),
            ("content", stripContent ? "\"\"" : SimJSON.string(message.content)),
            ("components", "[]"), ("channel_type", "0"), ("channel_id", SimJSON.string(message.channelID)),
            ("author", message.author.json), ("attachments", "[]"),
        ]
        if let guildID = message.guildID { fields.append(("guild_id", SimJSON.string(guildID))) }
        if let reference = message.referencedMessageID {
            fields.append(("message_reference", SimJSON.object([
                ("type", "0"), ("message_id", SimJSON.string(reference)), ("channel_id", SimJSON.string(message.channelID)),
            ])))
        }
        return SimJSON.object(fields)
    }

    var applicationJSON: String {
        SimJSON.object([
            ("id", SimJSON.string(applicationID)), ("name", SimJSON.string(botUser.username)),
            ("icon", "null"), ("description", "\"A bot in the local gateway sim\""),
            ("bot_public", "true"), ("bot_require_code_grant", "false"), ("bot", botUser.json),
            ("owner", humanUser.json), ("verify_key", "\"00\""), ("team", "null"),
            ("flags", "8953856"), ("summary", "\"\""),
        ])
    }
}
