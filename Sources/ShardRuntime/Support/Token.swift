/// A bot token. Its description is always redacted, so it cannot leak into a log,
/// an error message or a Lua value by interpolation; only `authorizationHeader` and
/// the IDENTIFY/RESUME serializers read the secret.
public struct Token: Sendable, CustomStringConvertible, CustomDebugStringConvertible, Equatable {
    private let secret: String

    public init(_ secret: String) {
        var trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("Bot ") { trimmed.removeFirst(4) }
        self.secret = trimmed
    }

    /// `Bot <token>` for the HTTP `Authorization` header.
    public var authorizationHeader: String { "Bot " + secret }

    /// The raw secret, for the payloads that must carry it (IDENTIFY, RESUME).
    public var exposedSecret: String { secret }

    public var description: String { "Token(redacted)" }
    public var debugDescription: String { "Token(redacted)" }
}

import Foundation
