/// Turns the WebSocket messages of a compressed gateway stream into payloads.
/// One instance per connection; a new connection needs a fresh one. After a thrown error the
/// stream is unusable (the connection must be replaced).
public protocol GatewayDecompressor: AnyObject {
    /// Feeds one whole WebSocket message; returns a complete payload, or nil when the message
    /// only carried part of one.
    func decompress(_ message: [UInt8]) throws(TransportError) -> [UInt8]?
}

/// Which transport compression a gateway connection uses (`compress=` in the URL).
public enum GatewayCompression: String, Sendable, CaseIterable {
    case none
    case zlibStream = "zlib-stream"
    case zstdStream = "zstd-stream"

    /// A fresh decompressor for one connection (nil for `.none`); payloads over `limit`
    /// bytes (decompressed) fail with `.messageTooLarge`.
    public func makeDecompressor(limit: Int = 128 << 20) -> GatewayDecompressor? {
        switch self {
        case .none: nil
        case .zlibStream: ZlibStreamInflater(limit: limit)
        case .zstdStream: ZstdStreamDecompressor(limit: limit)
        }
    }
}
