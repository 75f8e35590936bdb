/// Receives a WebSocket's events, always on the connection's loop thread. After
/// `didClose` or `didFail` (exactly one of them, once) no further calls arrive and the
/// connection drops its reference to the handler. `abort()` ends the connection silently.
public protocol WebSocketHandler: AnyObject {
    func webSocketDidOpen(_ ws: WebSocketConnection)
    func webSocket(_ ws: WebSocketConnection, didReceive message: WebSocketMessage)
    func webSocket(_ ws: WebSocketConnection, didReceivePong payload: [UInt8])
    /// The close handshake finished (either side started it). `code` is the peer's code,
    /// 1005 when its close frame had none.
    func webSocket(_ ws: WebSocketConnection, didCloseWith code: UInt16, reason: String)
    func webSocket(_ ws: WebSocketConnection, didFail error: TransportError)
}

extension WebSocketHandler {
    public func webSocketDidOpen(_ ws: WebSocketConnection) {}
    public func webSocket(_ ws: WebSocketConnection, didReceivePong payload: [UInt8]) {}
}

/// Limits and time-outs of one WebSocket connection.
public struct WebSocketOptions: Sendable {
    /// Largest message (after reassembly) accepted; bigger ones are refused with 1009.
    public var maxMessageSize: Int = 128 << 20
    public var connectTimeout: Double = 10
    public var handshakeTimeout: Double = 10
    /// How long to wait for the peer's close frame (and then its TCP close) before dropping TCP.
    public var closeTimeout: Double = 5
    /// Extra request headers (client role), e.g. `User-Agent`.
    public var headers: [(String, String)] = []
    /// Most bytes queued for a peer that is not reading before the connection is dropped;
    /// nil = `maxMessageSize` + 1 MiB (room for one whole message of ours).
    public var maxPendingOutput: Int?

    var effectiveMaxPendingOutput: Int { maxPendingOutput ?? maxMessageSize + (1 << 20) }

    public init(maxMessageSize: Int = 128 << 20, connectTimeout: Double = 10, handshakeTimeout: Double = 10,
                closeTimeout: Double = 5, headers: [(String, String)] = []) {
        self.maxMessageSize = maxMessageSize
        self.connectTimeout = connectTimeout
        self.handshakeTimeout = handshakeTimeout
        self.closeTimeout = closeTimeout
        self.headers = headers
    }
}

/// The client entry point: `WebSocketClient.connect(url:…)` returns a `WebSocketConnection`.
public typealias WebSocketClient = WebSocketConnection
