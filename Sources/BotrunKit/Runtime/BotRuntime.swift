import Foundation
import GatewaySim
import ShardRuntime

/// One run of botrun: scripts on their Lua threads, shards on the event loops, and (with
/// `--sim`) the local gateway in-process. `run()` blocks until the bot stops; `start()` +
/// `wait()` do the same in two steps, so a caller (a test) can act on the running bot.
final class BotRuntime: @unchecked Sendable {
    let options: BotrunOptions
    let logger: Logger
    /// Where `print` from scripts, the sim console's lines and the `--check` report go (one line per call).
    let output: @Sendable (String) -> Void
    /// Where messages for the user go (script load errors, the fatal close); text with newlines.
    let errorOutput: @Sendable (String) -> Void
    /// Whether `start()` takes over SIGINT/SIGTERM/SIGHUP (the command line does; in-process
    /// callers stop the bot with `requestStop`, the function the signal handlers call).
    let handlesSignals: Bool
    /// Paces IDENTIFYs; nil means one queue for the process sized by `GET /gateway/bot`'s
    /// `max_concurrency` (5 s per bucket), or with `--sim` one paced like the local gateway.
    /// Tests pass their own.
    private var identifyQueue: IdentifyQueue?

    let shards = ShardSet()
    /// What `rest.*` reaches: one REST client per process, attached once the endpoint is known.
    let rest = RuntimeREST()
    private(set) var hosts: [ScriptHost] = []
    /// The in-process local gateway (`--sim`), once started.
    private(set) var sim: GatewaySim?
    private let stopped = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var exitCode: BotrunExitCode?  // guarded by `lock`; the first stop reason wins
    private var signalSources: [DispatchSourceSignal] = []
    private let connectedShards = LockedValue<Set<Int>>([])
    let allConnected = DispatchSemaphore(value: 0)
    private var shardCount = 0
    /// Dispatch names some script handles; read on the event loops, replaced on reload.
    private let wanted = LockedValue<Set<String>>([])
    /// Dispatches handed to the scripts, by name (the others stop at the event filter).
    private let forwarded = LockedValue<[String: Int]>([:])
    /// Backpressure (issue 7): the scripts whose queue is over its mark; while any is, no
    /// shard reads. Guarded by `readingLock`, which also serialises the shards' pause calls.
    private let readingLock = NSLock()
    private var hostsOverMark = Set<ObjectIdentifier>()
    private var readingPaused = false
    private var readingAlwaysOn = false  // set at shutdown: a close handshake must read

    init(options: BotrunOptions, logger: Logger,
         output: @escaping @Sendable (String) -> Void = ScriptHost.standardOutput,
         errorOutput: @escaping @Sendable (String) -> Void = { BotrunMain.write($0, to: .standardError) },
         handlesSignals: Bool = true, identifyQueue: IdentifyQueue? = nil) {
        self.options = options
        self.logger = logger
        self.output = output
        self.errorOutput = errorOutput
        self.handlesSignals = handlesSignals
        self.identifyQueue = identifyQueue
    }

    /// Runs until the bot stops; returns the exit code.
    func run() -> BotrunExitCode {
        if let finished = start() { return finished }
        return wait()
    }

    /// Loads the scripts and connects. Returns an exit code when the run is already over
    /// (`--check`, a script or set-up error), nil when the bot is running: then call `wait()`.
    func start() -> BotrunExitCode? {
        do {
            try loadScripts()
        } catch {
            errorOutput("botrun: \(error.message)\n")
            return .usageOrScriptError
        }
        let intents = resolveIntents()
        if options.check {
            printCheckReport(intents: intents)
            return .cleanStop
        }
        let endpoint: Endpoint
        do {
            endpoint = try prepareEndpoint()
        } catch {
            errorOutput("botrun: \(error)\n")
            return .usageOrScriptError
        }
        rest.connect(token: endpoint.token, apiURL: endpoint.apiURL, tls: endpoint.tls, logger: logger)
        for host in hosts { host.start() }
        if handlesSignals { installSignalHandlers() }
        if options.watch { startWatching() }
        startShards(intents: intents, endpoint: endpoint)
        if let sim { startConsole(sim: sim) }
        return nil
    }

