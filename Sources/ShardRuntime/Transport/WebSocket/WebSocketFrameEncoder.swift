/// Encodes frames for the wire. Client role masks every frame with a fresh key from
/// `MaskingKeyGenerator`; server role never masks.
public struct WebSocketFrameEncoder: Sendable {
    public let role: WebSocketRole
    private var keys: MaskingKeyGenerator

    public init(role: WebSocketRole, keys: MaskingKeyGenerator = MaskingKeyGenerator()) {
        self.role = role
        self.keys = keys
    }

    /// Header + (masked) payload in one array.
    public mutating func encode(opcode: WebSocketOpcode, fin: Bool = true, payload: UnsafeRawBufferPointer) -> [UInt8] {
        let n = payload.count
        let masked = role == .client
        let headerSize = 2 + (n < 126 ? 0 : n <= 0xFFFF ? 2 : 8) + (masked ? 4 : 0)
        let maskKey = masked ? keys.next() : 0
        return [UInt8](unsafeUninitializedCapacity: headerSize + n) { buf, count in
            var i = 0
            buf[i] = (fin ? 0x80 : 0) | opcode.rawValue; i += 1
            let m: UInt8 = masked ? 0x80 : 0
            if n < 126 {
                buf[i] = m | UInt8(n); i += 1
            } else if n <= 0xFFFF {
                buf[i] = m | 126; buf[i + 1] = UInt8(n >> 8); buf[i + 2] = UInt8(n & 0xFF); i += 3
            } else {
                buf[i] = m | 127; i += 1
                for shift in stride(from: 56, through: 0, by: -8) { buf[i] = UInt8((UInt64(n) >> UInt64(shift)) & 0xFF); i += 1 }
            }
            let key = (UInt8(maskKey & 0xFF), UInt8(maskKey >> 8 & 0xFF), UInt8(maskKey >> 16 & 0xFF), UInt8(maskKey >> 24))
            if masked {
                buf[i] = key.0; buf[i + 1] = key.1; buf[i + 2] = key.2; buf[i + 3] = key.3; i += 4
            }
            if n > 0 {
                let dst = UnsafeMutableRawPointer(buf.baseAddress! + i)
                dst.copyMemory(from: payload.baseAddress!, byteCount: n)
                if masked { _ = applyWebSocketMask(dst, count: n, key: key, phase: 0) }
            }
            count = headerSize + n
        }
    }

    public mutating func encode(opcode: WebSocketOpcode, fin: Bool = true, payload: [UInt8]) -> [UInt8] {
        payload.withUnsafeBytes { encode(opcode: opcode, fin: fin, payload: $0) }
    }

    /// A close frame: code (omitted when nil) + UTF-8 reason, truncated to fit 125 bytes.
    public mutating func encodeClose(code: UInt16?, reason: String) -> [UInt8] {
        var p: [UInt8] = []
        if let code {
            p = [UInt8(code >> 8), UInt8(code & 0xFF)]
            var r = Array(reason.utf8.prefix(123))
            while !r.isEmpty && String(validatingUTF8Bytes: r) == nil { r.removeLast() }
            p += r
        }
        return encode(opcode: .close, payload: p)
    }
}

extension String {
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        var v = UTF8Validator()
        guard v.consume(bytes), v.isComplete else { return nil }
        self = String(decoding: bytes, as: UTF8.self)
    }
}

/// Masking keys: xoshiro256** seeded once from the system CSPRNG. Cheap per frame and
/// unpredictable enough for RFC 6455 §10.3 (the keys only need to be unguessable by scripts
/// in a browser; we still seed from the kernel).
public struct MaskingKeyGenerator: Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init() {
        var rng = SystemRandomNumberGenerator()
        s = (rng.next(), rng.next(), rng.next(), rng.next())
        if s.0 | s.1 | s.2 | s.3 == 0 { s.0 = 0x9E37_79B9_7F4A_7C15 }
    }

    public mutating func next() -> UInt32 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return UInt32(truncatingIfNeeded: result >> 32)
    }
}
