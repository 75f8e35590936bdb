import Foundation
import ShardRuntime

/// One gateway WebSocket: encodes the core's payloads for the wire (compression, splitting
/// faults) and feeds what the client sends back into the core. Loop-confined.
final class GatewaySocket: WebSocketHandler {
    let id: ConnectionID
    let compression: GatewayCompression
    /// Transport's per-connection compressor (zlib: Z_SYNC_FLUSH per payload; zstd: e_flush).
    private let compress: (([UInt8]) -> [UInt8])?
    private weak var sim: GatewaySim?
    var ws: WebSocketConnection?
    /// Set when the sim starts the close, so the client's echo is not recorded as its own code.
    var serverClosing = false
    private var helloTimer: Scheduled?

    init(id: ConnectionID, compression: GatewayCompression, sim: GatewaySim) {
        self.id = id
        self.compression = compression
        self.sim = sim
        switch compression {
        case .none: compress = nil
        case .zlibStream: compress = ZlibStreamDeflater().compress
        case .zstdStream: compress = ZstdStreamCompressor().compress
        }
    }

    // MARK: - Output

    /// Sends one gateway payload, applying compression and the split faults.
    func send(_ text: String, faults: SimTransportFaults) {
        guard let ws else { return }
        let bytes = Array(text.utf8)
        guard let compress else {
            sendMessage(opcode: .text, bytes, faults: faults, on: ws)
            return
        }
        let compressed = compress(bytes)
        let parts = compression == .zlibStream ? max(1, faults.messagesPerPayload) : 1
        for piece in Self.split(compressed, into: parts) {
            sendMessage(opcode: .binary, piece, faults: faults, on: ws)
        }
    }

    private func sendMessage(opcode: WebSocketOpcode, _ bytes: [UInt8], faults: SimTransportFaults,
                             on ws: WebSocketConnection) {
        let fragments = Self.split(bytes, into: max(1, faults.framesPerMessage))
        for (index, fragment) in fragments.enumerated() {
            if index > 0, faults.pingsBetweenFragments { ws.ping(Array("sim".utf8)) }
            ws.send(frame: WebSocketFrame(fin: index == fragments.count - 1,
                                          opcode: index == 0 ? opcode : .continuation, payload: fragment))
        }
    }

    /// `bytes` cut into at most `parts` non-empty slices, in order.
    static func split(_ bytes: [UInt8], into parts: Int) -> [[UInt8]] {
        let parts = min(parts, max(1, bytes.count))
        guard parts > 1 else { return [bytes] }
        let size = (bytes.count + parts - 1) / parts
        return stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
    }

    func close(code: UInt16) {
        serverClosing = true
        helloTimer?.cancel()
        ws?.close(code: code, reason: "")
    }

    func drop() {
        helloTimer?.cancel()
        ws?.abort()
        ws = nil
    }

    func scheduleHello(after delay: Double, on loop: EventLoop, _ body: @escaping @Sendable () -> Void) {
        helloTimer = delay > 0 ? loop.schedule(after: delay, body) : nil
        if delay <= 0 { body() }
    }

    // MARK: - WebSocketHandler

    func webSocketDidOpen(_ ws: WebSocketConnection) { self.ws = ws }

    func webSocket(_ ws: WebSocketConnection, didReceive message: WebSocketMessage) {
        sim?.clientSent(id, message.bytes)
    }

    func webSocket(_ ws: WebSocketConnection, didCloseWith code: UInt16, reason: String) {
        helloTimer?.cancel()
        sim?.socketClosed(id, clientCode: serverClosing ? nil : code)
        self.ws = nil
    }

    func webSocket(_ ws: WebSocketConnection, didFail error: TransportError) {
        helloTimer?.cancel()
        sim?.socketClosed(id, clientCode: nil)
        self.ws = nil
    }
}
