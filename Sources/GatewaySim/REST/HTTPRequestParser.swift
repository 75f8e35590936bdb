import Foundation

/// Incremental HTTP/1.1 request parser: request line, headers, `Content-Length` body.
/// Known limit (issue 4): chunked request bodies are refused (400); multipart uploads are
/// parsed as requests but the REST routes only understand JSON bodies.
/// Feed bytes as they arrive; take complete requests with `next()`. Pure.
struct HTTPRequestParser {
    static let maxHeadSize = 32 * 1024
    static let maxBodySize = 8 << 20

    private(set) var buffer: [UInt8] = []

    mutating func feed(_ bytes: [UInt8]) { buffer.append(contentsOf: bytes) }

    /// Removes and returns whatever is buffered (the first WebSocket bytes after an upgrade).
    mutating func takeRemaining() -> [UInt8] {
        defer { buffer = [] }
        return buffer
    }

    /// The next complete request, nil when more bytes are needed.
    mutating func next() throws(SimError) -> HTTPRequest? {
        guard let headEnd = Self.headEnd(buffer) else {
            if buffer.count > Self.maxHeadSize { throw .badRequest(reason: "request head over \(Self.maxHeadSize) bytes") }
            return nil
        }
        let head = String(decoding: buffer[..<(headEnd - 4)], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: true)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1."), requestLine[1].hasPrefix("/") else {
            throw .badRequest(reason: "malformed request line")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw .badRequest(reason: "malformed header line") }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !name.contains(" ") else { throw .badRequest(reason: "malformed header name") }
            headers.append((name, value))
        }
        var request = HTTPRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers)
        if request.header("transfer-encoding") != nil {
            throw .badRequest(reason: "chunked request bodies are not supported")
        }
        var length = 0
        if let text = request.header("content-length") {
            guard let value = Int(text), value >= 0 else { throw .badRequest(reason: "bad Content-Length") }
            guard value <= Self.maxBodySize else { throw .badRequest(reason: "body over \(Self.maxBodySize) bytes") }
            length = value
        }
        guard buffer.count - headEnd >= length else { return nil }
        request.body = Array(buffer[headEnd..<(headEnd + length)])
        buffer.removeFirst(headEnd + length)
        return request
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4)
        where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }
}

extension HTTPRequest {
    /// A WebSocket upgrade request (`Upgrade: websocket` + `Sec-WebSocket-Key`).
    var isWebSocketUpgrade: Bool {
        header("upgrade")?.lowercased() == "websocket" && header("sec-websocket-key") != nil
    }

    /// HTTP/1.1 keep-alive unless the client asked to close.
    var wantsKeepAlive: Bool { header("connection")?.lowercased() != "close" }

    /// The query parameters of the target.
    var query: [String: String] {
        guard let q = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
        var out: [String: String] = [:]
        for pair in q.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            out[String(kv[0])] = kv.count > 1 ? String(kv[1]).removingPercentEncoding ?? String(kv[1]) : ""
        }
        return out
    }
}
