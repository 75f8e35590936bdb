import Foundation
import Testing
@testable import ShardRuntime

/// zlib-stream on the shared fixtures (`Tests/Fixtures/protocol/zlib_stream/`): whole,
/// byte by byte, with the `00 00 FF FF` marker split, and broken input reported as an error.
@Suite struct ZlibStreamInflaterTests {
    struct Entry: Decodable {
        let completes: String?
        let file: String
        let json_bytes: Int?
    }

    static let dir = Fixtures.directory!

    static func load() throws -> [(Entry, [UInt8])] {
        let manifest = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: dir.appendingPathComponent("zlib_stream/manifest.json")))
        return try manifest.map { ($0, Array(try Data(contentsOf: dir.appendingPathComponent("zlib_stream/\($0.file)")))) }
    }

    /// The inflated payload must be the fixture JSON (compared as parsed values).
    static func check(_ payload: [UInt8], against entry: Entry) throws {
        let name = try #require(entry.completes)
        #expect(payload.count == entry.json_bytes)
        let got = try JSONSerialization.jsonObject(with: Data(payload)) as? NSDictionary
        let want = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(name))) as? NSDictionary
        #expect(got != nil && got == want, "payload for \(name)")
    }

    @Test func inflatesFixtureMessages() throws {
        let inflater = ZlibStreamInflater()
        var completed = 0
        for (entry, bytes) in try Self.load() {
            let out = try inflater.decompress(bytes)
            if entry.completes == nil { #expect(out == nil, "\(entry.file) is a partial payload") } else {
                try Self.check(try #require(out), against: entry)
                completed += 1
            }
        }
        #expect(completed == 6)
    }

    @Test func inflatesFixturesFedByteByByte() throws {
        let inflater = ZlibStreamInflater()
        for (entry, bytes) in try Self.load() {
            var outputs: [[UInt8]] = []
            for b in bytes { if let o = try inflater.decompress([b]) { outputs.append(o) } }
            if entry.completes == nil { #expect(outputs.isEmpty) } else {
                #expect(outputs.count == 1)
                try Self.check(outputs[0], against: entry)
            }
        }
    }

    @Test func markerSplitAcrossMessages() throws {
        let inflater = ZlibStreamInflater()
        for (entry, bytes) in try Self.load() {
            // Cut inside 00 00 FF FF: everything but the last 2 bytes, then the last 2.
            let first = try inflater.decompress(Array(bytes.dropLast(2)))
            #expect(first == nil, "no payload before the marker is complete")
            let out = try inflater.decompress(Array(bytes.suffix(2)))
            if entry.completes != nil { try Self.check(try #require(out), against: entry) }
        }
    }

    @Test func corruptInputThrowsAndStaysBroken() throws {
        let inflater = ZlibStreamInflater()
        let (_, hello) = try Self.load()[0]
        var bad = hello
        bad[5] ^= 0xFF; bad[6] ^= 0x5A; bad[7] ^= 0xA5
        #expect(throws: TransportError.self) { _ = try inflater.decompress(bad) }
        #expect(throws: TransportError.self) { _ = try inflater.decompress(hello) }
    }

    @Test(arguments: [1, 1000, 300_000])
    func deflaterRoundTrip(size: Int) throws {
        let deflater = ZlibStreamDeflater(), inflater = ZlibStreamInflater()
        for k in 0..<5 {
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: ($0 / 7) &+ k) }
            let wire = deflater.compress(payload)
            #expect(ZlibStreamInflater.endsWithFlush(wire))
            #expect(try inflater.decompress(wire) == payload)
        }
    }

    @Test func zstdStreamRoundTrip() throws {
        let compressor = ZstdStreamCompressor(), decompressor = ZstdStreamDecompressor()
        var sizes: [Int] = []
        for k in 0..<20 {
            let payload = Array("{\"op\":0,\"s\":\(k),\"d\":{\"pad\":\"\(String(repeating: "ab✓", count: k * 997))\"}}".utf8)
            let wire = compressor.compress(payload)
            sizes.append(wire.count)
            #expect(try decompressor.decompress(wire) == payload)
        }
        #expect(sizes[19] < 20 * 997 * 5 / 10, "later messages reuse the stream's window")
        #expect(throws: TransportError.self) { _ = try ZstdStreamDecompressor().decompress([1, 2, 3, 4, 5, 6, 7, 8]) }
    }

    @Test func gatewayCompressionChoosesDecompressor() {
        #expect(GatewayCompression.none.makeDecompressor() == nil)
        #expect(GatewayCompression.zlibStream.makeDecompressor() is ZlibStreamInflater)
        #expect(GatewayCompression.zstdStream.makeDecompressor() is ZstdStreamDecompressor)
    }
}
