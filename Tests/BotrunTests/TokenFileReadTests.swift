import Foundation
import Testing
@testable import BotrunKit

/// The real file reader behind `--token-file`: a directory, or a huge file, must give a clear
/// reason without reading gigabytes into memory.
@Suite struct TokenFileReadTests {
    static func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("botrun-\(UUID().uuidString)-\(name)").path
    }

    @Test func directoryIsNamedAsADirectory() throws {
        let dir = Self.tempPath("dir")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try BotrunOptionParser.Environment.process.readFile(dir)
            Issue.record("a directory was read as a token file")
        } catch {
            #expect("\(error)" == "is a directory")
        }
    }

    @Test func hugeFileIsRefusedWithoutReadingItAll() throws {
        let path = Self.tempPath("big")
        let size = BotrunOptionParser.maxTokenFileBytes * 64
        try Data(repeating: 0x41, count: size).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try BotrunOptionParser.Environment.process.readFile(path)
            Issue.record("a \(size)-byte token file was accepted")
        } catch {
            #expect("\(error)".contains("larger than"), "\(error)")
            #expect(!"\(error)".contains("AAAA"))
        }
    }

    @Test func smallFileIsRead() throws {
        let path = Self.tempPath("tok")
        try Data("Bot abc.def\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try BotrunOptionParser.Environment.process.readFile(path) == "Bot abc.def\n")
        do {
            _ = try BotrunOptionParser.Environment.process.readFile(path + ".absent")
            Issue.record("an absent file was read")
        } catch {
            #expect("\(error)" == "No such file or directory")
        }
    }
}
