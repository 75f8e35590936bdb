import Foundation
import Testing
@testable import ShardRuntime

@Suite struct JSONParserTests {
    @Test func parsesScalarsKeepingIntegerKinds() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse(" true ") == .bool(true))
        #expect(try JSONParser.parse("false") == .bool(false))
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try JSONParser.parse("18446744073709551615") == .uint(UInt64.max))
        #expect(try JSONParser.parse("1.5e3") == .double(1500))
        #expect(try JSONParser.parse("-0.25") == .double(-0.25))
        #expect(try JSONParser.parse("184467440737095516160") == .double(184467440737095516160))
    }

    @Test func objectsKeepKeyOrder() throws {
        let v = try JSONParser.parse(#"{"t":null,"s":2,"op":0,"d":{"z":1,"a":[1,2,{"k":"v"}]}}"#)
        #expect(v.objectValue?.keys == ["t", "s", "op", "d"])
        #expect(v["d"]?.objectValue?.keys == ["z", "a"])
        #expect(v["d"]?["a"]?[2]?["k"]?.stringValue == "v")
        #expect(v["s"]?.intValue == 2)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let v = try JSONParser.parse(#""a\"b\\c\/d\n\t\r\b\f\u00e9\ud83d\ude80""#)
        #expect(v.stringValue == "a\"b\\c/d\n\t\r\u{8}\u{c}é🚀")
        #expect(try JSONParser.parse("\"héllo 日本\"").stringValue == "héllo 日本")
    }

    @Test(arguments: [
        ("", 0), ("[1,]", 3), ("{\"a\":1,}", 7), ("01", 0), ("[1 2]", 3), ("\"a\u{1}\"", 2),
        ("\"\\ud83d\"", 1), ("\"\\ude80\"", 1), ("\"\\x\"", 1), ("tru", 3), ("{\"a\" 1}", 5),
        ("1 2", 2), ("-", 1), ("1.", 2), ("1e", 2), ("{a:1}", 1), ("nul", 3),
    ])
    func rejectsInvalidInputWithOffset(input: String, offset: Int) {
        #expect {
            _ = try JSONParser.parse(input)
        } throws: { error in
            (error as? JSONError)?.offset == offset
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func rejectsExcessiveNesting() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect {
            _ = try JSONParser.parse(deep)
        } throws: { error in
            if case .tooDeep = (error as? JSONError)?.reason { return true }
            return false
        }
        #expect(throws: Never.self) { try JSONParser.parse(deep, maxDepth: 700) }
    }

    @Test func errorDescriptionNamesOffsetAndExpectation() {
        do {
            _ = try JSONParser.parse("{\"a\":1,}")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "JSON byte 7 is '}', expected a string key")
        }
    }

    @Test func parsesEveryFixtureLikeFoundation() throws {
        let names = try Fixtures.names()
        #expect(names.count >= 10)
        for name in names {
            let bytes = try Fixtures.bytes(name)
            let ours = try JSONParser.parse(bytes)
            let theirs = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            #expect(Self.matches(ours, theirs), "fixture \(name)")
        }
    }

    /// Structural comparison against Foundation's reading of the same bytes.
    static func matches(_ v: JSONValue, _ f: Any) -> Bool {
        switch v {
        case .null: return f is NSNull
        case .bool(let b): return (f as? Bool) == b
        case .int(let i): return (f as? NSNumber)?.int64Value == i
        case .uint(let u): return (f as? NSNumber)?.uint64Value == u
        case .double(let d): return (f as? NSNumber)?.doubleValue == d
        case .string(let s): return f as? String == s
        case .array(let items):
            guard let arr = f as? [Any], arr.count == items.count else { return false }
            return zip(items, arr).allSatisfy { matches($0, $1) }
        case .object(let o):
            guard let dict = f as? [String: Any], dict.count == o.count else { return false }
            return o.allSatisfy { member in dict[member.key].map { matches(member.value, $0) } ?? false }
        }
    }
}

