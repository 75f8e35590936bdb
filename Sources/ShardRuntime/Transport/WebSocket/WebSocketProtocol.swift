/// The pure RFC 6455 session after the opening handshake: bytes and commands in, actions out.
///
/// Reassembles fragmented messages (control frames may arrive between fragments), answers
/// pings, runs the close handshake, validates text as UTF-8 while it arrives and turns every
/// broken rule into a close frame with 1002 / 1007 / 1009 followed by `.fail`.
/// No extensions are negotiated (issue 2: no permessage-deflate; Discord compresses at the
/// transport level instead). Data frames that arrive after we sent a close are dropped.
public struct WebSocketProtocol: Sendable {
    public enum State: Sendable, Equatable {
        case open
        /// We sent a close frame and wait for the peer's.
        case closeSent
        /// The close handshake finished or the connection failed; only draining remains.
        case closed
    }

    public enum Action: Sendable, Equatable {
        /// Bytes to write to the transport.
        case write([UInt8])
        case message(WebSocketMessage)
        case pong([UInt8])
        /// The close handshake completed; `code` is the peer's (1005 when it sent none).
        case closed(code: UInt16, reason: String)
        /// The peer broke a rule. Input processing has stopped; perform the actions before this
        /// one (so replies to earlier messages still go out), then call `fail(_:)`.
        case protocolError(WebSocketProtocolError)
        /// The connection failed; a close frame with the matching code was written first
        /// (unless one had been sent already).
        case fail(TransportError)
    }

    public private(set) var state: State = .open
    public let role: WebSocketRole
    public var maxMessageSize: Int
    public var autoPong = true
    private var parser: WebSocketFrameParser
    private var encoder: WebSocketFrameEncoder
    private var frames: [WebSocketFrame] = []
    private var fragmentOpcode: WebSocketOpcode?
    private var fragments: [UInt8] = []
    private var utf8 = UTF8Validator()
    /// Bytes of the frame in flight already run through `utf8`.
    private var partialValidated = 0
    /// Set at the first broken rule: no further input is processed.
    private var halted = false

    public init(role: WebSocketRole, maxMessageSize: Int = 128 << 20) {
        self.role = role
        self.maxMessageSize = maxMessageSize
        parser = WebSocketFrameParser(role: role, maxFrameSize: maxMessageSize)
        encoder = WebSocketFrameEncoder(role: role)
    }

    // MARK: commands

    public mutating func send(_ opcode: WebSocketOpcode, payload: [UInt8], fin: Bool = true) -> [Action] {
        guard state == .open else { return [] }
        return [.write(encoder.encode(opcode: opcode, fin: fin, payload: payload))]
    }

    public mutating func close(code: UInt16, reason: String) -> [Action] {
        guard state == .open else { return [] }
        state = .closeSent
        return [.write(encoder.encodeClose(code: code, reason: reason))]
    }

    // MARK: input

    /// Answers a `.protocolError` from `receive`: writes the close frame with the rule's code
    /// (if none was sent yet) and ends the session.
    public mutating func fail(_ error: WebSocketProtocolError) -> [Action] {
        guard state != .closed else { return [] }
        var actions: [Action] = []
        if state == .open { actions.append(.write(encoder.encodeClose(code: error.closeCode, reason: ""))) }
        state = .closed
        halted = true
        fragments = []
        let isUTF8 = error.closeCode == WebSocketCloseCode.invalidPayload && error.rule.hasPrefix("text")
        actions.append(.fail(isUTF8 ? .invalidUTF8 : .protocolViolation(rule: error.rule, closeCode: error.closeCode)))
        return actions
    }

    public mutating func receive(_ bytes: UnsafeRawBufferPointer) -> [Action] {
        guard state != .closed, !halted else { return [] }
        var actions: [Action] = []
        frames.removeAll(keepingCapacity: true)
        do throws(WebSocketProtocolError) {
            try parser.feed(bytes, into: &frames)
        } catch {
            // Frames parsed before the broken one still count.
            process(&actions)
            if state != .closed && !halted { failWith(error, &actions) }
            return actions
        }
        process(&actions)
        if state != .closed && !halted { checkPartialText(&actions) }
        return actions
    }

    public mutating func receive(_ bytes: [UInt8]) -> [Action] {
        bytes.withUnsafeBytes { receive($0) }
    }

    private mutating func process(_ actions: inout [Action]) {
        for i in frames.indices {
            guard state != .closed, !halted else { return }
            let frame = frames[i]
            frames[i].payload = []
            handle(frame, &actions)
        }
    }

