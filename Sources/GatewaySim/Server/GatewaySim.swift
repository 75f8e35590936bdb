import Foundation
import ShardRuntime

/// A local Discord gateway + REST emulator on 127.0.0.1 (issue 4): WebSocket gateway
/// (`v`, `encoding=json`, `compress=zlib-stream|zstd-stream|none`) and `/api/v10` REST on one
/// port, plain or TLS with a generated CA. All I/O runs on one `EventLoop`; the protocol
/// logic is the pure `SimCore`, guarded by a condition lock so tests can wait on the recorder.
/// Every public method is thread-safe.
///
/// ```swift
/// var options = GatewaySimOptions()
/// options.tls = true                        // wss:// + https:// with a generated CA
/// options.heartbeatIntervalMS = 500
/// let sim = GatewaySim(options: options)
/// try sim.start()                           // random port on 127.0.0.1
/// defer { sim.stop() }
/// // connect a client to sim.gatewayURL (trusting sim.caFile) with token sim.token …
/// sim.postUserMessage(content: "!ping")     // MESSAGE_CREATE from "tester" in #general
/// sim.sendReconnect()                       // op 7; the client should RESUME
/// sim.waitUntil { $0.resumedCount == 1 }    // assert on the recorder
/// ```
public final class GatewaySim: @unchecked Sendable {
    public let options: GatewaySimOptions
    let loop: EventLoop
    let core: SimCoreBox
    let transportFaults = SimLocked(SimTransportFaults())
    private let observer = SimLocked<(@Sendable (SimBotMessage) -> Void)?>(nil)
    let restHold = SimRESTHold()
    private let startUptime = ProcessInfo.processInfo.systemUptime
    private let endpoint = SimLocked<(port: Int, listener: TCPListener?, caFile: String?)>((0, nil, nil))
    // Loop-confined.
    private var httpConnections: [ObjectIdentifier: SimHTTPConnection] = [:]
    private var sockets: [ConnectionID: GatewaySocket] = [:]
    private var nextConnectionID = 0

    public init(options: GatewaySimOptions = GatewaySimOptions()) {
        self.options = options
        loop = EventLoop(name: "gateway-sim")
        core = SimCoreBox(SimCore(options: options))
    }

    deinit { loop.shutdown() }

    // MARK: - Lifecycle

    /// Listens on 127.0.0.1 (`options.port`, 0 = random) and returns the port. With
    /// `options.tls`, generates (once per process) a CA and server certificate first.
    @discardableResult
    public func start() throws(SimError) -> Int {
        guard endpoint.withLock({ $0.listener == nil }) else { throw .alreadyStarted }
        var tls: TLSConfiguration?
        var caFile: String?
        if options.tls {
            let certificates = try SimCertificates.shared()
            tls = .server(certificateChainFile: certificates.certificateFile, privateKeyFile: certificates.keyFile)
            caFile = certificates.caFile
        }
        let listener: TCPListener
        do {
            listener = try TCPListener(port: Int(options.port), tls: tls, loop: loop) { [weak self] stream in
                self?.accepted(stream)
            }
        } catch {
            throw .listenFailed(port: options.port, error)
        }
        endpoint.withLock { $0 = (listener.port, listener, caFile) }
        let base = (options.tls ? "wss" : "ws") + "://127.0.0.1:\(listener.port)"
        core.mutate { $0.gatewayBaseURL = base; return [] }
        if let factor = options.heartbeatTimeoutFactor {
            scheduleHeartbeatCheck(every: Double(options.heartbeatIntervalMS) / 1000 * factor / 4)
        }
        return listener.port
    }

    /// Stops listening and closes every connection (without close frames). Waits until done
    /// (or, on the sim's own loop thread, e.g. from the bot-message observer, does it inline).
    public func stop() {
        let listener = endpoint.withLock { $0.listener }
        listener?.close()
        if loop.inEventLoop {
            closeAll()
        } else {
            let done = DispatchSemaphore(value: 0)
            loop.execute { [self] in
                closeAll()
                done.signal()
            }
            done.wait()
        }
        endpoint.withLock { $0.listener = nil }
    }

    /// Runs the heartbeat enforcement every `period` seconds until the sim stops.
    private func scheduleHeartbeatCheck(every period: Double) {
        loop.schedule(after: max(0.01, period)) { [weak self] in
            guard let self, self.endpoint.withLock({ $0.listener != nil }) else { return }
            self.apply { $0.enforceHeartbeats(now: self.now) }
            self.scheduleHeartbeatCheck(every: period)
        }
    }

    private func closeAll() {
        for socket in sockets.values { socket.drop() }
        for ended in sockets.keys { core.mutate { $0.connectionEnded(ended); return [] } }
        sockets = [:]
        for connection in httpConnections.values { connection.stream.close() }
        httpConnections = [:]
    }

    public var port: Int { endpoint.withLock { $0.port } }
    /// `ws[s]://127.0.0.1:PORT` — what `/gateway` and READY's `resume_gateway_url` return.
    public var gatewayURL: String { (options.tls ? "wss" : "ws") + "://127.0.0.1:\(port)" }
    /// `http[s]://127.0.0.1:PORT/api/v10`.
    public var apiBaseURL: String { (options.tls ? "https" : "http") + "://127.0.0.1:\(port)/api/v10" }
    /// PEM file of the CA that signed the TLS certificate (nil without TLS).
    public var caFile: String? { endpoint.withLock { $0.caFile } }
    /// The bot token the sim accepts.
    public var token: String { options.token }

