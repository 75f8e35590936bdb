import Testing
@testable import ShardRuntime

/// URL parsing, the handshake accept value and response checks, and UTF-8 validation.
@Suite struct WebSocketSupportTests {
    @Test func parsesURLs() throws {
        let a = try WebSocketURL("wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream")
        #expect(a.secure && a.host == "gateway.discord.gg" && a.port == 443)
        #expect(a.target == "/?v=10&encoding=json&compress=zlib-stream")
        #expect(a.hostHeader == "gateway.discord.gg")
        let b = try WebSocketURL("ws://127.0.0.1:8765?v=10")
        #expect(!b.secure && b.host == "127.0.0.1" && b.port == 8765 && b.target == "/?v=10")
        #expect(b.hostHeader == "127.0.0.1:8765")
        let c = try WebSocketURL("wss://[::1]:9443/a/b?x=1#frag")
        #expect(c.host == "::1" && c.port == 9443 && c.target == "/a/b?x=1" && c.hostHeader == "[::1]:9443")
        #expect(try WebSocketURL("WS://Example.invalid").port == 80)
    }

    @Test(arguments: ["http://x", "ws://", "ws://host:0", "ws://host:70000", "ws://[::1", "ws://::1:80", "ws://u@h"])
    func rejectsBadURLs(_ s: String) {
        #expect(throws: TransportError.self) { try WebSocketURL(s) }
    }

    @Test func acceptValueMatchesRFCExample() {
        #expect(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func validatesHandshakeResponse() throws {
        let key = "dGhlIHNhbXBsZSBub25jZQ=="
        let good = WebSocketHandshake.serverResponse(key: key)
        try WebSocketHandshake.validate(responseHead: good[...], key: key)
        func rejects(_ head: String) -> Bool {
            do { try WebSocketHandshake.validate(responseHead: Array(head.utf8)[...], key: key); return false } catch { return true }
        }
        let accept = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        #expect(rejects("HTTP/1.1 200 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\(accept)\r\n"))
        #expect(rejects("HTTP/1.1 101 Switching\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\(accept)\r\n"))
        #expect(rejects("HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n\(accept)\r\n"))
        #expect(rejects("HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n"))
        #expect(!rejects("HTTP/1.1 101 Switching\r\nupgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\n\(accept)\r\n"))
    }

    @Test func utf8Validator() {
        func valid(_ b: [UInt8]) -> Bool { var v = UTF8Validator(); return v.consume(b) && v.isComplete }
        #expect(valid(Array("plain ascii and ünïcødé ✓ 🚀".utf8)))
        #expect(!valid([0xC0, 0x80]), "overlong")
        #expect(!valid([0xED, 0xA0, 0x80]), "surrogate")
        #expect(!valid([0xF4, 0x90, 0x80, 0x80]), "above U+10FFFF")
        #expect(!valid([0xE2, 0x82]), "truncated")
        var v = UTF8Validator()
        #expect(v.consume([0xF0, 0x9F]) && !v.isComplete)
        #expect(v.consume([0x9A, 0x80]) && v.isComplete, "a code point split across chunks")
    }
}
