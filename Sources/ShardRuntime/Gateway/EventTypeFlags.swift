/// Which dispatch events a shard delivers, by name. Unwanted dispatches are dropped after
/// reading only `op`, `s` and `t` (the sequence still advances). Names the library does not
/// know share the `.unknown` bit.
public struct EventTypeFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt128
    public init(rawValue: UInt128) { self.rawValue = rawValue }

    public static let ready = EventTypeFlags(rawValue: 1 << 0)
    public static let resumed = EventTypeFlags(rawValue: 1 << 1)
    public static let rateLimited = EventTypeFlags(rawValue: 1 << 2)
    public static let applicationCommandPermissionsUpdate = EventTypeFlags(rawValue: 1 << 3)
    public static let autoModerationRuleCreate = EventTypeFlags(rawValue: 1 << 4)
    public static let autoModerationRuleUpdate = EventTypeFlags(rawValue: 1 << 5)
    public static let autoModerationRuleDelete = EventTypeFlags(rawValue: 1 << 6)
    public static let autoModerationActionExecution = EventTypeFlags(rawValue: 1 << 7)
    public static let channelCreate = EventTypeFlags(rawValue: 1 << 8)
    public static let channelUpdate = EventTypeFlags(rawValue: 1 << 9)
    public static let channelDelete = EventTypeFlags(rawValue: 1 << 10)
    public static let channelInfo = EventTypeFlags(rawValue: 1 << 11)
    public static let channelPinsUpdate = EventTypeFlags(rawValue: 1 << 12)
    public static let threadCreate = EventTypeFlags(rawValue: 1 << 13)
    public static let threadUpdate = EventTypeFlags(rawValue: 1 << 14)
    public static let threadDelete = EventTypeFlags(rawValue: 1 << 15)
    public static let threadListSync = EventTypeFlags(rawValue: 1 << 16)
    public static let threadMemberUpdate = EventTypeFlags(rawValue: 1 << 17)
    public static let threadMembersUpdate = EventTypeFlags(rawValue: 1 << 18)
    public static let entitlementCreate = EventTypeFlags(rawValue: 1 << 19)
    public static let entitlementUpdate = EventTypeFlags(rawValue: 1 << 20)
    public static let entitlementDelete = EventTypeFlags(rawValue: 1 << 21)
    public static let guildCreate = EventTypeFlags(rawValue: 1 << 22)
    public static let guildUpdate = EventTypeFlags(rawValue: 1 << 23)
    public static let guildDelete = EventTypeFlags(rawValue: 1 << 24)
    public static let guildAuditLogEntryCreate = EventTypeFlags(rawValue: 1 << 25)
    public static let guildBanAdd = EventTypeFlags(rawValue: 1 << 26)
    public static let guildBanRemove = EventTypeFlags(rawValue: 1 << 27)
    public static let guildEmojisUpdate = EventTypeFlags(rawValue: 1 << 28)
    public static let guildStickersUpdate = EventTypeFlags(rawValue: 1 << 29)
    public static let guildSoundboardSoundCreate = EventTypeFlags(rawValue: 1 << 30)
    public static let guildSoundboardSoundUpdate = EventTypeFlags(rawValue: 1 << 31)
    public static let guildSoundboardSoundDelete = EventTypeFlags(rawValue: 1 << 32)
    public static let guildSoundboardSoundsUpdate = EventTypeFlags(rawValue: 1 << 33)
    public static let soundboardSounds = EventTypeFlags(rawValue: 1 << 34)
    public static let guildIntegrationsUpdate = EventTypeFlags(rawValue: 1 << 35)
    public static let guildMemberAdd = EventTypeFlags(rawValue: 1 << 36)
    public static let guildMemberRemove = EventTypeFlags(rawValue: 1 << 37)
    public static let guildMemberUpdate = EventTypeFlags(rawValue: 1 << 38)
    public static let guildMembersChunk = EventTypeFlags(rawValue: 1 << 39)
    public static let guildRoleCreate = EventTypeFlags(rawValue: 1 << 40)
    public static let guildRoleUpdate = EventTypeFlags(rawValue: 1 << 41)
    public static let guildRoleDelete = EventTypeFlags(rawValue: 1 << 42)
    public static let guildScheduledEventCreate = EventTypeFlags(rawValue: 1 << 43)
    public static let guildScheduledEventUpdate = EventTypeFlags(rawValue: 1 << 44)
    public static let guildScheduledEventDelete = EventTypeFlags(rawValue: 1 << 45)
    public static let guildScheduledEventUserAdd = EventTypeFlags(rawValue: 1 << 46)
    public static let guildScheduledEventUserRemove = EventTypeFlags(rawValue: 1 << 47)
    public static let integrationCreate = EventTypeFlags(rawValue: 1 << 48)
    public static let integrationUpdate = EventTypeFlags(rawValue: 1 << 49)
    public static let integrationDelete = EventTypeFlags(rawValue: 1 << 50)
    public static let interactionCreate = EventTypeFlags(rawValue: 1 << 51)
    public static let inviteCreate = EventTypeFlags(rawValue: 1 << 52)
    public static let inviteDelete = EventTypeFlags(rawValue: 1 << 53)
    public static let messageCreate = EventTypeFlags(rawValue: 1 << 54)
    public static let messageUpdate = EventTypeFlags(rawValue: 1 << 55)
    public static let messageDelete = EventTypeFlags(rawValue: 1 << 56)
    public static let messageDeleteBulk = EventTypeFlags(rawValue: 1 << 57)
    public static let messageReactionAdd = EventTypeFlags(rawValue: 1 << 58)
    public static let messageReactionRemove = EventTypeFlags(rawValue: 1 << 59)
    public static let messageReactionRemoveAll = EventTypeFlags(rawValue: 1 << 60)
    public static let messageReactionRemoveEmoji = EventTypeFlags(rawValue: 1 << 61)
    public static let messagePollVoteAdd = EventTypeFlags(rawValue: 1 << 62)
    public static let messagePollVoteRemove = EventTypeFlags(rawValue: 1 << 63)
    public static let presenceUpdate = EventTypeFlags(rawValue: 1 << 64)
    public static let stageInstanceCreate = EventTypeFlags(rawValue: 1 << 65)
    public static let stageInstanceUpdate = EventTypeFlags(rawValue: 1 << 66)
    public static let stageInstanceDelete = EventTypeFlags(rawValue: 1 << 67)
    public static let subscriptionCreate = EventTypeFlags(rawValue: 1 << 68)
    public static let subscriptionUpdate = EventTypeFlags(rawValue: 1 << 69)
    public static let subscriptionDelete = EventTypeFlags(rawValue: 1 << 70)
    public static let typingStart = EventTypeFlags(rawValue: 1 << 71)
    public static let userUpdate = EventTypeFlags(rawValue: 1 << 72)
    public static let voiceChannelEffectSend = EventTypeFlags(rawValue: 1 << 73)
    public static let voiceChannelStatusUpdate = EventTypeFlags(rawValue: 1 << 74)
    public static let voiceChannelStartTimeUpdate = EventTypeFlags(rawValue: 1 << 75)
    public static let voiceStateUpdate = EventTypeFlags(rawValue: 1 << 76)
    public static let voiceServerUpdate = EventTypeFlags(rawValue: 1 << 77)
    public static let webhooksUpdate = EventTypeFlags(rawValue: 1 << 78)
    /// Any dispatch whose name is not in `knownNames`.
    public static let unknown = EventTypeFlags(rawValue: 1 << 127)
    public static let all = EventTypeFlags(rawValue: UInt128.max)

    /// Every dispatch name the library knows, in bit order.
    public static let knownNames: [String] = [
        "READY", "RESUMED", "RATE_LIMITED", "APPLICATION_COMMAND_PERMISSIONS_UPDATE",
        "AUTO_MODERATION_RULE_CREATE", "AUTO_MODERATION_RULE_UPDATE", "AUTO_MODERATION_RULE_DELETE", "AUTO_MODERATION_ACTION_EXECUTION",
        "CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE", "CHANNEL_INFO",
        "CHANNEL_PINS_UPDATE", "THREAD_CREATE", "THREAD_UPDATE", "THREAD_DELETE",
        "THREAD_LIST_SYNC", "THREAD_MEMBER_UPDATE", "THREAD_MEMBERS_UPDATE", "ENTITLEMENT_CREATE",
        "ENTITLEMENT_UPDATE", "ENTITLEMENT_DELETE", "GUILD_CREATE", "GUILD_UPDATE",
        "GUILD_DELETE", "GUILD_AUDIT_LOG_ENTRY_CREATE", "GUILD_BAN_ADD", "GUILD_BAN_REMOVE",
        "GUILD_EMOJIS_UPDATE", "GUILD_STICKERS_UPDATE", "GUILD_SOUNDBOARD_SOUND_CREATE", "GUILD_SOUNDBOARD_SOUND_UPDATE",
        "GUILD_SOUNDBOARD_SOUND_DELETE", "GUILD_SOUNDBOARD_SOUNDS_UPDATE", "SOUNDBOARD_SOUNDS", "GUILD_INTEGRATIONS_UPDATE",
        "GUILD_MEMBER_ADD", "GUILD_MEMBER_REMOVE", "GUILD_MEMBER_UPDATE", "GUILD_MEMBERS_CHUNK",
        "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE", "GUILD_ROLE_DELETE", "GUILD_SCHEDULED_EVENT_CREATE",
        "GUILD_SCHEDULED_EVENT_UPDATE", "GUILD_SCHEDULED_EVENT_DELETE", "GUILD_SCHEDULED_EVENT_USER_ADD", "GUILD_SCHEDULED_EVENT_USER_REMOVE",
        "INTEGRATION_CREATE", "INTEGRATION_UPDATE", "INTEGRATION_DELETE", "INTERACTION_CREATE",
        "INVITE_CREATE", "INVITE_DELETE", "MESSAGE_CREATE", "MESSAGE_UPDATE",
        "MESSAGE_DELETE", "MESSAGE_DELETE_BULK", "MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE",
        "MESSAGE_REACTION_REMOVE_ALL", "MESSAGE_REACTION_REMOVE_EMOJI", "MESSAGE_POLL_VOTE_ADD", "MESSAGE_POLL_VOTE_REMOVE",
        "PRESENCE_UPDATE", "STAGE_INSTANCE_CREATE", "STAGE_INSTANCE_UPDATE", "STAGE_INSTANCE_DELETE",
        "SUBSCRIPTION_CREATE", "SUBSCRIPTION_UPDATE", "SUBSCRIPTION_DELETE", "TYPING_START",
        "USER_UPDATE", "VOICE_CHANNEL_EFFECT_SEND", "VOICE_CHANNEL_STATUS_UPDATE", "VOICE_CHANNEL_START_TIME_UPDATE",
        "VOICE_STATE_UPDATE", "VOICE_SERVER_UPDATE", "WEBHOOKS_UPDATE",
    ]

    private static let byName: [String: EventTypeFlags] = Dictionary(
        uniqueKeysWithValues: knownNames.enumerated().map { ($1, EventTypeFlags(rawValue: 1 << UInt128($0))) })

    /// The flag for one dispatch name (`.unknown` for names the library does not know).
    public static func flag(forEventName name: String) -> EventTypeFlags { byName[name] ?? .unknown }

    /// Builds a filter from dispatch names; returns nil naming nothing if a name is unknown
    /// and `allowUnknown` is false.
    public init?(names: [String], allowUnknown: Bool = false) {
        var flags: EventTypeFlags = []
        for name in names {
            let key = name.uppercased()
            guard let flag = EventTypeFlags.byName[key] else {
                if allowUnknown { flags.insert(.unknown); continue }
                return nil
            }
            flags.insert(flag)
        }
        self = flags
    }

    /// Whether a dispatch named `name` passes this filter.
    @inline(__always) public func wants(eventName name: String) -> Bool {
        self == .all || contains(EventTypeFlags.flag(forEventName: name))
    }
}
