import ShardRuntime

/// Gateway intent names and bits as `--intents` spells them (`guild_messages`), derived
/// from ShardRuntime's `Intents` table so the two cannot drift.
public enum IntentNames {
    /// Lower-case snake-case name → bit, documented bits only, in bit order.
    public static let bits: [(name: String, bit: UInt64, privileged: Bool)] = Intents.named.map {
        ($0.0.lowercased(), $0.1.rawValue, Intents.privileged.contains($0.1))
    }

    /// Every documented bit (53608447).
    public static let allDocumented: UInt64 = Intents.all.rawValue

    /// The bit of a name (case-insensitive; `GUILD_MESSAGES`, `guild_messages` and the old
    /// names `guild_bans`, `guild_emojis_and_stickers` all work). Numbers are not names.
    public static func bit(named name: String) -> UInt64? {
        guard UInt64(name) == nil, let intents = Intents(name: name) else { return nil }
        return intents.rawValue
    }

    /// Names of the bits set in `value`, lowest bit first.
    public static func names(of value: UInt64) -> [String] {
        Intents(rawValue: value).names.map { $0.lowercased() }
    }
}
