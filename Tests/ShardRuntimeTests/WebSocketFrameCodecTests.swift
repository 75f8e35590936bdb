import Testing
@testable import ShardRuntime

/// The frame parser and encoder on real wire bytes (the examples of RFC 6455 §5.7 and frames
/// captured from Python `websockets`), fed whole and byte by byte.
@Suite struct WebSocketFrameCodecTests {
    static let hello = Array("Hello".utf8)
    /// RFC 6455 §5.7: a single-frame unmasked text message "Hello".
    static let unmaskedHello: [UInt8] = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
    /// RFC 6455 §5.7: a single-frame masked text message "Hello".
    static let maskedHello: [UInt8] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]

    static func feedByteByByte(_ parser: inout WebSocketFrameParser, _ bytes: [UInt8]) throws -> [WebSocketFrame] {
        var frames: [WebSocketFrame] = []
        for b in bytes { frames += try parser.feed([b]) }
        return frames
    }

    @Test func parsesUnmaskedTextAsClient() throws {
        var p = WebSocketFrameParser(role: .client)
        #expect(try p.feed(Self.unmaskedHello) == [WebSocketFrame(opcode: .text, payload: Self.hello)])
    }

    @Test func parsesMaskedTextAsServerByteByByte() throws {
        var p = WebSocketFrameParser(role: .server)
        #expect(try Self.feedByteByByte(&p, Self.maskedHello) == [WebSocketFrame(opcode: .text, payload: Self.hello)])
    }

    @Test func parsesFragmentsPingAndExtendedLengths() throws {
        // RFC examples: "Hel" + "lo" fragments, an unmasked ping, 256-byte and 64 KiB binary.
        var bytes: [UInt8] = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x89, 0x05] + Self.hello + [0x80, 0x02, 0x6c, 0x6f]
        let mid = (0..<256).map { UInt8($0 & 0xFF) }
        bytes += [0x82, 0x7E, 0x01, 0x00] + mid
        let big = (0..<65536).map { UInt8(($0 * 7) & 0xFF) }
        bytes += [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0] + big
        let expected = [
            WebSocketFrame(fin: false, opcode: .text, payload: Array("Hel".utf8)),
            WebSocketFrame(opcode: .ping, payload: Self.hello),
            WebSocketFrame(opcode: .continuation, payload: Array("lo".utf8)),
            WebSocketFrame(opcode: .binary, payload: mid),
            WebSocketFrame(opcode: .binary, payload: big),
        ]
        var whole = WebSocketFrameParser(role: .client)
        #expect(try whole.feed(bytes) == expected)
        var single = WebSocketFrameParser(role: .client)
        #expect(try Self.feedByteByByte(&single, bytes) == expected)
        // Odd chunk sizes that cut headers and payloads anywhere.
        var chunked = WebSocketFrameParser(role: .client)
        var frames: [WebSocketFrame] = []
        var i = 0, step = 1
        while i < bytes.count {
            let end = min(bytes.count, i + step)
            frames += try chunked.feed(Array(bytes[i..<end]))
            i = end
            step = step % 13 + 3
        }
        #expect(frames == expected)
    }

    @Test func clientEncoderMasksWithFreshKeysAndServerParses() throws {
        var enc = WebSocketFrameEncoder(role: .client)
        let payload = Array("a masked payload longer than eight bytes".utf8)
        let a = enc.encode(opcode: .text, payload: payload)
        let b = enc.encode(opcode: .text, payload: payload)
        #expect(a[1] & 0x80 != 0)
        #expect(Array(a[2..<6]) != Array(b[2..<6]), "each frame gets a new masking key")
        #expect(Array(a[6...]) != payload, "payload is masked on the wire")
        var server = WebSocketFrameParser(role: .server)
        #expect(try server.feed(a + b) == [WebSocketFrame(opcode: .text, payload: payload),
                                            WebSocketFrame(opcode: .text, payload: payload)])
    }

    @Test(arguments: [0, 125, 126, 65535, 65536, 300_000])
    func encoderLengthEncodingsRoundTrip(size: Int) throws {
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var enc = WebSocketFrameEncoder(role: .server)
        let wire = enc.encode(opcode: .binary, payload: payload)
        #expect(wire[1] & 0x80 == 0, "server frames are not masked")
        let expectedHeader = size < 126 ? 2 : size <= 65535 ? 4 : 10
        #expect(wire.count == expectedHeader + size)
        var client = WebSocketFrameParser(role: .client)
        #expect(try client.feed(wire) == [WebSocketFrame(opcode: .binary, payload: payload)])
    }

    @Test func serverRejectsUnmaskedClientFrame() {
        var p = WebSocketFrameParser(role: .server)
        #expect(throws: WebSocketProtocolError("unmasked frame from client")) { try p.feed(Self.unmaskedHello) }
    }

    @Test func clientRejectsMaskedServerFrame() {
        var p = WebSocketFrameParser(role: .client)
        #expect(throws: WebSocketProtocolError("masked frame from server")) { try p.feed(Self.maskedHello) }
    }

    @Test func rejectsBrokenHeaders() {
        func error(_ bytes: [UInt8]) -> WebSocketProtocolError? {
            var p = WebSocketFrameParser(role: .client, maxFrameSize: 1000)
            do { _ = try p.feed(bytes); return nil } catch { return error }
        }
        #expect(error([0xC1, 0x00])?.rule.contains("reserved") == true)
        #expect(error([0x83, 0x00])?.rule.contains("opcode") == true)
        #expect(error([0x09, 0x00])?.rule.contains("fragmented control") == true)
        #expect(error([0x89, 0x7E, 0x00, 0x7E])?.rule.contains("125") == true)
        #expect(error([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0])?.rule.contains("top bit") == true)
        #expect(error([0x82, 0x7E, 0x04, 0x00])?.closeCode == 1009)
    }

    @Test func maskingKeysVary() {
        var g = MaskingKeyGenerator()
        let keys = Set((0..<1000).map { _ in g.next() })
        #expect(keys.count > 990)
    }
}
