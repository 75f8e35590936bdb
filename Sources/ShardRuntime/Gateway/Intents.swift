import Foundation

/// Gateway intents: which event groups a session receives (sent in IDENTIFY).
public struct Intents: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let guilds = Intents(rawValue: 1 << 0)
    public static let guildMembers = Intents(rawValue: 1 << 1)
    public static let guildModeration = Intents(rawValue: 1 << 2)
    public static let guildExpressions = Intents(rawValue: 1 << 3)
    public static let guildIntegrations = Intents(rawValue: 1 << 4)
    public static let guildWebhooks = Intents(rawValue: 1 << 5)
    public static let guildInvites = Intents(rawValue: 1 << 6)
    public static let guildVoiceStates = Intents(rawValue: 1 << 7)
    public static let guildPresences = Intents(rawValue: 1 << 8)
    public static let guildMessages = Intents(rawValue: 1 << 9)
    public static let guildMessageReactions = Intents(rawValue: 1 << 10)
    public static let guildMessageTyping = Intents(rawValue: 1 << 11)
    public static let directMessages = Intents(rawValue: 1 << 12)
    public static let directMessageReactions = Intents(rawValue: 1 << 13)
    public static let directMessageTyping = Intents(rawValue: 1 << 14)
    public static let messageContent = Intents(rawValue: 1 << 15)
    public static let guildScheduledEvents = Intents(rawValue: 1 << 16)
    public static let autoModerationConfiguration = Intents(rawValue: 1 << 20)
    public static let autoModerationExecution = Intents(rawValue: 1 << 21)
    public static let guildMessagePolls = Intents(rawValue: 1 << 24)
    public static let directMessagePolls = Intents(rawValue: 1 << 25)

    /// Every documented intent (53608447).
    public static let all: Intents = Intents(named.map(\.1))
    /// Intents that must be enabled in the Developer Portal.
    public static let privileged: Intents = [.guildMembers, .guildPresences, .messageContent]
    /// Every documented intent that is not privileged (53575421).
    public static let nonPrivileged: Intents = all.subtracting(privileged)

    /// Discord names (`GUILD_MESSAGES`) in bit order.
    public static let named: [(String, Intents)] = [
        ("GUILDS", .guilds),
        ("GUILD_MEMBERS", .guildMembers),
        ("GUILD_MODERATION", .guildModeration),
        ("GUILD_EXPRESSIONS", .guildExpressions),
        ("GUILD_INTEGRATIONS", .guildIntegrations),
        ("GUILD_WEBHOOKS", .guildWebhooks),
        ("GUILD_INVITES", .guildInvites),
        ("GUILD_VOICE_STATES", .guildVoiceStates),
        ("GUILD_PRESENCES", .guildPresences),
        ("GUILD_MESSAGES", .guildMessages),
        ("GUILD_MESSAGE_REACTIONS", .guildMessageReactions),
        ("GUILD_MESSAGE_TYPING", .guildMessageTyping),
        ("DIRECT_MESSAGES", .directMessages),
        ("DIRECT_MESSAGE_REACTIONS", .directMessageReactions),
        ("DIRECT_MESSAGE_TYPING", .directMessageTyping),
        ("MESSAGE_CONTENT", .messageContent),
        ("GUILD_SCHEDULED_EVENTS", .guildScheduledEvents),
        ("AUTO_MODERATION_CONFIGURATION", .autoModerationConfiguration),
        ("AUTO_MODERATION_EXECUTION", .autoModerationExecution),
        ("GUILD_MESSAGE_POLLS", .guildMessagePolls),
        ("DIRECT_MESSAGE_POLLS", .directMessagePolls),
    ]

    /// Old names Discord used before renaming.
    static let aliases: [String: Intents] = ["GUILD_BANS": .guildModeration, "GUILD_EMOJIS_AND_STICKERS": .guildExpressions]

    /// Parses one name (`GUILD_MESSAGES`, case-insensitive, `-` or `_`), `ALL`, `NON_PRIVILEGED`,
    /// or a decimal bit set.
    public init?(name: String) {
        let key = name.uppercased().replacingOccurrences(of: "-", with: "_")
        if let bits = UInt64(key) {
            self.init(rawValue: bits)
        } else if key == "ALL" {
            self = .all
        } else if key == "NON_PRIVILEGED" || key == "UNPRIVILEGED" {
            self = .nonPrivileged
        } else if let match = Intents.named.first(where: { $0.0 == key })?.1 ?? Intents.aliases[key] {
            self = match
        } else {
            return nil
        }
    }

    /// Parses a list separated by `,`, `|` or spaces; nil names the first unknown entry.
    public static func parse(_ list: String) -> Result<Intents, IntentParseError> {
        var result: Intents = []
        for part in list.split(whereSeparator: { $0 == "," || $0 == "|" || $0 == " " }) {
            guard let one = Intents(name: String(part)) else { return .failure(IntentParseError(name: String(part))) }
            result.formUnion(one)
        }
        return .success(result)
    }

    /// Bits that are set but not documented intents (a server closes with 4013 for them).
    public var undefinedBits: UInt64 { rawValue & ~Intents.all.rawValue }

    /// Names of the set bits, in bit order.
    public var names: [String] { Intents.named.filter { contains($0.1) }.map(\.0) }

    public var description: String { names.isEmpty ? "[]" : names.joined(separator: "|") }
}

/// An intent name that `Intents.parse` does not know.
public struct IntentParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public var description: String { "unknown intent '\(name)'" }
}
