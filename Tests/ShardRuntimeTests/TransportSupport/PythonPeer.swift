import Foundation

/// A Python WebSocket peer from `Tests/peers/`, started on 127.0.0.1 port 0. It reports its
/// port on stdout; `stop()` (or deinit) closes its stdin and terminates it by PID.
final class PythonPeer: @unchecked Sendable {
    let process = Process()
    private let stdinPipe = Pipe()
    let port: Int

    init(script: String, arguments: [String] = [], timeout: Double = 20) throws {
        let python = TransportTestEnvironment.python
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestFailure("no Python at \(python); run scripts/setup --python")
        }
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TransportTestEnvironment.peerScript(script)] + arguments
        process.standardInput = stdinPipe
        process.standardOutput = out
        try process.run()
        // Read the "PORT n" line with a deadline (the read happens on a helper thread).
        let box = LineBox()
        let handle = out.fileHandleForReading
        Thread.detachNewThread {
            var line = Data()
            while true {
                let d = handle.readData(ofLength: 1)
                if d.isEmpty || d == Data([10]) { break }
                line.append(d)
            }
            box.set(String(decoding: line, as: UTF8.self))
        }
        guard let line = box.wait(timeout: timeout), line.hasPrefix("PORT "), let p = Int(line.dropFirst(5)) else {
            process.terminate()
            throw TestFailure("peer \(script) did not report its port")
        }
        port = p
    }

    func stop() {
        if process.isRunning {
            try? stdinPipe.fileHandleForWriting.close()
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

final class LineBox: @unchecked Sendable {
    private let cond = NSCondition()
    private var value: String?

    func set(_ v: String) { cond.lock(); value = v; cond.broadcast(); cond.unlock() }

    func wait(timeout: Double) -> String? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        cond.lock(); defer { cond.unlock() }
        while value == nil && cond.wait(until: deadline) {}
        return value
    }
}
