/// `GET /gateway/bot`: the gateway URL, recommended shard count and session start limits.
public struct GatewayBotInfo: Sendable, Equatable {
    public var url: String
    public var shards: Int
    public var maxConcurrency: Int
    public var sessionStartRemaining: Int
    /// Milliseconds until the session start limit resets.
    public var sessionStartResetAfter: Int64
}

/// A minimal HTTP/1.1 client for the one request a shard makes before connecting: one GET
/// with `Connection: close` over the transport's TCP/TLS, `Content-Length` or chunked body.
///
/// Known gap (issue 3): no redirects, no keep-alive, no 429 retry; errors carry the status and
/// body excerpt but never the token.
public enum GatewayBotLookup {
    public static let maxResponseBytes = 1 << 20

    public static func fetch(apiBaseURL: String, token: Token, tls: TLSConfiguration = .client(),
                             loop: EventLoop = EventLoopGroup.shared.next(), timeout: Double = 10) async throws -> GatewayBotInfo {
        let body = try await get(url: apiBaseURL + "/gateway/bot", headers: [
            ("Authorization", token.authorizationHeader),
            ("User-Agent", "DiscordBot (https://example.invalid/botrun, 0.1)"),
        ], tls: tls, loop: loop, timeout: timeout)
        let json: JSONValue
        do { json = try JSONParser.parse(body) } catch {
            throw ShardStartError(.retrievingGatewayURL, "GET /gateway/bot: body is not JSON (\(error))")
        }
        guard let url = json["url"]?.stringValue else {
            throw ShardStartError(.retrievingGatewayURL, "GET /gateway/bot: no 'url' in the response")
        }
        let limit = json["session_start_limit"]
        return GatewayBotInfo(url: url, shards: json["shards"]?.intValue ?? 1,
                              maxConcurrency: limit?["max_concurrency"]?.intValue ?? 1,
                              sessionStartRemaining: limit?["remaining"]?.intValue ?? 0,
                              sessionStartResetAfter: limit?["reset_after"]?.int64Value ?? 0)
    }

    struct Target {
        var secure: Bool
        var host: String
        var port: Int
        var path: String
    }

    static func parse(url: String) -> Target? {
        let secure: Bool
        var rest: Substring
        if url.hasPrefix("https://") { secure = true; rest = url.dropFirst(8) }
        else if url.hasPrefix("http://") { secure = false; rest = url.dropFirst(7) }
        else { return nil }
        let authority = rest.prefix { $0 != "/" }
        rest = rest.dropFirst(authority.count)
        var host = String(authority)
        var port = secure ? 443 : 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let p = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = p
            host = String(authority[..<colon])
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return Target(secure: secure, host: host, port: port, path: rest.isEmpty ? "/" : String(rest))
    }

    /// GETs `url` and returns the body of a 2xx response.
    static func get(url: String, headers: [(String, String)], tls: TLSConfiguration, loop: EventLoop,
                    timeout: Double) async throws -> [UInt8] {
        guard let target = parse(url: url) else {
            throw ShardStartError(.retrievingGatewayURL, "API base URL is not http(s): \(url)")
        }
        var request = "GET \(target.path) HTTP/1.1\r\nHost: \(target.host)"
        if target.port != (target.secure ? 443 : 80) { request += ":\(target.port)" }
        request += "\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "Accept: application/json\r\nConnection: close\r\n\r\n"
        let requestBytes = Array(request.utf8)
        let response: [UInt8] = try await withCheckedThrowingContinuation { continuation in
            loop.execute {
                let exchange = HTTPExchange(continuation: continuation)
                let cancel = TCPConnector.connect(host: target.host, port: target.port, tls: target.secure ? tls : nil,
                                                  timeout: timeout, loop: loop) { result in
                    switch result {
                    case .failure(let error): exchange.finish(.failure(error))
                    case .success(let stream): exchange.run(stream, request: requestBytes)
                    }
                }
                exchange.cancelConnect = cancel
                exchange.timer = loop.schedule(after: timeout) {
                    exchange.cancelConnect?()
                    exchange.stream?.close()
                    exchange.finish(.failure(ShardStartError(.retrievingGatewayURL, "GET /gateway/bot timed out after \(timeout)s")))
                }
            }
        }
        return try HTTPResponse.body(of: response, url: url)
    }
}

