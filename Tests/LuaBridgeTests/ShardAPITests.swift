import Foundation
import LuaBridge
import Testing

@Suite struct ShardAPITests {
    @Test func commandFieldTypeErrorNamesFieldTypesAndLine() {
        let lua = LuaTestState()
        lua.load("""
            function on_x(d)
              local ok, err
              ok, err = shard.command("update_presence", {status = 5})
              print(ok, err)
              print(shard.command("request_guild_members", {query = ""}))
              print(shard.command("update_presence", {sattus = "dnd"}))
              print(shard.command("update_voice_state", {guild_id = "1", channel_id = json.null, self_mute = "yes"}))
              print(shard.command("request_guild_members", {guild_id = "1", limit = 1.5}))
              print(shard.command("nope", {}))
            end
            """)
        #expect(lua.dispatch("X", "{}") == LB_OK, "\(lua.lastError)")
        #expect(lua.recorder.prints == [
            "nil\tbad field 'status' (string expected, got number) at bot.lua:3",
            "nil\tmissing field 'guild_id' (string expected) at bot.lua:5",
            "nil\tunknown field 'sattus' for update_presence at bot.lua:6",
            "nil\tbad field 'self_mute' (boolean expected, got string) at bot.lua:7",
            "nil\tbad field 'limit' (integer expected, got float) at bot.lua:8",
            "nil\tunknown command 'nope' (update_presence, request_guild_members, update_voice_state or request_soundboard_sounds expected) at bot.lua:9",
        ])
        #expect(lua.recorder.commands.isEmpty)
    }

    @Test func commandReachesHostWithDeliveringShard() throws {
        let lua = LuaTestState()
        lua.load("""
            function on_x(d)
              print(shard.command("update_presence", {status = "dnd", afk = false, since = json.null, activities = {{name = "x", type = 0}}}))
              print(shard.command("request_guild_members", {guild_id = "1", query = "", limit = 0}, 1))
            end
            """)
        #expect(lua.dispatch("X", "{}", shard: 4) == LB_OK, "\(lua.lastError)")
        #expect(lua.recorder.prints == ["true", "true"])
        #expect(lua.recorder.commands.count == 2)
        let first = lua.recorder.commands[0]
        #expect(first.shard == 4 && first.name == "update_presence")
        let fields = try JSONSerialization.jsonObject(with: Data(first.json.utf8)) as? [String: Any]
        #expect(fields?["status"] as? String == "dnd")
        #expect(fields?["since"] is NSNull)
        #expect((fields?["activities"] as? [[String: Any]])?.first?["name"] as? String == "x")
        #expect(lua.recorder.commands[1].shard == 1)
    }

    @Test func defaultShardOutsideHandlersIsConfigurable() {
        let lua = LuaTestState()
        lb_set_default_shard(lua.state, 5)
        lua.load("shard.command('update_presence', {status = 'idle'})\nfunction on_x() shard.command('update_presence', {status = 'dnd'}) end")
        #expect(lua.dispatch("X", "{}", shard: 2) == LB_OK)
        #expect(lua.eval("return shard.command('update_presence', {status = 'online'})").1 == "true")
        #expect(lua.recorder.commands.map(\.shard) == [5, 2, 5])
    }

    @Test func commandHostErrorIsReturned() {
        let lua = LuaTestState()
        lua.recorder.commandError = "session inactive"
        lua.load("function on_x() print(shard.command('update_presence', {status = 'idle'})) end")
        #expect(lua.dispatch("X", "{}") == LB_OK)
        #expect(lua.recorder.prints == ["nil\tsession inactive"])
    }

    @Test func infoDecodesHostJSONOrReportsInactive() {
        let lua = LuaTestState()
        lua.load("function on_x() local i = shard.info() print(i.id, i.total, i.stage) print(shard.info(7).stage) end")
        #expect(lua.dispatch("X", "{}") == LB_OK, "\(lua.lastError)")
        lua.recorder.infoJSON = nil
        #expect(lua.dispatch("X", "{}") == LB_ERR_RUNTIME) // i is nil now: indexing errors
        #expect(lua.recorder.prints == ["0\t1\tready", "ready"])
        #expect(lua.eval("return select(2, shard.info())").1 == "session inactive")
        lua.recorder.infoJSON = "{\"pad\":\"" + String(repeating: "p", count: 5000) + "\",\"id\":9}"
        #expect(lua.eval("return shard.info().id").1 == "9")
    }

    @Test func sendChecksAndForwards() {
        let lua = LuaTestState()
        #expect(lua.eval(#"return shard.send('{"op":1,"d":null}')"#).1 == "true")
        #expect(lua.eval(#"return select(2, shard.send('{"op":'))"#).1.contains("invalid JSON"))
        #expect(lua.eval("return shard.send({type = 'text', data = {op = 1, d = 5}}, 2)").1 == "true")
        #expect(lua.eval("return shard.send({type = 'close', code = 4000, reason = 'bye'})").1 == "true")
        #expect(lua.eval("return select(2, shard.send({type = 'close', code = 'x'}))").1
            == "bad field 'code' (integer expected, got string) at eval:1")
        #expect(lua.eval("return select(2, shard.send({type = 'smoke'}))").1.hasPrefix("bad field 'type'"))
        #expect(lua.recorder.sends.count == 3)
        #expect(lua.recorder.sends[1].shard == 2)
        #expect(lua.recorder.sends[1].data == #"{"op":1,"d":5}"# || lua.recorder.sends[1].data == #"{"d":5,"op":1}"#)
        #expect(lua.recorder.sends[2].kind == LB_SEND_CLOSE && lua.recorder.sends[2].code == 4000 && lua.recorder.sends[2].reason == "bye")
    }

    @Test func logAndPrintReachTheHost() {
        let lua = LuaTestState()
        lua.load("function on_x() log.warn('a', 1, true) print('p', nil) end")
        #expect(lua.dispatch("X", "{}") == LB_OK)
        #expect(lua.recorder.logs.count == 1)
        #expect(lua.recorder.logs[0].level == LB_LOG_WARN && lua.recorder.logs[0].message == "a 1 true")
        #expect(lua.recorder.logs[0].location == "bot.lua:1")
        #expect(lua.recorder.prints == ["p\tnil"])
    }
}

