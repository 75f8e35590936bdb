import Foundation
@testable import BotrunKit
import Testing
import ShardRuntime

/// The shipped examples run through ScriptHost on the protocol fixtures.
@Suite struct ExampleScriptTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The protocol fixtures kept in the repository (`Tests/Fixtures/protocol`).
    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/protocol")

    /// The `d` of a fixture envelope, re-serialised (Foundation is fine in tests).
    static func payload(_ name: String) throws -> (t: String, s: Int64, d: [UInt8]) {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(name))
        let envelope = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let d = try JSONSerialization.data(withJSONObject: envelope["d"]!)
        return (envelope["t"] as! String, (envelope["s"] as! NSNumber).int64Value, Array(d))
    }

    func host(_ example: String, _ out: LineCollector, _ control: FakeShardControl, _ logs: LineCollector,
              rest: (any RESTControl)? = nil) throws -> ScriptHost {
        let logger = ShardRuntimeLogger.make(logs)
        let path = Self.packageRoot.appendingPathComponent("examples/\(example)").path
        return try ScriptHost(options: ScriptOptions(scriptPath: path), control: control, rest: rest, logger: logger,
                              output: out.sink)
    }

    func deliver(_ host: ScriptHost, _ fixture: String, shard: Int = 0) throws {
        let p = try Self.payload(fixture)
        host.deliver(.dispatch(shardID: shard, seq: p.s, name: p.t, data: p.d))
    }

    @Test func echoPrintsMessages() throws {
        let out = LineCollector(), logs = LineCollector(), control = FakeShardControl()
        let host = try host("echo.lua", out, control, logs)
        #expect(host.wantedEvents == ["READY", "MESSAGE_CREATE"])
        host.start()
        defer { host.stop() }
        try deliver(host, "ready.json")
        try deliver(host, "message_create.json")
        #expect(out.wait { $0.count >= 2 })
        #expect(out.lines.first?.hasPrefix("ready as ") == true && out.lines.first?.hasSuffix("(shard 0)") == true)
        #expect(out.lines.count == 2 && out.lines[1].hasPrefix("<"))
        #expect(host.stats.handlerErrors == 0)
    }

    @Test func echoRepliesPongToPing() throws {
        let out = LineCollector(), logs = LineCollector(), rest = FakeRESTControl()
        let host = try host("echo.lua", out, FakeShardControl(), logs, rest: rest)
        host.start()
        defer { host.stop() }
        let p = try Self.payload("message_create.json")
        var message = try JSONSerialization.jsonObject(with: Data(p.d)) as! [String: Any]
        message["content"] = "!ping"
        let data = try JSONSerialization.data(withJSONObject: message)
        host.deliver(.dispatch(shardID: 0, seq: p.s, name: p.t, data: Array(data)))
        try #require(rest.wait(forCalls: 1))
        let call = rest.calls[0]
        #expect(call.method == "POST" && call.path == "/channels/\(message["channel_id"] as! String)/messages")
        let body = try JSONSerialization.jsonObject(with: Data((call.body ?? "").utf8)) as! [String: Any]
        #expect(body["content"] as? String == "pong")
        #expect((body["message_reference"] as? [String: Any])?["message_id"] as? String == message["id"] as? String)
        call.complete(.failure(status: 403, message: "POST failed: HTTP 403"))
        #expect(logs.wait { $0.contains { $0.contains("reply failed: POST failed: HTTP 403") } })
        #expect(out.lines.first?.hasSuffix("!ping") == true)
        #expect(host.stats.handlerErrors == 0)
    }

    @Test func presenceSendsUpdatePresence() throws {
        let out = LineCollector(), logs = LineCollector(), control = FakeShardControl()
        let host = try host("presence.lua", out, control, logs)
        host.start()
        defer { host.stop() }
        try deliver(host, "ready.json", shard: 1)
        #expect(logs.wait { $0.contains { $0.contains("presence set") } })
        let command = try #require(control.commands.first)
        #expect(command.shardID == 1 && command.name == "update_presence")
        let fields = try JSONSerialization.jsonObject(with: Data(command.json.utf8)) as! [String: Any]
        #expect(fields["since"] is NSNull && fields["status"] as? String == "online" && fields["afk"] as? Bool == false)
    }

    @Test func membersRequestsEveryGuild() throws {
        let out = LineCollector(), logs = LineCollector(), control = FakeShardControl()
        let host = try host("members.lua", out, control, logs)
        #expect(host.wantedEvents == ["GUILD_CREATE", "GUILD_MEMBERS_CHUNK", "RATE_LIMITED"])
        host.start()
        defer { host.stop() }
        try deliver(host, "guild_create_small.json")
        host.deliver(.dispatch(shardID: 0, seq: 3, name: "GUILD_MEMBERS_CHUNK",
                               data: Array(#"{"guild_id":"1","chunk_index":0,"chunk_count":2,"members":[{},{}]}"#.utf8)))
        #expect(out.wait { $0 == ["guild 1: chunk 1 of 2, 2 members"] })
        let command = try #require(control.commands.first)
        #expect(command.name == "request_guild_members" && command.json.contains(#""guild_id":""#))
    }

    @Test func statsReportsShardInfo() throws {
        let out = LineCollector(), logs = LineCollector(), control = FakeShardControl()
        let host = try host("stats.lua", out, control, logs)
        host.start()
        defer { host.stop() }
        try deliver(host, "ready.json")
        #expect(out.wait { $0.count == 1 })
        #expect(out.lines == ["shard 0/2 ready seq=7 latency=41.5 commands left=118/120 queue=1"])
    }
}

/// Builds a Logger whose records go to a LineCollector.
enum ShardRuntimeLogger {
    static func make(_ logs: LineCollector) -> ShardRuntime.Logger {
        ShardRuntime.Logger(level: .debug, sink: logs.sink)
    }
}