    private mutating func handle(_ frame: WebSocketFrame, _ actions: inout [Action]) {
        switch frame.opcode {
        case .ping:
            if state == .open && autoPong { actions.append(.write(encoder.encode(opcode: .pong, payload: frame.payload))) }
        case .pong:
            actions.append(.pong(frame.payload))
        case .close:
            handleClose(frame.payload, &actions)
        case .text, .binary:
            if fragmentOpcode != nil {
                return failWith(WebSocketProtocolError("new data frame while a fragmented message is open"), &actions)
            }
            if frame.fin {
                if frame.opcode == .text {
                    let ok = validateFragment(frame.payload)
                    let complete = utf8.isComplete
                    utf8 = UTF8Validator()
                    guard ok && complete else { return failInvalidUTF8(&actions) }
                }
                partialValidated = 0
                if state == .open {
                    actions.append(.message(frame.opcode == .text ? .text(frame.payload) : .binary(frame.payload)))
                }
            } else {
                fragmentOpcode = frame.opcode
                fragments = frame.payload
                if frame.opcode == .text && !validateFragment(frame.payload) { return failInvalidUTF8(&actions) }
            }
        case .continuation:
            guard let op = fragmentOpcode else {
                return failWith(WebSocketProtocolError("continuation frame without a message to continue"), &actions)
            }
            // Known limit (issue 2): the total is checked when a continuation frame is complete,
            // so up to one more frame (itself ≤ maxMessageSize) is buffered before the 1009.
            if fragments.count + frame.payload.count > maxMessageSize {
                return failWith(WebSocketProtocolError("message over the limit \(maxMessageSize)",
                                                       closeCode: WebSocketCloseCode.messageTooBig), &actions)
            }
            if op == .text && !validateFragment(frame.payload) { return failInvalidUTF8(&actions) }
            if fragments.isEmpty { fragments = frame.payload } else { fragments.append(contentsOf: frame.payload) }
            guard frame.fin else { return }
            if op == .text && !utf8.isComplete { return failInvalidUTF8(&actions) }
            let payload = fragments
            fragments = []
            fragmentOpcode = nil
            utf8 = UTF8Validator()
            if state == .open { actions.append(.message(op == .text ? .text(payload) : .binary(payload))) }
        }
    }

    /// Validates the part of a text fragment not yet checked while it was arriving.
    private mutating func validateFragment(_ payload: [UInt8]) -> Bool {
        let from = partialValidated
        partialValidated = 0
        guard from < payload.count else { return true }
        return payload.withUnsafeBytes { utf8.consume(UnsafeRawBufferPointer(rebasing: $0[from...])) }
    }

    /// Fail fast: validate the bytes of a text frame that is still arriving.
    private mutating func checkPartialText(_ actions: inout [Action]) {
        guard let partial = parser.partialFrame else { return }
        let isText = partial.opcode == .text || (partial.opcode == .continuation && fragmentOpcode == .text)
        guard isText, partial.payload.count > partialValidated else { return }
        let ok = partial.payload.withUnsafeBytes { utf8.consume(UnsafeRawBufferPointer(rebasing: $0[partialValidated...])) }
        partialValidated = partial.payload.count
        if !ok { failInvalidUTF8(&actions) }
    }

    private mutating func handleClose(_ payload: [UInt8], _ actions: inout [Action]) {
        var code = WebSocketCloseCode.noStatus
        var reason = ""
        if payload.count == 1 { return failWith(WebSocketProtocolError("close frame with a 1-byte payload"), &actions) }
        if payload.count >= 2 {
            code = UInt16(payload[0]) << 8 | UInt16(payload[1])
            guard WebSocketCloseCode.isValidOnWire(code) else {
                return failWith(WebSocketProtocolError("invalid close code \(code)"), &actions)
            }
            let r = Array(payload[2...])
            guard let s = String(validatingUTF8Bytes: r) else {
                return failWith(WebSocketProtocolError("close reason is not UTF-8",
                                                       closeCode: WebSocketCloseCode.invalidPayload), &actions)
            }
            reason = s
        }
        if state == .open {
            // Echo the peer's code (RFC 6455 §5.5.1).
            actions.append(.write(encoder.encodeClose(code: code == WebSocketCloseCode.noStatus ? nil : code, reason: "")))
        }
        state = .closed
        actions.append(.closed(code: code, reason: reason))
    }

    private mutating func failInvalidUTF8(_ actions: inout [Action]) {
        failWith(WebSocketProtocolError("text message is not valid UTF-8", closeCode: WebSocketCloseCode.invalidPayload),
                 &actions)
    }

    private mutating func failWith(_ error: WebSocketProtocolError, _ actions: inout [Action]) {
        halted = true
        actions.append(.protocolError(error))
    }
}
