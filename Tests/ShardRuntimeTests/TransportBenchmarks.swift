import Foundation
import Testing
@testable import ShardRuntime

/// Throughput of the hot transport paths (`scripts/bench`, release build). Runs only with
/// `BOTRUN_BENCH=1`; prints `bench name value unit` lines and asserts nothing about speed.
@Suite(.serialized) struct TransportBenchmarks {
    static let enabled = ProcessInfo.processInfo.environment["BOTRUN_BENCH"] == "1"

    static func measure(_ name: String, bytes: Int, repeats: Int = 5, _ body: () throws -> Void) rethrows {
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        print(String(format: "bench %@ %.1f MB/s (best of %d, %.1f MB in %.3f s)", name,
                     Double(bytes) / best / 1e6, repeats, Double(bytes) / 1e6, best))
    }

    static func largeGuild() throws -> [UInt8] {
        let url = Fixtures.directory!.appendingPathComponent("guild_create_large.json")
        return Array(try Data(contentsOf: url))
    }

    @Test(.enabled(if: enabled)) func frameParse() throws {
        // Server → client wire bytes: 2 000 JSON-sized text frames (4 KB) + 200 binary (100 KB).
        var enc = WebSocketFrameEncoder(role: .server)
        let text = Array(String(repeating: "{\"op\":0,\"t\":\"MESSAGE_CREATE\",\"d\":{\"content\":\"héllo\"}}", count: 70).utf8)
        let binary = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var wire: [UInt8] = []
        for i in 0..<2_200 { wire += i % 11 == 0 ? enc.encode(opcode: .binary, payload: binary) : enc.encode(opcode: .text, payload: text) }
        var messages = 0
        try Self.measure("websocket.parse+utf8 (64 KB reads)", bytes: wire.count) {
            var ws = WebSocketProtocol(role: .client)
            messages = 0
            try wire.withUnsafeBytes { raw in
                var i = 0
                while i < raw.count {
                    let n = min(65_536, raw.count - i)
                    for a in ws.receive(UnsafeRawBufferPointer(rebasing: raw[i..<(i + n)])) {
                        if case .message = a { messages += 1 } else if case .protocolError(let e) = a { throw e }
                    }
                    i += n
                }
            }
        }
        #expect(messages == 2_200)
    }

    @Test(.enabled(if: enabled)) func clientMaskedEncode() {
        var enc = WebSocketFrameEncoder(role: .client)
        let payload = [UInt8](repeating: 0x61, count: 1 << 20)
        var check = 0
        Self.measure("websocket.encode+mask (1 MB frames)", bytes: payload.count * 100) {
            // Use the output so the optimiser cannot drop the work.
            for i in 0..<100 { let wire = enc.encode(opcode: .binary, payload: payload); check &+= Int(wire[wire.count - 1 - i]) }
        }
        #expect(check != 0)
    }

    @Test(.enabled(if: enabled)) func zlibInflate() throws {
        let doc = try Self.largeGuild()
        let deflater = ZlibStreamDeflater()
        let messages = (0..<20).map { _ in deflater.compress(doc) }
        let ratio = Double(doc.count * 20) / Double(messages.reduce(0) { $0 + $1.count })
        print(String(format: "bench zlib-stream ratio %.1fx on guild_create_large.json (%d bytes)", ratio, doc.count))
        var total = 0
        try Self.measure("zlib-stream.inflate (output)", bytes: doc.count * 20) {
            let inflater = ZlibStreamInflater()
            total = 0
            for m in messages { total += try inflater.decompress(m)?.count ?? 0 }
        }
        #expect(total == doc.count * 20)
    }

    @Test(.enabled(if: enabled)) func zstdDecompress() throws {
        let doc = try Self.largeGuild()
        // One stream per message: a continuous stream would turn repeats of the same document
        // into back-references to the previous one and measure memcpy instead.
        let compressed = ZstdStreamCompressor().compress(doc)
        print(String(format: "bench zstd-stream ratio %.1fx on guild_create_large.json", Double(doc.count) / Double(compressed.count)))
        var total = 0
        try Self.measure("zstd-stream.decompress (output, fresh stream per message)", bytes: doc.count * 20) {
            total = 0
            for _ in 0..<20 { total += try ZstdStreamDecompressor().decompress(compressed)?.count ?? 0 }
        }
        #expect(total == doc.count * 20)
    }
}
