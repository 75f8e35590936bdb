import COpenSSL
import Foundation

/// The RFC 6455 opening handshake: the client request, the check of the server's answer, and
/// the helpers a server needs (`acceptValue`, `serverResponse`).
public enum WebSocketHandshake {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    /// The largest response head we accept before giving up.
    static let maxHeadSize = 16 * 1024

    /// A fresh random 16-byte key, base64.
    public static func makeKey() -> String {
        var rng = SystemRandomNumberGenerator()
        return Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }).base64EncodedString()
    }

    /// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)).
    public static func acceptValue(forKey key: String) -> String {
        let input = Array((key.trimmingCharacters(in: .whitespaces) + guid).utf8)
        var digest = [UInt8](repeating: 0, count: 20)
        var len: UInt32 = 0
        _ = EVP_Digest(input, input.count, &digest, &len, EVP_sha1(), nil)
        return Data(digest).base64EncodedString()
    }

    /// The client's upgrade request.
    public static func request(url: WebSocketURL, key: String, headers: [(String, String)] = []) -> [UInt8] {
        var s = "GET \(url.target) HTTP/1.1\r\nHost: \(url.hostHeader)\r\nUpgrade: websocket\r\n"
        s += "Connection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { s += "\(name): \(value)\r\n" }
        s += "\r\n"
        return Array(s.utf8)
    }

    /// The server's `101 Switching Protocols` answer to a request carrying `key`.
    public static func serverResponse(key: String, headers: [(String, String)] = []) -> [UInt8] {
        var s = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        s += "Sec-WebSocket-Accept: \(acceptValue(forKey: key))\r\n"
        for (name, value) in headers { s += "\(name): \(value)\r\n" }
        s += "\r\n"
        return Array(s.utf8)
    }

    /// Index just past the blank line ending an HTTP head in `buffer`, or nil if incomplete.
    public static func headEnd(in buffer: [UInt8]) -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    /// Checks a complete response head (without the body) against the key we sent.
    static func validate(responseHead: ArraySlice<UInt8>, key: String) throws(TransportError) {
        let text = String(decoding: responseHead, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        let status = lines.removeFirst()
        let parts = status.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else {
            throw .handshakeRejected(reason: "malformed status line '\(status.prefix(80))'")
        }
        guard parts[1] == "101" else { throw .handshakeRejected(reason: "status \(parts.dropFirst().joined(separator: " "))") }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        guard headers["upgrade"]?.lowercased() == "websocket" else {
            throw .handshakeRejected(reason: "Upgrade header is '\(headers["upgrade"] ?? "missing")'")
        }
        let connection = (headers["connection"] ?? "").lowercased().split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard connection.contains("upgrade") else {
            throw .handshakeRejected(reason: "Connection header is '\(headers["connection"] ?? "missing")'")
        }
        guard headers["sec-websocket-accept"] == acceptValue(forKey: key) else {
            throw .handshakeRejected(reason: "Sec-WebSocket-Accept is '\(headers["sec-websocket-accept"] ?? "missing")'")
        }
        if let ext = headers["sec-websocket-extensions"], !ext.isEmpty {
            throw .handshakeRejected(reason: "server chose extensions we did not offer: \(ext)")
        }
    }
}
