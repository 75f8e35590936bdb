import Foundation

/// The `botrun` entry point, minus the process: arguments and output sinks in, exit code out.
public enum BotrunMain {
    /// Parses `arguments` (without the program name), answers `--help`/`--version` or usage
    /// errors itself, and hands a valid command line to `run`.
    public static func main(arguments: [String],
                            environment: BotrunOptionParser.Environment = .process,
                            standardOutput: (String) -> Void = { write($0, to: .standardOutput) },
                            standardError: (String) -> Void = { write($0, to: .standardError) },
                            run: (BotrunOptions) -> BotrunExitCode = runBot(options:)) -> Int32 {
        let command: BotrunCommand
        do {
            command = try BotrunOptionParser(environment: environment).parse(arguments)
        } catch {
            standardError(error.description + "\n")
            return BotrunExitCode.usageOrScriptError.rawValue
        }
        switch command {
        case .help:
            standardOutput(HelpText.text)
            return BotrunExitCode.cleanStop.rawValue
        case .version:
            standardOutput("botrun \(BotrunVersion.string)\n")
            return BotrunExitCode.cleanStop.rawValue
        case .run(let options):
            return run(options).rawValue
        }
    }

    /// Writes straight to the file descriptor (no buffering), so pipes see each line at once.
    public static func write(_ text: String, to handle: FileHandle) {
        handle.write(Data(text.utf8))
    }
}
