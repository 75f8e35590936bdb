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
}
