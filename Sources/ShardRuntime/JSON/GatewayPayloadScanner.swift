/// What the scanner reads from a gateway payload envelope: `op`, `s`, `t`, and where `d` is.
public struct GatewayPayloadHeader: Sendable, Equatable {
    public var op: Int
    /// `s`, when present and not null.
    public var sequence: Int64?
    /// `t`, when present and not null.
    public var eventName: String?
    /// Byte range of the `d` value inside the scanned buffer; nil when `d` is absent.
    /// A present `null` yields the range of the 4 bytes `null`.
    public var dataRange: Range<Int>?

    public init(op: Int, sequence: Int64? = nil, eventName: String? = nil, dataRange: Range<Int>? = nil) {
        self.op = op
        self.sequence = sequence
        self.eventName = eventName
        self.dataRange = dataRange
    }
}

/// Reads only the envelope of a gateway payload — `op`, `s`, `t` and the byte range of `d` —
/// without decoding `d`. Keys may come in any order; unknown keys and values of any nesting
/// are skipped. A wrong type for `s` or `t` is tolerated (treated as absent) so an odd
/// payload never breaks the session; a missing or non-integer `op` is an error.
public enum GatewayPayloadScanner {
    public static func scan(_ bytes: [UInt8]) throws -> GatewayPayloadHeader {
        try bytes.withUnsafeBytes { try scan($0) }
    }

    public static func scan(_ buffer: UnsafeRawBufferPointer) throws -> GatewayPayloadHeader {
        var r = JSONByteReader(buffer.bindMemory(to: UInt8.self))
        r.skipWhitespace()
        try r.expect(UInt8(ascii: "{"), "'{' opening the payload")
        var op: Int?
        var sequence: Int64?
        var eventName: String?
        var dataRange: Range<Int>?
        r.skipWhitespace()
        if try r.peek(expected: "a key or '}'") == UInt8(ascii: "}") {
            r.index += 1
        } else {
            members: while true {
                r.skipWhitespace()
                let keyByte = try r.peek(expected: "a string key")
                guard keyByte == UInt8(ascii: "\"") else {
                    throw JSONError(.unexpectedByte(keyByte, expected: "a string key"), at: r.index)
                }
                let key = keyKind(&r)
                if key == .unknown { try r.skipString() }
                r.skipWhitespace()
                try r.expect(UInt8(ascii: ":"), "':'")
                r.skipWhitespace()
                let valueStart = r.index
                switch key {
                case .op:
                    guard case .int(let v) = try r.readValue(depth: 0, maxDepth: 0), let small = Int(exactly: v) else {
                        throw JSONError(.invalidEnvelope("'op' is not an integer"), at: valueStart)
                    }
                    op = small
                case .s:
                    if try r.peek(expected: "a value") == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(r.bytes[r.index]) {
                        sequence = try r.readNumber().int64Value
                    } else {
                        try r.skipValue()
                        sequence = nil
                    }
                case .t:
                    if try r.peek(expected: "a value") == UInt8(ascii: "\"") {
                        eventName = try r.readString()
                    } else {
                        try r.skipValue()
                        eventName = nil
                    }
                case .d:
                    try r.skipValue()
                    dataRange = valueStart..<r.index
                case .unknown:
                    try r.skipValue()
                }
                r.skipWhitespace()
                let next = try r.peek(expected: "',' or '}'")
                r.index += 1
                if next == UInt8(ascii: ",") { continue }
                if next == UInt8(ascii: "}") { break members }
                throw JSONError(.unexpectedByte(next, expected: "',' or '}'"), at: r.index - 1)
            }
        }
        r.skipWhitespace()
        guard r.atEnd else { throw JSONError(.trailingData, at: r.index) }
        guard let op else { throw JSONError(.invalidEnvelope("no 'op'"), at: 0) }
        return GatewayPayloadHeader(op: op, sequence: sequence, eventName: eventName, dataRange: dataRange)
    }

    private enum Key { case op, s, t, d, unknown }

    /// Recognises the four envelope keys by their exact bytes (quote to quote) and consumes
    /// them; any other key is left for `skipString`.
    private static func keyKind(_ r: inout JSONByteReader) -> Key {
        let b = r.bytes
        let i = r.index
        let quote = UInt8(ascii: "\"")
        if i + 2 < b.count, b[i + 2] == quote {
            let key: Key
            switch b[i + 1] {
            case UInt8(ascii: "s"): key = .s
            case UInt8(ascii: "t"): key = .t
            case UInt8(ascii: "d"): key = .d
            default: return .unknown
            }
            r.index += 3
            return key
        }
        if i + 3 < b.count, b[i + 1] == UInt8(ascii: "o"), b[i + 2] == UInt8(ascii: "p"), b[i + 3] == quote {
            r.index += 4
            return .op
        }
        return .unknown
    }
}