    /// Called (on the sim's loop thread) for every message the bot creates, edits, deletes or
    /// reacts to through REST.
    public func setBotMessageObserver(_ observer: (@Sendable (SimBotMessage) -> Void)?) {
        self.observer.withLock { $0 = observer }
    }

    // MARK: - Recorder and state

    public var recorder: SimRecorder { core.read { $0.recorder } }
    public var world: SimWorld { core.read { $0.world } }
    public var sessionIDs: [String] { core.read { $0.sessionIDs } }
    public var liveConnections: [ConnectionID] { core.read { $0.liveConnections } }

    /// Waits until `condition` holds for the recorder (re-checked after every change), or
    /// `timeout` seconds pass. Returns whether it held.
    @discardableResult
    public func waitUntil(timeout: Double = 5, _ condition: (SimRecorder) -> Bool) -> Bool {
        core.wait(timeout: timeout) { condition($0.recorder) }
    }

    var now: Double { ProcessInfo.processInfo.systemUptime - startUptime }

    // MARK: - Performing core actions

    /// Runs `change` on the core and queues its actions on the loop, in order.
    func apply(_ change: (inout SimCore) -> [SimAction]) {
        core.mutate { core in
            let actions = change(&core)
            if !actions.isEmpty { loop.execute { [self] in perform(actions) } }
            return actions
        }
    }

    private func perform(_ actions: [SimAction]) {
        let faults = transportFaults.withLock { $0 }
        for action in actions {
            switch action {
            case .send(let id, let text): sockets[id]?.send(text, faults: faults)
            case .close(let id, let code):
                options.logger.info("sim closes connection", ["conn": id, "code": code])
                sockets[id]?.close(code: code)
            case .drop(let id):
                sockets.removeValue(forKey: id)?.drop()
                core.mutate { $0.connectionEnded(id); return [] }
            }
        }
    }

    // MARK: - Connections (loop thread)

    private func accepted(_ stream: StreamConnection) {
        let connection = SimHTTPConnection(stream: stream, sim: self)
        httpConnections[ObjectIdentifier(connection)] = connection
        connection.start()
    }

    func httpConnectionEnded(_ connection: SimHTTPConnection) {
        httpConnections[ObjectIdentifier(connection)] = nil
    }

    func serveREST(_ request: HTTPRequest) -> HTTPResponse {
        var outcome: RESTOutcome?
        apply { core in
            let result = core.handle(request, now: now)
            outcome = result
            return result.actions
        }
        guard let outcome else { return HTTPResponse(status: 500) }
        options.logger.debug("sim rest", ["method": request.method, "path": request.path,
                                          "status": outcome.response.status])
        if !outcome.botMessages.isEmpty, let observer = observer.withLock({ $0 }) {
            outcome.botMessages.forEach(observer)
        }
        return outcome.response
    }

    func upgrade(stream: StreamConnection, request: HTTPRequest, leftover: [UInt8]) {
        let query = request.query
        let compression = GatewayCompression(rawValue: query["compress"] ?? "none") ?? .none
        nextConnectionID += 1
        let id = nextConnectionID
        let socket = GatewaySocket(id: id, compression: compression, sim: self)
        sockets[id] = socket
        core.mutate { $0.connectionOpened(id, target: request.target, now: now); return [] }
        options.logger.debug("sim gateway connection", ["conn": id, "compress": compression.rawValue])
        _ = WebSocketConnection.upgrade(stream: stream, key: request.header("sec-websocket-key"), leftover: leftover,
                                        handler: socket)
        // Discord closes bad versions with 4012. Known limit (issue 4): the sim speaks JSON
        // only, so `encoding=etf` is closed with 4002.
        if let version = query["v"], !(6...10).contains(Int(version) ?? 0) {
            return apply { $0.close(code: 4012, connection: id) }
        }
        if let encoding = query["encoding"], encoding != "json" {
            return apply { $0.close(code: 4002, connection: id) }
        }
        let hello = core.read { $0.helloPayload }
        let delay = transportFaults.withLock { $0.helloDelay }
        socket.scheduleHello(after: delay, on: loop) { [weak self] in
            self?.loop.execute { [weak self] in self?.sendHello(id, hello) }
        }
    }

    private func sendHello(_ id: ConnectionID, _ hello: String) {
        sockets[id]?.send(hello, faults: transportFaults.withLock { $0 })
    }

    func clientSent(_ id: ConnectionID, _ bytes: [UInt8]) {
        apply { $0.received(id, text: bytes, now: now) }
    }

    func socketClosed(_ id: ConnectionID, clientCode: UInt16?) {
        options.logger.debug("sim gateway connection ended", ["conn": id, "client_code": clientCode.map(String.init) ?? "-"])
        sockets[id] = nil
        core.mutate { core in
            if let clientCode { core.clientClosed(id, code: clientCode, now: now) }
            core.connectionEnded(id)
            return []
        }
    }
}
