import CLua
import Foundation
import Testing
@testable import BotrunKit

/// The examples must at least compile; running them end to end against the local gateway is
/// issue 5's job once the runtime is wired (see `runBot(options:)`).
@Suite struct ExampleScriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let examples = ["echo.lua", "presence.lua", "members.lua", "stats.lua"]

    @Test(arguments: examples)
    func exampleCompiles(_ name: String) throws {
        let path = Self.root.appendingPathComponent("examples").appendingPathComponent(name).path
        let state = try #require(luaL_newstate())
        defer { lua_close(state) }
        let status = luaL_loadfilex(state, path, "t")
        var message = ""
        if status != LUA_OK, let text = lua_tolstring(state, -1, nil) { message = String(cString: text) }
        #expect(status == LUA_OK, "\(message)")
    }

    @Test func readmeMentionsEveryOptionAndExample() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        for option in BotrunOption.allCases { #expect(readme.contains("`\(option.flag)"), "\(option.flag)") }
        for verb in SimConsoleParser.Verb.allCases { #expect(readme.contains("`/\(verb.rawValue)"), "/\(verb.rawValue)") }
        for example in Self.examples { #expect(readme.contains("examples/\(example)"), "\(example)") }
    }
}
