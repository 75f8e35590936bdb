import Foundation
import GatewaySim
import ShardRuntime

/// The `--sim` chat: reads lines (stdin or `--sim-input`), turns each into something the
/// local gateway does, and prints what the bot posts through REST.
final class SimConsole: @unchecked Sendable {
    private let sim: GatewaySim
    private let input: FileHandle
    private let interactive: Bool
    private let output: @Sendable (String) -> Void
    /// Waits until the bot has handled what the gateway sent so far, so that each line's
    /// effects (and the bot's answers) appear before the next line is read. Gets
    /// `expectedHandshakes`.
    private let settle: (Int) -> Void
    private var channelID: String
    private var channelName: String
    private var userID: String
    private var lastMessageID: [String: String] = [:]  // channel id → last message posted there
    /// IDENTIFYs + RESUMEs the gateway should have received once the bot has reacted to every
    /// close, drop, op 7 and op 9 so far (one per connection live at that moment): the run's
    /// drain waits for them before judging whether the bot is quiet.
    private(set) var expectedHandshakes = 0

    init(sim: GatewaySim, input: FileHandle, interactive: Bool,
         output: @escaping @Sendable (String) -> Void = ScriptHost.standardOutput, settle: @escaping (Int) -> Void) {
        self.sim = sim
        self.settle = settle
        self.input = input
        self.interactive = interactive
        self.output = output
        let world = sim.world
        channelID = world.generalChannelID
        channelName = world.guilds[0].channels[0].name
        userID = world.humanUser.id
        sim.setBotMessageObserver { [output, world] message in
            let channel = world.guilds.flatMap(\.channels).first { $0.id == message.channelID }?.name ?? message.channelID
            let bot = world.botUser.username
            switch message.kind {
            case .created: output("[#\(channel)] \(bot): \(message.content)")
            case .edited: output("[#\(channel)] \(bot) (edited): \(message.content)")
            case .deleted: output("[#\(channel)] \(bot) deleted a message")
            case .reacted(let emoji): output("[#\(channel)] \(bot) reacted \(emoji)")
            }
        }
    }

    /// Reads and applies lines until `/quit` or the end of input.
    func run() {
        if interactive {
            output("botrun sim: you are \(sim.world.humanUser.username) in #\(channelName); /help lists commands, /quit ends")
        }
        var reader = LineReader(handle: input)
        while let line = reader.next() {
            settle(expectedHandshakes)
            do {
                guard let command = try SimConsoleParser.parse(line) else { continue }
                if case .quit = command { return }
                apply(command)
            } catch {
                output("sim: \(error)")
            }
        }
    }

    private func apply(_ command: SimConsoleCommand) {
        switch command {
        case .message(let text):
            if let id = sim.postUserMessage(channelID: channelID, authorID: userID, content: text) {
                lastMessageID[channelID] = id
            }
        case .switchChannel(let name):
            guard let channel = sim.world.channel(named: name) else {
                let names = sim.world.guilds.flatMap(\.channels).map { "#" + $0.name }.joined(separator: " ")
                return output("sim: no channel #\(name) (channels: \(names))")
            }
            channelID = channel.id
            channelName = channel.name
            output("sim: now in #\(channel.name)")
        case .switchUser(let name):
            guard let member = sim.world.member(named: name) else {
                let names = sim.world.guilds.flatMap(\.members).map { "@" + $0.user.username }.joined(separator: " ")
                return output("sim: no member @\(name) (members: \(names))")
            }
            userID = member.user.id
            output("sim: now speaking as @\(member.user.username)")
        case .editLast(let text):
            guard let id = lastMessageID[channelID], sim.editUserMessage(messageID: id, content: text) else {
                return output("sim: no message of yours to edit in #\(channelName)")
            }
            output("sim: edited your last message in #\(channelName)")
        case .deleteLast:
            guard let id = lastMessageID.removeValue(forKey: channelID), sim.deleteMessage(messageID: id) else {
                return output("sim: no message to delete in #\(channelName)")
            }
            output("sim: deleted your last message in #\(channelName)")
        case .react(let emoji):
            guard let id = lastMessageID[channelID], sim.react(messageID: id, emoji: emoji, userID: userID) else {
                return output("sim: no message to react to in #\(channelName)")
            }
            output("sim: reacted \(emoji) to the last message in #\(channelName)")
        case .join(let name):
            let user = sim.memberJoins(username: name)
            output("sim: @\(user.username) joined")
        case .leave(let name):
            guard let member = sim.world.member(named: name), sim.memberLeaves(userID: member.user.id) else {
                return output("sim: no member @\(name)")
            }
            output("sim: @\(member.user.username) left")
        case .reconnect:
            noteDisrupted()
            sim.sendReconnect()
        case .invalidateSession(let resumable):
            noteDisrupted()
            sim.sendInvalidSession(resumable: resumable)
        case .requestHeartbeat:
            sim.requestHeartbeat()
            output("sim: asked the bot for a heartbeat (op 1)")
        case .stopHeartbeatACKs:
            sim.setHeartbeatACKs(false)
            // Without this line nothing shows for up to two heartbeat intervals.
            let seconds = Int((Double(sim.options.heartbeatIntervalMS) / 1000 * 2).rounded(.up))
            output("sim: heartbeats are no longer acknowledged, on this and later connections; "
                   + "the bot should call the connection a zombie and reconnect within about \(seconds) s")
        case .resumeHeartbeatACKs:
            sim.setHeartbeatACKs(true)
            output("sim: heartbeats are acknowledged again")
        case .close(let code):
            noteDisrupted()
            sim.close(code: code)
        case .dropConnection:
            noteDisrupted()
            sim.dropConnections()
        case .burst(let count): sim.burstMessages(count: count, channelID: channelID)
        case .help: output(SimConsoleParser.helpText)
        case .quit: break
        }
    }

    private func noteDisrupted() {
        let recorder = sim.recorder
        expectedHandshakes = max(expectedHandshakes, recorder.identifyCount + recorder.resumeCount)
            + sim.liveConnections.count
    }
}

/// Splits a file handle's bytes into lines (without the newline), reading as they arrive.
struct LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var atEnd = false

    init(handle: FileHandle) { self.handle = handle }

    mutating func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            if atEnd {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return String(decoding: buffer, as: UTF8.self)
            }
            let chunk = handle.availableData
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}
