import Foundation
import ShardRuntime

/// The shards of one botrun process, as scripts see them: binds `shard.info`,
/// `shard.command` and `shard.send` (the `ShardControl` a `ScriptHost` calls) to real `Shard`s.
final class ShardSet: ShardControl, @unchecked Sendable {
    private let lock = NSLock()
    private var shards: [Int: Shard] = [:]  // guarded by `lock`

    /// Gateway payloads allowed per 60 s window (heartbeat slots included).
    static let commandsPerWindow = 120

    /// Script command names and the opcodes they send (issue 5).
    static let commandOpcodes: [String: GatewayOpcode] = [
        "update_presence": .presenceUpdate,
        "request_guild_members": .requestGuildMembers,
        "update_voice_state": .voiceStateUpdate,
        "request_soundboard_sounds": .requestSoundboardSounds,
    ]

    func add(_ shard: Shard) {
        lock.lock()
        shards[shard.id] = shard
        lock.unlock()
    }

    var all: [Shard] {
        lock.lock()
        defer { lock.unlock() }
        return shards.values.sorted { $0.id < $1.id }
    }

    func shard(_ id: Int) -> Shard? {
        lock.lock()
        defer { lock.unlock() }
        return shards[id]
    }

    func info(shardID: Int) -> ScriptShardInfo? {
        guard let shard = shard(shardID), let info = try? shard.info() else { return nil }
        let latency = ScriptShardInfo.Latency(
            average: info.latency.average.map(ShardSet.milliseconds),
            recent: info.latency.latest.map(ShardSet.milliseconds),
            heartbeats: info.latency.heartbeatsSent)
        return ScriptShardInfo(
            id: info.id, total: info.total, stage: info.stage.rawValue, sessionID: info.sessionID,
            seq: info.sequence, latency: latency,
            ratelimit: .init(available: info.commandSlotsAvailable, max: ShardSet.commandsPerWindow),
            queueDepth: info.queuedCommands)
    }

    func command(shardID: Int, name: String, json: [UInt8]) -> String? {
        guard let opcode = ShardSet.commandOpcodes[name] else {
            let known = ShardSet.commandOpcodes.keys.sorted().joined(separator: ", ")
            return "unknown command '\(name)' (expected one of: \(known))"
        }
        guard let shard = shard(shardID) else { return "no shard \(shardID)" }
        do {
            let data = try JSONParser.parse(json)
            try shard.command(ScriptCommand(opcode: opcode, fields: data))
            return nil
        } catch {
            return "\(error)"
        }
    }

    func send(shardID: Int, message: ScriptOutgoingMessage) -> String? {
        // RFC 6455 §7.4: 1005, 1006, 1015 and codes under 1000 must never be sent.
        if case .close(let code, _) = message, !(UInt16(exactly: code).map(WebSocketCloseCode.isValidOnWire) ?? false) {
            return "close code \(code) cannot be sent (use 1000-1003, 1007-1011 or 3000-4999)"
        }
        guard let shard = shard(shardID) else { return "no shard \(shardID)" }
        let outgoing: ShardMessage
        switch message {
        case .text(let bytes): outgoing = .text(String(decoding: bytes, as: UTF8.self))
        case .binary(let bytes): outgoing = .binary(bytes)
        case .ping(let bytes): outgoing = .ping(bytes)
        case .close(let code, let reason):
            outgoing = .close(code: UInt16(code), reason: reason)  // checked above
        }
        do {
            try shard.send(outgoing)
            return nil
        } catch {
            return "\(error)"
        }
    }

    static func milliseconds(_ duration: Duration) -> Double { duration.inSeconds * 1000 }
}

/// A command whose fields a script built and the bridge already type-checked.
struct ScriptCommand: GatewayCommand {
    let opcode: GatewayOpcode
    let fields: JSONValue

    func data() throws(CommandError) -> JSONValue { fields }
}
