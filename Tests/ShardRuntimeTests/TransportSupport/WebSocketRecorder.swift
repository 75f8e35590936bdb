import Foundation
import ShardRuntime

/// A `WebSocketHandler` that records every event and lets a test wait for a condition on
/// them with a deadline. Optionally echoes, or runs a hook per message (on the loop thread).
final class WebSocketRecorder: WebSocketHandler, @unchecked Sendable {
    enum Event: Equatable {
        case open
        case message(WebSocketMessage)
        case pong([UInt8])
        case closed(UInt16, String)
        case failed(TransportError)
    }

    private let cond = NSCondition()
    private var recorded: [Event] = []
    var onMessage: ((WebSocketConnection, WebSocketMessage) -> Void)?

    var events: [Event] { cond.lock(); defer { cond.unlock() }; return recorded }

    var messages: [WebSocketMessage] {
        events.compactMap { if case .message(let m) = $0 { m } else { nil } }
    }

    /// The terminal event (closed or failed), if any.
    var end: Event? {
        events.last(where: { if case .closed = $0 { true } else if case .failed = $0 { true } else { false } })
    }

    private func record(_ e: Event) { cond.lock(); recorded.append(e); cond.broadcast(); cond.unlock() }

    /// Waits until `condition(events)` holds; false on time-out.
    @discardableResult
    func wait(timeout: Double = 15, until condition: ([Event]) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        cond.lock(); defer { cond.unlock() }
        while !condition(recorded) {
            if !cond.wait(until: deadline) { return condition(recorded) }
        }
        return true
    }

    func waitForEnd(timeout: Double = 15) -> Event? {
        wait(timeout: timeout) { evs in evs.contains { if case .closed = $0 { true } else if case .failed = $0 { true } else { false } } }
        return end
    }

    func webSocketDidOpen(_ ws: WebSocketConnection) { record(.open) }
    func webSocket(_ ws: WebSocketConnection, didReceive message: WebSocketMessage) {
        record(.message(message))
        onMessage?(ws, message)
    }
    func webSocket(_ ws: WebSocketConnection, didReceivePong payload: [UInt8]) { record(.pong(payload)) }
    func webSocket(_ ws: WebSocketConnection, didCloseWith code: UInt16, reason: String) { record(.closed(code, reason)) }
    func webSocket(_ ws: WebSocketConnection, didFail error: TransportError) { record(.failed(error)) }
}
