import Testing
import LuaBridge

@Test func linksLua54() {
    let version = String(cString: lb_lua_version())
    #expect(version.hasPrefix("Lua 5.4"))
}
