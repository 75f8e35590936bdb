import Foundation
import LuaBridge
import ShardRuntime

/// Runs one script on its own thread (issue 5). Events arrive through `deliver`
/// into a FIFO queue (never dropped, gateway order kept); timers run between
/// events; `reload()` compiles the new version off the event path and swaps it in
/// between two events, carrying `store` over and then calling `on_reload`.
///
/// Handlers run in Lua coroutines (issue 6): a handler calling `rest.*` is parked while
/// the request is in flight and the thread goes on with the next events; the answer comes
/// back through the same queue and resumes it. Ordering: events *start* in gateway order;
/// a handler waiting on REST does not block the next. A reload keeps the old version alive
/// until its parked handlers finish (they resume in the old state; new events go to the
/// new one). `stop()` waits up to `stopGrace` for parked handlers, then cancels the rest.
///
/// Known limits (issue 6): a handler resumed after a reload runs in the old state, so its
/// writes to `store` and globals there are lost and the old state's timers no longer run;
/// nothing bounds how many handlers may be parked at once (the REST client queues them).
/// Backpressure (issue 7): once the events queued and not yet handled hold more than
/// `backpressureHigh` bytes, `onBackpressure(true)` asks the gateway to stop reading; once
/// they are down to `backpressureLow`, `onBackpressure(false)`. Nothing is ever dropped:
/// `deliver` still queues whatever arrives meanwhile.
/// Known limits (issue 5): timers belong to a Lua state, so a reload drops the old ones and
/// the new top level creates its own.
public final class ScriptHost: @unchecked Sendable {
    public let options: ScriptOptions
    public let scriptName: String
    private let logger: Logger
    private let bridge: ScriptBridge
    private let calls: ScriptRESTCalls

    private enum Item {
        case event(ScriptEvent)
        case swap(ScriptSwap)
        case restDone(Int64, ScriptRESTResult)
    }

    // Guarded by `cond`.
    private let cond = NSCondition()
    private var queue: [Item] = []
    private var running = false
    private var stopping = false
    private var finished = false
    private var exited = false  // the script thread is done, parked handlers cancelled
    private var busy = false  // a batch is being handled (guarded by `cond`)
    private var wanted: Set<String>
    private var handlers: [String]
    private var watched: [String]
    private var counters = ScriptStats()
    private var parked = 0  // handlers waiting on REST, as of the last batch
    private var wantedObserver: (@Sendable (Set<String>) -> Void)?
    private let backpressure = ScriptBackpressure()

    /// Backpressure thresholds in bytes of queued event data (`ScriptBackpressure`).
    public static let backpressureHigh = ScriptBackpressure.high
    public static let backpressureLow = ScriptBackpressure.low

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
    /// - Parameter rest: what `rest.*` reaches; nil = `rest.*` answers "rest not available".
    public init(options: ScriptOptions, control: any ShardControl, rest: (any RESTControl)? = nil,
                logger: Logger = .shared,
                output: @escaping @Sendable (String) -> Void = ScriptHost.standardOutput) throws(ScriptError) {
        self.options = options
        self.logger = logger
        self.scriptName = URL(fileURLWithPath: options.scriptPath).lastPathComponent
        let calls = ScriptRESTCalls(control: rest)
        self.calls = calls
        self.bridge = ScriptBridge(control: control, calls: calls, logger: logger, output: output, scriptName: scriptName)
        let state = try LuaState(options: options, bridge: bridge)
        try state.load(path: options.scriptPath)
        try state.runMain()
        self.state = state
        self.wanted = state.dispatchEvents
        self.handlers = state.handlerNames.sorted()
        self.watched = [ScriptHost.absolute(options.scriptPath)] + state.requiredFiles.map(ScriptHost.absolute)
        calls.deliver = { [weak self] id, result in self?.enqueue(.restDone(id, result)) }
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

    /// Called with true when the queue is over `backpressureHigh`, with false once it is down
    /// to `backpressureLow` (on the thread that crossed the mark; no lock held).
    public var onBackpressure: (@Sendable (Bool) -> Void)? {
        get { backpressure.observer }
        set { backpressure.observer = newValue }
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
    /// true when the queue is empty, no handler is running and (with `includingREST`) no
    /// handler is parked on a REST call.
    public func waitUntilIdle(timeout: Double, includingREST: Bool = true) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        cond.lock()
        defer { cond.unlock() }
        while (!queue.isEmpty || busy || (includingREST && parked > 0)) && running && !finished {
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
        enqueue(.event(event))
    }

    private func enqueue(_ item: Item) {
        cond.lock()
        queue.append(item)
        cond.broadcast()  // broadcast: waitUntilIdle waits on the same condition
        cond.unlock()
        backpressure.queued(ScriptHost.size(of: item))
    }

    private static func size(of item: Item) -> Int {
        if case .event(.dispatch(_, _, _, let data)) = item { return data.count + ScriptBackpressure.eventOverhead }
        return 0
    }

    /// Handles what is queued, waits (up to `options.stopGrace`) for handlers parked on REST
    /// calls, cancels those still waiting, then stops the script thread and the watcher.
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
            while !exited { cond.wait() }
        }
        cond.unlock()
    }

