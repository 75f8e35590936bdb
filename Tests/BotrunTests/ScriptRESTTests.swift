import Foundation
@testable import BotrunKit
import Testing

/// rest.* from Lua through ScriptHost, with a REST control the test answers (issue 6).
@Suite struct ScriptRESTTests {
    @Test func helpersBuildMethodPathAndBodyAndResultsReachTheHandler() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("""
        function on_message_create(m, ctx)
          local r, err, status = rest.create_message("10", "hi")
          print("create", r and r.id, err, status)
          print("edit", rest.edit_message(10, "20", { content = "x" }))
          print("delete", rest.delete_message("10", "20"))
          print("react", (pcall(rest.create_reaction, "10", "20", "👍")))
          print("reply", rest.reply(m, { content = "pong" }) ~= nil)
          print("request", rest.request("get", "/users/@me").name)
        end
        """)
        let out = LineCollector(), rest = FakeRESTControl()
        let host = try makeRESTHost(dir, out, rest: rest)
        host.start()
        defer { host.stop() }
        host.deliver(messageEvent(seq: 1, #"{"id":"20","channel_id":"10","guild_id":"30"}"#))
        let answers: [ScriptRESTResult] = [
            .success(status: 200, body: Array(#"{"id":"99"}"#.utf8)),
            .failure(status: 403, message: "PATCH /channels/10/messages/20 failed: HTTP 403"),
            .success(status: 204, body: []),
            .success(status: 204, body: []),
            .success(status: 200, body: Array("{}".utf8)),
            .success(status: 200, body: Array(#"{"name":"bot"}"#.utf8)),
        ]
        for (index, answer) in answers.enumerated() {
            try #require(rest.wait(forCalls: index + 1))
            #expect(host.stats.parkedHandlers <= 1)
            rest.calls[index].complete(answer)
        }
        #expect(out.wait { $0.count == 6 })
        #expect(out.lines == ["create\t99\tnil\tnil",
                              "edit\tnil\tPATCH /channels/10/messages/20 failed: HTTP 403\t403",
                              "delete\ttrue", "react\ttrue", "reply\ttrue", "request\tbot"])
        let calls = rest.calls
        #expect(calls.map { "\($0.method) \($0.path)" } == [
            "POST /channels/10/messages", "PATCH /channels/10/messages/20", "DELETE /channels/10/messages/20",
            "PUT /channels/10/messages/20/reactions/%F0%9F%91%8D/@me", "POST /channels/10/messages", "GET /users/@me",
        ])
        #expect(calls[0].body == #"{"content":"hi"}"#)
        #expect(calls[2].body == nil)
        let reply = try JSONSerialization.jsonObject(with: Data(calls[4].body!.utf8)) as! [String: Any]
        let reference = reply["message_reference"] as! [String: Any]
        #expect(reply["content"] as? String == "pong")
        #expect(reference["message_id"] as? String == "20" && reference["channel_id"] as? String == "10")
        #expect(reference["guild_id"] as? String == "30")
    }

    @Test func argumentErrorsNameArgumentTypesAndLine() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("""
        function on_x()
          print(select(2, rest.create_message(nil, "hi")))
          print(select(2, rest.create_message("12a", "hi")))
          print(select(2, rest.create_message("1", 5)))
          print(select(2, rest.request("FETCH", "/x")))
          print(select(2, rest.request("GET", "users")))
          print(select(2, rest.request("POST", "/x", 3)))
          print(select(2, rest.request("POST", "/x", "{bad")))
          print(select(2, rest.reply({ id = "1" }, "x")))
          print(select(2, rest.create_reaction("1", "2", "")))
          print(select(2, rest.request("POST", "/x", { f = print })))
        end
        """)
        let out = LineCollector(), rest = FakeRESTControl()
        let host = try makeRESTHost(dir, out, rest: rest)
        host.start()
        defer { host.stop() }
        host.deliver(messageEvent(seq: 1, name: "X"))
        #expect(out.wait { $0.count == 10 })
        let lines = out.lines
        #expect(lines[0] == "bad argument 'channel_id' (snowflake string expected, got nil) at bot.lua:2")
        #expect(lines[1] == "bad argument 'channel_id' (snowflake expected, got '12a') at bot.lua:3")
        #expect(lines[2] == "bad argument 'fields' (table or string expected, got number) at bot.lua:4")
        #expect(lines[3] == "bad argument 'method' (GET, POST, PUT, PATCH or DELETE expected, got 'FETCH') at bot.lua:5")
        #expect(lines[4] == "bad argument 'path' (a path starting with '/' expected, got 'users') at bot.lua:6")
        #expect(lines[5] == "bad argument 'body' (table, JSON string or nil expected, got number) at bot.lua:7")
        #expect(lines[6].hasPrefix("bad argument 'body' (invalid JSON") && lines[6].hasSuffix("at bot.lua:8"))
        #expect(lines[7] == "bad argument 'msg.channel_id' (snowflake string expected, got nil) at bot.lua:9")
        #expect(lines[8] == "bad argument 'emoji' (non-empty string expected, got string) at bot.lua:10")
        #expect(lines[9].contains("body.f") && lines[9].hasSuffix("at bot.lua:11"), "\(lines[9])")
        #expect(rest.calls.isEmpty)
        #expect(host.stats.handlerErrors == 0)
    }

