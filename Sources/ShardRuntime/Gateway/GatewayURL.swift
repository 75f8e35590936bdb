/// Builds connection URLs: `<base>/?v=10&encoding=json[&compress=…]`.
public enum GatewayURL {
    public static let apiVersion = 10

    /// Whether `url` is a ws:// or wss:// URL with a host.
    public static func isValid(_ url: String) -> Bool {
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("wss://") { rest = lower.dropFirst(6) }
        else if lower.hasPrefix("ws://") { rest = lower.dropFirst(5) }
        else { return false }
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !host.isEmpty && !host.hasPrefix(":")
    }

    /// `base` without any query or fragment, with a `/` path when it has none, plus the
    /// version, encoding and compression parameters.
    public static func connectionURL(base: String, compression: GatewayCompression) -> String {
        var root = String(base.prefix { $0 != "?" && $0 != "#" })
        let schemeEnd = root.range(of: "://").map { root.distance(from: root.startIndex, to: $0.upperBound) } ?? 0
        if !root.dropFirst(schemeEnd).contains("/") { root += "/" }
        var url = root + "?v=\(apiVersion)&encoding=json"
        if compression != .none { url += "&compress=" + compression.rawValue }
        return url
    }
}
