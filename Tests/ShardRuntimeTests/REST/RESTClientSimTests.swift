import Foundation
import GatewaySim
import ShardRuntime
import Testing

/// The REST client against the local gateway's REST side (`GatewaySim`), issue 6.
@Suite struct RESTClientSimTests {
    static func withSim(tls: Bool = false, token: String? = nil, logger: Logger = Logger(level: .error),
                        _ body: (GatewaySim, RESTClient) async throws -> Void) async throws {
        var options = GatewaySimOptions()
        options.tls = tls
        let sim = GatewaySim(options: options)
        _ = try sim.start()
        defer { sim.stop() }
        let loop = EventLoop(name: "rest-sim-test")
        defer { loop.shutdown() }
        var configuration = RESTClient.Configuration()
        configuration.connectTimeout = 5
        configuration.responseTimeout = 5
        let client = try RESTClient(token: Token(token ?? sim.token), baseURL: sim.apiBaseURL,
                                    tls: .client(caFile: sim.caFile), loop: loop, configuration: configuration, logger: logger)
        defer { client.shutdown() }
        try await body(sim, client)
    }

    @Test func replyEditReactDeleteFlow() async throws {
        try await Self.withSim { sim, client in
            let seen = LockedLines()
            sim.setBotMessageObserver { message in seen.append("\(message.kind) \(message.channelID) \(message.content)") }
            let channel = sim.world.generalChannelID
            let created = try await client.createMessage(channelID: channel, ["content": "pong"])
            let id = try #require(created["id"]?.stringValue)
            #expect(created["content"]?.stringValue == "pong")
            let edited = try await client.editMessage(channelID: channel, messageID: id, ["content": "pong!"])
            #expect(edited["content"]?.stringValue == "pong!")
            try await client.createReaction(channelID: channel, messageID: id, emoji: "👍")
            try await client.deleteMessage(channelID: channel, messageID: id)
            #expect(await RESTPeer.waitUntil(timeout: 5) { seen.all().count == 4 })
            let kinds = seen.all()
            #expect(kinds.first == "created \(channel) pong")
            #expect(kinds.dropFirst().first == "edited \(channel) pong!")
            #expect(kinds.contains { $0.hasPrefix("reacted") } && kinds.last?.hasPrefix("deleted") == true)
        }
    }

    @Test func emptyMessageIsA400WithDiscordsErrorShape() async throws {
        try await Self.withSim { sim, client in
            do throws(RESTError) {
                _ = try await client.createMessage(channelID: sim.world.generalChannelID, ["content": ""])
                Issue.record("expected 400")
            } catch {
                #expect(error.status == 400 && error.kind == .http)
                #expect(error.code != nil && error.message != nil)
            }
        }
    }

    @Test func gatewayBotFromTheSim() async throws {
        try await Self.withSim { sim, client in
            let info = try await client.getGatewayBot()
            #expect(info.url == sim.gatewayURL)
            #expect(info.sessionStartLimit.maxConcurrency == 1)
        }
    }

