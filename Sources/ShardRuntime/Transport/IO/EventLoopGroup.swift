import Foundation

/// A fixed set of event loops handed out round-robin.
public final class EventLoopGroup: @unchecked Sendable {
    public let loops: [EventLoop]
    private let lock = NSLock()
    private var index = 0

    public init(threads: Int) {
        loops = (0..<max(1, threads)).map { EventLoop(name: "botrun-loop-\($0)") }
    }

    /// The next loop, round-robin. Thread-safe.
    public func next() -> EventLoop {
        lock.lock(); defer { lock.unlock() }
        let loop = loops[index % loops.count]
        index &+= 1
        return loop
    }

    public func shutdown() { loops.forEach { $0.shutdown() } }

    /// The process-wide default group (one loop per core, at most two), made on first use.
    public static var shared: EventLoopGroup { sharedGroup }
    private static let sharedGroup = EventLoopGroup(
        threads: min(2, max(1, ProcessInfo.processInfo.activeProcessorCount)))
}
