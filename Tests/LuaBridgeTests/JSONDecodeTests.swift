import Foundation
import LuaBridge
import Testing

/// Structural equality of two Foundation JSON values; an empty object equals an
/// empty array (Lua cannot tell them apart, so the encoder writes `[]`).
func jsonEqual(_ a: Any, _ b: Any) -> Bool {
    if let x = a as? [String: Any], let y = b as? [String: Any] {
        return x.count == y.count && x.allSatisfy { k, v in y[k].map { jsonEqual(v, $0) } ?? false }
    }
    if let x = a as? [Any], let y = b as? [Any] {
        return x.count == y.count && zip(x, y).allSatisfy { jsonEqual($0, $1) }
    }
    if let x = a as? [String: Any], x.isEmpty, let y = b as? [Any], y.isEmpty { return true }
    if let x = a as? [Any], x.isEmpty, let y = b as? [String: Any], y.isEmpty { return true }
    if a is NSNull || b is NSNull { return a is NSNull && b is NSNull }
    if let x = a as? String, let y = b as? String { return x == y }
    if let x = a as? NSNumber, let y = b as? NSNumber { return x.doubleValue == y.doubleValue }
    return false
}

@Suite struct JSONDecodeTests {
    static let fixtureNames: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: fixturesDirectory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted()
    }()

    @Test func fixturesArePresent() {
        #expect(Self.fixtureNames.count >= 10, "fixtures at \(fixturesDirectory.path)")
    }

    /// Each fixture is decoded into Lua tables by the C decoder, re-encoded by the C
    /// encoder, and compared with Foundation's parse of the original.
    @Test(arguments: fixtureNames)
    func fixtureRoundTrips(name: String) throws {
        let data = try Data(contentsOf: fixturesDirectory.appendingPathComponent(name))
        let lua = LuaTestState()
        #expect(lua.load("function on_fixture(d) _G.last = d end") == LB_OK)
        #expect(lua.dispatch("FIXTURE", bytes: Array(data)) == LB_OK, "\(lua.lastError)")
        let (rc, encoded) = lua.eval("return json.encode(last)", capacity: data.count * 2 + 1024)
        #expect(rc == LB_OK, "\(encoded)")
        let original = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        let back = try JSONSerialization.jsonObject(with: Data(encoded.utf8), options: [.fragmentsAllowed])
        #expect(jsonEqual(original, back))
    }

    @Test func messageCreateFieldsDecodeWithLuaTypes() throws {
        let data = try Data(contentsOf: fixturesDirectory.appendingPathComponent("message_create.json"))
        let lua = LuaTestState()
        lua.load("function on_message_create(msg) _G.m = msg end")
        #expect(lua.dispatch("MESSAGE_CREATE", bytes: Array(data)) == LB_OK)
        #expect(lua.eval("return type(m.d.id)").1 == "string")
        #expect(lua.eval("return math.type(m.op)").1 == "integer")
        #expect(lua.eval("return m.t").1 == "MESSAGE_CREATE")
        #expect(lua.eval("return m.d.tts").1 == "false")
        // null and absent differ
        #expect(lua.eval("return m.d.mentions[1].avatar_decoration_data == json.null").1 == "true")
        #expect(lua.eval("return m.d.mentions[1].no_such_field == nil").1 == "true")
        // the \ud83d\ude80 surrogate pair in the embed description becomes one UTF-8 rocket
        #expect(lua.eval("return m.d.embeds[1].description:find('\\u{1F680}', 1, true) ~= nil").1 == "true")
    }

    @Test func scalarsAndEscapes() {
        let lua = LuaTestState()
        lua.load("function on_x(d) _G.v = d end")
        #expect(lua.dispatch("X", #"{"a":"q\"\\\/\b\f\n\r\t\u00e9","i":-9223372036854775808,"big":18446744073709551616,"f":1.5e3,"s":"1441066351912566784"}"#) == LB_OK)
        #expect(lua.eval("return v.a == 'q\"\\\\/\\b\\f\\n\\r\\t\\u{e9}'").1 == "true")
        #expect(lua.eval("return math.type(v.i) .. ' ' .. tostring(v.i == math.mininteger)").1 == "integer true")
        #expect(lua.eval("return math.type(v.big)").1 == "float")
        #expect(lua.eval("return v.f").1 == "1500")
        #expect(lua.eval("return v.s").1 == "1441066351912566784")
    }

    @Test(arguments: [
        (#"{"a":}"#, 5), (#"[1,2"#, 4), (#"{"a" 1}"#, 5), (#"tru"#, 0), (#"[1] x"#, 4), (#""abc"#, 4),
    ])
    func malformedInputNamesByteOffset(input: String, offset: Int) {
        let lua = LuaTestState()
        lua.load("function on_x(d) end")
        #expect(lua.dispatch("X", input) == LB_ERR_RUNTIME)
        #expect(lua.lastError.contains("JSON decode error at byte \(offset):"), "\(lua.lastError)")
    }

    @Test func nestingDepthIsLimited() {
        let lua = LuaTestState()
        lua.load("function on_x(d) end")
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(lua.dispatch("X", deep) == LB_ERR_RUNTIME)
        #expect(lua.lastError.contains("nesting too deep"))
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(lua.dispatch("X", ok) == LB_OK)
    }

    @Test func encoderNamesOffendingKey() {
        let lua = LuaTestState()
        let (rc, msg) = lua.eval("return json.encode({activities = {{name = 'x', bad = print}}})")
        #expect(rc == LB_ERR_RUNTIME)
        #expect(msg.contains("activities[1].bad"), "\(msg)")
        #expect(lua.eval("return json.encode({1, 2, json.null})").1 == "[1,2,null]")
        #expect(lua.eval("return json.encode({a = 'x\\n'})").1 == #"{"a":"x\n"}"#)
    }
}

@Suite struct JSONEncodeTests {
    @Test func floatsUseShortestExactForm() {
        let lua = LuaTestState()
        #expect(lua.eval("return json.encode({0.1, 1.5, 2^53, 1/3})").1 == "[0.1,1.5,9007199254740992,0.33333333333333331]")
        #expect(lua.eval("return select(2, pcall(json.encode, {x = 0/0}))").1.contains("field 'x'"))
    }
}
