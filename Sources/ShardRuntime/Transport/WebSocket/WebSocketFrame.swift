/// Which end of a WebSocket we are: clients mask what they send, servers must not.
public enum WebSocketRole: Sendable { case client, server }

/// RFC 6455 opcodes (the four-bit field of the first header byte).
public enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0x0, text = 0x1, binary = 0x2
    case close = 0x8, ping = 0x9, pong = 0xA

    public var isControl: Bool { rawValue & 0x8 != 0 }
}

/// One wire frame, payload already unmasked.
public struct WebSocketFrame: Sendable, Equatable {
    public var fin: Bool
    public var opcode: WebSocketOpcode
    public var payload: [UInt8]

    public init(fin: Bool = true, opcode: WebSocketOpcode, payload: [UInt8]) {
        self.fin = fin
        self.opcode = opcode
        self.payload = payload
    }
}

/// A complete (reassembled) message. Text payloads have been validated as UTF-8.
public enum WebSocketMessage: Sendable, Equatable {
    case text([UInt8])
    case binary([UInt8])

    public var bytes: [UInt8] {
        switch self { case .text(let b), .binary(let b): b }
    }

    /// The text as a String (nil for binary messages).
    public var string: String? {
        if case .text(let b) = self { return String(decoding: b, as: UTF8.self) }
        return nil
    }
}

/// Status codes of the close frame that RFC 6455 names, plus the range check for received codes.
public enum WebSocketCloseCode {
    public static let normal: UInt16 = 1000
    public static let goingAway: UInt16 = 1001
    public static let protocolError: UInt16 = 1002
    public static let unsupportedData: UInt16 = 1003
    /// Never sent: reported when a close frame carried no code.
    public static let noStatus: UInt16 = 1005
    /// Never sent: reported when the connection ended without a close frame.
    public static let abnormal: UInt16 = 1006
    public static let invalidPayload: UInt16 = 1007
    public static let policyViolation: UInt16 = 1008
    public static let messageTooBig: UInt16 = 1009
    public static let internalError: UInt16 = 1011

    /// True for codes a peer may put in a close frame (1000–1003, 1007–1011, 3000–4999).
    public static func isValidOnWire(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011, 3000...4999: true
        default: false
        }
    }
}

/// XORs `count` bytes at `p` with the 4-byte mask `key`, starting at mask phase `phase`.
/// Returns the phase after the last byte.
@inline(__always)
func applyWebSocketMask(_ p: UnsafeMutableRawPointer, count: Int, key: (UInt8, UInt8, UInt8, UInt8), phase: Int) -> Int {
    let k = [key.0, key.1, key.2, key.3]
    var i = 0
    var ph = phase & 3
    // Align the phase to zero byte-wise, then do 8 bytes per step.
    while i < count && ph != 0 {
        p.storeBytes(of: p.load(fromByteOffset: i, as: UInt8.self) ^ k[ph], toByteOffset: i, as: UInt8.self)
        i += 1; ph = (ph + 1) & 3
    }
    let word32 = UInt32(k[0]) | UInt32(k[1]) << 8 | UInt32(k[2]) << 16 | UInt32(k[3]) << 24
    let word = UInt64(word32) | UInt64(word32) << 32
    while count - i >= 8 {
        let v = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        p.storeBytes(of: v ^ word.littleEndian, toByteOffset: i, as: UInt64.self)
        i += 8
    }
    while i < count {
        p.storeBytes(of: p.load(fromByteOffset: i, as: UInt8.self) ^ k[ph], toByteOffset: i, as: UInt8.self)
        i += 1; ph = (ph + 1) & 3
    }
    return ph
}
