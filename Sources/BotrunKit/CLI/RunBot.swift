import Foundation
import ShardRuntime

/// Runs the bot the options describe until it stops; returns the process exit code.
public func runBot(options: BotrunOptions) -> BotrunExitCode {
    let logger = Logger(level: options.logLevel, format: options.logFormat)
    return BotRuntime(options: options, logger: logger).run()
}

extension BotrunOptions {
    /// One line describing the options, for logs. Never contains the token.
    public var summary: String {
        var parts = ["scripts=\(scripts.joined(separator: ","))"]
        if sim { parts.append("sim") }
        if check { parts.append("check") }
        switch tokenSource {
        case .environment: parts.append("token=$\(BotrunOptionParser.tokenVariable)")
        case .file(let path): parts.append("token=file:\(path)")
        case nil: break
        }
        switch shards {
        case .automatic: parts.append("shards=auto")
        case .count(let count): parts.append("shards=\(count)")
        case .single(let id, let total): parts.append("shard=\(id)/\(total)")
        }
        switch intents {
        case .derivedFromHandlers: parts.append("intents=from-handlers")
        case .explicit(let bits, _): parts.append("intents=\(bits)")
        }
        parts.append("compress=\(compression.rawValue)")
        return parts.joined(separator: " ")
    }
}
