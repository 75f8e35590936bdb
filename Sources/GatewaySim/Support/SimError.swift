import ShardRuntime

/// Errors of the GatewaySim layer, each carrying what is needed to act on it.
public enum SimError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An HTTP request could not be parsed; the connection is answered 400 and closed.
    case badRequest(reason: String)
    /// Generating the TLS certificates with the `openssl` CLI failed.
    case certificateGeneration(step: String, detail: String)
    /// The listener could not be opened.
    case listenFailed(port: UInt16, TransportError)
    /// `start()` was called on a sim that is already listening.
    case alreadyStarted

    public var description: String {
        switch self {
        case .badRequest(let reason): "bad HTTP request: \(reason)"
        case .certificateGeneration(let step, let detail): "certificate generation failed at \(step): \(detail)"
        case .listenFailed(let port, let error): "cannot listen on 127.0.0.1:\(port): \(error)"
        case .alreadyStarted: "the gateway sim is already listening"
        }
    }
}
