import Foundation
import Testing
@testable import ShardRuntime

/// The REST client against `Tests/peers/rest_peer.py` on 127.0.0.1 (issue 6).
@Suite struct RESTClientEndToEndTests {
    static let token = "FAKE.rest.token"

    /// Runs `body` with a fresh peer, loop and client; stops all three afterwards.
    static func withClient(peerArguments: [String] = [], token: String = token, scheme: String = "http",
                           tls: TLSConfiguration = .client(), configure: (inout RESTClient.Configuration) -> Void = { _ in },
                           logger: Logger = Logger(level: .error),
                           _ body: (RESTClient, RESTPeer) async throws -> Void) async throws {
        let peer = try await RESTPeer.start(arguments: peerArguments)
        defer { peer.stop() }
        let loop = EventLoop(name: "rest-test")
        defer { loop.shutdown() }
        var configuration = RESTClient.Configuration()
        configuration.connectTimeout = 5
        configuration.responseTimeout = 5
        configure(&configuration)
        let host = scheme == "https" ? "localhost" : "127.0.0.1"
        let client = try RESTClient(token: Token(token), baseURL: "\(scheme)://\(host):\(peer.port)/api/v10", tls: tls,
                                    loop: loop, configuration: configuration, logger: logger)
        defer { client.shutdown() }
        try await body(client, peer)
    }

    static func connectionsOpened(_ client: RESTClient) async -> Int {
        await withCheckedContinuation { continuation in client.connectionsOpened { continuation.resume(returning: $0) } }
    }

    @Test func keepAliveReusesOneConnection() async throws {
        try await Self.withClient(peerArguments: ["--limit", "100"]) { client, peer in
            for i in 0..<5 {
                let message = try await client.createMessage(channelID: "42", ["content": .string("hello \(i)")])
                #expect(message["content"]?.stringValue == "hello \(i)")
                #expect(message["channel_id"]?.stringValue == "42")
            }
            let requests = await peer.waitForRequests(5)
            #expect(requests.count == 5)
            #expect(Set(requests.map(\.connection)).count == 1)
            #expect(await Self.connectionsOpened(client) == 1)
        }
    }

    @Test func connectionCloseAndChunkedBodies() async throws {
        try await Self.withClient { client, peer in
            let chunked = try await client.request(.get, "/chunked").json()
            #expect(chunked["text"]?.stringValue == String(repeating: "x", count: 100))
            _ = try await client.request(.get, "/close")
            _ = try await client.request(.get, "/chunked")
            // The server said Connection: close, so the third request needed a new connection.
            let requests = await peer.waitForRequests(3)
            #expect(requests.map(\.connection) == [requests[0].connection, requests[0].connection, requests[0].connection + 1])
            #expect(await Self.connectionsOpened(client) == 2)
        }
    }

    @Test func staleKeptAliveConnectionIsReplacedTransparently() async throws {
        try await Self.withClient { client, peer in
            _ = try await client.request(.get, "/drop")
            // Sent on the kept-alive connection the peer is about to drop unread.
            let info = try await client.getGatewayBot()
            #expect(info.shards == 2)
            let requests = await peer.waitForRequests(2)
            #expect(requests.map(\.path) == ["/api/v10/drop", "/api/v10/gateway/bot"])
            #expect(requests[1].connection == requests[0].connection + 1)
            #expect(await Self.connectionsOpened(client) == 2)
        }
    }

