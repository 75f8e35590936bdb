/// A command line botrun cannot run with: bad option, bad value, missing token or script.
///
/// `description` is the whole line printed to stderr, e.g.
/// `botrun: --shard expects ID/TOTAL with ID < TOTAL, got '3/2'`. It never contains the token.
/// botrun exits with `BotrunExitCode.usageOrScriptError` after printing it.
public struct UsageError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The option at fault as typed (`--shard`), or nil when no single option is (missing script).
    public let option: String?
    /// What was wrong, without the `botrun: ` prefix or the option.
    public let message: String

    public init(option: String?, _ message: String) {
        self.option = option
        self.message = message
    }

    public var description: String {
        if let option { return "botrun: \(option) \(message)" }
        return "botrun: \(message)"
    }
}
