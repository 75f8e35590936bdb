import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Watches script files with inotify (issue 5): the directories of the script and
/// of every file it required, `IN_CLOSE_WRITE | IN_MOVED_TO`, filtered to the
/// watched names (so editor temp and swap files are ignored). Rapid saves are
/// debounced into one callback, which runs on the watcher's own thread.
public final class ScriptWatcher: @unchecked Sendable {
    public struct WatchError: Error, CustomStringConvertible {
        public var description: String
    }

    private let fd: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let debounce: Double
    private let onChange: @Sendable () -> Void
    private let lock = NSLock()
    private var names: [Int32: Set<String>] = [:]  // watch descriptor -> watched file names
    private var stopped = false
    private let finished = NSCondition()
    private var threadDone = false
    private var watcherThread: pthread_t?  // guarded by `lock`

    public init(files: [String], debounce: Double = 0.05, onChange: @escaping @Sendable () -> Void) throws {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw WatchError(description: "inotify_init1 failed: errno \(errno)") }
        var pipeFDs: [Int32] = [0, 0]
        guard pipe(&pipeFDs) == 0 else {
            close(fd)
            throw WatchError(description: "pipe failed: errno \(errno)")
        }
        _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
        self.fd = fd
        self.wakeRead = pipeFDs[0]
        self.wakeWrite = pipeFDs[1]
        self.debounce = debounce
        self.onChange = onChange
        update(files: files)
        let thread = Thread { [self] in loop() }
        thread.name = "script-watcher"
        thread.start()
    }

    deinit { stop() }

    /// Replaces the set of watched files (after a reload changed what is required).
    public func update(files: [String]) {
        var byDir: [String: Set<String>] = [:]
        for file in files {
            let url = URL(fileURLWithPath: file).standardizedFileURL
            byDir[url.deletingLastPathComponent().path, default: []].insert(url.lastPathComponent)
        }
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        for wd in names.keys { inotify_rm_watch(fd, wd) }
        names.removeAll()
        for (dir, files) in byDir {
            let wd = inotify_add_watch(fd, dir, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO))
            if wd >= 0 { names[wd, default: []].formUnion(files) }
        }
    }

    /// Stops the thread and closes the descriptors; waits for a running callback.
    public func stop() {
        lock.lock()
        if stopped { lock.unlock(); return }
        stopped = true
        let onWatcherThread = watcherThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        lock.unlock()
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        if onWatcherThread { return }  // called from the callback: the loop ends by itself; fds leak (rare)
        finished.lock()
        while !threadDone { finished.wait() }
        finished.unlock()
        close(fd)
        close(wakeRead)
        close(wakeWrite)
    }

    /// True when the buffer holds an event for a watched file.
    private func relevant(_ buffer: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        var hit = false
        let header = MemoryLayout<inotify_event>.size
        lock.lock()
        defer { lock.unlock() }
        while offset + header <= buffer.count {
            let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
            let nameStart = offset + header
            let nameBytes = UnsafeRawBufferPointer(rebasing: buffer[nameStart..<min(nameStart + Int(event.len), buffer.count)])
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            if names[event.wd]?.contains(name) == true { hit = true }
            offset = nameStart + Int(event.len)
        }
        return hit
    }

    private func loop() {
        lock.lock()
        watcherThread = pthread_self()
        lock.unlock()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var pendingSince: Double?  // monotonic time of the last relevant event
        defer {
            finished.lock()
            threadDone = true
            finished.broadcast()
            finished.unlock()
        }
        while true {
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            var timeout: Int32 = -1
            if let since = pendingSince {
                timeout = Int32(max(0, (since + debounce - Self.now()) * 1000).rounded(.up))
            }
            let n = poll(&fds, 2, timeout)
            if fds[1].revents != 0 { return }
            if n > 0, fds[0].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0, buffer.withUnsafeBytes({ relevant(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }) {
                    pendingSince = Self.now()
                }
                continue
            }
            if let since = pendingSince, Self.now() >= since + debounce {
                pendingSince = nil
                onChange()
            }
        }
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
