import Foundation
import LuaBridge
import ShardRuntime

/// How a script is run (issue 5; the CLI maps `--unsafe`, `--memory-limit`,
/// `--handler-timeout` onto these).
public struct ScriptOptions: Sendable {
    public var scriptPath: String
    public var sandbox: Bool
    /// Bytes per Lua state.
    public var memoryLimit: Int
    /// Seconds per handler or timer call.
    public var handlerTimeout: Double
    /// The shard `shard.*` calls default to outside handlers (top level, timers created
    /// there, `on_reload`): the first shard this process runs.
    public var defaultShardID: Int

    public init(scriptPath: String, sandbox: Bool = true, memoryLimit: Int = 256 << 20, handlerTimeout: Double = 2,
                defaultShardID: Int = 0) {
        self.scriptPath = scriptPath
        self.sandbox = sandbox
        self.memoryLimit = memoryLimit
        self.handlerTimeout = handlerTimeout
        self.defaultShardID = defaultShardID
    }
}

/// Runs one script on its own thread (issue 5). Events arrive through `deliver`
/// into a FIFO queue (never dropped, gateway order kept); timers run between
/// events; `reload()` compiles the new version off the event path and swaps it in
/// between two events, carrying `store` over and then calling `on_reload`.
public final class ScriptHost: @unchecked Sendable {
    public let options: ScriptOptions
    public let scriptName: String
    private let logger: Logger
    private let bridge: ScriptBridge

    private enum Item {
        case event(ScriptEvent)
        case swap(PendingSwap)
    }

    /// A compiled new version travelling from the reloading thread to the script thread.
    private final class PendingSwap: @unchecked Sendable {
        let fresh: LuaState
        private let done = NSCondition()
        private var result: Result<Void, ScriptError>?

        init(fresh: LuaState) { self.fresh = fresh }

        func finish(_ result: Result<Void, ScriptError>) {
            done.lock()
            self.result = result
            done.broadcast()
            done.unlock()
        }

        func wait() -> Result<Void, ScriptError> {
            done.lock()
            defer { done.unlock() }
            while result == nil { done.wait() }
            return result!
        }
    }

    // Guarded by `cond`.
    private let cond = NSCondition()
    private var queue: [Item] = []
    private var running = false
    private var stopping = false
    private var finished = false
    private var busy = false  // a batch is being handled (guarded by `cond`)
    private var wanted: Set<String>
    private var handlers: [String]
    private var watched: [String]
    private var counters = ScriptStats()
    private var wantedObserver: (@Sendable (Set<String>) -> Void)?

    /// Owned by the script thread while it runs, by the caller before `start()`.
    private var state: LuaState
    private let reloadLock = NSLock()
    private var watcher: ScriptWatcher?  // guarded by `cond`

