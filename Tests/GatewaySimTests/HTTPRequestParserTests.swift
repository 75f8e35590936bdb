import Foundation
import Testing
@testable import GatewaySim

@Suite("HTTP/1.1 request parsing")
struct HTTPRequestParserTests {
    @Test func parsesPipelinedRequestsFedOneByteAtATime() throws {
        let wire = "POST /api/v10/channels/1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
            + "Authorization: Bot t\r\n\r\nhelloGET /api/v10/gateway HTTP/1.1\r\nConnection: close\r\n\r\n"
        var parser = HTTPRequestParser()
        var requests: [HTTPRequest] = []
        for byte in Array(wire.utf8) {
            parser.feed([byte])
            while let request = try parser.next() { requests.append(request) }
        }
        #expect(requests.map(\.method) == ["POST", "GET"])
        #expect(requests[0].body == Array("hello".utf8))
        #expect(requests[0].header("AUTHORIZATION") == "Bot t")
        #expect(requests[0].wantsKeepAlive)
        #expect(requests[1].path == "/api/v10/gateway")
        #expect(!requests[1].wantsKeepAlive)
    }

    @Test func upgradeRequestKeepsTheBytesAfterItsHead() throws {
        var parser = HTTPRequestParser()
        parser.feed(Array("GET /?v=10&encoding=json&compress=zlib-stream HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: abc\r\n\r\n\u{81}".utf8))
        let request = try #require(try parser.next())
        #expect(request.isWebSocketUpgrade)
        #expect(request.query == ["v": "10", "encoding": "json", "compress": "zlib-stream"])
        #expect(parser.takeRemaining() == [0xC2, 0x81])
    }

    @Test func malformedRequestsThrow() {
        var bad = HTTPRequestParser()
        bad.feed(Array("NONSENSE\r\n\r\n".utf8))
        #expect(throws: SimError.self) { try bad.next() }
        var length = HTTPRequestParser()
        length.feed(Array("POST / HTTP/1.1\r\nContent-Length: -3\r\n\r\n".utf8))
        #expect(throws: SimError.self) { try length.next() }
    }

    @Test func responseHasContentLengthAndConnectionHeader() {
        let wire = String(decoding: HTTPResponse.json(200, "{}").serialized(keepAlive: true), as: UTF8.self)
        #expect(wire.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(wire.contains("Content-Type: application/json\r\n"))
        #expect(wire.contains("Content-Length: 2\r\n"))
        #expect(wire.hasSuffix("Connection: keep-alive\r\n\r\n{}"))
    }
}
