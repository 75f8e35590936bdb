import Testing
@testable import ShardRuntime

/// Frames a hostile server can send to the client.
@Suite struct HostileFrameTests {
    /// A 10-byte header announcing a 100 MiB frame used to allocate the 100 MiB at once
    /// (per connection, before any payload byte arrived).
    @Test func announcedLengthIsNotAllocatedUpFront() throws {
        var parser = WebSocketFrameParser(role: .client)
        let length = UInt64(100 << 20)
        var header: [UInt8] = [0x82, 127]
        for k in (0..<8).reversed() { header.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(k)))) }
        #expect(try parser.feed(header + [1, 2, 3]).isEmpty)
        let partial = try #require(parser.partialFrame)
        #expect(partial.payload == [1, 2, 3])
        #expect(partial.payload.capacity < 4 << 20)
    }

    /// The same frame still completes when the bytes do arrive.
    @Test func largeFrameStillCompletes() throws {
        var parser = WebSocketFrameParser(role: .client)
        let length = 3 << 20
        var header: [UInt8] = [0x82, 127]
        for k in (0..<8).reversed() { header.append(UInt8(truncatingIfNeeded: UInt64(length) >> (8 * UInt64(k)))) }
        #expect(try parser.feed(header).isEmpty)
        let body = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        let frames = try parser.feed(body)
        #expect(frames.count == 1 && frames.first?.payload == body)
    }
}