    @Test func restOutsideHandlersAnswersWithoutWaiting() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("""
        print(rest.request("GET", "/users/@me"))
        function on_x()
          print(coroutine.wrap(function() return select(2, rest.request("GET", "/a")) end)())
          timer.after(0, function() print("timer", rest.request("GET", "/t").ok) end)
        end
        """)
        let out = LineCollector(), rest = FakeRESTControl()
        let host = try makeRESTHost(dir, out, rest: rest)
        #expect(out.lines == ["nil\trest calls are only allowed inside handlers and timers at bot.lua:1"])
        host.start()
        defer { host.stop() }
        host.deliver(messageEvent(seq: 1, name: "X"))
        try #require(rest.wait(forCalls: 1))
        #expect(rest.calls.map(\.path) == ["/t"])  // the timer's call waits; the script's own coroutine's did not
        rest.calls[0].complete(.success(status: 200, body: Array(#"{"ok":1}"#.utf8)))
        #expect(out.wait { $0.count == 3 })
        #expect(out.lines[1] == "rest calls are only allowed inside handlers and timers at bot.lua:3")
        #expect(out.lines[2] == "timer\t1")
    }

    @Test func withoutRESTControlCallsFailWithAMessage() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_x() print(rest.request('GET', '/users/@me')) end")
        let out = LineCollector()
        let host = try makeRESTHost(dir, out, rest: nil)
        host.start()
        defer { host.stop() }
        host.deliver(messageEvent(seq: 1, name: "X"))
        #expect(out.wait { $0.count == 1 })
        #expect(out.lines == ["nil\trest not available"])
    }

    @Test func errorAfterResumeIsReportedWithLineTracebackEventAndSeq() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_message_create(m)\n  local r = rest.request('GET', '/x')\n  error('after ' .. r.n)\nend")
        let out = LineCollector(), logs = LineCollector(), rest = FakeRESTControl()
        let host = try makeRESTHost(dir, out, rest: rest, logs: logs)
        host.start()
        defer { host.stop() }
        host.deliver(messageEvent(seq: 42))
        try #require(rest.wait(forCalls: 1))
        rest.calls[0].complete(.success(status: 200, body: Array(#"{"n":7}"#.utf8)))
        #expect(logs.wait { $0.contains { $0.contains("handler failed") } })
        let record = logs.lines.first { $0.contains("handler failed") } ?? ""
        #expect(record.contains("bot.lua:3: after 7") && record.contains("stack traceback"), "\(record)")
        #expect(record.contains("event=MESSAGE_CREATE") && record.contains("seq=42") && record.contains("shard=0"))
        #expect(waitUntil { host.stats.handlerErrors == 1 && host.stats.parkedHandlers == 0 })
    }

    @Test func timeBudgetAppliesToEachSliceNotToTheWait() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("""
        local function spin(s) local t = os.clock() while os.clock() - t < s do end end
        function on_x(d, ctx)
          spin(0.05)
          local r = rest.request("GET", "/slow")
          spin(0.05)
          print("finished", ctx.seq)
          if d.forever then while true do end end
        end
        """)
        let out = LineCollector(), logs = LineCollector(), rest = FakeRESTControl()
        let budget = 1.0  // wall clock; generous so a slice of 0.05 s CPU fits even on a loaded machine
        let host = try makeRESTHost(dir, out, rest: rest, logs: logs, timeout: budget)
        host.start()
        defer { host.stop() }
        let started = Date()
        host.deliver(messageEvent(seq: 1, name: "X"))
        try #require(rest.wait(forCalls: 1))
        // The wait itself outlasts the budget several times over.
        while Date().timeIntervalSince(started) < budget * 3 { usleep(20_000) }
        rest.calls[0].complete(.success(status: 200, body: Array("{}".utf8)))
        #expect(out.wait { $0 == ["finished\t1"] })
        #expect(host.stats.handlerErrors == 0)

        // A slice that runs away after its resume is still stopped, and reported.
        host.deliver(messageEvent(seq: 2, #"{"forever":true}"#, name: "X"))
        try #require(rest.wait(forCalls: 2))
        rest.calls[1].complete(.success(status: 200, body: Array("{}".utf8)))
        #expect(logs.wait { $0.contains { $0.contains("handler failed") } })
        let record = logs.lines.first { $0.contains("handler failed") } ?? ""
        #expect(record.contains("bot.lua:7: time budget exceeded") && record.contains("seq=2"), "\(record)")
    }

    @Test func reloadKeepsTheOldVersionUntilItsParkedHandlerFinishes() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("""
        store.v = "one"
        function on_x(d, ctx)
          local r = rest.request("GET", "/x")
          print("v1 resumed", ctx.seq, r.n, store.v)
        end
        """)
        let out = LineCollector(), logs = LineCollector(), rest = FakeRESTControl()
        let host = try makeRESTHost(dir, out, rest: rest, logs: logs)
        host.start()
        defer { host.stop() }
        host.deliver(messageEvent(seq: 1, name: "X"))
        try #require(rest.wait(forCalls: 1))
        try dir.write("store.v = 'two'\nfunction on_x(d, ctx) print('v2', ctx.seq, store.v) end")
        #expect(throws: Never.self) { try host.reload().get() }
        host.deliver(messageEvent(seq: 2, name: "X"))
        #expect(out.wait { $0 == ["v2\t2\ttwo"] })
        #expect(host.stats.parkedHandlers == 1)
        #expect(logs.lines.contains { $0.contains("old script version kept") && $0.contains("waiting=1") })
        rest.calls[0].complete(.success(status: 200, body: Array(#"{"n":5}"#.utf8)))
        #expect(out.wait { $0.count == 2 })
        #expect(out.lines[1] == "v1 resumed\t1\t5\tone")  // ran on in the old state
        #expect(host.waitUntilIdle(timeout: 5))
        #expect(host.stats.parkedHandlers == 0 && host.stats.handlerErrors == 0)
        #expect(logs.lines.contains { $0.contains("old script version released") })
    }

    @Test func stopWaitsBoundedThenCancelsParkedHandlers() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_x() print('result', rest.request('GET', '/never')) end")
        let out = LineCollector(), logs = LineCollector(), rest = FakeRESTControl()
        let host = try makeRESTHost(dir, out, rest: rest, logs: logs, stopGrace: 0.2)
        host.start()
        host.deliver(messageEvent(seq: 1, name: "X"))
        try #require(rest.wait(forCalls: 1))
        #expect(host.waitUntilIdle(timeout: 5, includingREST: false))
        #expect(!host.waitUntilIdle(timeout: 0.05))  // still parked on REST
        let started = Date()
        host.stop()
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(rest.cancelled == 1)
        #expect(out.lines.isEmpty)  // the handler was dropped, not resumed with a late answer
        #expect(logs.lines.contains { $0.contains("requests cancelled") && $0.contains("cancelled=1") })
    }

    @Test func stopLetsAParkedHandlerFinishWhenItsAnswerArrivesInTime() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_x() print('result', rest.request('GET', '/soon').ok) end")
        let out = LineCollector(), rest = FakeRESTControl()
        let host = try makeRESTHost(dir, out, rest: rest, stopGrace: 10)
        host.start()
        host.deliver(messageEvent(seq: 1, name: "X"))
        try #require(rest.wait(forCalls: 1))
        let stopped = DispatchSemaphore(value: 0)
        Thread { host.stop(); stopped.signal() }.start()
        // stop() is held by the parked handler (bounded by stopGrace = 10 s) ...
        #expect(stopped.wait(timeout: .now() + 0.3) == .timedOut)
        rest.calls[0].complete(.success(status: 200, body: Array(#"{"ok":true}"#.utf8)))
        // ... and returns once its answer has been handled.
        #expect(stopped.wait(timeout: .now() + 5) == .success)
        #expect(out.lines == ["result\ttrue"])
        #expect(rest.cancelled == 0)
    }
}

extension ScriptRESTTests {
    @Test func scriptCannotResumeOrCloseAParkedHandler() throws {
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("""
        local parked
        function on_x(d, ctx)
          if ctx.seq == 1 then
            parked = coroutine.running()
            print("first got", rest.request("GET", "/x").n)
          else
            print(coroutine.resume(parked, { n = "forged" }))
            print(coroutine.close(parked))
          end
        end
        """)
        let out = LineCollector(), rest = FakeRESTControl()
        let host = try makeRESTHost(dir, out, rest: rest)
        host.start()
        defer { host.stop() }
        host.deliver(messageEvent(seq: 1, name: "X"))
        host.deliver(messageEvent(seq: 2, name: "X"))
        #expect(out.wait { $0.count == 2 })
        #expect(out.lines == ["false\tcannot resume a handler coroutine", "false\tcannot close a handler coroutine"])
        try #require(rest.wait(forCalls: 1))
        rest.calls[0].complete(.success(status: 200, body: Array(#"{"n":1}"#.utf8)))
        #expect(out.wait { $0.count == 3 })
        #expect(out.lines[2] == "first got\t1")
    }
}
