import Foundation

/// Runs `Tests/peers/sim_gateway_peer.py` (the independent Python `websockets` client) and
/// returns its JSON observations. The interpreter is `$BOTRUN_PYTHON`, else
/// `<package root>/.venv/bin/python` (made by `scripts/setup --python`).
enum PythonPeer {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var python: String {
        ProcessInfo.processInfo.environment["BOTRUN_PYTHON"] ?? packageRoot.appendingPathComponent(".venv/bin/python").path
    }

    /// Runs one scenario; kills the peer (by its pid) if it outlives `timeout`.
    static func run(_ scenario: String, gateway: String, api: String, token: String, caFile: String?,
                    channelID: String, timeout: Double = 60) throws -> [String: Any] {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failure(description: "no Python at \(python); run scripts/setup --python")
        }
        let script = packageRoot.appendingPathComponent("Tests/peers/sim_gateway_peer.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, scenario, gateway, api, token, caFile ?? "-", channelID]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        // Read both pipes concurrently so a chatty peer cannot block on a full pipe. Each read
        // blocks until the peer exits, so it gets a thread of its own: on Dispatch's global
        // queue the two reads took the whole (2-thread) pool that Swift Testing runs on.
        let outData = SendableBox<Data>(), errData = SendableBox<Data>()
        let readers = DispatchGroup()
        for (pipe, box) in [(out, outData), (err, errData)] {
            readers.enter()
            let handle = pipe.fileHandleForReading
            Thread.detachNewThread {
                box.value = handle.readDataToEndOfFile()
                readers.leave()
            }
        }
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
            readers.wait()
            throw Failure(description: "peer \(scenario) timed out; stderr: \(String(decoding: errData.value, as: UTF8.self))")
        }
        readers.wait()
        let stdout = String(decoding: outData.value, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(description: "peer \(scenario) exited \(process.terminationStatus): "
                + String(decoding: errData.value.suffix(2000), as: UTF8.self))
        }
        let line = stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw Failure(description: "peer \(scenario) printed no JSON object: \(stdout)")
        }
        return json
    }
}

final class SendableBox<T>: @unchecked Sendable {
    var value: T
    init() where T == Data { value = Data() }
}
