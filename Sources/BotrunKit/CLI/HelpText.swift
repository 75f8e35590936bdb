/// The text of `botrun --help`, generated from `BotrunOption.allCases` and `BotrunExitCode`.
public enum HelpText {
    /// Environment variables botrun reads, with one line each.
    public static let environment: [(name: String, summary: String)] = [
        (BotrunOptionParser.tokenVariable, "the bot token when --token-file is not given (never printed)"),
        ("SSL_CERT_FILE", "CA bundle to trust instead of the system store, as in OpenSSL tools"),
        ("SSL_CERT_DIR", "directory of CA certificates to trust, as in OpenSSL tools"),
    ]

    public static var text: String {
        var lines = [
            "botrun \(BotrunVersion.string): run Lua bot scripts on Discord gateway sessions",
            "",
            "Usage: botrun [options] SCRIPT…",
            "       botrun --sim SCRIPT…   (chat with your bot on the built-in local gateway)",
            "",
            "Options (--opt VALUE and --opt=VALUE both work; -- ends the options):",
        ]
        let left = BotrunOption.allCases.map { option in
            ([option.flag] + option.aliases).joined(separator: ", ") + (option.valueName.map { " " + $0 } ?? "")
        }
        let width = left.map(\.count).max() ?? 0
        for (column, option) in zip(left, BotrunOption.allCases) {
            lines.append("  " + column.padding(to: width) + "  " + option.summary)
        }
        lines += ["", "Exit codes:"]
        for code in BotrunExitCode.allCases {
            lines.append("  \(code.rawValue)  \(code.summary)")
        }
        lines += ["", "Environment:"]
        let nameWidth = environment.map(\.name.count).max() ?? 0
        for variable in environment {
            lines.append("  " + variable.name.padding(to: nameWidth) + "  " + variable.summary)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
