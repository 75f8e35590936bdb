/// Faults applied by the I/O shell to how payloads reach the client (not what they say).
public struct SimTransportFaults: Sendable, Equatable {
    /// Seconds to wait before sending HELLO on a new connection.
    public var helloDelay: Double = 0
    /// zlib-stream only: split each compressed payload over this many WebSocket messages.
    public var messagesPerPayload: Int = 1
    /// Send each WebSocket message as this many frames (a first frame plus continuations).
    public var framesPerMessage: Int = 1
    /// Send a ping between consecutive fragments of one message.
    public var pingsBetweenFragments = false

    public init() {}
}
