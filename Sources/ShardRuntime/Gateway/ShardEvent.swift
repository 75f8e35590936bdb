/// One dispatch (op 0): its name, sequence and the raw bytes of `d`, decoded on demand.
public struct DispatchEvent: Sendable, Equatable {
    public let name: String
    public let sequence: Int64
    /// The whole payload as received (decompressed); `dataRange` locates `d` in it.
    public let payload: [UInt8]
    public let dataRange: Range<Int>

    public init(name: String, sequence: Int64, payload: [UInt8], dataRange: Range<Int>) {
        self.name = name
        self.sequence = sequence
        self.payload = payload
        self.dataRange = dataRange
    }

    /// The JSON bytes of `d` (a slice, no copy).
    public var data: ArraySlice<UInt8> { payload[dataRange] }

    /// Parses `d`. Each call parses again; keep the result if you need it twice.
    public func decodeData() throws -> JSONValue {
        try payload.withUnsafeBytes { raw in
            try JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[dataRange]))
        }
    }
}

/// Lifecycle stage of a shard, as reported by `Shard.info()`.
public enum ShardStage: String, Sendable {
    /// Not started yet.
    case idle
    /// Opening a connection.
    case connecting
    /// Connected, waiting for HELLO.
    case handshaking
    /// Waiting for the identify queue, or IDENTIFY sent and READY not yet received.
    case identifying
    /// RESUME sent, waiting for RESUMED.
    case resuming
    /// READY or RESUMED received; commands may be sent.
    case connected
    /// Disconnected, waiting to reconnect.
    case reconnecting
    /// Shutdown requested, waiting for the close to finish.
    case shuttingDown
    /// Shut down by the user.
    case ended
    /// Stopped by a fatal error.
    case failed
}

/// What a shard reports: dispatches and lifecycle changes.
public enum ShardEvent: Sendable, Equatable {
    case dispatch(DispatchEvent)
    /// Opening a connection to `url`.
    case connecting(url: String)
    /// Waiting for / sending IDENTIFY.
    case identifying
    /// Sending RESUME.
    case resuming
    /// READY (`resumed == false`) or RESUMED (`resumed == true`) arrived.
    case connected(resumed: Bool)
    /// Will reconnect after `delay`.
    case reconnecting(after: Duration)
    /// The connection closed; `code` is nil when there was no close frame.
    case disconnected(code: UInt16?, reason: String)
    case hello(heartbeatInterval: Duration)
    /// A heartbeat ACK, with the round trip when a beat was in flight.
    case heartbeatAck(latency: Duration?)
    case invalidSession(resumable: Bool)
    case reconnectRequested
    /// Every incoming payload before processing (opt-in with `rawPayloads`).
    case payload([UInt8])
    /// The shard stopped for good.
    case fatal(GatewayError)
}

/// What a shard needs to resume its session in a later run.
public struct ResumeSession: Sendable, Equatable, Codable {
    public var sessionID: String
    public var sequence: Int64
    /// READY's `resume_gateway_url` (no query string).
    public var resumeURL: String?

    public init(sessionID: String, sequence: Int64, resumeURL: String?) {
        self.sessionID = sessionID
        self.sequence = sequence
        self.resumeURL = resumeURL
    }
}

// `GatewayCompression` (the URL's `compress` parameter) is defined once, in
// Transport/Compression/GatewayDecompressor.swift (same cases and raw values).
