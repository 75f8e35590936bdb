/// Gateway intent names and bits, for `--intents`.
///
/// The `gateway` branch had no `Intents` type when the CLI was written, so the table lives here.
/// TODO(issue 5): when ShardRuntime's Gateway/ exposes intent names, parse through it and drop
/// this table. Source: shared/protocol/gateway.md §7.
public enum IntentNames {
    /// Lower-case snake-case name → bit, documented bits only.
    public static let bits: [(name: String, bit: UInt64, privileged: Bool)] = [
        ("guilds", 1 << 0, false),
        ("guild_members", 1 << 1, true),
        ("guild_moderation", 1 << 2, false),
        ("guild_expressions", 1 << 3, false),
        ("guild_integrations", 1 << 4, false),
        ("guild_webhooks", 1 << 5, false),
        ("guild_invites", 1 << 6, false),
        ("guild_voice_states", 1 << 7, false),
        ("guild_presences", 1 << 8, true),
        ("guild_messages", 1 << 9, false),
        ("guild_message_reactions", 1 << 10, false),
        ("guild_message_typing", 1 << 11, false),
        ("direct_messages", 1 << 12, false),
        ("direct_message_reactions", 1 << 13, false),
        ("direct_message_typing", 1 << 14, false),
        ("message_content", 1 << 15, true),
        ("guild_scheduled_events", 1 << 16, false),
        ("auto_moderation_configuration", 1 << 20, false),
        ("auto_moderation_execution", 1 << 21, false),
        ("guild_message_polls", 1 << 24, false),
        ("direct_message_polls", 1 << 25, false),
    ]

    /// Old names Discord renamed; still accepted.
    static let aliases: [String: String] = [
        "guild_bans": "guild_moderation",
        "guild_emojis_and_stickers": "guild_expressions",
    ]

    /// Every documented bit (53608447).
    public static let allDocumented: UInt64 = bits.reduce(0) { $0 | $1.bit }

    /// The bit of a name (case-insensitive; `GUILD_MESSAGES` and `guild_messages` both work).
    public static func bit(named name: String) -> UInt64? {
        var key = name.lowercased()
        if let canonical = aliases[key] { key = canonical }
        return bits.first { $0.name == key }?.bit
    }

    /// Names of the bits set in `value`, lowest bit first.
    public static func names(of value: UInt64) -> [String] {
        bits.filter { value & $0.bit != 0 }.map(\.name)
    }
}
