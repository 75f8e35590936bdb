import Foundation
import ShardRuntime

/// What a `botrun` command line asks for.
public enum BotrunCommand: Sendable, Equatable {
    case help
    case version
    case run(BotrunOptions)
}

/// A strict parser for `botrun [options] SCRIPT…`.
///
/// Pure apart from the injected `Environment` (variables and file reads), so tests give it a
/// fake one. Both `--opt value` and `--opt=value` work; `--` ends the options. Every rejected
/// input throws a `UsageError` naming the option and the value that was wrong.
public struct BotrunOptionParser: Sendable {
    /// What the parser may look at outside the argument list.
    public struct Environment: Sendable {
        public var variables: [String: String]
        /// Reads a whole text file; throws with a short reason (e.g. "No such file or directory").
        public var readFile: @Sendable (String) throws -> String
        public var isReadableFile: @Sendable (String) -> Bool

        public init(variables: [String: String],
                    readFile: @escaping @Sendable (String) throws -> String,
                    isReadableFile: @escaping @Sendable (String) -> Bool) {
            self.variables = variables
            self.readFile = readFile
            self.isReadableFile = isReadableFile
        }

        /// The real process environment and file system.
        public static var process: Environment {
            Environment(
                variables: ProcessInfo.processInfo.environment,
                readFile: { path in
                    let data = try readSmallFile(path, limit: BotrunOptionParser.maxTokenFileBytes)
                    guard let text = String(data: data, encoding: .utf8) else {
                        throw FileReadFailure(reason: "not UTF-8 text")
                    }
                    return text
                },
                isReadableFile: { path in
                    var isDirectory: ObjCBool = false
                    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                        && !isDirectory.boolValue && FileManager.default.isReadableFile(atPath: path)
                })
        }
    }

