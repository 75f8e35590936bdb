import Foundation
import ShardRuntime

/// `--session-file`: the resumable sessions of a stopped run (shard id → session id, sequence,
/// resume URL), written on SIGTERM/SIGINT and read at the next start (issue 5).
struct SessionFile {
    let path: String
    let logger: Logger

    /// The stored sessions; empty (identify afresh) when the file is missing or unreadable.
    func load() -> [Int: ResumeSession] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let stored = try JSONDecoder().decode([String: ResumeSession].self, from: data)
            logger.info("resuming from session file", ["path": path, "sessions": stored.count])
            return Dictionary(uniqueKeysWithValues: stored.compactMap { key, value in Int(key).map { ($0, value) } })
        } catch {
            logger.warn("session file unreadable; identifying afresh", ["path": path, "error": "\(error)"])
            return [:]
        }
    }

    /// Replaces the file atomically with `sessions` (an empty object when none survived).
    func save(_ sessions: [Int: ResumeSession]) {
        let stored = Dictionary(uniqueKeysWithValues: sessions.map { (String($0.key), $0.value) })
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(stored).write(to: URL(fileURLWithPath: path), options: .atomic)
            logger.info("session saved", ["path": path, "sessions": stored.count])
        } catch {
            logger.error("could not write the session file", ["path": path, "error": "\(error)"])
        }
    }
}