@Suite struct JSONWriterTests {
    @Test func escapesStringsAndRoundTrips() throws {
        let value: JSONValue = [
            "text": .string("q\"b\\s\n\t\u{1}é🚀"), "n": -42, "big": .uint(UInt64.max),
            "f": 0.5, "whole": 2.0, "list": [true, false, nil], "empty": [:],
        ]
        let text = value.jsonString
        #expect(text == #"{"text":"q\"b\\s\n\t\u0001é🚀","n":-42,"big":18446744073709551615,"f":0.5,"whole":2.0,"list":[true,false,null],"empty":{}}"#)
        #expect(try JSONParser.parse(value.serialized()) == value)
    }

    @Test func nonFiniteDoublesBecomeNull() {
        #expect(JSONValue.double(.infinity).jsonString == "null")
        #expect(JSONValue.double(.nan).jsonString == "null")
    }

    @Test func fixturesRoundTripThroughWriter() throws {
        for name in try Fixtures.names() {
            let parsed = try JSONParser.parse(try Fixtures.bytes(name))
            #expect(try JSONParser.parse(parsed.serialized()) == parsed, "fixture \(name)")
        }
    }
}

@Suite struct GatewayPayloadScannerTests {
    @Test func readsEnvelopeInAnyKeyOrder() throws {
        let bytes = Array(#"{"d":{"op":99,"t":"NOPE","s":7,"x":["}",{"d":1}]},"s":42,"extra":[1,{"a":"\"}"}],"op":0,"t":"MESSAGE_CREATE"}"#.utf8)
        let h = try GatewayPayloadScanner.scan(bytes)
        #expect(h.op == 0)
        #expect(h.sequence == 42)
        #expect(h.eventName == "MESSAGE_CREATE")
        let d = try #require(h.dataRange)
        #expect(try JSONParser.parse(Array(bytes[d]))["x"]?[1]?["d"]?.intValue == 1)
    }

    @Test func acceptsMissingAndNullFields() throws {
        let ack = try GatewayPayloadScanner.scan(Array(#"{"op":11}"#.utf8))
        #expect(ack == GatewayPayloadHeader(op: 11))
        let hello = try GatewayPayloadScanner.scan(Array(#"{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250}}"#.utf8))
        #expect(hello.op == 10 && hello.sequence == nil && hello.eventName == nil)
    }

    @Test func toleratesWrongTypesForSAndT() throws {
        let h = try GatewayPayloadScanner.scan(Array(#"{"op":0,"s":"5","t":7,"d":null}"#.utf8))
        #expect(h.op == 0 && h.sequence == nil && h.eventName == nil)
    }

    @Test func rejectsPayloadWithoutOp() {
        #expect(throws: JSONError.self) { try GatewayPayloadScanner.scan(Array(#"{"s":1,"d":{}}"#.utf8)) }
        #expect(throws: JSONError.self) { try GatewayPayloadScanner.scan(Array(#"{"op":"1"}"#.utf8)) }
        #expect(throws: JSONError.self) { try GatewayPayloadScanner.scan(Array(#"{"op":1,"d":[1,2}"#.utf8)) }
    }

    @Test func agreesWithFullParseOnEveryFixture() throws {
        for name in try Fixtures.names() {
            let bytes = try Fixtures.bytes(name)
            let h = try GatewayPayloadScanner.scan(bytes)
            let full = try JSONParser.parse(bytes)
            #expect(h.op == full["op"]?.intValue, "fixture \(name)")
            #expect(h.sequence == full["s"]?.int64Value, "fixture \(name)")
            #expect(h.eventName == full["t"]?.stringValue, "fixture \(name)")
            let d = try #require(h.dataRange)
            #expect(try JSONParser.parse(Array(bytes[d])) == full["d"], "fixture \(name)")
        }
    }
}
