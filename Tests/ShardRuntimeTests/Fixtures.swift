import Foundation

/// The protocol fixtures kept in the repository (`Tests/Fixtures/protocol`, a copy of the
/// invented payloads in `shared/protocol/fixtures`), so a plain clone can run every test.
enum Fixtures {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var directory: URL? { packageRoot.appendingPathComponent("Tests/Fixtures/protocol") }

    static func bytes(_ name: String) throws -> [UInt8] {
        guard let dir = directory else { throw CocoaError(.fileNoSuchFile) }
        return [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
    }

    static func names() throws -> [String] {
        guard let dir = directory else { throw CocoaError(.fileNoSuchFile) }
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
    }
}
