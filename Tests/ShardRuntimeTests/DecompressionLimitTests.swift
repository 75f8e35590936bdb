import Testing
@testable import ShardRuntime

/// A hostile gateway can make a few compressed bytes inflate to gigabytes (a "zip bomb"), or
/// send zlib-stream data that never ends with `00 00 FF FF` so the input is buffered forever.
/// Both must stop at the message size limit with `.messageTooLarge`, not grow without bound.
@Suite struct DecompressionLimitTests {
    static let limit = 1 << 20

    static func isTooLarge(_ error: TransportError) -> Bool {
        if case .messageTooLarge(_, let limit) = error { return limit == DecompressionLimitTests.limit }
        return false
    }

    @Test func zlibBombStopsAtTheLimit() throws {
        let bomb = ZlibStreamDeflater().compress([UInt8](repeating: 0, count: 4 << 20))
        #expect(bomb.count < 64 << 10)
        let inflater = ZlibStreamInflater(limit: Self.limit)
        #expect(throws: TransportError.self) { _ = try inflater.decompress(bomb) }
        do { _ = try inflater.decompress(bomb) } catch { #expect(Self.isTooLarge(error), "\(error)") }
    }

    @Test func zlibInputWithoutFlushMarkerIsNotBufferedForever() throws {
        let inflater = ZlibStreamInflater(limit: Self.limit)
        let chunk = [UInt8](repeating: 0x41, count: 64 << 10)  // never ends with 00 00 FF FF
        var thrown: TransportError?
        for _ in 0..<64 {
            do { #expect(try inflater.decompress(chunk) == nil) } catch { thrown = error; break }
        }
        #expect(thrown.map(Self.isTooLarge) == true, "\(String(describing: thrown))")
    }

    @Test func zlibPayloadAtTheLimitStillInflates() throws {
        let payload = [UInt8](repeating: 0x20, count: Self.limit)
        let out = try ZlibStreamInflater(limit: Self.limit).decompress(ZlibStreamDeflater().compress(payload))
        #expect(out == payload)
    }

    @Test func zstdBombStopsAtTheLimit() throws {
        let bomb = ZstdStreamCompressor().compress([UInt8](repeating: 0, count: 4 << 20))
        #expect(bomb.count < 64 << 10)
        let decompressor = ZstdStreamDecompressor(limit: Self.limit)
        do {
            _ = try decompressor.decompress(bomb)
            Issue.record("a 4 MiB zstd payload passed a 1 MiB limit")
        } catch { #expect(Self.isTooLarge(error), "\(error)") }
    }

    @Test func zstdPayloadAtTheLimitStillDecompresses() throws {
        let payload = [UInt8](repeating: 0x20, count: Self.limit)
        let out = try ZstdStreamDecompressor(limit: Self.limit).decompress(ZstdStreamCompressor().compress(payload))
        #expect(out == payload)
    }
}
