import Foundation
@testable import BotrunKit
import GatewaySim
import ShardRuntime

/// A test-owned local gateway (TLS; the bot connects with zlib-stream) and a script
/// directory; starts `BotRuntime`s in-process against them and collects what they print,
/// log and report.
final class BotHarness: @unchecked Sendable {
    let sim: GatewaySim
    let dir: ScriptDir
    let output = LineCollector()
    let logs = LineCollector()
    let errors = LineCollector()

    init(script: String, heartbeatMS: Int = 41_250, configure: (inout GatewaySimOptions) -> Void = { _ in }) throws {
        var simOptions = GatewaySimOptions()
        simOptions.tls = true
        simOptions.heartbeatIntervalMS = heartbeatMS
        configure(&simOptions)
        sim = GatewaySim(options: simOptions)
        try sim.start()
        dir = try ScriptDir()
        try dir.write(script)
    }

    /// Command-line options pointing at the sim: token, gateway/API URL, CA file; one shard,
    /// no watcher, intents guilds + guild_messages + message_content (so `content` is sent).
    func options(_ change: (inout BotrunOptions) -> Void = { _ in }) -> BotrunOptions {
        var options = BotrunOptions(scripts: [dir.script])
        options.token = Token(sim.token)
        options.gatewayURL = sim.gatewayURL
        options.apiURL = sim.apiBaseURL
        options.caFile = sim.caFile
        options.shards = .count(1)
        options.watch = false
        options.intents = .explicit(bits: UInt64(GatewayIntents.guilds | GatewayIntents.guildMessages
                                                 | GatewayIntents.messageContent), names: [])
        change(&options)
        return options
    }

    /// A runtime with this harness's sinks; signals stay with the test process.
    /// `identifyQueue` nil: the runtime builds its own from `GET /gateway/bot`.
    func runtime(_ options: BotrunOptions,
                 identifyQueue: IdentifyQueue? = LocalIdentifyQueue(interval: .zero)) -> BotRuntime {
        // Strong captures: shards may log on their loops after the harness is gone.
        let (logs, output, errors) = (logs, output, errors)
        let logger = Logger(level: .info, sink: { logs.sink($0) })
        return BotRuntime(options: options, logger: logger, output: { output.sink($0) },
                          errorOutput: { text in
                              for line in text.split(separator: "\n") { errors.sink(String(line)) }
                          },
                          handlesSignals: false,
                          // Default: own queue without pacing, so parallel tests do not wait on each other.
                          identifyQueue: identifyQueue)
    }

    /// Starts a bot and waits until every shard is connected (READY or RESUMED).
    func start(_ options: BotrunOptions? = nil, timeout: Double = 30) throws -> RunningBot {
        let bot = RunningBot(runtime(options ?? self.options()))
        guard bot.started else { throw HarnessError("the bot did not start: \(errors.lines)") }
        guard bot.runtime.allConnected.wait(timeout: .now() + timeout) == .success else {
            _ = bot.stop()
            throw HarnessError("the bot did not connect: \(logs.lines.suffix(10))")
        }
        return bot
    }

    /// The one session the sim created (after a single IDENTIFY).
    var sessionID: String? { sim.sessionIDs.first }

    /// Sequences the sim delivered to `sessionID`, in order (replays included).
    func delivered(_ session: String? = nil) -> [Int] {
        guard let id = session ?? sessionID else { return [] }
        return sim.recorder.deliveredSequences[id] ?? []
    }

    func cleanup() {
        sim.stop()
        dir.cleanup()
    }
}

/// A runtime running on a background thread until `stop` (the SIGTERM path) or its own end.
final class RunningBot: @unchecked Sendable {
    let runtime: BotRuntime
    /// False when `start()` already ended the run (then `exitCode` is set).
    let started: Bool
    private let finished = DispatchSemaphore(value: 0)
    private let code = LockedValue<BotrunExitCode?>(nil)

    init(_ runtime: BotRuntime) {
        self.runtime = runtime
        if let early = runtime.start() {
            code.set(early)
            started = false
            finished.signal()
            return
        }
        started = true
        let thread = Thread { [runtime, code, finished] in
            code.set(runtime.wait())
            finished.signal()
        }
        thread.start()
    }

    /// Stops the bot the way SIGTERM/SIGINT do and returns its exit code.
    @discardableResult
    func stop(_ reason: BotrunExitCode = .cleanStop, timeout: Double = 15) -> BotrunExitCode? {
        runtime.requestStop(reason)
        return waitForExit(timeout: timeout)
    }

    /// Waits until the run has ended by itself; nil on timeout.
    func waitForExit(timeout: Double = 15) -> BotrunExitCode? {
        guard finished.wait(timeout: .now() + timeout) == .success else { return nil }
        finished.signal()  // later callers see the end too
        return code.get()
    }

    var host: ScriptHost { runtime.hosts[0] }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a blocking test body on its own thread, so that the waits in it do not hold one of
/// the few cooperative threads the runtime's `Task`s (shard start) need.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
}

/// Tab-separated fields of each printed line.
func rows(_ lines: [String]) -> [[String]] {
    lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
}
