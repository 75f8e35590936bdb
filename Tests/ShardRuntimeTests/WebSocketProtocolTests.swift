import Testing
@testable import ShardRuntime

/// The pure session: reassembly, control frames between fragments, automatic pong, the close
/// handshake and the close codes sent for broken rules. The "peer" is a server-role encoder.
@Suite struct WebSocketProtocolTests {
    var peer = WebSocketFrameEncoder(role: .server)

    mutating func frame(_ op: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        peer.encode(opcode: op, fin: fin, payload: payload)
    }

    /// Parses what the client wrote (as the server would).
    static func written(_ actions: [WebSocketProtocol.Action]) throws -> [WebSocketFrame] {
        var server = WebSocketFrameParser(role: .server)
        var frames: [WebSocketFrame] = []
        for case .write(let bytes) in actions { frames += try server.feed(bytes) }
        return frames
    }

    /// Feeds bytes and, like the connection does, answers a `.protocolError` with `fail`.
    static func drive(_ ws: inout WebSocketProtocol, _ bytes: [UInt8]) -> [WebSocketProtocol.Action] {
        var out: [WebSocketProtocol.Action] = []
        for a in ws.receive(bytes) {
            if case .protocolError(let e) = a { out += ws.fail(e) } else { out.append(a) }
        }
        return out
    }

    static func closeCode(_ f: WebSocketFrame) -> UInt16 { UInt16(f.payload[0]) << 8 | UInt16(f.payload[1]) }

    @Test mutating func reassemblesWithPingBetweenFragmentsAndPongs() throws {
        var ws = WebSocketProtocol(role: .client)
        let bytes = frame(.text, Array("Hel".utf8), fin: false) + frame(.ping, [1, 2, 3])
            + frame(.continuation, Array("lo ".utf8), fin: false) + frame(.pong, [9]) + frame(.continuation, Array("wörld".utf8))
        let actions = Self.drive(&ws, bytes)
        #expect(actions.contains(.message(.text(Array("Hello wörld".utf8)))))
        #expect(actions.contains(.pong([9])))
        let out = try Self.written(actions)
        #expect(out == [WebSocketFrame(opcode: .pong, payload: [1, 2, 3])])
    }

    @Test mutating func invalidUTF8FailsFastMidFragment() throws {
        var ws = WebSocketProtocol(role: .client)
        // First fragment fine, second fragment carries 0xFF; the message never finishes.
        var actions = Self.drive(&ws, frame(.text, Array("ok".utf8), fin: false))
        #expect(actions.isEmpty)
        actions = Self.drive(&ws, frame(.continuation, [0x61, 0xFF], fin: false))
        #expect(actions.contains(.fail(.invalidUTF8)))
        #expect(try Self.written(actions).map(Self.closeCode) == [1007])
    }

    @Test mutating func invalidUTF8FailsFastInsideAnUnfinishedFrame() throws {
        var ws = WebSocketProtocol(role: .client)
        // A 100-byte text frame of which only the header and 3 bytes (one invalid) arrived.
        let whole = frame(.text, [0x61, 0xC0, 0x80] + Array(repeating: 0x61, count: 97))
        let actions = Self.drive(&ws, Array(whole.prefix(2 + 3)))
        #expect(actions.contains(.fail(.invalidUTF8)))
    }

    @Test mutating func splitCodepointAcrossFragmentsIsValid() {
        var ws = WebSocketProtocol(role: .client)
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        let actions = Self.drive(&ws, frame(.text, [euro[0]], fin: false) + frame(.continuation, [euro[1]], fin: false)
                                 + frame(.continuation, [euro[2]]))
        #expect(actions == [.message(.text(euro))])
    }

    @Test mutating func tooLargeMessageIsAnswered1009() throws {
        var ws = WebSocketProtocol(role: .client, maxMessageSize: 100)
        let actions = Self.drive(&ws, frame(.binary, Array(repeating: 1, count: 60), fin: false)
                                 + frame(.continuation, Array(repeating: 1, count: 60)))
        #expect(try Self.written(actions).map(Self.closeCode) == [1009])
        #expect(actions.contains { if case .fail(.protocolViolation(_, 1009)) = $0 { true } else { false } })
    }

    @Test mutating func protocolErrorsAnswered1002() throws {
        var a = WebSocketProtocol(role: .client)
        #expect(try Self.written(Self.drive(&a, frame(.continuation, [1]))).map(Self.closeCode) == [1002])
        var b = WebSocketProtocol(role: .client)
        #expect(try Self.written(Self.drive(&b, frame(.text, [0x61], fin: false) + frame(.binary, [1])))
            .map(Self.closeCode) == [1002])
        var c = WebSocketProtocol(role: .client)
        #expect(try Self.written(Self.drive(&c, frame(.close, [0x03, 0xED]))).map(Self.closeCode) == [1002], "code 1005 on the wire")
        var d = WebSocketProtocol(role: .client)
        #expect(try Self.written(Self.drive(&d, [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f] + [0xA1, 0x00]))
            .map(Self.closeCode) == [1002], "pong with a reserved bit")
    }

    @Test mutating func peerCloseWithApplicationCodeIsEchoed() throws {
        var ws = WebSocketProtocol(role: .client)
        let actions = Self.drive(&ws, frame(.close, [0x0F, 0xA0] + Array("custom".utf8)))
        #expect(actions.contains(.closed(code: 4000, reason: "custom")))
        #expect(try Self.written(actions).map(Self.closeCode) == [4000])
        #expect(ws.state == .closed)
        #expect(ws.send(.text, payload: [1]).isEmpty, "nothing is sent after the close")
    }

    @Test mutating func ourCloseCompletesOnPeerEcho() throws {
        var ws = WebSocketProtocol(role: .client)
        let sent = try Self.written(ws.close(code: 4001, reason: "bye"))
        #expect(sent == [WebSocketFrame(opcode: .close, payload: [0x0F, 0xA1] + Array("bye".utf8))])
        #expect(ws.state == .closeSent)
        let actions = Self.drive(&ws, frame(.close, [0x0F, 0xA1]))
        #expect(actions == [.closed(code: 4001, reason: "")], "no second close frame is written")
    }

    @Test mutating func messagesBeforeABrokenFrameAreDeliveredFirst() throws {
        var ws = WebSocketProtocol(role: .client)
        let actions = ws.receive(frame(.text, Array("first".utf8)) + [0xC1, 0x00])
        #expect(actions.first == .message(.text(Array("first".utf8))))
        guard case .protocolError(let e) = actions.last else { Issue.record("\(actions)"); return }
        #expect(ws.state == .open, "a reply to the first message can still go out")
        _ = ws.send(.text, payload: Array("first".utf8))
        let failed = ws.fail(e)
        #expect(try Self.written(failed).map(Self.closeCode) == [1002])
        #expect(ws.state == .closed)
    }

    @Test mutating func emptyCloseReportsNoStatus() throws {
        var ws = WebSocketProtocol(role: .client)
        let actions = Self.drive(&ws, frame(.close, []))
        #expect(actions.contains(.closed(code: 1005, reason: "")))
        #expect(try Self.written(actions) == [WebSocketFrame(opcode: .close, payload: [])])
    }
}
