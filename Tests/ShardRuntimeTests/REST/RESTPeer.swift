import Foundation
@testable import ShardRuntime

/// `Tests/peers/rest_peer.py` run as a child process on 127.0.0.1 with a random port.
/// Each request it answers is reported on stdout; `stop()` ends it by PID.
final class RESTPeer: @unchecked Sendable {
    struct Request: Equatable {
        var connection: Int
        var method: String
        var path: String
        var status: Int
        var time: Double
    }

    let process = Process()
    private(set) var port = 0
    private let stdinPipe = Pipe()
    private let lock = NSLock()
    private var lines: [String] = []

    static var python: String {
        if let env = ProcessInfo.processInfo.environment["BOTRUN_PYTHON"], !env.isEmpty { return env }
        return Fixtures.packageRoot.appendingPathComponent(".venv/bin/python").path
    }

    private init(arguments: [String]) throws {
        let script = Fixtures.packageRoot.appendingPathComponent("Tests/peers/rest_peer.py").path
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [script] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = stdinPipe
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { handle.readabilityHandler = nil; return }
            self.consume(data)
        }
        try process.run()
    }

    /// Starts the peer and waits (without blocking a thread) for it to report its port.
    static func start(arguments: [String] = []) async throws -> RESTPeer {
        let peer = try RESTPeer(arguments: arguments)
        var found: Int?
        _ = await waitUntil(timeout: 15) {
            found = peer.snapshot().first { $0.hasPrefix("PORT ") }.flatMap { Int($0.dropFirst(5)) }
            return found != nil
        }
        guard let found else {
            peer.stop()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "rest_peer.py did not report a port"])
        }
        peer.port = found
        return peer
    }

    private var partial = ""

    private func consume(_ data: Data) {
        lock.lock(); defer { lock.unlock() }
        partial += String(decoding: data, as: UTF8.self)
        while let newline = partial.firstIndex(of: "\n") {
            lines.append(String(partial[..<newline]))
            partial = String(partial[partial.index(after: newline)...])
        }
    }

    func snapshot() -> [String] {
        lock.lock(); defer { lock.unlock() }
        return lines
    }

    /// Requests the peer answered so far, in order.
    func requests() -> [Request] {
        snapshot().compactMap { line in
            guard line.hasPrefix("REQ ") else { return nil }
            let parts = line.split(separator: " ")
            func field(_ name: String) -> String? {
                parts.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
            }
            guard parts.count >= 6, let conn = field("conn").flatMap(Int.init), let status = field("status").flatMap(Int.init),
                  let t = field("t").flatMap(Double.init) else { return nil }
            return Request(connection: conn, method: String(parts[2]), path: String(parts[3]), status: status, time: t)
        }
    }

    /// Waits (bounded) until the peer has logged `count` requests.
    @discardableResult
    func waitForRequests(_ count: Int, timeout: Double = 10) async -> [Request] {
        _ = await Self.waitUntil(timeout: timeout) { self.requests().count >= count }
        return requests()
    }

    func stop() {
        try? stdinPipe.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// Polls `condition` until it holds or `timeout` passes; returns whether it held.
    /// Sleeps with `Task.sleep`, so it never blocks a thread of the shared test pool.
    static func waitUntil(timeout: Double, _ condition: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if await condition() { return true }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return await condition()
    }
}

/// A throwaway self-signed certificate for `localhost`, made with the `openssl` CLI.
struct TestCertificate {
    let directory: URL
    var certFile: String { directory.appendingPathComponent("cert.pem").path }
    var keyFile: String { directory.appendingPathComponent("key.pem").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("botrun-rest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", directory.appendingPathComponent("key.pem").path,
                             "-out", directory.appendingPathComponent("cert.pem").path,
                             "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl req failed"])
        }
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
