import Foundation
import Glibc
import Testing
@testable import GatewaySim

@Suite("Console actions and keep-alive REST")
struct ConsoleActionTests {
    @Test func userEditsDeletesReactionsAndMembership() {
        var driver = CoreDriver()
        _ = driver.identify(1, intents: GatewayIntents.allDocumented)
        let channel = driver.core.world.generalChannelID
        let id = driver.core.postUserMessage(channelID: channel, authorID: "1100000000000000003", content: "a").messageID!
        #expect(driver.core.editUserMessage(messageID: id, content: "b")?.events(1) == ["MESSAGE_UPDATE"])
        let reaction = driver.core.userReaction(messageID: id, userID: "1100000000000000002", emoji: "party:123", add: true)
        let emoji = (reaction?.payloads(1).first?["d"] as? [String: Any])?["emoji"] as? [String: Any]
        #expect(emoji?["id"] as? String == "123")
        #expect(driver.core.deleteAnyMessage(messageID: id)?.events(1) == ["MESSAGE_DELETE"])
        #expect(driver.core.deleteAnyMessage(messageID: id) == nil)
        let joined = driver.core.memberJoins(username: "carol")
        #expect(joined.actions.events(1) == ["GUILD_MEMBER_ADD"])
        #expect(driver.core.memberLeaves(userID: joined.user.id)?.events(1) == ["GUILD_MEMBER_REMOVE"])
        #expect(driver.core.memberLeaves(userID: joined.user.id) == nil)
    }

    @Test func memberEventsNeedTheGuildMembersIntent() {
        var driver = CoreDriver()
        _ = driver.identify(1, intents: GatewayIntents.guilds)
        #expect(driver.core.memberJoins(username: "dave").actions.isEmpty)
    }

    @Test func twoRequestsOnOneKeepAliveConnection() throws {
        let sim = GatewaySim()
        let port = try sim.start()
        defer { sim.stop() }
        let fd = try RawSocket.connect(port: port)
        defer { close(fd) }
        let auth = "Authorization: Bot \(sim.token)\r\n"
        let requests = "GET /api/v10/users/@me HTTP/1.1\r\nHost: x\r\n\(auth)\r\n"
            + "GET /api/v10/gateway/bot HTTP/1.1\r\nHost: x\r\n\(auth)Connection: close\r\n\r\n"
        RawSocket.write(fd, requests)
        var received: [UInt8] = []
        while case let chunk = RawSocket.read(fd), !chunk.isEmpty { received += chunk }
        let text = String(decoding: received, as: UTF8.self)
        #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3, "two responses on one connection")
        #expect(text.contains("\"username\":\"simbot\""))
        #expect(text.contains("\"max_concurrency\":1"))
    }
}

@Suite("World lookups for the console")
struct WorldLookupTests {
    @Test func channelsAndMembersByName() {
        let world = SimWorld.standard()
        #expect(world.channel(named: "#general")?.id == world.generalChannelID)
        #expect(world.channel(named: "BOT-LOG")?.name == "bot-log")
        #expect(world.channel(named: "nope") == nil)
        #expect(world.member(named: "Ali")?.user.username == "alice", "by nick")
        #expect(world.member(named: "tester")?.user.id == world.humanUser.id)
        #expect(world.channel(id: world.generalChannelID)?.name == "general")
    }
}

/// A blocking TCP client socket to 127.0.0.1 with a 20 s receive time-out, for tests that
/// look at raw bytes.
enum RawSocket {
    struct Failure: Error {}

    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { close(fd); throw Failure() }
        return fd
    }

    static func write(_ fd: Int32, _ text: String) {
        _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
    }

    /// One read; empty at EOF or time-out.
    static func read(_ fd: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = Glibc.read(fd, &buffer, buffer.count)
        return n > 0 ? Array(buffer[0..<n]) : []
    }
}

@Suite("World rendering")
struct WorldRenderingTests {
    @Test func timestampsUseDiscordsForm() {
        #expect(SimWorld.timestamp(Date(timeIntervalSince1970: 1_700_000_000.25)) == "2023-11-14T22:13:20.250000+00:00")
    }
}
