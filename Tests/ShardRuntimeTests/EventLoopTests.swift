import Foundation
import Testing
@testable import ShardRuntime

/// The epoll loop: cross-thread execute, timer order and cancellation.
@Suite struct EventLoopTests {
    final class Log: @unchecked Sendable {
        private let cond = NSCondition()
        private var items: [String] = []
        func add(_ s: String) { cond.lock(); items.append(s); cond.broadcast(); cond.unlock() }
        func wait(count: Int, timeout: Double = 5) -> [String] {
            let deadline = Date(timeIntervalSinceNow: timeout)
            cond.lock(); defer { cond.unlock() }
            while items.count < count && cond.wait(until: deadline) {}
            return items
        }
    }

    @Test func executeRunsOnTheLoopThread() {
        let loop = EventLoop(name: "test-loop")
        defer { loop.shutdown() }
        let log = Log()
        #expect(!loop.inEventLoop)
        for i in 0..<100 { loop.execute { log.add(loop.inEventLoop ? "in\(i)" : "out") } }
        let items = log.wait(count: 100)
        #expect(items == (0..<100).map { "in\($0)" })
    }

    @Test func timersFireInDeadlineOrderAndCancelWorks() {
        let loop = EventLoop(name: "test-loop")
        defer { loop.shutdown() }
        let log = Log()
        loop.schedule(after: 0.06) { log.add("c") }
        loop.schedule(after: 0.02) { log.add("a") }
        let cancelled = loop.schedule(after: 0.03) { log.add("x") }
        loop.schedule(after: 0.04) { log.add("b") }
        cancelled.cancel()
        let start = Date()
        #expect(log.wait(count: 3) == ["a", "b", "c"])
        #expect(Date().timeIntervalSince(start) >= 0.05)
    }
}