    /// Prints a line to stdout with one write (so it is flushed per line, even into a pipe).
    public static let standardOutput: @Sendable (String) -> Void = { line in
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Loads and runs the script's top level. Throws on a missing file, a syntax error
    /// or a top-level runtime error (the CLI exits with code 2).
    public init(options: ScriptOptions, control: any ShardControl, logger: Logger = .shared,
                output: @escaping @Sendable (String) -> Void = ScriptHost.standardOutput) throws(ScriptError) {
        self.options = options
        self.logger = logger
        self.scriptName = URL(fileURLWithPath: options.scriptPath).lastPathComponent
        self.bridge = ScriptBridge(control: control, logger: logger, output: output, scriptName: scriptName)
        let state = try LuaState(options: options, bridge: bridge)
        try state.load(path: options.scriptPath)
        try state.runMain()
        self.state = state
        self.wanted = state.dispatchEvents
        self.handlers = state.handlerNames.sorted()
        self.watched = [ScriptHost.absolute(options.scriptPath)] + state.requiredFiles.map(ScriptHost.absolute)
    }

    deinit { stop() }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Dispatch names with a handler (e.g. "MESSAGE_CREATE"): the gateway's event
    /// filter. Recomputed on every successful reload.
    public var wantedEvents: Set<String> {
        cond.lock()
        defer { cond.unlock() }
        return wanted
    }

    /// Every handler the script defines (`on_*` functions, dispatch and lifecycle), sorted.
    public var handlerNames: [String] {
        cond.lock()
        defer { cond.unlock() }
        return handlers
    }

    /// Called (on the script thread) when a reload changes `wantedEvents`. It must not
    /// call `reload()` (that would wait on the script thread itself).
    public var onWantedEventsChange: (@Sendable (Set<String>) -> Void)? {
        get { cond.lock(); defer { cond.unlock() }; return wantedObserver }
        set { cond.lock(); wantedObserver = newValue; cond.unlock() }
    }

    /// The script and every file it required: what a watcher should watch.
    public var watchedFiles: [String] {
        cond.lock()
        defer { cond.unlock() }
        return watched
    }

    public var stats: ScriptStats {
        cond.lock()
        defer { cond.unlock() }
        return counters
    }

    /// Events queued and not yet handled.
    public var queueDepth: Int {
        cond.lock()
        defer { cond.unlock() }
        return queue.count
    }

    /// Waits until every queued event has been handled (or `timeout` seconds pass);
    /// true when the queue is empty and no handler is running.
    public func waitUntilIdle(timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        cond.lock()
        defer { cond.unlock() }
        while (!queue.isEmpty || busy) && running && !finished {
            if !cond.wait(until: deadline) { return false }
        }
        return true
    }

    /// Starts the script thread.
    public func start() {
        cond.lock()
        guard !running, !finished else { cond.unlock(); return }
        running = true
        cond.unlock()
        let thread = Thread { [self] in run() }
        thread.name = "lua:\(scriptName)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Queues an event; never blocks on Lua and never drops.
    public func deliver(_ event: ScriptEvent) {
        cond.lock()
        queue.append(.event(event))
        cond.broadcast()  // broadcast: waitUntilIdle waits on the same condition
        cond.unlock()
    }

    /// Handles what is queued, then stops the script thread and the watcher.
    public func stop() {
        cond.lock()
        let watcher = self.watcher
        self.watcher = nil
        cond.unlock()
        watcher?.stop()
        cond.lock()
        if running {
            stopping = true
            cond.broadcast()
            while !finished { cond.wait() }
        }
        cond.unlock()
    }

    /// Loads the script again. Compiles on the calling thread (off the event path);
    /// the script thread then swaps between two events: `store` is carried over, the
    /// new top level runs, `on_reload()` is called. On failure the old handlers stay.
    @discardableResult
    public func reload() -> Result<Void, ScriptError> {
        reloadLock.lock()
        defer { reloadLock.unlock() }
        let result: Result<Void, ScriptError>
        do {
            let fresh = try LuaState(options: options, bridge: bridge)
            try fresh.load(path: options.scriptPath)
            let pending = PendingSwap(fresh: fresh)
            cond.lock()
            if running && !finished {
                queue.append(.swap(pending))
                cond.broadcast()  // broadcast: waitUntilIdle waits on the same condition
                cond.unlock()
                result = pending.wait()
            } else {
                cond.unlock()
                swap(pending)
                result = pending.wait()
            }
        } catch {
            result = .failure(error)
        }
        cond.lock()
        switch result {
        case .success: counters.reloads += 1
        case .failure: counters.failedReloads += 1
        }
        cond.unlock()
        switch result {
        case .success: logger.info("script reloaded", ["script": scriptName])
        case .failure(let error):
            logger.error("reload failed, keeping the old handlers", ["script": scriptName, "error": error.message])
        }
        return result
    }

    /// Watches the script and its required files; a save triggers `reload()`.
    public func startWatching(debounce: Double = 0.05) throws {
        let watcher = try ScriptWatcher(files: watchedFiles, debounce: debounce) { [weak self] in
            guard let self else { return }
            self.reload()
            self.cond.lock()
            let watcher = self.watcher
            self.cond.unlock()
            watcher?.update(files: self.watchedFiles)
        }
        cond.lock()
        self.watcher = watcher
        cond.unlock()
    }

    // MARK: - script thread

    private func run() {
        while true {
            cond.lock()
            while queue.isEmpty && !stopping {
                guard let delay = state.nextTimerDelay else {
                    cond.wait()
                    continue
                }
                if delay <= 0 { break }
                // Clamped: NSCondition traps converting a date centuries away to a timespec,
                // and a script may ask for timer.after(1e300, …). Waking early is harmless.
                _ = cond.wait(until: Date(timeIntervalSinceNow: min(delay, 3_600)))
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            let done = stopping && batch.isEmpty
            busy = !batch.isEmpty
            cond.unlock()
            if done { break }

            var handled: UInt64 = 0, failed: UInt64 = 0
            for item in batch {
                switch item {
                case .event(let event): handle(event, &handled, &failed)
                case .swap(let pending): swap(pending)
                }
                runTimers(&handled, &failed)
            }
            if batch.isEmpty { runTimers(&handled, &failed) }
            cond.lock()
            counters.eventsHandled += handled
            counters.handlerErrors += failed
            busy = false
            cond.broadcast()
            cond.unlock()
        }
        cond.lock()
        finished = true
        cond.broadcast()
        cond.unlock()
    }

    private func handle(_ event: ScriptEvent, _ handled: inout UInt64, _ failed: inout UInt64) {
        let rc: Int32
        switch event {
        case .dispatch(let shardID, let seq, let name, let data):
            rc = state.dispatch(name: name, data: data, shardID: shardID, seq: seq)
            if rc != LB_NOT_FOUND { handled += 1 }
            if rc != LB_OK && rc != LB_NOT_FOUND {
                failed += 1
                logger.error("handler failed", ["script": scriptName, "shard": shardID, "event": name, "seq": seq,
                                                "error": state.lastError])
            }
        case .lifecycle(let shardID, let lifecycle):
            rc = state.lifecycle(lifecycle, shardID: shardID)
            if rc != LB_NOT_FOUND { handled += 1 }
            if rc != LB_OK && rc != LB_NOT_FOUND {
                failed += 1
                logger.error("handler failed", ["script": scriptName, "shard": shardID, "event": lifecycle.handler,
                                                "error": state.lastError])
            }
        }
    }

    private func runTimers(_ handled: inout UInt64, _ failed: inout UInt64) {
        guard let delay = state.nextTimerDelay, delay <= 0 else { return }
        handled += UInt64(state.runDueTimers { _ in
            failed += 1
            logger.error("timer failed", ["script": scriptName, "error": state.lastError])
        })
    }

    /// Runs on the script thread (or the caller's, before start): the swap itself.
    private func swap(_ pending: PendingSwap) {
        let fresh = pending.fresh
        if let blob = state.exportStore() {
            if fresh.importStore(blob) != LB_OK {
                logger.warn("store not carried over", ["script": scriptName, "error": fresh.lastError])
            }
        } else {
            logger.warn("store not exported", ["script": scriptName, "error": state.lastError])
        }
        do {
            try fresh.runMain()
        } catch {
            pending.finish(.failure(error))
            return
        }
        state = fresh
        let events = fresh.dispatchEvents
        let names = fresh.handlerNames.sorted()
        cond.lock()
        let changed = events != wanted
        wanted = events
        handlers = names
        watched = [ScriptHost.absolute(options.scriptPath)] + fresh.requiredFiles.map(ScriptHost.absolute)
        let observer = wantedObserver
        cond.unlock()
        if changed { observer?(events) }
        let rc = fresh.lifecycle(handler: "on_reload", argumentsJSON: nil, shardID: options.defaultShardID)
        if rc != LB_OK && rc != LB_NOT_FOUND {
            logger.error("on_reload failed", ["script": scriptName, "error": fresh.lastError])
        }
        pending.finish(.success(()))
    }
}
