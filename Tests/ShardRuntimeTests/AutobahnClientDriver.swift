import Foundation
import Testing
import ShardRuntime

/// Client driver for the Autobahn|Testsuite fuzzingserver (`scripts/autobahn`). Runs only
/// when `BOTRUN_AUTOBAHN_URL` (e.g. `ws://127.0.0.1:9001`) is set; it drives every case
/// (echoing each message back) and asks the server to write its report. The verdicts are
/// read from the report by `scripts/autobahn`, not asserted here.
@Suite struct AutobahnClientDriver {
    static let base = ProcessInfo.processInfo.environment["BOTRUN_AUTOBAHN_URL"] ?? ""
    static let agent = ProcessInfo.processInfo.environment["BOTRUN_AUTOBAHN_AGENT"] ?? "botrun"

    final class Echo: WebSocketHandler, @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        var text: String?
        func webSocket(_ ws: WebSocketConnection, didReceive message: WebSocketMessage) {
            switch message {
            case .text(let b): text = String(decoding: b, as: UTF8.self); ws.send(textBytes: b)
            case .binary(let b): ws.send(binary: b)
            }
        }
        func webSocket(_ ws: WebSocketConnection, didCloseWith code: UInt16, reason: String) { done.signal() }
        func webSocket(_ ws: WebSocketConnection, didFail error: TransportError) { done.signal() }
    }

    /// Opens `path`, waits (bounded) for the connection to end; returns the last text seen.
    @discardableResult
    static func run(_ path: String, echo: Bool = true, timeout: Double = 120) throws -> String? {
        let handler = Echo()
        let options = WebSocketOptions(maxMessageSize: 64 << 20, closeTimeout: 2)
        let ws = WebSocketClient.connect(url: try WebSocketURL(base + path), options: options, handler: handler)
        if handler.done.wait(timeout: .now() + timeout) == .timedOut { ws.abort() }
        return handler.text
    }

    @Test(.enabled(if: !base.isEmpty, "set BOTRUN_AUTOBAHN_URL to run the Autobahn client cases"))
    func runAllCases() throws {
        let count = try #require(Int(try Self.run("/getCaseCount") ?? ""))
        for i in 1...count { try Self.run("/runCase?case=\(i)&agent=\(Self.agent)") }
        try Self.run("/updateReports?agent=\(Self.agent)")
    }
}
