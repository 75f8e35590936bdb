import CZstd

/// Discord's zstd-stream: each WebSocket message is the next chunk of one continuous zstd
/// stream; whatever a message decompresses to is one payload, at most `limit` bytes
/// (`.messageTooLarge`: a few KB of zstd can decompress to gigabytes).
public final class ZstdStreamDecompressor: GatewayDecompressor {
    private let dctx: OpaquePointer
    private var output = OutputScratch()
    private var broken: TransportError?
    public let limit: Int

    public init(limit: Int = 128 << 20) {
        self.limit = limit
        dctx = ZSTD_createDCtx()
    }

    deinit {
        ZSTD_freeDCtx(dctx)
        output.free()
    }

    public func decompress(_ message: [UInt8]) throws(TransportError) -> [UInt8]? {
        if let broken { throw broken }
        output.count = 0
        var failure: String?
        var overLimit = false
        let limit = self.limit
        message.withUnsafeBytes { raw in
            var input = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            while true {
                if output.count > limit { overLimit = true; return }
                // At most limit + 1 bytes of room: one byte over is enough to know.
                output.reserve(min(max(Int(ZSTD_DStreamOutSize()), raw.count * 4), limit + 1 - output.count))
                let room = min(output.freeSpace, limit + 1 - output.count)
                var out = ZSTD_outBuffer(dst: output.tail, size: room, pos: 0)
                let rc = ZSTD_decompressStream(dctx, &out, &input)
                output.count += out.pos
                if ZSTD_isError(rc) != 0 { failure = String(cString: ZSTD_getErrorName(rc)); return }
                // Done when the input is consumed and the last call did not fill the buffer.
                if input.pos == input.size && out.pos < room { return }
            }
        }
        if overLimit || output.count > limit {
            let e = TransportError.messageTooLarge(size: output.count, limit: limit)
            broken = e
            output.count = 0
            throw e
        }
        if let failure {
            let e = TransportError.decompressionFailed("zstd: \(failure)")
            broken = e
            throw e
        }
        return output.count == 0 ? nil : output.makeArray()
    }
}
