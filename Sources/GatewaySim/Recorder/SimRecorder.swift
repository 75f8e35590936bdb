/// One payload a client sent, as received.
public struct RecordedPayload: Sendable, Equatable {
    /// Seconds since the sim started (monotonic).
    public var time: Double
    /// `op`, when the payload decoded as an object with an integer `op`.
    public var op: Int?
    public var text: String
}

/// Everything recorded about one connection.
public struct ConnectionRecord: Sendable, Equatable {
    public var id: ConnectionID
    /// The request target of the upgrade, e.g. `/?v=10&encoding=json&compress=zlib-stream`.
    public var target: String
    public var openedAt: Double
    public var payloads: [RecordedPayload] = []
    /// The close code the client sent (nil: none yet, or the TCP connection just dropped).
    public var clientCloseCode: UInt16?
    /// The close code the sim sent.
    public var serverCloseCode: UInt16?
    /// True once the socket is gone.
    public var ended = false
    /// The session the connection identified or resumed.
    public var sessionID: String?
}

/// What tests assert on: every client payload per connection with its time, IDENTIFY and
/// RESUME counts, close codes received, and the sequence numbers delivered per session.
public struct SimRecorder: Sendable, Equatable {
    public var connections: [ConnectionRecord] = []
    public var identifyCount = 0
    public var resumeCount = 0
    /// Successful resumes (RESUMED sent).
    public var resumedCount = 0
    /// Close codes received from clients, in order.
    public var clientCloseCodes: [UInt16] = []
    /// Sequence numbers sent to each session's connection, in order (replays included).
    public var deliveredSequences: [String: [Int]] = [:]

    mutating func opened(_ id: ConnectionID, target: String, at time: Double) {
        connections.append(ConnectionRecord(id: id, target: target, openedAt: time))
    }

    mutating func update(_ id: ConnectionID, _ change: (inout ConnectionRecord) -> Void) {
        guard let index = connections.lastIndex(where: { $0.id == id }) else { return }
        change(&connections[index])
    }

    public func connection(_ id: ConnectionID) -> ConnectionRecord? { connections.first { $0.id == id } }

    /// All payloads with `op` the clients sent, across connections, in order.
    public func payloads(op: Int) -> [RecordedPayload] {
        connections.flatMap { $0.payloads.filter { $0.op == op } }
    }
}
