/// A message the bot posted or changed through REST, for the console's observer.
public struct SimBotMessage: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case created, edited, deleted, reacted(emoji: String) }
    public var kind: Kind
    public var channelID: String
    public var messageID: String
    public var content: String
}
