import Foundation

/// A response the parser cannot accept; the connection must be dropped.
struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    let reason: String
    var description: String { "invalid HTTP response: \(reason)" }
}

/// Incremental HTTP/1.1 response parser: feed bytes as they arrive, take whole responses out.
///
/// Handles the status line, headers (case-insensitive), `Content-Length`, chunked bodies
/// (with trailers), bodies delimited by connection close, bodiless responses (1xx skipped,
/// 204, 304, HEAD) and keep-alive. Pure: no I/O, no clock.
struct HTTPResponseParser: Sendable {
    private enum State: Sendable {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    let maxHeaderBytes: Int
    let maxBodyBytes: Int
    private var buffer: [UInt8] = []
    private var index = 0
    private var state: State = .head
    private var current: HTTPResponse?

    init(maxHeaderBytes: Int = 64 * 1024, maxBodyBytes: Int = 16 * 1024 * 1024) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// True when no partial response is buffered (safe point to reuse or close a connection).
    var isIdle: Bool {
        if case .head = state { return index == buffer.count }
        return false
    }

    mutating func append(_ bytes: some Collection<UInt8>) {
        if index > 0 && index >= buffer.count / 2 {
            buffer.removeFirst(index)
            index = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete response, or nil when more bytes are needed.
    /// - Parameter isHeadRequest: the response answers a HEAD request (never has a body).
    mutating func next(isHeadRequest: Bool = false) throws(HTTPParseError) -> HTTPResponse? {
        while true {
            switch state {
            case .head:
                guard let end = find(crlfcrlf, from: index) else {
                    if buffer.count - index > maxHeaderBytes { throw HTTPParseError(reason: "header section too large") }
                    return nil
                }
                let head = try parseHead(buffer[index..<end])
                index = end + 4
                if head.status >= 100 && head.status < 200 { continue }  // 100 Continue etc.
                try startBody(head, isHeadRequest: isHeadRequest)
            case .fixed(let remaining):
                let take = min(remaining, buffer.count - index)
                current!.body.append(contentsOf: buffer[index..<index + take])
                index += take
                if take < remaining { state = .fixed(remaining: remaining - take); return nil }
                return finishMessage()
            case .chunkSize:
                guard let end = find(crlf, from: index) else {
                    if buffer.count - index > 1024 { throw HTTPParseError(reason: "chunk size line too long") }
                    return nil
                }
                let line = buffer[index..<end]
                let digits = line.prefix { $0 != UInt8(ascii: ";") }
                guard let size = Int(String(decoding: digits, as: UTF8.self).trimmingCharacters(in: .whitespaces), radix: 16),
                      size >= 0 else { throw HTTPParseError(reason: "bad chunk size") }
                index = end + 2
                if size == 0 { state = .trailers; continue }
                // Compared as `size <= max - count`: `count + size` overflows (and traps) for a
                // hostile size near Int.max.
                guard size <= maxBodyBytes - current!.body.count else { throw HTTPParseError(reason: "body too large") }
                state = .chunkData(remaining: size)
            case .chunkData(let remaining):
                let take = min(remaining, buffer.count - index)
                current!.body.append(contentsOf: buffer[index..<index + take])
                index += take
                if take < remaining { state = .chunkData(remaining: remaining - take); return nil }
                state = .chunkDataEnd
            case .chunkDataEnd:
                guard buffer.count - index >= 2 else { return nil }
                guard buffer[index] == 0x0D && buffer[index + 1] == 0x0A else { throw HTTPParseError(reason: "chunk not followed by CRLF") }
                index += 2
                state = .chunkSize
            case .trailers:
                guard let end = find(crlf, from: index) else { return nil }
                let empty = end == index
                index = end + 2
                if empty { return finishMessage() }
            case .untilClose:
                current!.body.append(contentsOf: buffer[index...])
                index = buffer.count
                guard current!.body.count <= maxBodyBytes else { throw HTTPParseError(reason: "body too large") }
                return nil
            }
        }
    }

    /// Call when the peer closed the connection: completes a close-delimited body, and
    /// fails if a response was cut short.
    mutating func finishAtEOF() throws(HTTPParseError) -> HTTPResponse? {
        switch state {
        case .untilClose:
            return finishMessage()
        case .head where index == buffer.count:
            return nil
        default:
            throw HTTPParseError(reason: "connection closed mid-response")
        }
    }

    private mutating func finishMessage() -> HTTPResponse {
        let response = current!
        current = nil
        state = .head
        return response
    }

    private mutating func startBody(_ head: HTTPResponse, isHeadRequest: Bool) throws(HTTPParseError) {
        current = head
        if isHeadRequest || head.status == 204 || head.status == 304 {
            state = .fixed(remaining: 0)
            return
        }
        if let encoding = head.headers["Transfer-Encoding"] {
            guard head.headers.contains("Transfer-Encoding", token: "chunked") else {
                throw HTTPParseError(reason: "unsupported transfer-encoding \(encoding)")
            }
            state = .chunkSize
            return
        }
        let lengths = Set(head.headers.values("Content-Length"))
        if let text = lengths.first {
            guard lengths.count == 1, let length = Int(text.trimmingCharacters(in: .whitespaces)), length >= 0 else {
                throw HTTPParseError(reason: "bad content-length")
            }
            guard length <= maxBodyBytes else { throw HTTPParseError(reason: "body too large") }
            current!.body.reserveCapacity(length)
            state = .fixed(remaining: length)
            return
        }
        current!.keepAlive = false
        state = .untilClose
    }

    private func parseHead(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPResponse {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."),
              parts[1].count == 3, let status = Int(parts[1]) else {
            throw HTTPParseError(reason: "bad status line")
        }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw HTTPParseError(reason: "bad header line")
            }
            let name = String(line[..<colon])
            guard !name.contains(where: { $0 == " " || $0 == "\t" }) else { throw HTTPParseError(reason: "bad header name") }
            headers.add(name, line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let http10 = parts[0] == "HTTP/1.0"
        let keepAlive = http10
            ? headers.contains("Connection", token: "keep-alive")
            : !headers.contains("Connection", token: "close")
        return HTTPResponse(status: status, reason: parts.count > 2 ? String(parts[2]) : "",
                            headers: headers, body: [], keepAlive: keepAlive)
    }

    private let crlf: [UInt8] = [0x0D, 0x0A]
    private let crlfcrlf: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard buffer.count - start >= needle.count else { return nil }
        var i = start
        let last = buffer.count - needle.count
        while i <= last {
            if buffer[i] == needle[0] {
                var j = 1
                while j < needle.count && buffer[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
