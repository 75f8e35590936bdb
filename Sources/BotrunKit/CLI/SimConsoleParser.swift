/// Turns `--sim` console lines into `SimConsoleCommand`s. Pure: no I/O, no state.
///
/// A line not starting with `/` is a message; `//text` sends the message `/text`. Slash commands
/// are case-insensitive; their arguments are checked here so the runtime only acts.
public enum SimConsoleParser {
    /// The console's slash commands, in the order `/help` lists them.
    public enum Verb: String, CaseIterable, Sendable {
        case channel, user, edit, delete, react, join, leave
        case reconnect, invalidate, heartbeat, zombie, close, drop, burst
        case help, quit

        public var usage: String {
            switch self {
            case .channel: "/channel NAME"
            case .user: "/user NAME"
            case .edit: "/edit TEXT"
            case .react: "/react EMOJI"
            case .join: "/join NAME"
            case .leave: "/leave NAME"
            case .invalidate: "/invalidate [resumable]"
            case .close: "/close CODE"
            case .burst: "/burst N"
            case .zombie: "/zombie [off]"
            case .delete, .reconnect, .heartbeat, .drop, .help, .quit: "/" + rawValue
            }
        }

        public var summary: String {
            switch self {
            case .channel: "talk in channel NAME from now on"
            case .user: "talk as member NAME from now on"
            case .edit: "edit the last message to TEXT"
            case .delete: "delete the last message"
            case .react: "react to the last message with EMOJI"
            case .join: "a member NAME joins the guild"
            case .leave: "member NAME leaves the guild"
            case .reconnect: "gateway asks the bot to reconnect (op 7)"
            case .invalidate: "gateway invalidates the session (op 9), resumable or not"
            case .heartbeat: "gateway asks for a heartbeat now (op 1)"
            case .zombie: "gateway stops acknowledging heartbeats (off: acknowledges them again)"
            case .close: "gateway closes the connection with CODE, e.g. 4000"
            case .drop: "gateway drops the TCP connection without a close frame"
            case .burst: "N messages at full speed"
            case .help: "show this list"
            case .quit: "stop the bot and exit"
            }
        }
    }

    public static let maxBurst = 1_000_000

    /// The command on `line`, or nil for a blank line.
    public static func parse(_ line: String) throws(SimConsoleError) -> SimConsoleCommand? {
        let line = String(line.trimmingSuffix { $0.isNewline })
        guard line.contains(where: { !$0.isWhitespace }) else { return nil }
        guard line.hasPrefix("/") else { return .message(line) }
        if line.hasPrefix("//") { return .message(String(line.dropFirst())) }

        let body = line.dropFirst()
        let word = body.prefix { !$0.isWhitespace }
        let argument = body.dropFirst(word.count).trimmingWhitespace()
        guard let verb = Verb(rawValue: word.lowercased()) else {
            let known = Verb.allCases.map { "/" + $0.rawValue }.joined(separator: ", ")
            let shown = word.isEmpty ? "/" : "/" + word
            throw SimConsoleError("unknown command '\(shown)'; commands: \(known) (/help explains them; // sends a line starting with /)")
        }
        return try command(verb, argument)
    }

    /// The `/help` text: one line per command.
    public static var helpText: String {
        let width = Verb.allCases.map(\.usage.count).max() ?? 0
        var lines = ["Type a line to send it as a message. Commands:"]
        for verb in Verb.allCases {
            lines.append("  " + verb.usage.padding(to: width) + "  " + verb.summary)
        }
        lines.append("  " + "//TEXT".padding(to: width) + "  send a message that starts with /")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func command(_ verb: Verb, _ argument: String) throws(SimConsoleError) -> SimConsoleCommand {
        switch verb {
        case .channel: return .switchChannel(try name(argument, verb, strip: "#"))
        case .user: return .switchUser(try name(argument, verb, strip: "@"))
        case .join: return .join(try name(argument, verb, strip: "@"))
        case .leave: return .leave(try name(argument, verb, strip: "@"))
        case .react: return .react(try name(argument, verb, strip: nil))
        case .edit:
            guard !argument.isEmpty else { throw SimConsoleError("\(verb.usage) needs the new text") }
            return .editLast(argument)
        case .invalidate:
            switch argument.lowercased() {
            case "": return .invalidateSession(resumable: false)
            case "resumable", "true": return .invalidateSession(resumable: true)
            case "false": return .invalidateSession(resumable: false)
            default: throw SimConsoleError("\(verb.usage) takes 'resumable' or nothing, got '\(argument)'")
            }
        case .close:
            guard let code = UInt16(argument), isSendableCloseCode(code) else {
                throw SimConsoleError("\(verb.usage) expects 1000–1003, 1007–1014 or 3000–4999, got '\(argument)'")
            }
            return .close(code: code)
        case .burst:
            guard let count = Int(argument), (1...maxBurst).contains(count) else {
                throw SimConsoleError("\(verb.usage) expects a whole number from 1 to \(maxBurst), got '\(argument)'")
            }
            return .burst(count: count)
        case .zombie:
            switch argument {
            case "": return .stopHeartbeatACKs
            case "off": return .resumeHeartbeatACKs
            default: throw SimConsoleError("\(verb.usage) takes 'off' or nothing, got '\(argument)'")
            }
        case .delete, .reconnect, .heartbeat, .drop, .help, .quit:
            guard argument.isEmpty else { throw SimConsoleError("/\(verb.rawValue) takes no argument, got '\(argument)'") }
            switch verb {
            case .delete: return .deleteLast
            case .reconnect: return .reconnect
            case .heartbeat: return .requestHeartbeat
            case .drop: return .dropConnection
            case .help: return .help
            default: return .quit
            }
        }
    }

    /// One word, with an optional leading sigil (`#general`, `@alice`) removed.
    private static func name(_ argument: String, _ verb: Verb, strip sigil: Character?) throws(SimConsoleError) -> String {
        var word = Substring(argument)
        if let sigil, word.first == sigil { word = word.dropFirst() }
        guard !word.isEmpty, !word.contains(where: { $0.isWhitespace }) else {
            let what = verb == .react ? "one emoji" : "one name without spaces"
            throw SimConsoleError("\(verb.usage) expects \(what), got '\(argument)'")
        }
        return String(word)
    }

    /// Close codes a WebSocket endpoint may put on the wire (RFC 6455 §7.4).
    static func isSendableCloseCode(_ code: UInt16) -> Bool {
        (1000...1003).contains(code) || (1007...1014).contains(code) || (3000...4999).contains(code)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.trimmingSuffix { $0.isWhitespace })
    }

    func trimmingSuffix(while predicate: (Character) -> Bool) -> SubSequence {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
