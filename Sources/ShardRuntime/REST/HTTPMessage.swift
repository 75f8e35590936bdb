/// HTTP methods the REST client sends.
public enum HTTPMethod: String, Sendable, Hashable, CaseIterable {
    case get = "GET", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE", head = "HEAD"

    /// Parses a method name case-insensitively (`"post"` from Lua scripts); nil if unknown.
    public init?(name: String) {
        self.init(rawValue: name.uppercased())
    }

    /// Methods whose request must carry `Content-Length` even when empty (Discord answers
    /// 411 to a bodiless POST/PUT/PATCH without it).
    var requiresContentLength: Bool { self == .post || self == .put || self == .patch }

    /// Safe to send twice (RFC 9110): GET, HEAD, PUT, DELETE.
    public var isIdempotent: Bool { self == .get || self == .head || self == .put || self == .delete }
}

/// An ordered list of header fields with case-insensitive lookup.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}
    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { add(name, value) }
    }

    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Replaces every field called `name` with one field.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { Self.same($0.name, name) }
    }

    /// The first value of `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        fields.first { Self.same($0.name, name) }?.value
    }

    public func values(_ name: String) -> [String] {
        fields.filter { Self.same($0.name, name) }.map(\.value)
    }

    /// Whether a comma-separated header (`Connection`, `Transfer-Encoding`) lists `token`.
    public func contains(_ name: String, token: String) -> Bool {
        values(name).contains { value in
            value.split(separator: ",").contains { Self.same($0.trimmingCharacters(in: .whitespaces), token) }
        }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    static func same(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
        a.utf8.count == b.utf8.count && a.lowercased() == b.lowercased()
    }
}

/// One HTTP/1.1 request, ready to serialize. Internal: GatewaySim has its own public
/// server-side `HTTPRequest`/`HTTPResponse`, and test files import both modules.
struct HTTPRequest: Sendable {
    var method: HTTPMethod
    /// Origin-form target: absolute path plus optional query (`/api/v10/gateway/bot`).
    var target: String
    var headers: HTTPHeaders
    var body: [UInt8]

    init(method: HTTPMethod, target: String, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// Whether `target` is safe to put on the request line: starts with `/`, and holds no
    /// space, control character or non-ASCII byte (which would allow request splitting).
    static func isValidTarget(_ target: String) -> Bool {
        guard target.utf8.first == UInt8(ascii: "/") else { return false }
        return target.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// Whether a header value is free of CR, LF and NUL.
    static func isValidFieldValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 != 0x0D && $0 != 0x0A && $0 != 0 }
    }

    /// The wire bytes: request line, `Host`, the headers, `Content-Length` when there is a
    /// body or the method needs one, blank line, body. Callers validate `target` and header
    /// values first (`isValidTarget`); invalid ones are replaced here rather than sent.
    func serialized(host: String) -> [UInt8] {
        var head = "\(method.rawValue) \(Self.isValidTarget(target) ? target : "/") HTTP/1.1\r\n"
        head += "Host: \(host)\r\n"
        for (name, value) in headers where !HTTPHeaders.same(name, "Host") && !HTTPHeaders.same(name, "Content-Length") {
            head += "\(name): \(Self.isValidFieldValue(value) ? value : "")\r\n"
        }
        if !body.isEmpty || method.requiresContentLength {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + body
    }
}

/// One parsed HTTP response.
struct HTTPResponse: Sendable {
    var status: Int
    var reason: String
    var headers: HTTPHeaders
    var body: [UInt8]
    /// False when the server asked to close (`Connection: close`, HTTP/1.0 without
    /// keep-alive) or the body was delimited by the end of the connection.
    var keepAlive: Bool
}
