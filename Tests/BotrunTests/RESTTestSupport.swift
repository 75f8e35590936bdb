import Foundation
@testable import BotrunKit
import GatewaySim
import ShardRuntime

/// A RESTControl that records requests and completes them only when the test says so.
final class FakeRESTControl: RESTControl, @unchecked Sendable {
    struct Call {
        let method: String
        let path: String
        let body: String?
        let complete: @Sendable (ScriptRESTResult) -> Void
    }

    private let cond = NSCondition()
    private var _calls: [Call] = []
    private var _cancelled = 0

    var calls: [Call] { cond.lock(); defer { cond.unlock() }; return _calls }
    var cancelled: Int { cond.lock(); defer { cond.unlock() }; return _cancelled }

    func start(method: String, path: String, body: [UInt8]?,
               completion: @escaping @Sendable (ScriptRESTResult) -> Void) -> @Sendable () -> Void {
        cond.lock()
        _calls.append(Call(method: method, path: path, body: body.map { String(decoding: $0, as: UTF8.self) },
                           complete: completion))
        cond.broadcast()
        cond.unlock()
        return { [self] in
            cond.lock()
            _cancelled += 1
            cond.unlock()
            completion(.failure(status: nil, message: "cancelled"))
        }
    }

    /// Waits until at least `count` requests were started.
    @discardableResult
    func wait(forCalls count: Int, timeout: Double = 5) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        cond.lock()
        defer { cond.unlock() }
        while _calls.count < count {
            if !cond.wait(until: deadline) { return _calls.count >= count }
        }
        return true
    }
}

func makeRESTHost(_ dir: ScriptDir, _ output: LineCollector, rest: (any RESTControl)?, logs: LineCollector? = nil,
                  timeout: Double = 2, stopGrace: Double = 5) throws(ScriptError) -> ScriptHost {
    let sink: @Sendable (String) -> Void
    if let logs { sink = logs.sink } else { sink = { _ in } }
    let logger = Logger(level: .debug, sink: sink)
    return try ScriptHost(options: ScriptOptions(scriptPath: dir.script, handlerTimeout: timeout, stopGrace: stopGrace),
                          control: FakeShardControl(), rest: rest, logger: logger, output: output.sink)
}

func messageEvent(seq: Int64, _ json: String = "{}", name: String = "MESSAGE_CREATE") -> ScriptEvent {
    .dispatch(shardID: 0, seq: seq, name: name, data: Array(json.utf8))
}

/// A TLS GatewaySim and a RESTClient trusting its CA (as the runtime builds them), for
/// scripts run through a ScriptHost without shards.
final class SimREST: @unchecked Sendable {
    let sim: GatewaySim
    let client: RESTClient
    let logs = LineCollector()

    init(token: String? = nil) throws {
        var options = GatewaySimOptions()
        options.tls = true
        sim = GatewaySim(options: options)
        try sim.start()
        let logs = self.logs
        client = try RESTClient(token: Token(token ?? sim.token), baseURL: sim.apiBaseURL,
                                tls: .client(caFile: sim.caFile), logger: Logger(level: .info, sink: { logs.sink($0) }))
    }

    var control: RESTClientControl { RESTClientControl(client: client) }

    func cleanup() {
        client.shutdown()
        sim.stop()
    }
}
