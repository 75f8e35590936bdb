import Foundation
@testable import BotrunKit
import ShardRuntime

/// A ShardControl that records what scripts ask for.
final class FakeShardControl: ShardControl, @unchecked Sendable {
    private let lock = NSLock()
    private var _commands: [(shardID: Int, name: String, json: String)] = []
    private var _sends: [(shardID: Int, message: ScriptOutgoingMessage)] = []
    var commandError: String?
    var infos: [Int: ScriptShardInfo] = [0: ScriptShardInfo(id: 0, total: 2, stage: "ready", sessionID: "abc", seq: 7,
                                                           latency: .init(average: 41.5, recent: 40, heartbeats: 3),
                                                           ratelimit: .init(available: 118, max: 120), queueDepth: 1)]

    var commands: [(shardID: Int, name: String, json: String)] { lock.lock(); defer { lock.unlock() }; return _commands }
    var sends: [(shardID: Int, message: ScriptOutgoingMessage)] { lock.lock(); defer { lock.unlock() }; return _sends }

    func info(shardID: Int) -> ScriptShardInfo? { lock.lock(); defer { lock.unlock() }; return infos[shardID] }

    func command(shardID: Int, name: String, json: [UInt8]) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let commandError { return commandError }
        _commands.append((shardID, name, String(decoding: json, as: UTF8.self)))
        return nil
    }

    func send(shardID: Int, message: ScriptOutgoingMessage) -> String? {
        lock.lock()
        defer { lock.unlock() }
        _sends.append((shardID, message))
        return nil
    }
}

/// Thread-safe collection of lines (script output or log records) with a bounded wait.
final class LineCollector: @unchecked Sendable {
    private let cond = NSCondition()
    private var _lines: [String] = []

    var lines: [String] { cond.lock(); defer { cond.unlock() }; return _lines }

    lazy var sink: @Sendable (String) -> Void = { [unowned self] line in
        cond.lock()
        _lines.append(line)
        cond.broadcast()
        cond.unlock()
    }

    /// Waits until `predicate(lines)` holds, at most `timeout` seconds.
    @discardableResult
    func wait(timeout: Double = 5, until predicate: ([String]) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        cond.lock()
        defer { cond.unlock() }
        while !predicate(_lines) {
            if !cond.wait(until: deadline) { return predicate(_lines) }
        }
        return true
    }
}

/// A temporary directory holding a script, removed by `cleanup()`.
struct ScriptDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("botrun-script-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var script: String { url.appendingPathComponent("bot.lua").path }

    @discardableResult
    func write(_ code: String, name: String = "bot.lua", atomically: Bool = true) throws -> String {
        let path = url.appendingPathComponent(name).path
        try code.write(toFile: path, atomically: atomically, encoding: .utf8)
        return path
    }

    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

/// Waits for a condition by polling at most `timeout` seconds (for state not
/// backed by a condition variable, e.g. counters).
@discardableResult
func waitUntil(timeout: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while !condition() {
        if Date() > deadline { return false }
        usleep(1000)
    }
    return true
}

func makeHost(_ dir: ScriptDir, _ output: LineCollector, control: FakeShardControl = FakeShardControl(),
              logs: LineCollector? = nil, timeout: Double = 2) throws(ScriptError) -> ScriptHost {
    let sink: @Sendable (String) -> Void
    if let logs { sink = logs.sink } else { sink = { _ in } }
    let logger = Logger(level: .debug, sink: sink)
    return try ScriptHost(options: ScriptOptions(scriptPath: dir.script, handlerTimeout: timeout),
                          control: control, logger: logger, output: output.sink)
}
