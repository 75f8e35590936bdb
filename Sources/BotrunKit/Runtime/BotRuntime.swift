import Foundation
import GatewaySim
import ShardRuntime

/// One run of botrun: scripts on their Lua threads, shards on the event loops, and (with
/// `--sim`) the local gateway in-process. `run()` blocks until the bot stops.
final class BotRuntime: @unchecked Sendable {
    let options: BotrunOptions
    let logger: Logger
    private let shards = ShardSet()
    private var hosts: [ScriptHost] = []
    private var sim: GatewaySim?
    private let stopped = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var exitCode: BotrunExitCode?  // guarded by `lock`; the first stop reason wins
    private var signalSources: [DispatchSourceSignal] = []
    private let connectedShards = LockedValue<Set<Int>>([])
    private let allConnected = DispatchSemaphore(value: 0)
    private var shardCount = 0
    /// Dispatch names some script handles; read on the event loops, replaced on reload.
    private let wanted = LockedValue<Set<String>>([])

    /// Where `print` from scripts and the sim console's lines go.
    let output: @Sendable (String) -> Void

    init(options: BotrunOptions, logger: Logger, output: @escaping @Sendable (String) -> Void = ScriptHost.standardOutput) {
        self.options = options
        self.logger = logger
        self.output = output
    }

    func run() -> BotrunExitCode {
        do {
            try loadScripts()
        } catch {
            BotrunMain.write("botrun: \(error.message)\n", to: .standardError)
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
            BotrunMain.write("botrun: \(error)\n", to: .standardError)
            return .usageOrScriptError
        }
        for host in hosts { host.start() }
        installSignalHandlers()
        if options.watch { startWatching() }
        startShards(intents: intents, endpoint: endpoint)
        if let sim { startConsole(sim: sim) }

        stopped.wait()
        return shutDown()
    }

