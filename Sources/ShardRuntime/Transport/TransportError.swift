/// Every failure of the transport layer (TCP, TLS, WebSocket, compression), with the context
/// needed to act on it: which endpoint, which TLS check, which close code or protocol rule.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why a TLS peer certificate was refused.
    public enum CertificateProblem: Sendable, Equatable {
        case unknownCA, hostnameMismatch, expired, notYetValid, selfSigned, other
    }

    case invalidURL(String, reason: String)
    case resolveFailed(host: String, reason: String)
    case connectFailed(host: String, port: Int, reason: String)
    case connectTimedOut(host: String, port: Int, seconds: Double)
    case tlsSetupFailed(String)
    /// The peer certificate failed verification; `detail` is OpenSSL's text for the check.
    case certificateRejected(host: String, problem: CertificateProblem, detail: String)
    case tlsHandshakeFailed(host: String, reason: String)
    case tlsIOFailed(String)
    case socketError(operation: String, errno: Int32)
    case connectionReset
    /// The peer closed the TCP stream without a WebSocket close handshake.
    case unexpectedEOF
    case handshakeRejected(reason: String)
    case handshakeTimedOut(seconds: Double)
    /// We broke off the connection because the peer broke an RFC 6455 rule; `closeCode` was sent.
    case protocolViolation(rule: String, closeCode: UInt16)
    case messageTooLarge(size: Int, limit: Int)
    case invalidUTF8
    case closeTimedOut(seconds: Double)
    case notOpen
    case decompressionFailed(String)
    case listenFailed(port: Int, reason: String)

    public var description: String {
        switch self {
        case let .invalidURL(url, reason): "invalid WebSocket URL \(url): \(reason)"
        case let .resolveFailed(host, reason): "cannot resolve \(host): \(reason)"
        case let .connectFailed(host, port, reason): "connect to \(host):\(port) failed: \(reason)"
        case let .connectTimedOut(host, port, s): "connect to \(host):\(port) timed out after \(s)s"
        case let .tlsSetupFailed(r): "TLS setup failed: \(r)"
        case let .certificateRejected(host, problem, detail):
            "TLS certificate of \(host) rejected (\(problem)): \(detail)"
        case let .tlsHandshakeFailed(host, r): "TLS handshake with \(host) failed: \(r)"
        case let .tlsIOFailed(r): "TLS I/O failed: \(r)"
        case let .socketError(op, e): "\(op) failed: errno \(e) (\(String(cString: strerror(e))))"
        case .connectionReset: "connection reset by peer"
        case .unexpectedEOF: "peer closed the connection without a close frame"
        case let .handshakeRejected(r): "WebSocket handshake rejected: \(r)"
        case let .handshakeTimedOut(s): "WebSocket handshake timed out after \(s)s"
        case let .protocolViolation(rule, code): "WebSocket protocol violation (\(rule)), closed with \(code)"
        case let .messageTooLarge(size, limit): "message of \(size) bytes exceeds limit \(limit)"
        case .invalidUTF8: "text message is not valid UTF-8"
        case let .closeTimedOut(s): "peer did not answer the close frame within \(s)s"
        case .notOpen: "connection is not open"
        case let .decompressionFailed(r): "decompression failed: \(r)"
        case let .listenFailed(port, r): "listen on 127.0.0.1:\(port) failed: \(r)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