    /// Blocks until `requestStop`, then shuts down (session file, scripts, local gateway).
    func wait() -> BotrunExitCode {
        stopped.wait()
        return shutDown()
    }

    /// True once `requestStop` was called.
    var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return exitCode != nil
    }

    /// Ends the run with `code` (the first caller decides the exit code). SIGINT and SIGTERM
    /// call this with `.cleanStop`: a resumable shutdown when `--session-file` is set.
    func requestStop(_ code: BotrunExitCode) {
        lock.lock()
        let first = exitCode == nil
        if first { exitCode = code }
        lock.unlock()
        if first { stopped.signal() }
    }

    // MARK: - Scripts

    private func loadScripts() throws(ScriptError) {
        for path in options.scripts {
            let scriptOptions = ScriptOptions(scriptPath: path, sandbox: !options.unsafe,
                                              memoryLimit: options.memoryLimitBytes,
                                              handlerTimeout: options.handlerTimeout)
            let host = try ScriptHost(options: scriptOptions, control: shards, rest: rest, logger: logger, output: output)
            host.onWantedEventsChange = { [weak self] _ in self?.refreshWanted() }
            let id = ObjectIdentifier(host)
            host.onBackpressure = { [weak self] over in self?.backpressure(from: id, over: over) }
            hosts.append(host)
        }
        refreshWanted()
    }

    /// A script's queue crossed its mark: pause or resume reading on every shard.
    private func backpressure(from host: ObjectIdentifier, over: Bool) {
        readingLock.lock()
        defer { readingLock.unlock() }
        if over { hostsOverMark.insert(host) } else { hostsOverMark.remove(host) }
        applyReading()
    }

    /// Caller holds `readingLock`.
    private func applyReading() {
        let want = !hostsOverMark.isEmpty && !readingAlwaysOn
        guard want != readingPaused else { return }
        readingPaused = want
        for shard in shards.all { shard.setReadingPaused(want) }
    }

    private func refreshWanted() {
        wanted.set(hosts.reduce(into: Set<String>()) { $0.formUnion($1.wantedEvents) })
    }

    /// The intents to identify with: explicit (`--intents`) or the non-privileged intents the
    /// handlers need. Warns about handlers whose events the chosen intents cannot deliver.
    func resolveIntents() -> Intents {
        let events = wanted.get()
        let needed = Intents.needed(by: events)
        let intents: Intents
        switch options.intents {
        case .explicit(let bits, _): intents = Intents(rawValue: bits)
        case .derivedFromHandlers:
            intents = needed.subtracting(.privileged)
                .union(options.sim ? Intents.privilegedWanted(by: events) : [])
        }
        // Intent names in the warnings are spelled as --intents takes them (lower case).
        func spelled(_ intents: Intents, _ separator: String) -> String {
            intents.names.map { $0.lowercased() }.joined(separator: separator)
        }
        for event in events.sorted() {
            let gating = Intents.gating(event: event)
            if !gating.isEmpty && gating.isDisjoint(with: intents) {
                logger.warn("handler will get no events: its intent is off",
                            ["event": event, "needs": spelled(gating, "|")])
            }
        }
        let privileged = Intents.privilegedWanted(by: events)
        let missing = privileged.subtracting(intents)
        if !missing.isEmpty {
            logger.warn("privileged intents are off; name them with --intents to receive full data",
                        ["missing": spelled(missing, "|"), "try": "--intents " + spelled(intents.union(missing), ",")])
        } else if options.sim, case .derivedFromHandlers = options.intents, !privileged.isEmpty {
            // The local gateway grants them unasked; Discord will not (README, Intents).
            logger.warn("the local gateway grants privileged intents; against Discord name them with --intents "
                        + "and enable them in the Developer Portal",
                        ["privileged": spelled(privileged, "|"), "try": "--intents " + spelled(intents, ",")])
        }
        return intents
    }

    private func printCheckReport(intents: Intents) {
        for host in hosts {
            output("\(host.scriptName): handlers for \(host.wantedEvents.sorted().joined(separator: ", "))")
        }
        // Names spelled as `--intents` takes them.
        let names = intents.names.map { $0.lowercased() }
        output("intents: \(intents.rawValue) (\(names.isEmpty ? "none" : names.joined(separator: ", ")))")
    }

    private func startWatching() {
        for host in hosts {
            do {
                try host.startWatching()
            } catch {
                logger.warn("live reload is off: cannot watch the script", ["script": host.scriptName, "error": "\(error)"])
            }
        }
    }

    /// How many `name` dispatches passed the event filter and went to the scripts.
    func forwardedCount(_ name: String) -> Int { forwarded.get()[name] ?? 0 }

    func reloadAll() {
        for host in hosts { host.reload() }
    }

    // MARK: - Gateway

    struct Endpoint {
        var token: Token
        var gatewayURL: String?
        var apiURL: String
        var tls: TLSConfiguration
    }

    private func prepareEndpoint() throws -> Endpoint {
        if options.sim {
            var simOptions = GatewaySimOptions()
            simOptions.tls = true
            simOptions.logger = logger  // the sim's lines follow --log-level and --log-format too
            let sim = GatewaySim(options: simOptions)
            _ = try sim.start()
            self.sim = sim
            if identifyQueue == nil {
                identifyQueue = LocalIdentifyQueue(maxConcurrency: simOptions.maxConcurrency,
                                                   interval: .seconds(simOptions.identifyInterval))
            }
            logger.info("local gateway started", ["url": sim.gatewayURL])
            return Endpoint(token: Token(sim.token), gatewayURL: sim.gatewayURL, apiURL: sim.apiBaseURL,
                            tls: .client(caFile: sim.caFile))
        }
        guard let token = options.token else { throw RuntimeError("no token (set DISCORD_TOKEN or --token-file)") }
        return Endpoint(token: token, gatewayURL: options.gatewayURL,
                        apiURL: options.apiURL ?? RESTClient.defaultBaseURL,
                        tls: .client(caFile: options.caFile))
    }

    private func startShards(intents: Intents, endpoint: Endpoint) {
        let sessions = options.sessionFile.map { SessionFile(path: $0, logger: logger).load() } ?? [:]
        let gatewayBot = lookUpGatewayBot()
        let (ids, total) = shardIDs(gatewayBot: gatewayBot)
        shardCount = ids.count
        if identifyQueue == nil {
            // One queue for every shard of the process, with Discord's identify concurrency.
            identifyQueue = LocalIdentifyQueue(maxConcurrency: max(1, gatewayBot?.sessionStartLimit.maxConcurrency ?? 1))
        }
        for id in ids {
            var builder = Shard.builder(token: endpoint.token, intents: intents)
                .shard(id: id, total: total)
                .apiBaseURL(endpoint.apiURL)
                .compression(GatewayCompression(rawValue: options.compression.rawValue) ?? .zlibStream)
                .tls(endpoint.tls)
                .logger(logger)
                .resumeSession(sessions[id])
            if let identifyQueue { builder = builder.identifyQueue(identifyQueue) }
            if let url = endpoint.gatewayURL ?? gatewayBot?.url { builder = builder.gatewayURL(url) }
            let shard = builder.build(onEvent: { [weak self] event in self?.handle(event, shardID: id) })
            readingLock.lock()
            shards.add(shard)
            if readingPaused { shard.setReadingPaused(true) }
            readingLock.unlock()
            // The callback form: a Task here would need a Swift-concurrency thread, which
            // threads blocked elsewhere in the process (e.g. parallel tests) can starve.
            shard.start { error in
                guard let error else { return }
                self.logger.error("shard failed to start", ["shard": id, "error": "\(error)"])
                self.errorOutput("botrun: shard \(id): \(error)\n")
                self.requestStop(.fatalGatewayClose)
            }
        }
    }

    /// The API's recommended shard count, if usable: a broken or hostile API answering
    /// `"shards": 1000000000` would otherwise make this process build a billion shards.
    static func acceptedShardCount(_ recommended: Int) -> Int? {
        (1...BotrunOptionParser.maxShards).contains(recommended) ? recommended : nil
    }

    /// Which shards this process runs, and of how many.
    private func shardIDs(gatewayBot: GatewayBotInfo?) -> (ids: [Int], total: Int) {
        switch options.shards {
        case .single(let id, let total): return ([id], total)
        case .count(let count): return (Array(0..<count), count)
        case .automatic:
            let recommended = gatewayBot?.shards ?? 1
            guard let count = BotRuntime.acceptedShardCount(recommended) else {
                logger.warn("GET /gateway/bot recommends an impossible shard count; running one shard",
                            ["shards": recommended])
                return ([0], 1)
            }
            return (Array(0..<count), count)
        }
    }

    /// `GET /gateway/bot`: the recommended shard count and the identify concurrency. Skipped
    /// when neither is needed (explicit shards and an injected identify queue).
    private func lookUpGatewayBot() -> GatewayBotInfo? {
        if case .automatic = options.shards {} else if identifyQueue != nil { return nil }
        switch rest.gatewayBot(timeout: 30) {
        case .success(let info):
            logger.info("gateway bot info", ["shards": info.shards,
                                              "max_concurrency": info.sessionStartLimit.maxConcurrency,
                                              "session_starts_left": info.sessionStartLimit.remaining])
            return info
        case .failure(let error):
            logger.warn("GET /gateway/bot failed; one shard, one identify per 5 s", ["error": "\(error)"])
            return nil
        case nil:
            return nil
        }
    }

    /// Called on an event loop for every shard event: forwards what scripts handle.
    private func handle(_ event: ShardEvent, shardID: Int) {
        let scriptEvent: ScriptEvent
        switch event {
        case .dispatch(let dispatch):
            guard wanted.get().contains(dispatch.name) else { return }
            forwarded.update { $0[dispatch.name, default: 0] += 1 }
            scriptEvent = .dispatch(shardID: shardID, seq: dispatch.sequence, name: dispatch.name,
                                    data: Array(dispatch.data))
        case .connected(let resumed):
            logger.info(resumed ? "session resumed" : "session ready", ["shard": shardID])
            noteConnected(shardID)
            scriptEvent = .lifecycle(shardID: shardID, resumed ? .resumed : .connected)
        case .disconnected(let code, let reason):
            scriptEvent = .lifecycle(shardID: shardID, .disconnected(code: Int(code ?? 1006), reason: reason))
        case .reconnecting:
            scriptEvent = .lifecycle(shardID: shardID, .reconnecting)
        case .invalidSession(let resumable):
            scriptEvent = .lifecycle(shardID: shardID, .invalidSession(resumable: resumable))
        case .fatal(let error):
            // The shard logs "shard stopped" itself; the user gets the reason (e.g. 4004) once more on stderr.
            errorOutput("botrun: shard \(shardID): \(error)\n")
            requestStop(.fatalGatewayClose)
            return
        default:
            return
        }
        for host in hosts { host.deliver(scriptEvent) }
    }

    private func noteConnected(_ shardID: Int) {
        var complete = false
        connectedShards.update { set in
            guard set.insert(shardID).inserted else { return }
            complete = set.count == shardCount
        }
        if complete { allConnected.signal() }
    }

    // MARK: - Stopping

    private func installSignalHandlers() {
        let actions: [(Int32, @Sendable () -> Void)] = [
            (SIGINT, { [weak self] in self?.requestStop(.cleanStop) }),
            (SIGTERM, { [weak self] in self?.requestStop(.cleanStop) }),
            (SIGHUP, { [weak self] in self?.reloadAll() }),
        ]
        for (number, action) in actions {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: action)
            source.resume()
            signalSources.append(source)
        }
    }

    private func shutDown() -> BotrunExitCode {
        lock.lock()
        let code = exitCode ?? .cleanStop
        lock.unlock()
        for source in signalSources { source.cancel() }
        signalSources = []
        readingLock.lock()
        readingAlwaysOn = true
        applyReading()
        readingLock.unlock()
        if let path = options.sessionFile, code == .cleanStop {
            var sessions: [Int: ResumeSession] = [:]
            for shard in shards.all {
                if let session = shard.shutdownResumable() { sessions[shard.id] = session }
            }
            SessionFile(path: path, logger: logger).save(sessions)
        } else {
            for shard in shards.all { shard.shutdown() }
        }
        for host in hosts { host.stop() }  // waits (bounded) for handlers parked on REST
        rest.shutdown()
        sim?.stop()
        return code
    }
}

/// A failure of the runtime set-up, with the reason in words.
struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
