/// Why a shard stopped for good (or cannot continue its session).
///
/// None of these carry the token; descriptions are safe to log.
public enum GatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The gateway closed with a code that forbids reconnecting (4004, 4010–4014).
    case fatalClose(code: UInt16, reason: String)
    /// An incoming message exceeded the configured maximum size; reconnecting would loop.
    case payloadTooLarge(limit: Int)
    /// The gateway URL could not be used.
    case invalidGatewayURL(String)
    /// IDENTIFY could not be built (e.g. a presence that makes it exceed 4096 bytes).
    case invalidIdentify(String)

    public var description: String {
        switch self {
        case .fatalClose(let code, let reason):
            "gateway closed with fatal code \(code) (\(CloseCode.name(code)))" + (reason.isEmpty ? "" : ": \(reason)")
        case .payloadTooLarge(let limit):
            "incoming gateway message over the configured limit of \(limit) bytes; raise maxMessageSize"
        case .invalidGatewayURL(let url): "invalid gateway URL \(url)"
        case .invalidIdentify(let why): "cannot build IDENTIFY: \(why)"
        }
    }
}

/// `Shard.start()` failed.
public struct ShardStartError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Opening the connection failed.
        case establishing
        /// The configured or retrieved gateway URL is not a ws:// or wss:// URL.
        case parsingGatewayURL
        /// `GET /gateway/bot` failed.
        case retrievingGatewayURL
        /// `start()` was called twice.
        case alreadyStarted
    }

    public let kind: Kind
    public let detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "shard start failed (\(kind)): \(detail)" }
}

/// `Shard.command(_:)` failed.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The shard is between connections or not yet ready; try again later.
        case sending
        /// The command is invalid or does not serialize within 4096 bytes.
        case serializing
        /// The shard was never started or has shut down.
        case sessionInactive
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public static func invalid(_ reason: String) -> CommandError { CommandError(.serializing, reason) }

    public var description: String { "gateway command failed (\(kind)): \(reason)" }
}

/// `Shard.send(_:)` failed.
public struct SendError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable { case sending, sessionInactive }
    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "websocket send failed (\(kind)): \(reason)" }
}

/// The shard has no active session (not started, or shut down).
public struct SessionInactiveError: Error, Sendable, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "shard session is inactive" }
}

/// Gateway close codes and what they mean for reconnecting.
public enum CloseCode {
    /// Codes after which the shard must not reconnect.
    public static let fatal: Set<UInt16> = [4004, 4010, 4011, 4012, 4013, 4014]
    /// Server codes after which the old session cannot be resumed.
    public static let newSession: Set<UInt16> = [4003, 4005, 4007]
    /// What the shard sends to close while keeping the session resumable.
    public static let resumable: UInt16 = 4200

    public static func name(_ code: UInt16) -> String {
        switch code {
        case 1000: "normal"
        case 1001: "going away"
        case 1006: "abnormal"
        case 4000: "unknown error"
        case 4001: "unknown opcode"
        case 4002: "decode error"
        case 4003: "not authenticated"
        case 4004: "authentication failed"
        case 4005: "already authenticated"
        case 4007: "invalid seq"
        case 4008: "rate limited"
        case 4009: "session timed out"
        case 4010: "invalid shard"
        case 4011: "sharding required"
        case 4012: "invalid API version"
        case 4013: "invalid intents"
        case 4014: "disallowed intents"
        default: "other"
        }
    }
}
