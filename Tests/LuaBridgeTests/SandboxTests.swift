import Foundation
import LuaBridge
import Testing

@Suite struct SandboxTests {
    /// Each escape attempt must fail (error or nil) in the sandbox.
    @Test(arguments: [
        "os.execute('true')",
        "os.exit(3)",
        "os.remove('/tmp/x')",
        "return os.getenv('HOME')",
        "io.open('/etc/passwd')",
        "loadfile('/etc/passwd')",
        "dofile('/etc/passwd')",
        "package.loadlib('libc.so.6', 'system')",
        "debug.getinfo(1)",
        "debug.sethook()",
        "string.dump(print)",
        "return (''):dump()",
        "collectgarbage('stop')",
        "collectgarbage('generational')",
        "return require('io')",
        "return require('os').execute",
        "return package.loaded.debug.getregistry()",
    ])
    func escapeIsRefused(code: String) {
        let lua = LuaTestState()
        let (rc, result) = lua.eval(code)
        #expect(rc != LB_OK || result == "nil", "\(code) -> \(result)")
    }

    @Test func binaryChunksAreRefused() {
        let lua = LuaTestState()
        let (rc, msg) = lua.eval(#"local f, e = load("\27LuaT\0\25\147\13\10\26\10", "x", "b") return e"#)
        #expect(rc == LB_OK)
        #expect(msg.contains("binary chunk"), "\(msg)")
        // text chunks still load, with an environment argument honoured
        #expect(lua.eval("return load('return x', 't', 't', {x = 7})()").1 == "7")
        #expect(lua.eval("return load('return 1 + 1')()").1 == "2")
    }

    @Test func allowedFunctionsStillWork() {
        let lua = LuaTestState()
        #expect(lua.eval("return type(os.time()) .. type(os.clock()) .. type(os.date('%Y'))").1 == "numbernumberstring")
        #expect(lua.eval("return type(debug.traceback('x'))").1 == "string")
        #expect(lua.eval("return type(collectgarbage('count'))").1 == "number")
        #expect(lua.eval("collectgarbage('step') collectgarbage() return 1").1 == "1")
        #expect(lua.eval("return string.format('%d', 5)").1 == "5")
    }

    @Test func unsafeModeRestoresFullLibrary() {
        let lua = LuaTestState(sandbox: false)
        #expect(lua.eval("return type(os.execute) .. type(io.open) .. type(debug.getinfo) .. type(string.dump)").1
            == "functionfunctionfunctionfunction")
    }

    @Test func requireFindsOnlyFilesBesideTheScript() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lb-req-\(UUID().uuidString)")
        let dir = root.appendingPathComponent("bot")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("lib"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "return {v = 41}".write(to: dir.appendingPathComponent("helper.lua"), atomically: true, encoding: .utf8)
        try "return {w = 1}".write(to: dir.appendingPathComponent("lib/util.lua"), atomically: true, encoding: .utf8)
        try "return 'secret'".write(to: root.appendingPathComponent("secret.lua"), atomically: true, encoding: .utf8)

        let lua = LuaTestState(scriptDir: dir.path)
        #expect(lua.eval("return require('helper').v + require('lib.util').w").1 == "42")
        #expect(lua.eval("return require('helper') == require('helper')").1 == "true")
        let required = String(cString: lb_required_files(lua.state))
        #expect(required == dir.appendingPathComponent("helper.lua").path + "\n" + dir.appendingPathComponent("lib/util.lua").path + "\n")
        for name in ["../secret", "..secret", "/etc/passwd", ".secret", "lib/../../secret"] {
            let (rc, msg) = lua.eval("return require('\(name)')")
            #expect(rc == LB_ERR_RUNTIME, "\(name)")
            #expect(msg.contains("not found"), "\(msg)")
        }
    }

    @Test func tokenIsNotInTheEnvironmentReachableFromLua() {
        setenv("DISCORD_TOKEN", "FAKE.TOKEN.for-test", 1)
        defer { unsetenv("DISCORD_TOKEN") }
        let lua = LuaTestState()
        let (_, found) = lua.eval("""
            local seen = {}
            local function scan(t, depth)
              if depth > 4 or seen[t] then return false end
              seen[t] = true
              for k, v in pairs(t) do
                if type(v) == 'string' and v:find('FAKE.TOKEN', 1, true) then return true end
                if type(v) == 'table' and scan(v, depth + 1) then return true end
              end
              return false
            end
            return scan(_G, 0) or (os.getenv ~= nil)
            """)
        #expect(found == "false")
    }
}
