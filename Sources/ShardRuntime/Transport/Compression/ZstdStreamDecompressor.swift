import CZstd

/// Discord's zstd-stream: each WebSocket message is the next chunk of one continuous zstd
/// stream; whatever a message decompresses to is one payload.
public final class ZstdStreamDecompressor: GatewayDecompressor {
    private let dctx: OpaquePointer
    private var output: [UInt8] = []
    private var broken: TransportError?

    public init() {
        dctx = ZSTD_createDCtx()
    }

    deinit { ZSTD_freeDCtx(dctx) }

    public func decompress(_ message: [UInt8]) throws(TransportError) -> [UInt8]? {
        if let broken { throw broken }
        output.removeAll(keepingCapacity: true)
        var failure: String?
        message.withUnsafeBytes { raw in
            var input = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            let step = max(Int(ZSTD_DStreamOutSize()), raw.count * 4)
            while true {
                let before = output.count
                output.append(contentsOf: repeatElement(0, count: step))
                var produced = 0
                let rc = output.withUnsafeMutableBytes { o -> Int in
                    var out = ZSTD_outBuffer(dst: o.baseAddress! + before, size: step, pos: 0)
                    let r = ZSTD_decompressStream(dctx, &out, &input)
                    produced = out.pos
                    return r
                }
                output.removeLast(step - produced)
                if ZSTD_isError(rc) != 0 { failure = String(cString: ZSTD_getErrorName(rc)); return }
                // Done when the input is consumed and the last call did not fill the buffer.
                if input.pos == input.size && produced < step { return }
            }
        }
        if let failure {
            let e = TransportError.decompressionFailed("zstd: \(failure)")
            broken = e
            throw e
        }
        return output.isEmpty ? nil : output
    }
}
