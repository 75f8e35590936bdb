import Foundation
import ShardRuntime

/// Paths, the Python interpreter and test certificates for the transport tests.
enum TransportTestEnvironment {
    /// The package root, derived from this file's path.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var python: String {
        if let p = ProcessInfo.processInfo.environment["BOTRUN_PYTHON"], !p.isEmpty { return p }
        return packageRoot.appendingPathComponent(".venv/bin/python").path
    }

    static func peerScript(_ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/peers/\(name)").path
    }

    /// Runs a command to completion; throws with its stderr on failure.
    @discardableResult
    static func run(_ executable: String, _ args: [String], in dir: URL? = nil) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let dir { p.currentDirectoryURL = dir }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw TestFailure("\(executable) \(args.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A test CA, a server certificate it signed (SAN localhost + 127.0.0.1), and an unrelated
/// CA, made once per test process with the `openssl` CLI in a temporary directory.
struct TestCertificates: Sendable {
    let dir: URL
    var caFile: String { dir.appendingPathComponent("ca.pem").path }
    var otherCAFile: String { dir.appendingPathComponent("other-ca.pem").path }
    var serverCert: String { dir.appendingPathComponent("server.pem").path }
    var serverKey: String { dir.appendingPathComponent("server.key").path }
    /// The server key's certificate from the same CA, valid only 2020-01-01 → 2020-01-02.
    var expiredCert: String { dir.appendingPathComponent("expired.pem").path }

    static let shared: Result<TestCertificates, TestFailure> = {
        do { return .success(try make()) } catch { return .failure(TestFailure("\(error)")) }
    }()

    static func get() throws -> TestCertificates { try shared.get() }

    private static func make() throws -> TestCertificates {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("botrun-tls-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let ossl = "/usr/bin/openssl"
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try TransportTestEnvironment.run(ossl, ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                                                                        "-subj", "/CN=botrun test CA"], in: dir)
        try TransportTestEnvironment.run(ossl, ["req", "-x509"] + ec + ["-keyout", "other-ca.key", "-out", "other-ca.pem",
                                                                        "-days", "2", "-subj", "/CN=botrun other CA"], in: dir)
        try TransportTestEnvironment.run(ossl, ["req"] + ec + ["-keyout", "server.key", "-out", "server.csr",
                                                               "-subj", "/CN=localhost"], in: dir)
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(to: dir.appendingPathComponent("ext.cnf"),
                                                                  atomically: true, encoding: .utf8)
        try TransportTestEnvironment.run(ossl, ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                                                "-CAcreateserial", "-out", "server.pem", "-days", "2",
                                                "-extfile", "ext.cnf"], in: dir)
        // An expired certificate needs explicit dates, which only `openssl ca` takes in 3.0.
        let caConfig = """
            [ca]
            default_ca = test
            [test]
            database = index.txt
            new_certs_dir = .
            serial = serial.txt
            default_md = sha256
            policy = policy
            [policy]
            commonName = supplied
            [ext]
            subjectAltName = DNS:localhost,IP:127.0.0.1

            """
        try caConfig.write(to: dir.appendingPathComponent("ca.cnf"), atomically: true, encoding: .utf8)
        try "".write(to: dir.appendingPathComponent("index.txt"), atomically: true, encoding: .utf8)
        try "01\n".write(to: dir.appendingPathComponent("serial.txt"), atomically: true, encoding: .utf8)
        try TransportTestEnvironment.run(ossl, ["ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
                                                "-in", "server.csr", "-out", "expired.pem", "-notext", "-extensions", "ext",
                                                "-startdate", "20200101000000Z", "-enddate", "20200102000000Z"], in: dir)
        return TestCertificates(dir: dir)
    }
}
