import Foundation

/// Locates `/work/shared/protocol/fixtures` relative to the package root
/// (`<root>/../shared`, or `<root>/../../shared` from a worktree under `wt/`).
enum Fixtures {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var directory: URL? {
        let candidates = [
            packageRoot.appendingPathComponent("../shared/protocol/fixtures"),
            packageRoot.appendingPathComponent("../../shared/protocol/fixtures"),
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }?.standardizedFileURL
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        guard let dir = directory else { throw CocoaError(.fileNoSuchFile) }
        return [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
    }

    static func names() throws -> [String] {
        guard let dir = directory else { throw CocoaError(.fileNoSuchFile) }
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
    }
}
