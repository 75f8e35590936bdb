import Foundation
import LuaBridge
import Testing

@Suite struct HandlerTests {
    @Test func handlerNamesAndMapping() {
        let lua = LuaTestState()
        lua.load("function on_message_create() end\nfunction on_ready() end\non_not_fn = 3\nfunction helper() end\nfunction on_reload() end")
        let names = Set(String(cString: lb_handler_names(lua.state)).split(separator: "\n").map(String.init))
        #expect(names == ["on_message_create", "on_ready", "on_reload"])
        var buf = [CChar](repeating: 0, count: 64)
        #expect(lb_handler_to_event("on_message_create", &buf, 64) == 14)
        #expect(cstr(buf) == "MESSAGE_CREATE")
        #expect(lb_handler_to_event("on_shard_disconnected", &buf, 64) == 0)
        #expect(lb_handler_to_event("helper", &buf, 64) == -1)
        #expect(lb_event_to_handler("GUILD_CREATE", &buf, 64) > 0)
        #expect(cstr(buf) == "on_guild_create")
    }

    @Test func handlerGetsDataAndContext() {
        let lua = LuaTestState()
        lua.load("function on_message_create(m, ctx) print(m.content, ctx.shard_id, ctx.seq, ctx.event) end")
        #expect(lua.dispatch("MESSAGE_CREATE", #"{"content":"hi"}"#, shard: 3, seq: 42) == LB_OK)
        #expect(lua.recorder.prints == ["hi\t3\t42\tMESSAGE_CREATE"])
        #expect(lua.dispatch("GUILD_CREATE", "{not json") == LB_NOT_FOUND) // no handler: not decoded
    }

    @Test func lifecycleHandlerGetsArguments() {
        let lua = LuaTestState()
        lua.load("function on_shard_disconnected(code, reason, ctx) print(code, reason, ctx.shard_id) end")
        let args = #"[4000,"unknown error"]"#
        #expect(lb_call_lifecycle(lua.state, "on_shard_disconnected", args, args.utf8.count, 2) == LB_OK)
        #expect(lua.recorder.prints == ["4000\tunknown error\t2"])
        #expect(lb_call_lifecycle(lua.state, "on_shard_resumed", nil, 0, 0) == LB_NOT_FOUND)
    }

    @Test func errorIsIsolatedAndReportedWithLine() {
        let lua = LuaTestState()
        lua.load("""
            function on_x(d)
              if d.boom then error("kaboom") end
              print("ok", d.n)
            end
            """)
        #expect(lua.dispatch("X", #"{"boom":true}"#) == LB_ERR_RUNTIME)
        #expect(lua.lastError.contains("bot.lua:2: kaboom"), "\(lua.lastError)")
        #expect(lua.lastError.contains("stack traceback"))
        #expect(lua.dispatch("X", #"{"n":2}"#) == LB_OK)
        #expect(lua.recorder.prints == ["ok\t2"])
        #expect(lua.stats.handled == 2)
        #expect(lua.stats.errors == 1)
    }

    @Test func syntaxErrorNamesFileAndLine() {
        let lua = LuaTestState()
        #expect(lua.load("x = 1\nfunction on_x(\n", name: "bot.lua") == LB_ERR_SYNTAX)
        #expect(lua.lastError.hasPrefix("bot.lua:3:"), "\(lua.lastError)")
    }

    @Test func runawayLoopIsStoppedByTheBudget() {
        let lua = LuaTestState(budget: 0.15)
        lua.load("""
            function on_spin(d)
              while true do end
            end
            function on_sneaky(d)
              while true do pcall(function() while true do end end) end
            end
            function on_ok(d) print("alive") end
            """)
        #expect(lua.dispatch("SPIN", "{}") == LB_ERR_TIMEOUT)
        #expect(lua.lastError.contains("bot.lua:2: time budget exceeded"), "\(lua.lastError)")
        #expect(lua.dispatch("SNEAKY", "{}") == LB_ERR_TIMEOUT)
        #expect(lua.dispatch("OK", "{}") == LB_OK)
        #expect(lua.recorder.prints == ["alive"])
    }

    @Test func memoryBombIsStoppedByTheCap() {
        let lua = LuaTestState(memoryLimit: 16 << 20)
        lua.load("""
            function on_bomb(d)
              local t = {}
              for i = 1, 1e9 do t[i] = string.rep("x", 1000) .. i end
            end
            function on_sneaky(d)
              local keep = {}
              while true do pcall(function() keep[#keep + 1] = string.rep("y", 4096) .. #keep end) end
            end
            function on_ok(d) print(#string.rep("z", 1000)) end
            """)
        #expect(lua.dispatch("BOMB", "{}") == LB_ERR_MEMORY)
        #expect(lua.lastError.contains("memory limit exceeded (16 MB)"), "\(lua.lastError)")
        #expect(lua.lastError.contains("bot.lua:"), "\(lua.lastError)")
        #expect(lua.stats.memory < 8 << 20)
        #expect(lua.dispatch("SNEAKY", "{}") == LB_ERR_MEMORY)
        #expect(lua.dispatch("OK", "{}") == LB_OK)
        #expect(lua.recorder.prints == ["1000"])
    }
}

@Suite struct FinalizerTests {
    /// Lua runs finalizers with hooks off, so the budget could not stop one: refused.
    @Test func gcMetamethodsAreRefusedInTheSandbox() {
        let lua = LuaTestState()
        let (rc, msg) = lua.eval("setmetatable({}, {__gc = function() while true do end end})")
        #expect(rc == LB_ERR_RUNTIME && msg.contains("__gc metamethods are not allowed"))
        #expect(lua.eval("return getmetatable(setmetatable({}, {__index = {a = 1}})).__index.a").1 == "1")
    }
}
