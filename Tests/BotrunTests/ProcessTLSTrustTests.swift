import Foundation
import GatewaySim
import Testing

/// The botrun binary trusts CA certificates the way OpenSSL tools do: `SSL_CERT_FILE` and
/// `SSL_CERT_DIR` (read when the process starts, so each case runs its own process), and
/// refuses a gateway whose certificate no trusted CA signed.
@Suite(.serialized) struct ProcessTLSTrustTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/botrun").path

    static let exitMark = "<process exited>"

    struct Outcome {
        var ready: Bool
        var exitCode: Int32
        var stderr: String
    }

    /// Runs botrun against a TLS sim with `environment` added; stops it (SIGTERM) once the
    /// script printed READY, or lets it exit on its own.
    static func run(trust environment: (GatewaySim) throws -> [String: String]) throws -> Outcome {
        var options = GatewaySimOptions()
        options.tls = true
        let sim = GatewaySim(options: options)
        try sim.start()
        defer { sim.stop() }
        let dir = try ScriptDir()
        defer { dir.cleanup() }
        try dir.write("function on_ready(d) print('ready ' .. d.user.username) end")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--gateway-url", sim.gatewayURL, "--api-url", sim.apiBaseURL, "--shards", "1",
                             "--no-watch", "--log-level", "warn", dir.script]
        var env = ProcessInfo.processInfo.environment
        env["SSL_CERT_FILE"] = nil
        env["SSL_CERT_DIR"] = nil
        env["DISCORD_TOKEN"] = sim.token
        env.merge(try environment(sim)) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdout = LineCollector()
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") { stdout.sink(String(line)) }
        }
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in
            stdout.sink(exitMark)
            exited.signal()
        }
        try process.run()
        // Until the script saw READY, or botrun gave up on its own.
        _ = stdout.wait(timeout: 30) { $0.contains("ready simbot") || $0.contains(exitMark) }
        let ready = stdout.lines.contains("ready simbot")
        if ready { process.terminate() }
        if exited.wait(timeout: .now() + 30) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        out.fileHandleForReading.readabilityHandler = nil
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Outcome(ready: ready, exitCode: process.terminationStatus, stderr: stderr)
    }

    @Test func sslCertFileIsTrusted() throws {
        let outcome = try Self.run { sim in ["SSL_CERT_FILE": try #require(sim.caFile)] }
        #expect(outcome.ready, "\(outcome.stderr)")
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
    }

    @Test func sslCertDirIsTrusted() throws {
        let certs = try ScriptDir()
        defer { certs.cleanup() }
        let outcome = try Self.run { sim in
            let ca = try #require(sim.caFile)
            try FileManager.default.copyItem(atPath: ca, toPath: certs.url.appendingPathComponent("sim-ca.pem").path)
            let rehash = Process()
            rehash.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            rehash.arguments = ["rehash", certs.url.path]
            try rehash.run()
            rehash.waitUntilExit()
            return ["SSL_CERT_DIR": certs.url.path]
        }
        #expect(outcome.ready, "\(outcome.stderr)")
        #expect(outcome.exitCode == 0, "\(outcome.stderr)")
    }

    @Test func untrustedGatewayIsRefusedNamingTheReason() throws {
        let outcome = try Self.run { _ in [:] }
        #expect(!outcome.ready)
        #expect(outcome.exitCode == 1, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("certificate"), "\(outcome.stderr)")
    }
}