    @Test func burstOf50UnderTheSimsRateLimitGetsNo429() async throws {
        let lines = LockedLines()
        try await Self.withSim(logger: Logger(level: .debug, sink: { lines.append($0) })) { sim, client in
            sim.setRESTRateLimit(RESTRateLimit(limit: 5, window: 0.1))
            let channel = sim.world.generalChannelID
            let start = Date()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<50 {
                    group.addTask { _ = try await client.createMessage(channelID: channel, ["content": .string("m\(i)")]) }
                }
                try await group.waitForAll()
            }
            // Every 429 the client sees is logged ("rest rate limited ..."); there must be none.
            #expect(!lines.all().contains { $0.contains("rate limited") }, "\(lines.all())")
            #expect(Date().timeIntervalSince(start) >= 0.9)
        }
    }

    /// Opens each client's connection first (before the limit is on), then turns `limit` on and
    /// posts one message per client back to back from this thread, so both reach the sim
    /// within its window however long the test's own tasks wait for a thread. (With `async
    /// let`, a starved test pool could start the second post after the window had passed.)
    static func postTogether(_ sim: GatewaySim, _ posts: [(RESTClient, String)],
                             limit: RESTRateLimit) async throws -> [Result<RESTResponse, RESTError>] {
        for (client, _) in posts { _ = try await client.getGatewayBot() }
        sim.setRESTRateLimit(limit)
        let channel = sim.world.generalChannelID
        let collected = ResultSlots(count: posts.count)
        return await withCheckedContinuation { continuation in
            collected.onComplete = { continuation.resume(returning: $0) }
            for (index, (client, content)) in posts.enumerated() {
                client.request(.createMessage(channelID: channel, ["content": .string(content)])) { collected.set(index, $0) }
            }
        }
    }

    @Test func tooManyRequestsFromTheSimIsRetried() async throws {
        let lines = LockedLines()
        let logger = Logger(level: .info, sink: { lines.append($0) })
        try await Self.withSim(logger: logger) { sim, client in
            // Two clients (two limiters) that know nothing yet post into a bucket of 1 at
            // the same moment: the sim answers one of them 429, which must wait and retry.
            let other = try RESTClient(token: Token(sim.token), baseURL: sim.apiBaseURL, loop: client.loop, logger: logger)
            defer { other.shutdown() }
            let results = try await Self.postTogether(sim, [(other, "first"), (client, "second")],
                                                      limit: RESTRateLimit(limit: 1, window: 0.5))
            let contents = try results.map { try $0.get().json()["content"]?.stringValue }
            #expect(contents == ["first", "second"])
            #expect(lines.all().filter { $0.contains("rest rate limited, retrying") }.count == 1, "\(lines.all())")
        }
    }

    @Test func globalTooManyRequestsIsRecognisedAndRetried() async throws {
        let lines = LockedLines()
        let logger = Logger(level: .info, sink: { lines.append($0) })
        try await Self.withSim(logger: logger) { sim, client in
            let other = try RESTClient(token: Token(sim.token), baseURL: sim.apiBaseURL, loop: client.loop, logger: logger)
            defer { other.shutdown() }
            let results = try await Self.postTogether(sim, [(other, "first"), (client, "second")],
                                                      limit: RESTRateLimit(limit: 1, window: 0.5, global: true))
            for result in results { _ = try result.get() }
            let retries = lines.all().filter { $0.contains("rest rate limited, retrying") }
            #expect(retries.count == 1 && retries.first?.contains("global=true") == true, "\(retries)")
        }
    }

    @Test func wrongTokenIs401Once() async throws {
        try await Self.withSim(token: "WRONG.token.value") { sim, client in
            do throws(RESTError) {
                _ = try await client.createMessage(channelID: sim.world.generalChannelID, ["content": "hi"])
                Issue.record("expected 401")
            } catch {
                #expect(error.status == 401 && error.kind == .http)
                #expect(!error.description.contains("WRONG"))
            }
        }
    }

    @Test func tlsTrustSharedWithTheGateway() async throws {
        try await Self.withSim(tls: true) { sim, client in
            #expect(sim.apiBaseURL.hasPrefix("https://"))
            let info = try await client.getGatewayBot()
            #expect(info.url.hasPrefix("wss://"))
        }
    }
}

/// Collects one result per slot and calls `onComplete` once all are in.
final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<RESTResponse, RESTError>?]
    var onComplete: (([Result<RESTResponse, RESTError>]) -> Void)?

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<RESTResponse, RESTError>) {
        lock.lock()
        slots[index] = result
        let done = slots.allSatisfy { $0 != nil } ? slots.compactMap { $0 } : nil
        let complete = done != nil ? onComplete : nil
        lock.unlock()
        if let done, let complete { complete(done) }
    }
}
