import Foundation
import GatewaySim

/// The botrun binary run as a user runs it, against a TLS local gateway the test owns,
/// trusting its CA through the environment. Stdout lines are collected as they come.
final class BotProcess: @unchecked Sendable {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/botrun").path
    static let exitMark = "<process exited>"

    let sim: GatewaySim
    let dir: ScriptDir
    let process = Process()
    let stdout = LineCollector()
    private let stderrPipe = Pipe()
    private let exited = DispatchSemaphore(value: 0)

    /// `environment(sim)` adds variables (e.g. the trust settings); `arguments` come before the script.
    init(script: String, arguments: [String] = ["--no-watch"],
         environment: (GatewaySim) throws -> [String: String] = { ["SSL_CERT_FILE": $0.caFile ?? ""] }) throws {
        var options = GatewaySimOptions()
        options.tls = true
        sim = GatewaySim(options: options)
        try sim.start()
        dir = try ScriptDir()
        try dir.write(script)

        process.executableURL = URL(fileURLWithPath: BotProcess.binary)
        process.arguments = ["--gateway-url", sim.gatewayURL, "--api-url", sim.apiBaseURL, "--shards", "1",
                             "--log-level", "warn"] + arguments + [dir.script]
        var env = ProcessInfo.processInfo.environment
        env["SSL_CERT_FILE"] = nil
        env["SSL_CERT_DIR"] = nil
        env["DISCORD_TOKEN"] = sim.token
        env.merge(try environment(sim)) { $1 }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = stderrPipe
        let (stdout, exited) = (stdout, exited)
        out.fileHandleForReading.readabilityHandler = { handle in
            for line in String(decoding: handle.availableData, as: UTF8.self).split(separator: "\n") {
                stdout.sink(String(line))
            }
        }
        process.terminationHandler = { _ in
            stdout.sink(BotProcess.exitMark)
            exited.signal()
        }
        try process.run()
    }

    /// Waits (bounded) until a stdout line equals `line`, or the process ended.
    func waitForLine(_ line: String, timeout: Double = 30) -> Bool {
        _ = stdout.wait(timeout: timeout) { $0.contains(line) || $0.contains(BotProcess.exitMark) }
        return stdout.lines.contains(line)
    }

    /// Stops the process (SIGTERM when still running) and returns its exit code and stderr.
    func finish(timeout: Double = 30) -> (exitCode: Int32, stderr: String) {
        if process.isRunning { process.terminate() }
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let stderr = String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        sim.stop()
        dir.cleanup()
        return (process.terminationStatus, stderr)
    }
}