    /// Reads at most `limit` bytes of a regular file; a directory, a larger file or an
    /// error is a `FileReadFailure` with a short reason (FileManager gave a stale errno for
    /// directories and read files of any size whole).
    static func readSmallFile(_ path: String, limit: Int) throws -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileReadFailure(reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { throw FileReadFailure(reason: "is a directory") }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileReadFailure(reason: String(cString: strerror(errno)))
            }
            if n == 0 { return data }
            data.append(contentsOf: buffer[0..<n])
            if data.count > limit {
                throw FileReadFailure(reason: "larger than \(limit) bytes; it should hold only the token")
            }
        }
    }

    public struct FileReadFailure: Error, CustomStringConvertible {
        public let reason: String
        public init(reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    /// The environment variable holding the token when `--token-file` is not given.
    public static let tokenVariable = "DISCORD_TOKEN"
    public static let maxShards = 65_535
    public static let maxHandlerTimeout = 3_600.0
    public static let maxMemoryLimitMB = 65_536
    /// A token is under 100 bytes; a token file larger than this is refused unread.
    public static let maxTokenFileBytes = 64 * 1024

    public let environment: Environment

    public init(environment: Environment = .process) {
        self.environment = environment
    }

    /// Parses the arguments after the program name.
    public func parse(_ arguments: [String]) throws(UsageError) -> BotrunCommand {
        let optionPart = arguments.prefix { $0 != "--" }
        if optionPart.contains(where: { BotrunOption.help.matches($0) }) { return .help }
        if optionPart.contains(where: { BotrunOption.version.matches($0) }) { return .version }

        var state = ParseState()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                state.scripts += arguments[index...]
                break
            }
            guard argument.hasPrefix("-"), argument != "-" else {
                state.scripts.append(argument)
                continue
            }
            let (option, inlineValue) = try Self.lookUp(argument)
            var value: String?
            if let valueName = option.valueName {
                if let inlineValue {
                    value = inlineValue
                } else if index < arguments.count, !arguments[index].hasPrefix("--") {
                    value = arguments[index]
                    index += 1
                } else {
                    throw UsageError(option: option.flag, "expects a value: \(valueName)")
                }
                guard state.seen.insert(option).inserted else {
                    throw UsageError(option: option.flag, "given more than once")
                }
            } else if let inlineValue {
                throw UsageError(option: option.flag, "takes no value, got '\(inlineValue)'")
            }
            try apply(option, value: value ?? "", to: &state)
        }
        return .run(try finish(state))
    }

    // MARK: - One option

    private struct ParseState {
        var options = BotrunOptions(scripts: [])
        var scripts: [String] = []
        var seen: Set<BotrunOption> = []
        var tokenFile: String?
    }

    private func apply(_ option: BotrunOption, value: String, to state: inout ParseState) throws(UsageError) {
        let flag = option.flag
        switch option {
        case .tokenFile:
            state.tokenFile = try nonEmpty(value, flag, "PATH")
        case .gatewayURL:
            state.options.gatewayURL = try Self.url(value, schemes: ["ws", "wss"], flag)
        case .apiURL:
            state.options.apiURL = try Self.url(value, schemes: ["http", "https"], flag)
        case .caFile:
            state.options.caFile = try readable(value, flag)
        case .compress:
            guard let compression = BotrunOptions.Compression(rawValue: value) else {
                throw UsageError(option: flag, "expects zlib-stream, zstd-stream or none, got '\(value)'")
            }
            state.options.compression = compression
        case .shards:
            guard let count = Int(value), (1...Self.maxShards).contains(count) else {
                throw UsageError(option: flag, "expects a whole number from 1 to \(Self.maxShards), got '\(value)'")
            }
            state.options.shards = .count(count)
        case .shard:
            state.options.shards = try Self.shardPair(value, flag)
        case .intents:
            state.options.intents = try Self.intents(value, flag)
        case .logLevel:
            guard let level = LogLevel(name: value) else {
                throw UsageError(option: flag, "expects debug, info, warn or error, got '\(value)'")
            }
            state.options.logLevel = level
        case .logFormat:
            guard let format = Logger.Format(rawValue: value) else {
                throw UsageError(option: flag, "expects text or json, got '\(value)'")
            }
            state.options.logFormat = format
        case .sessionFile:
            state.options.sessionFile = try nonEmpty(value, flag, "PATH")
        case .sim:
            state.options.sim = true
        case .simInput:
            state.options.simInput = try readable(value, flag)
        case .check:
            state.options.check = true
        case .noWatch:
            state.options.watch = false
        case .unsafe:
            state.options.unsafe = true
        case .handlerTimeout:
            guard let seconds = Double(value), seconds.isFinite, seconds > 0, seconds <= Self.maxHandlerTimeout else {
                throw UsageError(option: flag,
                                 "expects seconds above 0 and at most \(Self.maxHandlerTimeout.plainText) (e.g. 2 or 0.5), got '\(value)'")
            }
            state.options.handlerTimeout = seconds
        case .memoryLimit:
            guard let megabytes = Int(value), (1...Self.maxMemoryLimitMB).contains(megabytes) else {
                throw UsageError(option: flag,
                                 "expects a whole number of MiB from 1 to \(Self.maxMemoryLimitMB), got '\(value)'")
            }
            state.options.memoryLimitMB = megabytes
        case .help, .version:
            break  // answered before the loop
        }
    }

    // MARK: - The whole line

    private func finish(_ state: ParseState) throws(UsageError) -> BotrunOptions {
        var options = state.options
        if state.seen.contains(.shards), state.seen.contains(.shard) {
            throw UsageError(option: BotrunOption.shard.flag, "cannot be combined with --shards")
        }
        if options.simInput != nil, !options.sim {
            throw UsageError(option: BotrunOption.simInput.flag, "needs --sim")
        }
        if options.sim {
            for option in [BotrunOption.gatewayURL, .apiURL] where state.seen.contains(option) {
                throw UsageError(option: option.flag, "cannot be combined with --sim (the local gateway has its own URL)")
            }
        }
        guard !state.scripts.isEmpty else {
            throw UsageError(option: nil, "no script given; usage: botrun [options] SCRIPT… (see botrun --help)")
        }
        for script in state.scripts where !environment.isReadableFile(script) {
            throw UsageError(option: nil, "cannot read script '\(script)'")
        }
        options.scripts = state.scripts

        if let path = state.tokenFile {
            let text: String
            do {
                text = try environment.readFile(path)
            } catch {
                throw UsageError(option: BotrunOption.tokenFile.flag, "cannot read '\(path)': \(error)")
            }
            options.token = try Self.token(text, source: "'\(path)'", option: BotrunOption.tokenFile.flag)
            options.tokenSource = .file(path)
        } else if let text = environment.variables[Self.tokenVariable] {
            options.token = try Self.token(text, source: "$\(Self.tokenVariable)", option: nil)
            options.tokenSource = .environment
        }
        if options.sim {
            // The local gateway makes its own token; a real one must not travel to it.
            options.token = nil
            options.tokenSource = nil
        } else if options.token == nil, !options.check {
            throw UsageError(option: nil,
                             "no token: set \(Self.tokenVariable) or pass --token-file PATH (or try --sim, which needs none)")
        }
        return options
    }

    // MARK: - Values

    private static func lookUp(_ argument: String) throws(UsageError) -> (BotrunOption, String?) {
        if let alias = BotrunOption.allCases.first(where: { $0.aliases.contains(argument) }) { return (alias, nil) }
        var name = Substring(argument)
        var inlineValue: String?
        if let equals = name.firstIndex(of: "=") {
            inlineValue = String(name[name.index(after: equals)...])
            name = name[..<equals]
        }
        guard name.hasPrefix("--"), let option = BotrunOption(rawValue: String(name.dropFirst(2))) else {
            var message = "is not an option"
            if let guess = suggestion(for: String(name)) { message += "; did you mean \(guess.flag)?" }
            throw UsageError(option: String(name), message + " (see botrun --help)")
        }
        return (option, inlineValue)
    }

    /// The closest option name (edit distance at most 2, or a unique prefix).
    static func suggestion(for name: String) -> BotrunOption? {
        let typed = String(name.drop { $0 == "-" })
        guard !typed.isEmpty else { return nil }
        let prefixed = BotrunOption.allCases.filter { $0.rawValue.hasPrefix(typed) }
        if prefixed.count == 1 { return prefixed[0] }
        let scored = BotrunOption.allCases.map { ($0, editDistance(typed, $0.rawValue)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, charA) in a.enumerated() {
            var current = [i + 1]
            for (j, charB) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (charA == charB ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }

    private func nonEmpty(_ value: String, _ flag: String, _ valueName: String) throws(UsageError) -> String {
        guard !value.isEmpty else { throw UsageError(option: flag, "expects a value: \(valueName), got ''") }
        return value
    }

    private func readable(_ path: String, _ flag: String) throws(UsageError) -> String {
        guard !path.isEmpty, environment.isReadableFile(path) else {
            throw UsageError(option: flag, "cannot read file '\(path)'")
        }
        return path
    }

    static func url(_ text: String, schemes: [String], _ flag: String) throws(UsageError) -> String {
        let wanted = schemes.map { "\($0)://" }.joined(separator: " or ")
        guard let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), schemes.contains(scheme),
              let host = components.host, !host.isEmpty
        else {
            throw UsageError(option: flag, "expects a \(wanted) URL with a host, got '\(text)'")
        }
        return text
    }

    static func shardPair(_ text: String, _ flag: String) throws(UsageError) -> BotrunOptions.ShardSelection {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let id = Int(parts[0]), let total = Int(parts[1]),
              id >= 0, total >= 1, total <= maxShards, id < total
        else {
            throw UsageError(option: flag, "expects ID/TOTAL with ID < TOTAL, got '\(text)'")
        }
        return .single(id: id, total: total)
    }

    static func intents(_ text: String, _ flag: String) throws(UsageError) -> BotrunOptions.IntentSelection {
        if let first = text.first, first.isASCII, first.isNumber {
            guard let bits = UInt64(text) else {
                throw UsageError(option: flag, "expects intent names or a whole number, got '\(text)'")
            }
            let unknown = bits & ~IntentNames.allDocumented
            guard unknown == 0 else {
                throw UsageError(option: flag, "got '\(text)', which sets bits that are not intents (\(unknown))")
            }
            return .explicit(bits: bits, names: [])
        }
        var bits: UInt64 = 0
        var names: [String] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else {
                throw UsageError(option: flag, "expects comma-separated intent names, got an empty name in '\(text)'")
            }
            guard let bit = IntentNames.bit(named: name) else {
                let known = IntentNames.bits.map(\.name).joined(separator: ", ")
                throw UsageError(option: flag, "does not know the intent '\(name)' in '\(text)' (known: \(known))")
            }
            bits |= bit
            names.append(name.lowercased())
        }
        return .explicit(bits: bits, names: names)
    }

    /// A token from a file or variable; `source` names it in messages, which never show the token.
    static func token(_ text: String, source: String, option: String?) throws(UsageError) -> Token {
        let token = Token(text)
        guard !token.exposedSecret.isEmpty else { throw UsageError(option: option, "\(source) holds no token (it is empty)") }
        guard !token.exposedSecret.contains(where: { $0.isWhitespace }) else {
            throw UsageError(option: option, "\(source) does not hold a single token (it contains spaces or several lines)")
        }
        return token
    }
}

extension BotrunOption {
    /// Whether `argument` spells this option (`--help`, its aliases; not `--help=…`).
    func matches(_ argument: String) -> Bool { argument == flag || aliases.contains(argument) }
}