    /// Ends the run with `code` (the first caller decides the exit code).
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
            let host = try ScriptHost(options: scriptOptions, control: shards, logger: logger, output: output)
            host.onWantedEventsChange = { [weak self] _ in self?.refreshWanted() }
            hosts.append(host)
        }
        refreshWanted()
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
        for event in events.sorted() {
            let gating = Intents.gating(event: event)
            if !gating.isEmpty && gating.isDisjoint(with: intents) {
                logger.warn("handler will get no events: its intent is off",
                            ["event": event, "needs": gating.names.joined(separator: "|")])
            }
        }
        let missing = Intents.privilegedWanted(by: events).subtracting(intents)
        if !missing.isEmpty {
            logger.warn("privileged intents are off; name them with --intents to receive full data",
                        ["missing": missing.names.joined(separator: "|")])
        }
        return intents
    }

    private func printCheckReport(intents: Intents) {
        var out = ""
        for host in hosts {
            out += "\(host.scriptName): handlers for \(host.wantedEvents.sorted().joined(separator: ", "))\n"
        }
        out += "intents: \(intents.rawValue) (\(intents.names.joined(separator: ", ")))\n"
        BotrunMain.write(out, to: .standardOutput)
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
            let sim = GatewaySim(options: simOptions)
            _ = try sim.start()
            self.sim = sim
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
        let sessions = loadSessionFile()
        let (ids, total) = shardIDs(endpoint: endpoint)
        shardCount = ids.count
        for id in ids {
            var builder = Shard.builder(token: endpoint.token, intents: intents)
                .shard(id: id, total: total)
                .apiBaseURL(endpoint.apiURL)
                .compression(GatewayCompression(rawValue: options.compression.rawValue) ?? .zlibStream)
                .tls(endpoint.tls)
                .logger(logger)
                .resumeSession(sessions[id])
            if let url = endpoint.gatewayURL { builder = builder.gatewayURL(url) }
            let shard = builder.build(onEvent: { [weak self] event in self?.handle(event, shardID: id) })
            shards.add(shard)
            Task {
                do {
                    try await shard.start()
                } catch {
                    self.logger.error("shard failed to start", ["shard": id, "error": "\(error)"])
                    self.requestStop(.fatalGatewayClose)
                }
            }
        }
    }

    /// The API's recommended shard count, if usable: a broken or hostile API answering
    /// `"shards": 1000000000` would otherwise make this process build a billion shards.
    static func acceptedShardCount(_ recommended: Int) -> Int? {
        (1...BotrunOptionParser.maxShards).contains(recommended) ? recommended : nil
    }

    /// Which shards this process runs, and of how many.
    private func shardIDs(endpoint: Endpoint) -> (ids: [Int], total: Int) {
        switch options.shards {
        case .single(let id, let total): return ([id], total)
        case .count(let count): return (Array(0..<count), count)
        case .automatic:
            let count = recommendedShardCount(endpoint: endpoint) ?? 1
            return (Array(0..<count), count)
        }
    }

    private func recommendedShardCount(endpoint: Endpoint) -> Int? {
        guard let client = try? RESTClient(token: endpoint.token, baseURL: endpoint.apiURL, tls: endpoint.tls,
                                           logger: logger) else { return nil }
        let answer = LockedValue<Result<GatewayBotInfo, RESTError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        client.getGatewayBot { result in
            answer.set(result)
            done.signal()
        }
        _ = done.wait(timeout: .now() + 30)
        switch answer.get() {
        case .success(let info):
            guard let count = BotRuntime.acceptedShardCount(info.shards) else {
                logger.warn("GET /gateway/bot recommends an impossible shard count; running one shard",
                            ["shards": info.shards])
                return nil
            }
            return count
        case .failure(let error):
            logger.warn("GET /gateway/bot failed; running one shard", ["error": "\(error)"])
            return nil
        case nil: return nil
        }
    }

    /// Called on an event loop for every shard event: forwards what scripts handle.
    private func handle(_ event: ShardEvent, shardID: Int) {
        let scriptEvent: ScriptEvent
        switch event {
        case .dispatch(let dispatch):
            guard wanted.get().contains(dispatch.name) else { return }
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
            logger.error("shard stopped", ["shard": shardID, "error": "\(error)"])
            requestStop(.fatalGatewayClose)
            return
        default:
            return
        }
        for host in hosts { host.deliver(scriptEvent) }
    }

    private func noteConnected(_ shardID: Int) {
        var set = connectedShards.get()
        guard !set.contains(shardID) else { return }
        set.insert(shardID)
        connectedShards.set(set)
        if set.count == shardCount { allConnected.signal() }
    }

    // MARK: - Sim console

    /// Feeds console lines to the local gateway once every shard is connected; at the end of
    /// input, waits until the bot has handled everything the gateway sent, then stops.
    private func startConsole(sim: GatewaySim) {
        let input: FileHandle
        if let path = options.simInput {
            guard let file = FileHandle(forReadingAtPath: path) else {
                BotrunMain.write("botrun: --sim-input: cannot read \(path)\n", to: .standardError)
                return requestStop(.usageOrScriptError)
            }
            input = file
        } else {
            input = .standardInput
        }
        let interactive = options.simInput == nil && isatty(STDIN_FILENO) == 1
        let thread = Thread { [self] in
            allConnected.wait()
            SimConsole(sim: sim, input: input, interactive: interactive, output: output,
                       settle: { [self] in drain(sim: sim, timeout: 2) }).run()
            drain(sim: sim, timeout: 10)
            requestStop(.cleanStop)
        }
        thread.name = "sim-console"
        thread.start()
    }

    /// Waits (bounded) until each shard has seen the last event the local gateway sent and
    /// every script has handled what it was given, including events caused by its own replies.
    private func drain(sim: GatewaySim, timeout: Double) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            for host in hosts { _ = host.waitUntilIdle(timeout: deadline.timeIntervalSinceNow) }
            let sent = sim.recorder.deliveredSequences.values.compactMap(\.last).max() ?? 0
            let seen = shards.all.compactMap { try? $0.info().sequence }.max() ?? 0
            if seen >= Int64(sent) && hosts.allSatisfy({ $0.waitUntilIdle(timeout: 0) }) { return }
            Thread.sleep(forTimeInterval: 0.02)  // poll: the shard exposes no sequence notification
        }
        logger.debug("events still in flight after waiting", ["seconds": timeout])
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
        if let path = options.sessionFile, code == .cleanStop {
            var sessions: [Int: ResumeSession] = [:]
            for shard in shards.all {
                if let session = shard.shutdownResumable() { sessions[shard.id] = session }
            }
            saveSessionFile(path: path, sessions: sessions)
        } else {
            for shard in shards.all { shard.shutdown() }
        }
        for host in hosts { host.stop() }
        sim?.stop()
        return code
    }

    private func loadSessionFile() -> [Int: ResumeSession] {
        guard let path = options.sessionFile, FileManager.default.fileExists(atPath: path) else { return [:] }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let stored = try JSONDecoder().decode([String: ResumeSession].self, from: data)
            logger.info("resuming from session file", ["path": path, "sessions": stored.count])
            return Dictionary(uniqueKeysWithValues: stored.compactMap { key, value in Int(key).map { ($0, value) } })
        } catch {
            logger.warn("session file unreadable; identifying afresh", ["path": path, "error": "\(error)"])
            return [:]
        }
    }

    private func saveSessionFile(path: String, sessions: [Int: ResumeSession]) {
        let stored = Dictionary(uniqueKeysWithValues: sessions.map { (String($0.key), $0.value) })
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(stored).write(to: URL(fileURLWithPath: path), options: .atomic)
            logger.info("session saved", ["path": path, "sessions": stored.count])
        } catch {
            logger.error("could not write the session file", ["path": path, "error": "\(error)"])
        }
    }
}

/// A failure of the runtime set-up, with the reason in words.
struct RuntimeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A value behind a lock, for state read on one thread and replaced on another.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func get() -> Value {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func set(_ newValue: Value) {
        lock.lock()
        value = newValue
        lock.unlock()
    }
}