/// One request/response on the loop thread; completes once.
private final class HTTPExchange: @unchecked Sendable {
    let continuation: CheckedContinuation<[UInt8], Error>
    var received: [UInt8] = []
    var done = false
    var timer: Scheduled?
    var stream: StreamConnection?
    var cancelConnect: (() -> Void)?

    init(continuation: CheckedContinuation<[UInt8], Error>) { self.continuation = continuation }

    func run(_ stream: StreamConnection, request: [UInt8]) {
        self.stream = stream
        stream.setHandlers(onData: { [self] bytes in
            received += bytes
            if received.count > GatewayBotLookup.maxResponseBytes {
                stream.close()
                finish(.failure(ShardStartError(.retrievingGatewayURL, "response over \(GatewayBotLookup.maxResponseBytes) bytes")))
            } else if HTTPResponse.isComplete(received) {
                stream.close()
                finish(.success(received))
            }
        }, onClose: { [self] error in
            if let error { finish(.failure(error)) } else { finish(.success(received)) }
        })
        stream.write(request)
    }

    func finish(_ result: Result<[UInt8], Error>) {
        guard !done else { return }
        done = true
        timer?.cancel()
        cancelConnect = nil
        switch result {
        case .success(let bytes): continuation.resume(returning: bytes)
        case .failure(let error as ShardStartError): continuation.resume(throwing: error)
        case .failure(let error):
            continuation.resume(throwing: ShardStartError(.retrievingGatewayURL, "GET /gateway/bot: \(error)"))
        }
    }
}

/// Parsing of a whole HTTP/1.1 response held in memory.
enum HTTPResponse {
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    static func headers(_ bytes: [UInt8], end: Int) -> (status: Int, fields: [String: String]) {
        let lines = String(decoding: bytes[0..<end], as: UTF8.self).split(separator: "\r\n")
        let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, fields)
    }

    /// True when the body is complete according to Content-Length or chunked framing.
    static func isComplete(_ bytes: [UInt8]) -> Bool {
        guard let end = headEnd(bytes) else { return false }
        let fields = headers(bytes, end: end).fields
        if let length = fields["content-length"].flatMap({ Int($0) }) { return bytes.count - end >= length }
        if fields["transfer-encoding"]?.lowercased().contains("chunked") == true { return (try? dechunk(Array(bytes[end...]))) != nil }
        return false
    }

    static func dechunk(_ body: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while true {
            guard let lineEnd = (i..<max(i, body.count - 1)).first(where: { body[$0] == 13 && body[$0 + 1] == 10 }) else {
                throw ShardStartError(.retrievingGatewayURL, "truncated chunked body")
            }
            let sizeText = String(decoding: body[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw ShardStartError(.retrievingGatewayURL, "bad chunk size")
            }
            i = lineEnd + 2
            if size == 0 { return out }
            guard i + size + 2 <= body.count else { throw ShardStartError(.retrievingGatewayURL, "truncated chunk") }
            out += body[i..<(i + size)]
            i += size + 2
        }
    }

    static func body(of bytes: [UInt8], url: String) throws -> [UInt8] {
        guard let end = headEnd(bytes) else {
            throw ShardStartError(.retrievingGatewayURL, "GET \(url): no complete HTTP response")
        }
        let (status, fields) = headers(bytes, end: end)
        var body = Array(bytes[end...])
        if fields["transfer-encoding"]?.lowercased().contains("chunked") == true { body = try dechunk(body) }
        else if let length = fields["content-length"].flatMap({ Int($0) }), body.count > length { body = Array(body.prefix(length)) }
        guard (200..<300).contains(status) else {
            let excerpt = String(decoding: body.prefix(200), as: UTF8.self)
            throw ShardStartError(.retrievingGatewayURL, "GET \(url): HTTP \(status): \(excerpt)")
        }
        return body
    }
}
