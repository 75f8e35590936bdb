import Foundation
import Testing
@testable import ShardRuntime

/// A server that sends a nonsensical HELLO must not crash the process or stall the shard
/// (1e300 trapped in Duration, 1e15 in the event loop, 1e-15 in the rate limiter's Int):
/// the HELLO is refused like one without `heartbeat_interval` (close, reconnect with backoff).
@Suite struct HostileHelloTests {
    @Test(arguments: ["1e300", "1e15", "86400001", "-5", "0", "1e-15", "0.5", "\"41250\"", "null", "[]"])
    func helloWithAbsurdHeartbeatIntervalIsRefusedAndReconnects(_ interval: String) {
        var h = SessionHarness()
        h.feed(.start)
        h.feed(.connectionOpened)
        let out = h.receive(#"{"op":10,"d":{"heartbeat_interval":\#(interval)}}"#)
        #expect(out.identifyTickets.isEmpty)
        #expect(out.timer(.heartbeat) == nil)
        #expect(out.closes == [CloseCode.resumable])
        #expect(out.events.contains(.disconnected(code: CloseCode.resumable, reason: "HELLO without a valid heartbeat_interval")))
        #expect(out.timer(.reconnect) != nil)
    }

    @Test func helloWithDiscordsIntervalIsAccepted() {
        var h = SessionHarness(random: 0.5)
        h.feed(.start)
        h.feed(.connectionOpened)
        let out = h.receive(#"{"op":10,"d":{"heartbeat_interval":41250}}"#)
        #expect(out.identifyTickets == [1])
        #expect(out.timer(.heartbeat) == .milliseconds(20625))
    }

    /// A timer far in the future (a hostile interval that got through, a huge backoff) must
    /// neither trap converting to nanoseconds nor wrap around and fire at once.
    @Test func eventLoopTimerFarInTheFutureNeitherTrapsNorFiresEarly() {
        let loop = EventLoop(name: "far-timer")
        defer { loop.shutdown() }
        let log = EventLoopTests.Log()
        let far = loop.schedule(after: 1e15) { log.add("far") }
        let nan = loop.schedule(after: .nan) { log.add("nan") }
        loop.schedule(after: 0.02) { log.add("near") }
        // The NaN timer counts as "now"; the far one must not come before "near".
        let items = log.wait(count: 2)
        #expect(items.sorted() == ["nan", "near"])
        far.cancel()
        nan.cancel()
    }
}

/// A server that answers every (re)connection with op 7 or op 9 (resumable) must not get a
/// tight reconnect loop: the first request is honoured at once, repeats before the session is
/// back back off like any other failure.
@Suite struct RepeatedReconnectRequestTests {
    @Test(arguments: [#"{"op":7,"d":null}"#, #"{"op":9,"d":true}"#])
    func repeatedRequestsBackOff(_ request: String) {
        var h = SessionHarness()
        h.connectAndReady()
        var delays: [Duration] = []
        for _ in 0..<5 {
            delays.append(h.receive(request).timer(.reconnect) ?? .seconds(-1))
            h.feed(.timerFired(.reconnect))
            h.feed(.connectionOpened)
            h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#)
        }
        #expect(delays.first == .zero)
        #expect(delays.dropFirst().allSatisfy { $0 > .zero }, "\(delays)")
        #expect(delays.last! > delays[1], "\(delays)")
        // Back in session: the next request is immediate again.
        h.receive(#"{"t":"RESUMED","s":2,"op":0,"d":{}}"#)
        #expect(h.receive(request).timer(.reconnect) == .zero)
    }
}
