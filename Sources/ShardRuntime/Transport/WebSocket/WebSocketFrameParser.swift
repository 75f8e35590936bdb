/// Why the frame parser refused the input; each maps to the close code to answer with.
public struct WebSocketProtocolError: Error, Sendable, Equatable {
    public var rule: String
    public var closeCode: UInt16

    public init(_ rule: String, closeCode: UInt16 = WebSocketCloseCode.protocolError) {
        self.rule = rule
        self.closeCode = closeCode
    }
}

/// A pure, incremental RFC 6455 frame parser: feed it byte chunks of any size, get whole frames.
///
/// Checks what a frame alone can break: reserved bits, unknown opcodes, control frames that
/// are fragmented or longer than 125 bytes, masking (servers must receive masked frames,
/// clients unmasked), 64-bit lengths with the top bit set and frames over `maxFrameSize`.
public struct WebSocketFrameParser: Sendable {
    public let role: WebSocketRole
    public var maxFrameSize: Int

    private var header: [UInt8] = []
    private var headerNeeded = 2
    private var current: WebSocketFrame?
    private var payloadLength = 0
    private var mask: (UInt8, UInt8, UInt8, UInt8)?

    /// The most a frame header alone makes the parser reserve; larger payloads grow as they arrive.
    static let initialReserve = 1 << 20

    public init(role: WebSocketRole, maxFrameSize: Int = 128 << 20) {
        self.role = role
        self.maxFrameSize = maxFrameSize
        header.reserveCapacity(14)
    }

    /// The frame whose payload is arriving (opcode and the bytes so far), if any.
    public var partialFrame: WebSocketFrame? { current }

    /// Parses all complete frames in `bytes`, appending them to `frames`.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, into frames: inout [WebSocketFrame]) throws(WebSocketProtocolError) {
        var i = 0
        let n = bytes.count
        while i < n {
            if current == nil {
                let take = min(headerNeeded - header.count, n - i)
                header.append(contentsOf: bytes[i..<(i + take)])
                i += take
                guard header.count == headerNeeded else { return }
                if try !headerComplete() { continue }
                if payloadLength == 0 { frames.append(finishFrame()); continue }
                continue
            }
            let have = current!.payload.count
            let take = min(payloadLength - have, n - i)
            let start = have
            current!.payload.append(contentsOf: bytes[i..<(i + take)])
            i += take
            if let mask {
                current!.payload.withUnsafeMutableBytes { raw in
                    _ = applyWebSocketMask(raw.baseAddress! + start, count: take, key: mask, phase: start)
                }
            }
            if current!.payload.count == payloadLength { frames.append(finishFrame()) }
        }
    }

    /// Convenience for tests and small inputs.
    public mutating func feed(_ bytes: [UInt8]) throws(WebSocketProtocolError) -> [WebSocketFrame] {
        var frames: [WebSocketFrame] = []
        let copy = bytes
        var failure: WebSocketProtocolError?
        copy.withUnsafeBytes { raw in
            do throws(WebSocketProtocolError) { try feed(raw, into: &frames) } catch { failure = error }
        }
        if let failure { throw failure }
        return frames
    }

    /// Returns false when more header bytes are needed (extended length or mask key).
    private mutating func headerComplete() throws(WebSocketProtocolError) -> Bool {
        let b0 = header[0], b1 = header[1]
        let masked = b1 & 0x80 != 0
        let len7 = Int(b1 & 0x7F)
        let extra = (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0)
        if header.count == 2 {
            if b0 & 0x70 != 0 { throw WebSocketProtocolError("reserved bits set without a negotiated extension") }
            guard let op = WebSocketOpcode(rawValue: b0 & 0x0F) else {
                throw WebSocketProtocolError("unknown opcode \(b0 & 0x0F)")
            }
            if op.isControl {
                if b0 & 0x80 == 0 { throw WebSocketProtocolError("fragmented control frame") }
                if len7 > 125 { throw WebSocketProtocolError("control frame payload over 125 bytes") }
            }
            switch role {
            case .client where masked: throw WebSocketProtocolError("masked frame from server")
            case .server where !masked: throw WebSocketProtocolError("unmasked frame from client")
            default: break
            }
            if extra > 0 {
                headerNeeded = 2 + extra
                return false
            }
        }
        var length = len7
        var off = 2
        if len7 == 126 {
            length = Int(header[2]) << 8 | Int(header[3])
            off = 4
        } else if len7 == 127 {
            var v: UInt64 = 0
            for k in 2..<10 { v = v << 8 | UInt64(header[k]) }
            if v >> 63 != 0 { throw WebSocketProtocolError("64-bit payload length with the top bit set") }
            if v > UInt64(maxFrameSize) {
                throw WebSocketProtocolError("frame of \(v) bytes over the limit \(maxFrameSize)",
                                             closeCode: WebSocketCloseCode.messageTooBig)
            }
            length = Int(v)
            off = 10
        }
        if length > maxFrameSize {
            throw WebSocketProtocolError("frame of \(length) bytes over the limit \(maxFrameSize)",
                                         closeCode: WebSocketCloseCode.messageTooBig)
        }
        mask = masked ? (header[off], header[off + 1], header[off + 2], header[off + 3]) : nil
        payloadLength = length
        var payload: [UInt8] = []
        // Not the announced length: a 10-byte header must not make us allocate 128 MiB.
        payload.reserveCapacity(min(length, WebSocketFrameParser.initialReserve))
        current = WebSocketFrame(fin: b0 & 0x80 != 0, opcode: WebSocketOpcode(rawValue: b0 & 0x0F)!, payload: payload)
        return true
    }

    private mutating func finishFrame() -> WebSocketFrame {
        let f = current!
        current = nil
        header.removeAll(keepingCapacity: true)
        headerNeeded = 2
        payloadLength = 0
        mask = nil
        return f
    }
}
