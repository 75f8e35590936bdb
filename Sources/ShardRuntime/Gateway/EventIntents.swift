/// Which intents a dispatch event needs (shared/protocol/gateway.md §8.1).
extension Intents {
    /// The intents under which `event` (a dispatch name such as "MESSAGE_CREATE") can arrive:
    /// any one of them is enough (guild or DM variants). Empty for events that need no intent
    /// (READY, INTERACTION_CREATE, replies to commands) and for unknown names.
    public static func gating(event: String) -> Intents {
        if let intents = eventIntents[event] { return intents }
        for (prefix, intents) in prefixIntents where event.hasPrefix(prefix) { return intents }
        return []
    }

    /// The union of `gating(event:)` over `events`.
    public static func needed(by events: some Sequence<String>) -> Intents {
        events.reduce(into: Intents()) { $0.formUnion(gating(event: $1)) }
    }

    private static let eventIntents: [String: Intents] = [
        "GUILD_CREATE": .guilds, "GUILD_UPDATE": .guilds, "GUILD_DELETE": .guilds,
        "CHANNEL_CREATE": .guilds, "CHANNEL_UPDATE": .guilds, "CHANNEL_DELETE": .guilds,
        "CHANNEL_PINS_UPDATE": [.guilds, .directMessages],
        "VOICE_CHANNEL_STATUS_UPDATE": .guilds, "VOICE_CHANNEL_START_TIME_UPDATE": .guilds,
        "GUILD_AUDIT_LOG_ENTRY_CREATE": .guildModeration,
        "GUILD_BAN_ADD": .guildModeration, "GUILD_BAN_REMOVE": .guildModeration,
        "GUILD_EMOJIS_UPDATE": .guildExpressions, "GUILD_STICKERS_UPDATE": .guildExpressions,
        "GUILD_INTEGRATIONS_UPDATE": .guildIntegrations,
        "WEBHOOKS_UPDATE": .guildWebhooks,
        "VOICE_CHANNEL_EFFECT_SEND": .guildVoiceStates, "VOICE_STATE_UPDATE": .guildVoiceStates,
        "PRESENCE_UPDATE": .guildPresences,
        "MESSAGE_CREATE": [.guildMessages, .directMessages],
        "MESSAGE_UPDATE": [.guildMessages, .directMessages],
        "MESSAGE_DELETE": [.guildMessages, .directMessages],
        "MESSAGE_DELETE_BULK": .guildMessages,
        "TYPING_START": [.guildMessageTyping, .directMessageTyping],
    ]

    private static let prefixIntents: [(String, Intents)] = [
        ("GUILD_ROLE_", .guilds), ("THREAD_", .guilds), ("STAGE_INSTANCE_", .guilds),
        ("GUILD_SOUNDBOARD_", .guildExpressions), ("INTEGRATION_", .guildIntegrations),
        ("GUILD_MEMBER_", .guildMembers), ("INVITE_", .guildInvites),
        ("MESSAGE_REACTION_", [.guildMessageReactions, .directMessageReactions]),
        ("MESSAGE_POLL_VOTE_", [.guildMessagePolls, .directMessagePolls]),
        ("GUILD_SCHEDULED_EVENT_", .guildScheduledEvents),
        ("AUTO_MODERATION_RULE_", .autoModerationConfiguration),
        ("AUTO_MODERATION_ACTION_", .autoModerationExecution),
    ]
}

extension Intents {
    /// Privileged intents that handlers of `events` will usually want but that are never
    /// switched on implicitly against Discord: `messageContent` for message handlers
    /// (without it guild messages arrive with empty content), `guildMembers` and
    /// `guildPresences` for their events.
    public static func privilegedWanted(by events: some Sequence<String>) -> Intents {
        var wanted = needed(by: events).intersection(.privileged)
        if events.contains(where: { $0 == "MESSAGE_CREATE" || $0 == "MESSAGE_UPDATE" }) { wanted.insert(.messageContent) }
        return wanted
    }
}
