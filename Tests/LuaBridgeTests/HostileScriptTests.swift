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
}
