import Foundation
import ShardRuntime
@testable import GatewaySim

/// A gateway client for the live tests, on Transport's `WebSocketConnection`: decodes every
/// payload (with the connection's decompressor) and lets tests wait for conditions.
final class LiveClient: WebSocketHandler, @unchecked Sendable {
    private let condition = NSCondition()
    private var payloads: [[String: Any]] = []
    private var closeCode: UInt16?
    private var failed: TransportError?
    private var ended = false
    private var wsMessages = 0
    private let decompressor: GatewayDecompressor?
    private(set) var ws: WebSocketConnection!

    init(url: String, compression: GatewayCompression = .none, query: String? = nil, caFile: String? = nil) throws {
        decompressor = compression.makeDecompressor()
        let q = query ?? "/?v=10&encoding=json" + (compression == .none ? "" : "&compress=\(compression.rawValue)")
        let target = try WebSocketURL(url + q)
        ws = WebSocketConnection.connect(url: target, tls: .client(caFile: caFile), handler: self)
    }

    func webSocket(_ ws: WebSocketConnection, didReceive message: WebSocketMessage) {
        condition.lock()
        defer { condition.broadcast(); condition.unlock() }
        wsMessages += 1
        var bytes = message.bytes
        if let decompressor {
            guard let payload = try? decompressor.decompress(bytes) else { return }
            bytes = payload
        }
        if let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] {
            payloads.append(object)
        }
    }

    func webSocket(_ ws: WebSocketConnection, didCloseWith code: UInt16, reason: String) {
        condition.lock()
        closeCode = code
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    func webSocket(_ ws: WebSocketConnection, didFail error: TransportError) {
        condition.lock()
        failed = error
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits (bounded) until `predicate` holds over the received payloads. The bound is
    /// generous: the test machine is shared, and connects resolve on a Dispatch queue that
    /// parallel tests can starve for seconds; a passing wait returns at once.
    @discardableResult
    func wait(timeout: Double = 20, _ predicate: (_ payloads: [[String: Any]], _ ended: Bool) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(payloads, ended) {
            if !condition.wait(until: deadline) { return predicate(payloads, ended) }
        }
        return true
    }

    func waitFor(op: Int, t: String? = nil, count: Int = 1, timeout: Double = 20) -> Bool {
        wait(timeout: timeout) { payloads, _ in
            payloads.filter { $0["op"] as? Int == op && (t == nil || $0["t"] as? String == t) }.count >= count
        }
    }

    var received: [[String: Any]] { condition.lock(); defer { condition.unlock() }; return payloads }
    var serverCloseCode: UInt16? { condition.lock(); defer { condition.unlock() }; return closeCode }
    var failure: TransportError? { condition.lock(); defer { condition.unlock() }; return failed }
    var messageCount: Int { condition.lock(); defer { condition.unlock() }; return wsMessages }

    func send(_ text: String) { ws.send(text: text) }

    func identify(token: String, intents: Int = 37377) {
        send(#"{"op":2,"d":{"token":"\#(token)","intents":\#(intents),"properties":{"os":"linux","browser":"t","device":"t"}}}"#)
    }
}
