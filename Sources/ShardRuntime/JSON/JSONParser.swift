import CShims

/// A strict RFC 8259 JSON parser over raw bytes (no Foundation).
///
/// Accepts exactly one value surrounded by optional whitespace. Rejects trailing commas,
/// leading zeros, control characters in strings, invalid UTF-8, lone surrogates and
/// nesting deeper than `maxDepth`. Errors are `JSONError` with the byte offset.
public enum JSONParser {
    public static let defaultMaxDepth = 512

    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0, maxDepth: maxDepth) }
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    public static func parse(_ buffer: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
        var reader = JSONByteReader(buffer.bindMemory(to: UInt8.self))
        reader.skipWhitespace()
        let value = try reader.readValue(depth: 0, maxDepth: maxDepth)
        reader.skipWhitespace()
        guard reader.atEnd else { throw JSONError(.trailingData, at: reader.index) }
        return value
    }
}

/// Cursor over a byte buffer with the JSON grammar's building blocks. Shared by the parser
/// and `GatewayPayloadScanner`.
struct JSONByteReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }

    @inline(__always) mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    @inline(__always) func peek(expected: @autoclosure () -> String) throws -> UInt8 {
        guard index < bytes.count else { throw JSONError(.unexpectedEnd(expected: expected()), at: index) }
        return bytes[index]
    }

    @inline(__always) mutating func expect(_ byte: UInt8, _ what: String) throws {
        let b = try peek(expected: what)
        guard b == byte else { throw JSONError(.unexpectedByte(b, expected: what), at: index) }
        index += 1
    }

    mutating func readValue(depth: Int, maxDepth: Int) throws -> JSONValue {
        let b = try peek(expected: "a value")
        switch b {
        case UInt8(ascii: "{"): return .object(try readObject(depth: depth + 1, maxDepth: maxDepth))
        case UInt8(ascii: "["): return .array(try readArray(depth: depth + 1, maxDepth: maxDepth))
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try readLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try readLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try readLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        default: throw JSONError(.unexpectedByte(b, expected: "a value"), at: index)
        }
    }

    mutating func readLiteral(_ word: StaticString) throws {
        let start = index
        let count = word.utf8CodeUnitCount
        let ptr = word.utf8Start
        for k in 0..<count {
            let b = try peek(expected: "\(word)")
            guard b == ptr[k] else { throw JSONError(.unexpectedByte(b, expected: "\(word)"), at: start + k) }
            index += 1
        }
    }

    mutating func readObject(depth: Int, maxDepth: Int) throws -> JSONObject {
        guard depth <= maxDepth else { throw JSONError(.tooDeep(limit: maxDepth), at: index) }
        index += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if try peek(expected: "a key or '}'") == UInt8(ascii: "}") {
            index += 1
            return JSONObject(members)
        }
        while true {
            skipWhitespace()
            let b = try peek(expected: "a string key")
            guard b == UInt8(ascii: "\"") else { throw JSONError(.unexpectedByte(b, expected: "a string key"), at: index) }
            let key = try readString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':'")
            skipWhitespace()
            let value = try readValue(depth: depth, maxDepth: maxDepth)
            members.append((key: key, value: value))
            skipWhitespace()
            let next = try peek(expected: "',' or '}'")
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "}") { return JSONObject(members) }
            throw JSONError(.unexpectedByte(next, expected: "',' or '}'"), at: index - 1)
        }
    }

    mutating func readArray(depth: Int, maxDepth: Int) throws -> [JSONValue] {
        guard depth <= maxDepth else { throw JSONError(.tooDeep(limit: maxDepth), at: index) }
        index += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if try peek(expected: "a value or ']'") == UInt8(ascii: "]") {
            index += 1
            return items
        }
        while true {
            skipWhitespace()
            items.append(try readValue(depth: depth, maxDepth: maxDepth))
            skipWhitespace()
            let next = try peek(expected: "',' or ']'")
            index += 1
            if next == UInt8(ascii: ",") { continue }
            if next == UInt8(ascii: "]") { return items }
            throw JSONError(.unexpectedByte(next, expected: "',' or ']'"), at: index - 1)
        }
    }

    // MARK: - Strings

    /// Reads a string starting at the opening quote.
    mutating func readString() throws -> String {
        let open = index
        index += 1
        let start = index
        var ascii = true
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if ascii { return String(decoding: slice, as: UTF8.self) }
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw JSONError(.invalidString("not valid UTF-8"), at: open)
                }
                return s
            }
            if b == UInt8(ascii: "\\") { return try readEscapedString(open: open, start: start) }
            if b < 0x20 { throw JSONError(.invalidString("unescaped control character"), at: index) }
            if b >= 0x80 { ascii = false }
            index += 1
        }
        throw JSONError(.unexpectedEnd(expected: "'\"' closing the string"), at: index)
    }

    private mutating func readEscapedString(open: Int, start: Int) throws -> String {
        var out = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<index]))
        out.reserveCapacity(out.count + 32)
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw JSONError(.invalidString("not valid UTF-8"), at: open)
                }
                return s
            }
            if b < 0x20 { throw JSONError(.invalidString("unescaped control character"), at: index) }
            if b != UInt8(ascii: "\\") {
                out.append(b)
                index += 1
                continue
            }
            let escAt = index
            index += 1
            let e = try peek(expected: "an escape character")
            index += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw JSONError(.invalidString("lone high surrogate"), at: escAt)
                    }
                    index += 2
                    let low = try readHex4()
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw JSONError(.invalidString("high surrogate not followed by a low one"), at: escAt)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw JSONError(.invalidString("lone low surrogate"), at: escAt)
                }
                JSONByteReader.appendUTF8(scalar, to: &out)
            default:
                throw JSONError(.invalidString("bad escape \\\(Character(Unicode.Scalar(e)))"), at: escAt)
            }
        }
        throw JSONError(.unexpectedEnd(expected: "'\"' closing the string"), at: index)
    }

    private mutating func readHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = try peek(expected: "a hex digit")
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw JSONError(.unexpectedByte(b, expected: "a hex digit"), at: index)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80: out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    // MARK: - Numbers

    mutating func readNumber() throws -> JSONValue {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let intStart = index
        let first = try peek(expected: "a digit")
        guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw JSONError(.unexpectedByte(first, expected: "a digit"), at: index)
        }
        var magnitude: UInt64 = 0
        var overflow = false
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            let (m1, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            magnitude = m2
            index += 1
        }
        if first == UInt8(ascii: "0"), index - intStart > 1 {
            throw JSONError(.invalidNumber("leading zero"), at: intStart)
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            try readDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            try readDigits()
        }
        if isInteger, !overflow {
            if !negative {
                return magnitude <= UInt64(Int64.max) ? .int(Int64(magnitude)) : .uint(magnitude)
            }
            if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
            if magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let d = Double(text), d.isFinite else { throw JSONError(.invalidNumber("out of range"), at: start) }
        return .double(d)
    }

    private mutating func readDigits() throws {
        let b = try peek(expected: "a digit")
        guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) else {
            throw JSONError(.unexpectedByte(b, expected: "a digit"), at: index)
        }
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
    }

    // MARK: - Skipping (scanner)

    /// Skips one value without building it. Strings and brackets are tracked so nested
    /// values of any shape are skipped whole; literals and numbers are checked loosely
    /// (the full parser validates them when the value is decoded).
    mutating func skipValue() throws {
        let b = try peek(expected: "a value")
        switch b {
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["): try skipNested()
        default:
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09:
                    if index == start { throw JSONError(.unexpectedByte(bytes[index], expected: "a value"), at: index) }
                    return
                case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "E"):
                    index += 1
                default:
                    throw JSONError(.unexpectedByte(bytes[index], expected: "a value"), at: index)
                }
            }
        }
    }

    /// Skips a string starting at its opening quote.
    mutating func skipString() throws { try skipNested() }

    /// Skips the string or nested value at `index` structurally (brackets counted, strings
    /// skipped with their escapes), in C (`shim_json_skip`, issue 7: the scanner skips every
    /// payload's `d` this way).
    private mutating func skipNested() throws {
        var stop = 0
        let end = shim_json_skip(bytes.baseAddress, bytes.count, index, &stop)
        if end >= 0 {
            index = end
            return
        }
        index = stop
        if end == -1 { throw JSONError(.unexpectedEnd(expected: "'\"' closing the string"), at: index) }
        throw JSONError(.unexpectedEnd(expected: "the end of a nested value"), at: index)
    }
}
