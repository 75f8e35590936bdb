/// One line of the `--sim` console, decided: what the simulated world should do next.
///
/// Produced by `SimConsoleParser`; the runtime binds each case to the GatewaySim API (issue 4).
/// "The last message" is the last one posted in the current channel.
public enum SimConsoleCommand: Sendable, Equatable {
    /// A plain line: MESSAGE_CREATE from the current user in the current channel.
    case message(String)
    /// `/channel NAME`: later lines go to this channel (without `#`).
    case switchChannel(String)
    /// `/user NAME`: later lines come from this member (without `@`).
    case switchUser(String)
    /// `/edit TEXT`: MESSAGE_UPDATE of the last message.
    case editLast(String)
    /// `/delete`: MESSAGE_DELETE of the last message.
    case deleteLast
    /// `/react EMOJI`: MESSAGE_REACTION_ADD on the last message by the current user.
    case react(String)
    /// `/join NAME`: GUILD_MEMBER_ADD of a new member.
    case join(String)
    /// `/leave NAME`: GUILD_MEMBER_REMOVE of a member.
    case leave(String)
    /// `/reconnect`: send op 7 RECONNECT.
    case reconnect
    /// `/invalidate [resumable]`: send op 9 INVALID_SESSION with `d` = `resumable`.
    case invalidateSession(resumable: Bool)
    /// `/heartbeat`: send op 1, asking for a heartbeat now.
    case requestHeartbeat
    /// `/zombie`: stop ACKing heartbeats (the client should notice and reconnect).
    case stopHeartbeatACKs
    /// `/zombie off`: acknowledge heartbeats again.
    case resumeHeartbeatACKs
    /// `/close CODE`: close the WebSocket with CODE.
    case close(code: UInt16)
    /// `/drop`: cut the TCP connection without a close frame.
    case dropConnection
    /// `/burst N`: N MESSAGE_CREATE events at full speed.
    case burst(count: Int)
    /// `/help`: show the console commands (`SimConsoleParser.helpText`).
    case help
    /// `/quit`: stop the bot cleanly.
    case quit
}

/// A console line that is not a valid command; `description` is what to show the user.
public struct SimConsoleError: Error, Equatable, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
