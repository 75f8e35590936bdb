import CZstd

/// The server side of zstd-stream: one compression stream per connection, flushed
/// (`ZSTD_e_flush`) after each payload so every message decodes on its own arrival.
public final class ZstdStreamCompressor {
    private let cctx: OpaquePointer

    public init(level: Int32 = 3) {
        cctx = ZSTD_createCCtx()
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
    }

    deinit { ZSTD_freeCCtx(cctx) }

    public func compress(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        payload.withUnsafeBytes { raw in
            var input = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            let step = Int(ZSTD_CStreamOutSize()) + raw.count / 2
            while true {
                let before = out.count
                out.append(contentsOf: repeatElement(0, count: step))
                var written = 0
                let remaining = out.withUnsafeMutableBytes { o -> Int in
                    var ob = ZSTD_outBuffer(dst: o.baseAddress! + before, size: step, pos: 0)
                    let r = ZSTD_compressStream2(cctx, &ob, &input, ZSTD_e_flush)
                    written = ob.pos
                    return r
                }
                out.removeLast(step - written)
                precondition(ZSTD_isError(remaining) == 0, "zstd compression failed")
                if remaining == 0 { return }
            }
        }
        return out
    }
}
