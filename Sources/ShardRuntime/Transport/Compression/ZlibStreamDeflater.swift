import CShims
import CZlib

/// The server side of zlib-stream (local gateway, tests): one deflate context per connection;
/// each payload is compressed and sync-flushed, so the output ends with `00 00 FF FF`.
public final class ZlibStreamDeflater {
    private var stream = z_stream()

    public init(level: Int32 = 6) {
        precondition(shim_deflateInit(&stream, level) == Z_OK, "deflateInit failed")
    }

    deinit { deflateEnd(&stream) }

    public func compress(_ payload: [UInt8]) -> [UInt8] {
        var input = payload
        var out: [UInt8] = []
        input.withUnsafeMutableBufferPointer { inp in
            stream.next_in = inp.baseAddress
            stream.avail_in = UInt32(inp.count)
            repeat {
                let before = out.count
                let room = Int(deflateBound(&stream, UInt(stream.avail_in))) + 16
                out.append(contentsOf: repeatElement(0, count: room))
                _ = out.withUnsafeMutableBufferPointer { o in
                    stream.next_out = o.baseAddress! + before
                    stream.avail_out = UInt32(room)
                    return deflate(&stream, Z_SYNC_FLUSH)
                }
                out.removeLast(Int(stream.avail_out))
            } while stream.avail_out == 0
            stream.next_in = nil
        }
        return out
    }
}
