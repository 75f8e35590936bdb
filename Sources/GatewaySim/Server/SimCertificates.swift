import Foundation

/// A throwaway CA and a `localhost` / `127.0.0.1` server certificate signed by it, made with
/// the `openssl` CLI (EC P-256, valid 2 days) in a fresh temp directory. Clients trust
/// `caFile`; the server uses `certificateFile` + `keyFile`.
public struct SimCertificates: Sendable {
    public let directory: String
    public let caFile: String
    public let certificateFile: String
    public let keyFile: String

    /// One set per process: generation forks `openssl` three times, so sims share it.
    /// Known limit (issue 4): the temp directory is not removed at exit.
    public static func shared() throws(SimError) -> SimCertificates {
        try cache.withLock { (cached: inout Result<SimCertificates, SimError>?) throws(SimError) -> SimCertificates in
            if cached == nil { cached = Result { () throws(SimError) in try generate() } }
            return try cached!.get()
        }
    }

    private static let cache = SimLocked<Result<SimCertificates, SimError>?>(nil)

    public static func generate() throws(SimError) -> SimCertificates {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("botrun-sim-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw .certificateGeneration(step: "mkdir", detail: "\(error)")
        }
        let ext = dir + "/server.ext"
        let extText = """
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth
            subjectAltName=DNS:localhost,IP:127.0.0.1
            """
        guard FileManager.default.createFile(atPath: ext, contents: Data(extText.utf8)) else {
            throw .certificateGeneration(step: "write server.ext", detail: dir)
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try run("ca", ["req", "-x509"] + ec + ["-keyout", dir + "/ca.key", "-out", dir + "/ca.pem", "-days", "2",
                                               "-subj", "/CN=botrun sim CA",
                                               "-addext", "basicConstraints=critical,CA:TRUE",
                                               "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        try run("csr", ["req"] + ec + ["-keyout", dir + "/server.key", "-out", dir + "/server.csr",
                                       "-subj", "/CN=localhost"])
        try run("sign", ["x509", "-req", "-in", dir + "/server.csr", "-CA", dir + "/ca.pem",
                         "-CAkey", dir + "/ca.key", "-CAcreateserial", "-out", dir + "/server.pem",
                         "-days", "2", "-extfile", ext])
        return SimCertificates(directory: dir, caFile: dir + "/ca.pem", certificateFile: dir + "/server.pem",
                               keyFile: dir + "/server.key")
    }

    private static func run(_ step: String, _ arguments: [String]) throws(SimError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch { throw .certificateGeneration(step: step, detail: "\(error)") }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw .certificateGeneration(step: step, detail: String(decoding: output.suffix(300), as: UTF8.self))
        }
    }
}
