import Foundation
import LuaBridge
import Testing

/// The decoder's fast paths (issue 7): tables built at their exact size from values gathered
/// on the stack (with a switch to direct stores past 256 members), and the cache of object
/// keys. Each must give the same tables as a plain decode.
@Suite struct JSONDecodeSizingTests {
    @Test func bigObjectsAndArraysKeepEveryMemberAndOrder() {
        let lua = LuaTestState()
        #expect(lua.load("function on_big(d) _G.big = d end") == LB_OK)
        // 600 members and 1000 elements: past the 256 gathered on the stack.
        let members = (1...600).map { "\"key\($0)\":\($0)" }.joined(separator: ",")
        let items = (1...1000).map { "\($0 * 2)" }.joined(separator: ",")
        let json = "{\"o\":{\(members)},\"a\":[\(items)],\"e\":{},\"z\":[]}"
        #expect(lua.dispatch("BIG", bytes: Array(json.utf8)) == LB_OK, "\(lua.lastError)")
        #expect(lua.eval("local n = 0 for k, v in pairs(big.o) do if v ~= tonumber(k:sub(4)) then return 'bad ' .. k end n = n + 1 end return n").1 == "600")
        #expect(lua.eval("for i = 1, 1000 do if big.a[i] ~= i * 2 then return 'bad ' .. i end end return #big.a").1 == "1000")
        #expect(lua.eval("return next(big.e) == nil and #big.z == 0 and type(big.z) == 'table'").1 == "true")
    }

    @Test func repeatedKeyKeepsTheLastValue() {
        let lua = LuaTestState()
        #expect(lua.load("function on_dup(d) _G.dup = d end") == LB_OK)
        #expect(lua.dispatch("DUP", bytes: Array("{\"a\":1,\"b\":2,\"a\":3}".utf8)) == LB_OK)
        #expect(lua.eval("return dup.a .. ' ' .. dup.b").1 == "3 2")
        let many = (1...300).map { "\"k\":\($0)" }.joined(separator: ",")
        #expect(lua.dispatch("DUP", bytes: Array("{\(many)}".utf8)) == LB_OK)
        #expect(lua.eval("return tostring(dup.k)").1 == "300")
    }

    /// More distinct keys than cache slots, keys of 31 and 32+ bytes, escaped keys and keys
    /// that share their first and last 8 bytes: decoded twice (cold and warm cache), equal.
    @Test func keyCacheGivesTheSameKeysColdAndWarm() {
        let lua = LuaTestState()
        #expect(lua.load("function on_keys(d) _G.keys = d end") == LB_OK)
        var pairs = (1...400).map { "\"f\($0)\":\($0)" }
        pairs.append("\"\(String(repeating: "x", count: 31))\":\"31\"")
        pairs.append("\"\(String(repeating: "y", count: 40))\":\"40\"")
        pairs.append("\"abcdefgh_MIDDLE1_stuvwxyz\":\"m1\"")
        pairs.append("\"abcdefgh_MIDDLE2_stuvwxyz\":\"m2\"")
        pairs.append("\"esc\\u0061ped\":\"e\"")
        pairs.append("\"\":\"empty\"")
        let json = Array("{\(pairs.joined(separator: ","))}".utf8)
        let check = """
            for i = 1, 400 do if keys['f' .. i] ~= i then return 'bad f' .. i end end
            return table.concat({keys[string.rep('x', 31)], keys[string.rep('y', 40)],
              keys.abcdefgh_MIDDLE1_stuvwxyz, keys.abcdefgh_MIDDLE2_stuvwxyz, keys.escaped, keys['']}, ' ')
            """
        for _ in 0..<2 {
            #expect(lua.dispatch("KEYS", bytes: json) == LB_OK, "\(lua.lastError)")
            #expect(lua.eval(check).1 == "31 40 m1 m2 e empty")
        }
    }

    /// Objects are pre-sized from the last object with the same first key; shapes that grow,
    /// shrink or pass 256 members under the same first key must still decode whole.
    @Test func sizeHintsFromEarlierObjectsNeverLoseMembers() {
        let lua = LuaTestState()
        #expect(lua.load("function on_o(d) _G.o = d end") == LB_OK)
        let check = "local n = 0 for k, v in pairs(o) do if v ~= tonumber(k:sub(2)) then return 'bad ' .. k end n = n + 1 end return n"
        for count in [2, 40, 3, 300, 1, 300, 17] {
            let members = (0..<count).map { "\"m\($0)\":\($0)" }.joined(separator: ",")
            #expect(lua.dispatch("O", bytes: Array("{\(members)}".utf8)) == LB_OK, "\(lua.lastError)")
            #expect(lua.eval(check).1 == "\(count)", "\(count) members")
        }
    }
}