    @Test func gatewayBotIsParsed() async throws {
        try await Self.withClient { client, _ in
            let info = try await client.getGatewayBot()
            #expect(info == GatewayBotInfo(url: "wss://gateway.example.invalid", shards: 2,
                                           sessionStartLimit: .init(total: 1000, remaining: 998, resetAfter: 5000, maxConcurrency: 1)))
        }
    }

    @Test func tooManyRequestsIsRetriedAfterRetryAfter() async throws {
        try await Self.withClient(peerArguments: ["--retry-after", "0.15"]) { client, peer in
            let answer = try await client.request(.post, "/limited/2").json()
            #expect(answer["attempts"]?.intValue == 3)
            let times = await peer.waitForRequests(3).map(\.time)
            #expect(times.count == 3)
            for (a, b) in zip(times, times.dropFirst()) { #expect(b - a >= 0.14, "retried after \(b - a)s") }
        }
    }

    @Test func badGatewayIsRepeatedOnlyForIdempotentMethods() async throws {
        try await Self.withClient(configure: { $0.serverErrorBackoff = 0.05 }) { client, peer in
            let answer = try await client.request(.get, "/flaky/2").json()
            #expect(answer["attempts"]?.intValue == 3)
            do throws(RESTError) {
                _ = try await client.request(.post, "/flaky/1", body: ["x": 1])
                Issue.record("expected 502")
            } catch {
                #expect(error.status == 502 && error.kind == .http)
            }
            let requests = await peer.waitForRequests(4)
            #expect(requests.map(\.status) == [502, 502, 200, 502])
        }
    }

    @Test func cancelledWhileWaitingToRetryIsNeverSentAgain() async throws {
        // A long retry-after (under the client's 60 s maximum): the cancel below must come
        // while the retry waits, and a starved test task once took over 5 s to get there.
        try await Self.withClient(peerArguments: ["--retry-after", "30"]) { client, peer in
            let outcome = LockedLines()
            let id = client.request(.post, "/limited/100", body: ["x": 1]) { result in
                if case .failure(let error) = result { outcome.append("\(error.kind)") }
            }
            await peer.waitForRequests(1)  // the 429 is in; the request now waits 30 s to retry
            #expect(await RESTPeer.waitUntil(timeout: 5) { await Self.queued(client) == 1 })
            client.cancel(id)
            #expect(await RESTPeer.waitUntil(timeout: 5) { outcome.all() == ["cancelled"] }, "\(outcome.all())")
            #expect(await Self.queued(client) == 0)  // no retry left to send
            #expect(peer.requests().count == 1)
        }
    }

    static func queued(_ client: RESTClient) async -> Int {
        await withCheckedContinuation { continuation in client.queuedCount { continuation.resume(returning: $0) } }
    }

    @Test func cancellingTheTaskCancelsTheRequest() async throws {
        try await Self.withClient { client, _ in
            let task = Task { () -> Result<RESTResponse, RESTError> in
                do throws(RESTError) { return .success(try await client.request(.get, "/slow")) } catch { return .failure(error) }
            }
            task.cancel()
            guard case .failure(let error) = await task.value else { Issue.record("expected cancellation"); return }
            #expect(error.kind == .cancelled)
            // The client stays usable.
            let info = try await client.getGatewayBot()
            #expect(info.shards == 2)
        }
    }

    @Test func retriesAreBounded() async throws {
        try await Self.withClient(peerArguments: ["--retry-after", "0.05"], configure: { $0.rateLimits.maxRetries = 2 }) { client, peer in
            do throws(RESTError) {
                _ = try await client.request(.post, "/limited/100")
                Issue.record("expected a rate-limit error")
            } catch {
                #expect(error.kind == .rateLimited(retryAfter: 0.05))
                #expect(error.status == 429)
            }
            #expect(await peer.waitForRequests(3).count == 3)
        }
    }

    @Test func burstOf50HonoursBucketHeaders() async throws {
        try await Self.withClient(peerArguments: ["--limit", "5", "--window", "0.1"]) { client, peer in
            let start = Date()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<50 {
                    group.addTask { _ = try await client.createMessage(channelID: "7", ["content": .string("burst \(i)")]) }
                }
                try await group.waitForAll()
            }
            let requests = await peer.waitForRequests(50)
            #expect(requests.count == 50)
            #expect(requests.allSatisfy { $0.status == 200 }, "the peer answered 429 \(requests.filter { $0.status == 429 }.count) times")
            // 10 windows of 5: at least 9 full windows must have passed.
            #expect(Date().timeIntervalSince(start) >= 0.9)
        }
    }

    @Test func unauthorizedIsSurfacedOnceAndAStormStops() async throws {
        let lines = LockedLines()
        let logger = Logger(level: .debug, sink: { lines.append($0) })
        let badToken = "WRONG.secret.value"
        try await Self.withClient(token: badToken, logger: logger) { client, peer in
            do throws(RESTError) {
                _ = try await client.createMessage(channelID: "1", ["content": "hi"])
                Issue.record("expected 401")
            } catch {
                #expect(error.kind == .http && error.status == 401 && error.message == "401: Unauthorized")
                #expect(!error.description.contains("secret"))
            }
            #expect(await peer.waitForRequests(1).count == 1)
            // 20 handlers keep trying on other channels: the client probes one at a time and
            // stops after the third 401 in a row; the rest fail fast.
            let errors = await withTaskGroup(of: RESTError?.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        do throws(RESTError) { _ = try await client.createMessage(channelID: "\(100 + i)", ["content": "hi"]); return nil } catch { return error }
                    }
                }
                return await group.reduce(into: [RESTError?]()) { $0.append($1) }
            }
            #expect(errors.count == 20 && errors.allSatisfy { $0 != nil })
            #expect(errors.filter { $0?.kind == .unauthorized }.count == 18)
            #expect(peer.requests().count == 3)
            #expect(!lines.all().joined().contains("secret"))
        }
    }

    @Test func discordErrorBodyIsCarried() async throws {
        try await Self.withClient { client, _ in
            do throws(RESTError) {
                _ = try await client.createMessage(channelID: "1", ["content": ""])
                Issue.record("expected 400")
            } catch {
                #expect(error.kind == .http && error.status == 400)
                #expect(error.code == 50006 && error.message == "Cannot send an empty message")
                #expect(error.method == .post && error.path == "/channels/1/messages")
            }
        }
    }

    @Test func callbackVariantCompletesOnce() async throws {
        try await Self.withClient { client, _ in
            let result: Result<RESTResponse, RESTError> = await withCheckedContinuation { continuation in
                client.request(.createMessage(channelID: "9", ["content": "cb"])) { continuation.resume(returning: $0) }
            }
            let json = try result.get().json()
            #expect(json["content"]?.stringValue == "cb")
        }
    }

    @Test func unsafePathsAreRefusedWithoutSending() async throws {
        try await Self.withClient { client, peer in
            for path in ["/../oauth2", "/channels/1/messages\r\nX: y", "channels", "/a b"] {
                await #expect(throws: RESTError.self) { _ = try await client.request(.get, path) }
            }
            #expect(RESTEndpoint.createReaction(channelID: "1", messageID: "2", emoji: "👍").path
                == "/channels/1/messages/2/reactions/%F0%9F%91%8D/@me")
            #expect(RESTEndpoint.deleteMessage(channelID: "..", messageID: "a/b").path == "/channels/%2E%2E/messages/a%2Fb")
            _ = try await client.getGatewayBot()
            #expect(await peer.waitForRequests(1).map(\.path) == ["/api/v10/gateway/bot"])
        }
    }

    @Test func rawJSONBodyAndTokenRedactionInErrors() async throws {
        try await Self.withClient { client, peer in
            let result: Result<RESTResponse, RESTError> = await withCheckedContinuation { continuation in
                client.request(.post, "/channels/3/messages", rawJSONBody: Array(#"{"content":"raw"}"#.utf8)) {
                    continuation.resume(returning: $0)
                }
            }
            let json = try result.get().json()
            #expect(json["content"]?.stringValue == "raw")
            do throws(RESTError) {
                _ = try await client.request(.post, "/webhooks/12/SECRETWEBHOOKTOKEN?wait=true", body: ["content": "x"])
                Issue.record("expected 404")
            } catch {
                #expect(error.status == 404)
                #expect(error.path == "/webhooks/12/:token?wait=true")
                #expect(!error.description.contains("SECRET"))
            }
            #expect(await peer.waitForRequests(2).count == 2)
        }
    }

    @Test func responseTimeOut() async throws {
        try await Self.withClient(configure: { $0.responseTimeout = 0.3 }) { client, _ in
            // The peer would answer 200 after 3 s; a time-out error proves we did not wait.
            // No upper bound on the elapsed time: this task may wait for a thread far longer
            // than the time-out under a loaded parallel run (the error kind is the proof).
            let clock = ContinuousClock()
            let start = clock.now
            do throws(RESTError) {
                _ = try await client.request(.get, "/slow")
                Issue.record("expected a time-out")
            } catch {
                #expect(error.kind == .timedOut(seconds: 0.3))
                #expect(clock.now - start >= .milliseconds(300), "not before the configured time-out")
            }
        }
    }

    @Test func tlsTrustComesFromTheCAFile() async throws {
        let cert = try TestCertificate()
        defer { cert.remove() }
        let peerArguments = ["--cert", cert.certFile, "--key", cert.keyFile]
        try await Self.withClient(peerArguments: peerArguments, scheme: "https", tls: .client(caFile: cert.certFile)) { client, _ in
            let info = try await client.getGatewayBot()
            #expect(info.shards == 2)
        }
        // Without the CA file the self-signed certificate must be refused.
        try await Self.withClient(peerArguments: peerArguments, scheme: "https", tls: .client()) { client, peer in
            do throws(RESTError) {
                _ = try await client.getGatewayBot()
                Issue.record("expected the certificate to be rejected")
            } catch {
                guard case .transport(.certificateRejected) = error.kind else {
                    Issue.record("unexpected error \(error)")
                    return
                }
            }
            #expect(peer.requests().isEmpty)
        }
    }
}

final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    func all() -> [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
