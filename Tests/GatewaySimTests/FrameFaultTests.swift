import Foundation
import Glibc
import ShardRuntime
import Testing
@testable import GatewaySim

/// The split faults seen at frame level: a raw socket, a manual upgrade, Transport's frame
/// parser in client role.
@Suite("GatewaySim frame-level faults")
struct FrameFaultTests {
    @Test func helloSplitIntoFramesWithPingsBetween() throws {
        let sim = GatewaySim()
        let port = try sim.start()
        defer { sim.stop() }
        sim.setPayloadSplit(messages: 2, frames: 3, pingsBetweenFragments: true)
        let fd = try RawSocket.connect(port: port)
        defer { close(fd) }
        RawSocket.write(fd, "GET /?v=10&encoding=json&compress=zlib-stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        var buffer: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            let chunk = RawSocket.read(fd)
            try #require(!chunk.isEmpty, "no upgrade response")
            buffer += chunk
            headEnd = HTTPRequestParser.headEnd(buffer)
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        #expect(head.hasPrefix("HTTP/1.1 101"))
        #expect(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))

        var parser = WebSocketFrameParser(role: .client)
        var frames = try parser.feed(Array(buffer[headEnd!...]))
        // HELLO: 2 messages × 3 frames, with a ping between consecutive fragments.
        while frames.filter({ $0.opcode != .ping }).count < 6 {
            let chunk = RawSocket.read(fd)
            try #require(!chunk.isEmpty, "connection ended early")
            frames += try parser.feed(chunk)
        }
        let kinds = frames.prefix(10).map { "\($0.opcode)\($0.fin ? "!" : "")" }
        #expect(kinds == ["binary", "ping!", "continuation", "ping!", "continuation!",
                          "binary", "ping!", "continuation", "ping!", "continuation!"])
        let data = frames.filter { $0.opcode != .ping }.flatMap(\.payload)
        let inflater = ZlibStreamInflater()
        let hello = try #require(try inflater.decompress(data))
        #expect(String(decoding: hello, as: UTF8.self).contains("\"heartbeat_interval\":41250"))
    }
}
