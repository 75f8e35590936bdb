/// Process exit codes, as documented in `--help` and README.
public enum BotrunExitCode: Int32, Sendable, CaseIterable {
    /// Stopped cleanly (signal, `/quit`, end of `--sim-input`, `--check` passed).
    case cleanStop = 0
    /// The gateway closed with a code that forbids reconnecting (e.g. 4004 bad token).
    case fatalGatewayClose = 1
    /// Bad command line, or a script that does not load.
    case usageOrScriptError = 2

    var summary: String {
        switch self {
        case .cleanStop: "clean stop (signal, /quit, end of --sim-input, --check passed)"
        case .fatalGatewayClose: "the gateway closed for good (the message names the code, e.g. 4004 bad token)"
        case .usageOrScriptError: "usage error, or a script that does not load"
        }
    }
}
