import CShims
import CZlib
import CZstd

/// Transport compression of server → client payloads for one connection.
/// (Issue 4: to be replaced by Transport's `ZlibStreamDeflater` / `ZstdStreamCompressor`
/// once that branch ships them; the sim needs only this small surface.)
protocol PayloadCompressor: AnyObject {
    /// Compresses one payload; the output is everything needed to decode it (flushed).
    func compress(_ payload: [UInt8]) throws(SimError) -> [UInt8]
}

/// `compress=zlib-stream`: one deflate stream per connection, `Z_SYNC_FLUSH` after each
/// payload, so every payload ends with `00 00 FF FF`.
final class ZlibStreamCompressor: PayloadCompressor {
    private var stream = z_stream()
    private var ready = false

    init() throws(SimError) {
        guard shim_deflateInit(&stream, Z_DEFAULT_COMPRESSION) == Z_OK else { throw .compression("deflateInit") }
        ready = true
    }

    deinit { if ready { deflateEnd(&stream) } }

    func compress(_ payload: [UInt8]) throws(SimError) -> [UInt8] {
        var out: [UInt8] = []
        var input = payload
        var chunk = [UInt8](repeating: 0, count: max(64 * 1024, payload.count / 4 + 64))
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            var result = Z_OK
            repeat {
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    result = deflate(&stream, Z_SYNC_FLUSH)
                    out.append(contentsOf: outBuf[0..<(outBuf.count - Int(stream.avail_out))])
                }
            } while result == Z_OK && stream.avail_out == 0
            stream.next_in = nil
            return result
        }
        guard status == Z_OK || status == Z_BUF_ERROR else { throw .compression("deflate \(status)") }
        return out
    }
}

/// `compress=zstd-stream`: one zstd frame that never ends; each payload is flushed
/// (`ZSTD_e_flush`) into exactly one WebSocket message.
final class ZstdStreamCompressor: PayloadCompressor {
    private let context: OpaquePointer

    init() throws(SimError) {
        guard let context = ZSTD_createCCtx() else { throw .compression("ZSTD_createCCtx") }
        self.context = context
    }

    deinit { ZSTD_freeCCtx(context) }

    func compress(_ payload: [UInt8]) throws(SimError) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
        var failed: String?
        payload.withUnsafeBytes { inRaw in
            var input = ZSTD_inBuffer(src: inRaw.baseAddress, size: inRaw.count, pos: 0)
            var remaining = 1
            while remaining != 0 {
                chunk.withUnsafeMutableBytes { outRaw in
                    var output = ZSTD_outBuffer(dst: outRaw.baseAddress, size: outRaw.count, pos: 0)
                    remaining = ZSTD_compressStream2(context, &output, &input, ZSTD_e_flush)
                    if ZSTD_isError(remaining) != 0 {
                        failed = String(cString: ZSTD_getErrorName(remaining))
                        remaining = 0
                    }
                    out.append(contentsOf: outRaw[0..<output.pos].map { $0 })
                }
            }
        }
        if let failed { throw .compression("zstd: \(failed)") }
        return out
    }
}
