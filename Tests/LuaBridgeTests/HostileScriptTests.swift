import Foundation
import LuaBridge
import Testing

/// Inputs and scripts written to break the bridge: each names what it attacks.
@Suite struct HostileScriptTests {
    /// A string cut right after a backslash was accepted as complete (`"abc\` → "abc").
    @Test(arguments: [#""abc\"#, #""\"#, #"{"k":"v\"#])
    func stringEndingInABackslashIsUnterminated(_ input: String) {
        let lua = LuaTestState()
        lua.load("function on_x(d) _G.got = d end")
        #expect(lua.dispatch("X", input) == LB_ERR_RUNTIME)
        #expect(lua.lastError.contains("unterminated string"), "\(lua.lastError)")
        #expect(lua.eval("return got == nil").1 == "true")
    }

    /// Encoding buffers were plain malloc outside the memory cap: a 16 MB script could hand
    /// the host a 64 MB command by repeating one string.
    @Test func encodedCommandCannotExceedTheMemoryCap() {
        let lua = LuaTestState(memoryLimit: 16 << 20)
        let (rc, msg) = lua.eval("""
            local s = string.rep("x", 1 << 20)
            local acts = {}
            for i = 1, 64 do acts[i] = {name = s, type = 0} end
            return shard.command("update_presence", {activities = acts})
            """)
        #expect(rc == LB_ERR_MEMORY, "\(msg)")
        #expect(lua.recorder.commands.count == 0)  // (count: a failure must not print 64 MB)
        #expect(lua.eval("return json.encode({1, 'a'})").1 == #"[1,"a"]"#)
    }

    @Test func logLineCannotExceedTheMemoryCap() {
        let lua = LuaTestState(memoryLimit: 16 << 20)
        let (rc, msg) = lua.eval("""
            local s = string.rep("x", 1 << 20)
            local t = {}
            for i = 1, 64 do t[i] = s end
            log.info(table.unpack(t))
            """)
        #expect(rc == LB_ERR_MEMORY, "\(msg)")
        #expect(lua.recorder.logs.filter { $0.message.utf8.count >= 16 << 20 }.count == 0)
    }

    /// The hook raises the time-budget error with hooks switched off; a script's xpcall
    /// message handler ran inside that and could loop forever.
    @Test func xpcallHandlerCannotDodgeTheBudget() {
        let lua = LuaTestState(budget: 0.1)
        lua.load("""
            function on_spin(d)
              xpcall(function() while true do end end, function(e) while true do end end)
            end
            function on_plain(d)
              return xpcall(function() error("boom") end, function(e) _G.seen = e; return "handled" end)
            end
            """)
        #expect(lua.dispatch("SPIN", "{}") == LB_ERR_TIMEOUT)
        #expect(lua.dispatch("PLAIN", "{}") == LB_OK)
        #expect(lua.eval("return seen").1.hasSuffix("boom"))
    }

    /// A coroutine stopped by the budget keeps hooks off; its to-be-closed variables ran
    /// unbounded when it was closed later (coroutine.close, or coroutine.wrap at once).
    @Test func stoppedCoroutineCannotRunUnboundedCloseHandlers() {
        let lua = LuaTestState(budget: 0.1)
        lua.load("""
            local function body()
              local x <close> = setmetatable({}, {__close = function() while true do end end})
              while true do end
            end
            function on_start(d) co = coroutine.create(body); coroutine.resume(co) end
            function on_close(d) return coroutine.close(co) end
            function on_wrap(d) coroutine.wrap(body)() end
            function on_ok(d) print("alive") end
            """)
        #expect(lua.dispatch("START", "{}") == LB_ERR_TIMEOUT)
        let rc = lua.dispatch("CLOSE", "{}")
        #expect(rc == LB_OK || rc == LB_ERR_RUNTIME || rc == LB_ERR_TIMEOUT, "\(lua.lastError)")
        #expect(lua.dispatch("WRAP", "{}") == LB_ERR_TIMEOUT)
        #expect(lua.dispatch("OK", "{}") == LB_OK)
        #expect(lua.recorder.prints == ["alive"])
    }

    /// Empty fields went out as `"d":[]`, which the gateway answers with a decode-error close.
    @Test func emptyCommandFieldsAreAnObject() {
        let lua = LuaTestState()
        #expect(lua.eval("return shard.command('update_presence', {})").1 == "true")
        #expect(lua.recorder.commands.map(\.json) == ["{}"])
    }

    /// The close code was cast to int: 2^32 + 1000 arrived at the host as 1000.
    @Test func closeCodeOutsideSixteenBitsIsRefused() {
        let lua = LuaTestState()
        let (rc, msg) = lua.eval("local ok, err = shard.send{type = 'close', code = (1 << 32) + 1000}; return tostring(ok) .. ' ' .. err")
        #expect(rc == LB_OK && msg.contains("bad field 'code'"), "\(msg)")
        #expect(lua.recorder.sends.count == 0)
        #expect(lua.eval("return shard.send{type = 'close', code = 4000}").1 == "true")
        #expect(lua.recorder.sends.map(\.code) == [4000])
    }

    /// C loops the count hook never interrupts: string.rep("", 2^50) and table.move over 2^40
    /// indexes ran for hours past the budget; a plain find was a naive O(n*m) search.
    @Test func longCLoopsAreGuarded() {
        let lua = LuaTestState(budget: 0.2)
        let rep = lua.eval("return #string.rep('', 1 << 50) + #string.rep('', 1 << 50, '')")
        #expect(rep.0 == LB_OK && rep.1 == "0", "\(rep)")
        let (rc, msg) = lua.eval("table.move({}, 1, 1 << 40, 2)")
        #expect(rc == LB_ERR_RUNTIME && msg.contains("table.move over more than"), "\(msg)")
        #expect(lua.eval("local s = string.rep('a', 1e7) local p = string.rep('a', 1e4) .. 'b' return tostring(s:find(p, 1, true)) .. tostring(s:find(p))").1 == "nilnil")
        // Same answers as Lua's own for the edge cases.
        #expect(lua.eval("""
            local r = {}
            for _, a in ipairs{{"hello", "l", -2}, {"hello", "", 6}, {"hello", "", 7}, {"hello", "h", 0},
                               {"hello", "lo", -100}, {"a.b", ".", 1, true}, {"a.b", "%."}, {"", ""}} do
              local x, y = string.find(table.unpack(a)); r[#r + 1] = tostring(x) .. ":" .. tostring(y)
            end
            return table.concat(r, " ") .. " " .. string.rep("ab", 3, ",") .. " " .. table.concat(table.move({1, 2, 3}, 1, 3, 2), ",")
            """).1 == "4:4 6:5 nil:nil 1:1 4:5 2:2 2:2 1:0 ab,ab,ab 1,1,2,3")
    }
}
