/// A JSON document could not be read: what was expected, and at which byte offset.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The input ended while `expected` was still needed.
        case unexpectedEnd(expected: String)
        /// The byte at `offset` is not what the grammar allows here.
        case unexpectedByte(UInt8, expected: String)
        /// A string holds bytes that are not UTF-8, a lone surrogate, or a bad escape.
        case invalidString(String)
        /// A number is malformed or does not fit.
        case invalidNumber(String)
        /// Nesting deeper than the parser's limit.
        case tooDeep(limit: Int)
        /// A value is followed by more non-whitespace input.
        case trailingData
        /// A payload envelope lacks a required key or has the wrong type for it.
        case invalidEnvelope(String)
    }

    public let reason: Reason
    /// Byte offset into the input where the problem was found.
    public let offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        switch reason {
        case .unexpectedEnd(let expected): "JSON ended at byte \(offset), expected \(expected)"
        case .unexpectedByte(let byte, let expected):
            "JSON byte \(offset) is \(JSONError.show(byte)), expected \(expected)"
        case .invalidString(let why): "JSON string at byte \(offset): \(why)"
        case .invalidNumber(let why): "JSON number at byte \(offset): \(why)"
        case .tooDeep(let limit): "JSON nested deeper than \(limit) at byte \(offset)"
        case .trailingData: "JSON has trailing data at byte \(offset)"
        case .invalidEnvelope(let why): "gateway payload invalid at byte \(offset): \(why)"
        }
    }

    static func show(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16)
    }
}
