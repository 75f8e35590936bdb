import Foundation
import GatewaySim
import Testing

/// The botrun binary trusts CA certificates the way OpenSSL tools do: `SSL_CERT_FILE` and
/// `SSL_CERT_DIR` (read when the process starts, so each case runs its own process), and
/// refuses a gateway whose certificate no trusted CA signed.
@Suite(.serialized) struct ProcessTLSTrustTests {
    static let script = "function on_ready(d) print('ready ' .. d.user.username) end"

    @Test func sslCertFileIsTrusted() throws {
        let bot = try BotProcess(script: Self.script) { sim in ["SSL_CERT_FILE": try #require(sim.caFile)] }
        let ready = bot.waitForLine("ready simbot")
        let (code, stderr) = bot.finish()
        #expect(ready, "\(stderr)")
        #expect(code == 0, "\(stderr)")
    }

    @Test func sslCertDirIsTrusted() throws {
        let certs = try ScriptDir()
        defer { certs.cleanup() }
        let bot = try BotProcess(script: Self.script) { sim in
            let ca = try #require(sim.caFile)
            try FileManager.default.copyItem(atPath: ca, toPath: certs.url.appendingPathComponent("sim-ca.pem").path)
            let rehash = Process()
            rehash.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            rehash.arguments = ["rehash", certs.url.path]
            try rehash.run()
            rehash.waitUntilExit()
            return ["SSL_CERT_DIR": certs.url.path]
        }
        let ready = bot.waitForLine("ready simbot")
        let (code, stderr) = bot.finish()
        #expect(ready, "\(stderr)")
        #expect(code == 0, "\(stderr)")
    }

    @Test func untrustedGatewayIsRefusedNamingTheReason() throws {
        let bot = try BotProcess(script: Self.script) { _ in [:] }
        let ready = bot.waitForLine("ready simbot")
        let (code, stderr) = bot.finish()
        #expect(!ready)
        #expect(code == 1, "\(stderr)")
        #expect(stderr.contains("certificate"), "\(stderr)")
    }
}
