import CShims
import CZlib

/// Discord's zlib-stream: one zlib context for the whole connection. Messages are buffered
/// until the accumulated input ends with the sync-flush marker `00 00 FF FF`; then everything
/// buffered is inflated into one payload. Both the buffered input and the inflated payload
/// are bounded by `limit` (`.messageTooLarge`): a hostile server could otherwise send input
/// that never ends with the marker, or a few KB that inflate to gigabytes.
public final class ZlibStreamInflater: GatewayDecompressor {
    private var stream = z_stream()
    private var pending: [UInt8] = []
    private var output = OutputScratch()
    private var broken: TransportError?
    private static let chunk = 64 * 1024
    public let limit: Int

    public init(limit: Int = 128 << 20) {
        self.limit = limit
        precondition(shim_inflateInit(&stream) == Z_OK, "inflateInit failed")
        // No adler32 over the output (issue 7: ~4 % of the event path). Discord's stream is
        // only ever sync-flushed, never finished, so the checksum at its end is never reached
        // anyway; the zlib header and the deflate data are still checked.
        _ = inflateValidate(&stream, 0)
    }

    deinit {
        inflateEnd(&stream)
        output.free()
    }

    /// True when `bytes` ends with the zlib sync-flush marker.
    public static func endsWithFlush(_ bytes: [UInt8]) -> Bool {
        let n = bytes.count
        return n >= 4 && bytes[n - 4] == 0 && bytes[n - 3] == 0 && bytes[n - 2] == 0xFF && bytes[n - 1] == 0xFF
    }

    public func decompress(_ message: [UInt8]) throws(TransportError) -> [UInt8]? {
        if let broken { throw broken }
        if pending.count + message.count > limit {
            let size = pending.count + message.count
            pending = []
            try fail(.messageTooLarge(size: size, limit: limit))
        }
        // The usual case, a whole payload in one message, inflates straight from it
        // (issue 7: no copy into `pending`, no fresh buffer for `pending` afterwards).
        if pending.isEmpty {
            guard ZlibStreamInflater.endsWithFlush(message) else {
                pending = message
                return nil
            }
            return try message.withUnsafeBufferPointer { input throws(TransportError) in try inflateAll(input) }
        }
        pending.append(contentsOf: message)
        // The marker may be split across messages, so check the accumulated input.
        guard ZlibStreamInflater.endsWithFlush(pending) else { return nil }
        defer { pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20) }
        return try pending.withUnsafeBufferPointer { input throws(TransportError) in try inflateAll(input) }
    }

    private func inflateAll(_ input: UnsafeBufferPointer<UInt8>) throws(TransportError) -> [UInt8] {
        output.count = 0
        var status: Int32 = Z_OK
        var overLimit = false
        let limit = self.limit
        do {
            stream.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0) }  // zlib only reads it
            stream.avail_in = UInt32(input.count)
            repeat {
                if output.count > limit { overLimit = true; break }
                // At most limit + 1 bytes of room: one byte over is enough to know.
                output.reserve(min(max(ZlibStreamInflater.chunk, Int(stream.avail_in) * 4), limit + 1 - output.count))
                let room = min(output.freeSpace, limit + 1 - output.count)
                stream.next_out = output.tail.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(min(room, Int(UInt32.max)))
                status = inflate(&stream, Z_SYNC_FLUSH)
                output.count += room - Int(stream.avail_out)
                if status == Z_BUF_ERROR && stream.avail_in == 0 { status = Z_OK; break }
            } while status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
            stream.next_in = nil
            stream.next_out = nil
        }
        if overLimit || output.count > limit {
            try fail(.messageTooLarge(size: output.count, limit: limit))
        }
        guard status == Z_OK || status == Z_STREAM_END else {
            let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            try fail(.decompressionFailed("zlib: \(reason)"))
        }
        return output.makeArray()
    }

    /// The stream cannot continue after an error: remember it and throw it.
    private func fail(_ e: TransportError) throws(TransportError) -> Never {
        broken = e
        output.count = 0
        throw e
    }
}