@Suite struct TimerAndStoreTests {
    @Test func timersFireInDeadlineOrder() {
        let lua = LuaTestState()
        lua.load("""
            timer.after(0.03, function() print("a") end)
            timer.after(0.01, function() print("b") end)
            timer.after(0.02, function() print("c") end)
            local n = 0
            h = timer.every(0.005, function() n = n + 1 print("e" .. n) end)
            c = timer.after(0.015, function() print("cancelled!") end)
            """)
        #expect(lb_timer_count(lua.state) == 5)
        #expect(lua.eval("return c:cancel()").1 == "true")
        let first = lb_next_deadline(lua.state)
        #expect(first > 0 && first <= lb_now() + 0.006)
        let later = lb_now() + 1
        var rounds = 0
        while lb_run_timer(lua.state, later) != LB_NOT_FOUND { rounds += 1 }
        #expect(rounds == 4) // every fires once per call with a fixed now
        #expect(lua.recorder.prints == ["e1", "b", "c", "a"])
        #expect(lb_timer_count(lua.state) == 1)
        #expect(lb_next_deadline(lua.state) > later)
        #expect(lua.eval("return h:cancel()").1 == "true")
        #expect(lb_next_deadline(lua.state) == -1)
    }

    @Test func timerErrorsAreIsolated() {
        let lua = LuaTestState()
        lua.load("timer.after(0, function() error('tick') end) timer.after(0, function() print('next') end)")
        let now = lb_now() + 0.001
        #expect(lb_run_timer(lua.state, now) == LB_ERR_RUNTIME)
        #expect(lua.lastError.contains("bot.lua:1: tick"))
        #expect(lb_run_timer(lua.state, now) == LB_OK)
        #expect(lua.recorder.prints == ["next"])
    }

    @Test func timerRemembersShardOfTheHandlerThatCreatedIt() {
        let lua = LuaTestState()
        lua.load("function on_x() timer.after(0, function() shard.command('update_presence', {status = 'idle'}) end) end")
        #expect(lua.dispatch("X", "{}", shard: 5) == LB_OK)
        #expect(lb_run_timer(lua.state, lb_now() + 1) == LB_OK)
        #expect(lua.recorder.commands.first?.shard == 5)
    }

    @Test func storeSurvivesTransferToFreshState() {
        let old = LuaTestState()
        old.load("""
            store.count = 3
            store.ratio = 0.5
            store.name = "bot"
            store.flags = {on = true, off = false, none = json.null}
            store.list = {10, 20, {deep = "x"}}
            store[7] = "seven"
            store.fn = print
            store.self = store
            """)
        var len = 0
        let blob = lb_store_export(old.state, &len)
        #expect(blob != nil)
        #expect(old.recorder.logs.contains { $0.message.contains("store.fn") })
        #expect(old.recorder.logs.contains { $0.message.contains("store.self") && $0.message.contains("cycle") })
        let fresh = LuaTestState()
        #expect(lb_store_import(fresh.state, blob, len) == LB_OK)
        lb_free(blob)
        #expect(fresh.eval("return math.type(store.count) .. store.count").1 == "integer3")
        #expect(fresh.eval("return store.ratio").1 == "0.5")
        #expect(fresh.eval("return store.name .. tostring(store.flags.on) .. tostring(store.flags.off)").1 == "bottruefalse")
        #expect(fresh.eval("return store.flags.none == json.null").1 == "true")
        #expect(fresh.eval("return store.list[2] + #store.list").1 == "23")
        #expect(fresh.eval("return store.list[3].deep .. store[7]").1 == "xseven")
        #expect(fresh.eval("return store.fn == nil and store.self == nil").1 == "true")
    }
}
