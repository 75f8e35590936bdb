/// A parsed `ws://` or `wss://` URL: host (names, IPv4, bracketed IPv6), port, path + query.
public struct WebSocketURL: Sendable, Equatable, CustomStringConvertible {
    public var secure: Bool
    /// The host without brackets (IPv6 literals come out as `::1`).
    public var host: String
    public var port: Int
    /// Path plus query, always starting with `/`; the fragment is dropped.
    public var target: String

    public init(secure: Bool, host: String, port: Int? = nil, target: String = "/") {
        self.secure = secure
        self.host = host
        self.port = port ?? (secure ? 443 : 80)
        self.target = target.hasPrefix("/") ? target : "/" + target
    }

    public init(_ string: String) throws(TransportError) {
        func bad(_ reason: String) -> TransportError { .invalidURL(string, reason: reason) }
        let lower = string.lowercased()
        var rest: Substring
        if lower.hasPrefix("wss://") { secure = true; rest = string.dropFirst(6) } else if lower.hasPrefix("ws://") {
            secure = false; rest = string.dropFirst(5)
        } else { throw bad("scheme must be ws:// or wss://") }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let tail = rest[authorityEnd...]
        target = tail.isEmpty ? "/" : (tail.hasPrefix("?") ? "/" + tail : String(tail))
        if authority.contains("@") { throw bad("user info is not supported") }
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw bad("unterminated IPv6 literal") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("unexpected text after IPv6 literal") }
                portText = after.dropFirst()
            }
            guard host.contains(":") else { throw bad("bracketed host is not an IPv6 address") }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                portText = authority[authority.index(after: colon)...]
                authority = authority[..<colon]
            }
            host = String(authority)
            if host.contains(":") { throw bad("IPv6 literals must be in brackets") }
        }
        if host.isEmpty { throw bad("empty host") }
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw bad("invalid port '\(portText)'") }
            port = p
        } else {
            port = secure ? 443 : 80
        }
    }

    /// The `Host` header value: port only when not the default, IPv6 in brackets.
    public var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port == (secure ? 443 : 80) ? h : "\(h):\(port)"
    }

    public var description: String { "\(secure ? "wss" : "ws")://\(hostHeader)\(target)" }
}
