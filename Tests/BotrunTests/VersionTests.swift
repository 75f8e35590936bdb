import Testing
@testable import BotrunKit
@Test func versionIsSemver() { #expect(BotrunVersion.string.split(separator: ".").count == 3) }
