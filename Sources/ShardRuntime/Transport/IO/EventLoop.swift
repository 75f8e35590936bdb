import Foundation
import Glibc
import CShims

/// Something registered with an `EventLoop` for fd readiness. Called on the loop thread.
protocol EventLoopSelectable: AnyObject {
    func ready(readable: Bool, writable: Bool, hangup: Bool)
}

/// One epoll thread. Any number of connections share it; all their callbacks and timers run
/// on this thread. `execute` and `schedule` may be called from any thread.
public final class EventLoop: @unchecked Sendable {
    private let epfd: Int32
    private let wakeFD: Int32
    private let lock = NSLock()
    private var pending: [() -> Void] = []
    private var wakePending = false
    /// Set once by the loop thread before `init` returns (published by the semaphore), then
    /// only read, so `inEventLoop` needs no lock.
    nonisolated(unsafe) private var thread: pthread_t?
    private var timers = TimerHeap()
    private var registrations: [Int32: EventLoopSelectable] = [:]
    private var interests: [Int32: UInt32] = [:]
    private var stopped = false
    /// Set (under `lock`) when the loop thread left `run()`; queued work no longer runs.
    private var exited = false
    /// How many times `epoll_wait` returned (tests use it to prove an idle loop sleeps).
    private(set) var wakeups = 0
    public let name: String
    /// One read buffer per loop, shared by its connections: a read is consumed before the next.
    static let readBufferSize = 64 * 1024
    let readBuffer = UnsafeMutableRawPointer.allocate(byteCount: EventLoop.readBufferSize, alignment: 16)

    private static let sigpipeOnce: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    public init(name: String = "botrun-loop") {
        _ = EventLoop.sigpipeOnce
        self.name = name
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(epfd >= 0 && wakeFD >= 0, "epoll/eventfd creation failed: errno \(errno)")
        var ev = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: wakeFD))
        _ = epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFD, &ev)
        let started = DispatchSemaphore(value: 0)
        // The thread keeps its loop alive until `shutdown()` lets it finish.
        let t = Thread { [self] in
            self.thread = pthread_self()
            started.signal()
            self.run()
        }
        t.name = name
        t.stackSize = 1 << 20
        t.start()
        started.wait()
    }

    /// True when called on this loop's thread.
    public var inEventLoop: Bool {
        guard let thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    /// Runs `task` on the loop thread (queued, even when called from the loop thread).
    public func execute(_ task: @escaping @Sendable () -> Void) {
        enqueue(task)
    }

    /// Non-Sendable variant for transport internals whose state is confined to the loop.
    func enqueue(_ task: @escaping () -> Void) {
        lock.lock()
        pending.append(task)
        let needWake = !wakePending
        wakePending = true
        lock.unlock()
        if needWake {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    /// Runs `task` on the loop thread after `seconds`. Thread-safe; cancel with the handle.
    @discardableResult
    public func schedule(after seconds: Double, _ task: @escaping @Sendable () -> Void) -> Scheduled {
        scheduleInternal(after: seconds, task)
    }

    @discardableResult
    func scheduleInternal(after seconds: Double, _ task: @escaping () -> Void) -> Scheduled {
        let handle = Scheduled()
        // Clamped to ~31 years: a larger (or infinite) delay would trap converting to UInt64 or
        // wrap the deadline into the past; NaN counts as 0.
        let delay = seconds.isNaN ? 0 : min(max(0, seconds), EventLoop.maxTimerDelaySeconds)
        let deadline = EventLoop.now() &+ UInt64(delay * 1e9)
        let entry = TimerHeap.Entry(deadline: deadline, handle: handle, task: task)
        if inEventLoop {
            timers.push(entry)
        } else {
            enqueue { self.timers.push(entry) }
        }
        return handle
    }

    /// Stops the loop thread after the queued work ran. Registered fds are not closed.
    public func shutdown() {
        enqueue { self.stopped = true }
    }

    /// The longest delay a timer can have; longer ones are clamped to it.
    static let maxTimerDelaySeconds: Double = 1e9

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    // MARK: fd registration (loop thread only)

    func register(fd: Int32, _ handler: EventLoopSelectable, read: Bool, write: Bool) {
        assert(inEventLoop)
        registrations[fd] = handler
        let mask = EventLoop.mask(read: read, write: write)
        interests[fd] = mask
        var ev = epoll_event(events: mask, data: epoll_data_t(fd: fd))
        _ = epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)
    }

    func setInterest(fd: Int32, read: Bool, write: Bool) {
        assert(inEventLoop)
        let mask = EventLoop.mask(read: read, write: write)
        guard registrations[fd] != nil, interests[fd] != mask else { return }
        interests[fd] = mask
        var ev = epoll_event(events: mask, data: epoll_data_t(fd: fd))
        _ = epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev)
    }

    func deregister(fd: Int32) {
        assert(inEventLoop)
        guard registrations.removeValue(forKey: fd) != nil else { return }
        interests[fd] = nil
        _ = epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil)
    }

    private static func mask(read: Bool, write: Bool) -> UInt32 {
        var m: UInt32 = EPOLLRDHUP.rawValue
        if read { m |= EPOLLIN.rawValue }
        if write { m |= EPOLLOUT.rawValue }
        return m
    }

    // MARK: the loop

    private func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while !stopped {
            let timeout = nextTimeoutMillis()
            let n = events.withUnsafeMutableBufferPointer {
                epoll_wait(epfd, $0.baseAddress, Int32($0.count), timeout)
            }
            if n < 0 && errno != EINTR { break }
            wakeups &+= 1
            if n > 0 {
                for i in 0..<Int(n) {
                    let ev = events[i]
                    let fd = ev.data.fd
                    if fd == wakeFD {
                        var v: UInt64 = 0
                        _ = read(wakeFD, &v, 8)
                        continue
                    }
                    guard let handler = registrations[fd] else { continue }
                    let e = ev.events
                    let hup = e & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
                    handler.ready(readable: e & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 || hup,
                                  writable: e & EPOLLOUT.rawValue != 0, hangup: hup)
                }
            }
            runTimers()
            runPending()
        }
        lock.lock(); exited = true; lock.unlock()
        close(epfd)
        close(wakeFD)
    }

    /// True once the loop thread has stopped (after `shutdown()`): work queued from now on
    /// never runs, and nothing runs on the loop thread any more.
    var hasExited: Bool {
        lock.lock(); defer { lock.unlock() }
        return exited
    }

    deinit { readBuffer.deallocate() }

    private func nextTimeoutMillis() -> Int32 {
        lock.lock()
        let hasWork = !pending.isEmpty
        lock.unlock()
        if hasWork { return 0 }
        guard let deadline = timers.peekDeadline() else { return -1 }
        let now = EventLoop.now()
        if deadline <= now { return 0 }
        return Int32(min(Int64(Int32.max), Int64((deadline - now + 999_999) / 1_000_000)))
    }

    private func runTimers() {
        let now = EventLoop.now()
        while let entry = timers.popDue(now: now) {
            if entry.handle.claim() { entry.task() }
        }
    }

    private func runPending() {
        lock.lock()
        let tasks = pending
        pending.removeAll(keepingCapacity: true)
        wakePending = false
        lock.unlock()
        for task in tasks { task() }
    }
}

/// A handle to a timer from `EventLoop.schedule`; `cancel()` is thread-safe.
public final class Scheduled: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    /// Prevents the task from running, if it has not started yet.
    public func cancel() {
        lock.lock(); done = true; lock.unlock()
    }

    /// Marks the timer fired; false when it was cancelled first.
    func claim() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}