    /// Loads the script again. Compiles on the calling thread (off the event path);
    /// the script thread then swaps between two events: `store` is carried over, the
    /// new top level runs, `on_reload()` is called. On failure the old handlers stay.
    /// Before `start()` (or after `stop()`) the swap runs on the calling thread, so do
    /// not call it concurrently with `start()`. Never call it from `onWantedEventsChange`.
    @discardableResult
    public func reload() -> Result<Void, ScriptError> {
        reloadLock.lock()
        defer { reloadLock.unlock() }
        let result: Result<Void, ScriptError>
        do {
            let fresh = try LuaState(options: options, bridge: bridge)
            try fresh.load(path: options.scriptPath)
            let pending = ScriptSwap(fresh: fresh)
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
        var stopDeadline: Date?
        while true {
            cond.lock()
            while queue.isEmpty {
                if stopping {
                    if calls.pending.isEmpty { break }
                    let deadline = stopDeadline ?? Date(timeIntervalSinceNow: options.stopGrace)
                    stopDeadline = deadline
                    if deadline.timeIntervalSinceNow <= 0 { break }
                    _ = cond.wait(until: deadline)
                    continue
                }
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
            if stopping && batch.isEmpty {
                // finished is set in the same critical section, so a reload() that
                // sees !finished is sure its swap will still be handled
                finished = true
                parked = 0
                cond.broadcast()
                cond.unlock()
                let cancelled = calls.cancelAll()
                if cancelled > 0 {
                    logger.warn("stopped with handlers waiting on REST; requests cancelled",
                                ["script": scriptName, "cancelled": cancelled])
                }
                cond.lock()
                exited = true
                cond.broadcast()
                cond.unlock()
                return
            }
            busy = !batch.isEmpty
            cond.unlock()

            var handled: UInt64 = 0, failed: UInt64 = 0
            var done = 0  // bytes of the events handled and not yet released
            for item in batch {
                switch item {
                case .event(let event): handle(event, &handled, &failed)
                case .swap(let pending): swap(pending)
                case .restDone(let id, let result): resume(id, result, &failed)
                }
                runTimers(&handled, &failed)
                done += ScriptHost.size(of: item)
                if done >= 64 << 10 {
                    backpressure.handled(done)
                    done = 0
                }
            }
            backpressure.handled(done)
            if batch.isEmpty { runTimers(&handled, &failed) }
            let memory = state.memoryBytes
            cond.lock()
            counters.eventsHandled += handled
            counters.handlerErrors += failed
            counters.luaMemoryBytes = memory
            counters.restCalls = calls.started
            parked = calls.pending.count
            counters.parkedHandlers = parked
            busy = false
            cond.broadcast()
            cond.unlock()
        }
    }

    /// Logs a failed handler call (also after a resume) with what it was handling.
    private func report(_ rc: Int32, _ context: ScriptCallContext, _ failed: inout UInt64) {
        guard rc != LB_OK && rc != LB_NOT_FOUND && rc != LB_PENDING else { return }
        failed += 1
        let error = context.state.lastError
        if let seq = context.seq {
            logger.error("handler failed", ["script": scriptName, "shard": context.shardID, "event": context.event,
                                            "seq": seq, "error": error])
        } else {
            logger.error("handler failed", ["script": scriptName, "shard": context.shardID, "event": context.event,
                                            "error": error])
        }
    }

    /// A REST answer: continues the coroutine parked on it (in whichever state it lives).
    private func resume(_ id: Int64, _ result: ScriptRESTResult, _ failed: inout UInt64) {
        guard let call = calls.take(id) else { return }  // cancelled at stop
        let context = call.context
        let rc = calls.within(context) { context.state.resume(id, with: result) }
        if rc == LB_NOT_FOUND {
            logger.debug("REST answer for a handler no longer waiting", ["script": scriptName, "event": context.event])
        }
        report(rc, context, &failed)
        if context.state !== state && context.state.parkedCount == 0 {
            logger.info("old script version released after its last REST call", ["script": scriptName])
        }
    }

    private func handle(_ event: ScriptEvent, _ handled: inout UInt64, _ failed: inout UInt64) {
        let state = self.state
        switch event {
        case .dispatch(let shardID, let seq, let name, let data):
            let context = ScriptCallContext(state: state, event: name, shardID: shardID, seq: seq)
            let rc = calls.within(context) { state.dispatch(name: name, data: data, shardID: shardID, seq: seq) }
            if rc != LB_NOT_FOUND { handled += 1 }
            report(rc, context, &failed)
        case .lifecycle(let shardID, let lifecycle):
            let context = ScriptCallContext(state: state, event: lifecycle.handler, shardID: shardID, seq: nil)
            let rc = calls.within(context) { state.lifecycle(lifecycle, shardID: shardID) }
            if rc != LB_NOT_FOUND { handled += 1 }
            report(rc, context, &failed)
        }
    }

    private func runTimers(_ handled: inout UInt64, _ failed: inout UInt64) {
        guard let delay = state.nextTimerDelay, delay <= 0 else { return }
        let state = self.state
        let context = ScriptCallContext(state: state, event: "timer", shardID: options.defaultShardID, seq: nil)
        handled += UInt64(calls.within(context) {
            state.runDueTimers { _ in
                failed += 1
                logger.error("timer failed", ["script": scriptName, "error": state.lastError])
            }
        })
    }

    /// Runs on the script thread (or the caller's, before start): the swap itself.
    private func swap(_ pending: ScriptSwap) {
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
        let old = state
        state = fresh
        let waiting = calls.count(in: old)
        if waiting > 0 {
            logger.info("old script version kept until its handlers waiting on REST finish",
                        ["script": scriptName, "waiting": waiting])
        }
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
        let context = ScriptCallContext(state: fresh, event: "on_reload", shardID: options.defaultShardID, seq: nil)
        let rc = calls.within(context) {
            fresh.lifecycle(handler: "on_reload", argumentsJSON: nil, shardID: options.defaultShardID)
        }
        if rc != LB_OK && rc != LB_NOT_FOUND && rc != LB_PENDING {
            logger.error("on_reload failed", ["script": scriptName, "error": fresh.lastError])
        }
        pending.finish(.success(()))
    }
}
