import Testing
@testable import ShardRuntime

@Suite struct RateLimiterTests {
    static let send1 = RESTRoute(method: .post, path: "/channels/1/messages")
    static let edit1 = RESTRoute(method: .patch, path: "/channels/1/messages/9")
    static let send2 = RESTRoute(method: .post, path: "/channels/2/messages")

    static func ticket(_ decision: RateLimiter.Decision, sourceLocation: SourceLocation = #_sourceLocation) -> RateLimiter.Ticket? {
        if case .send(let ticket) = decision { return ticket }
        Issue.record("expected .send, got \(decision)", sourceLocation: sourceLocation)
        return nil
    }

    @Test func bucketIsLearnedFromHeadersAndSharedByRoutesWithTheSameHash() throws {
        var limiter = RateLimiter()
        let t1 = try #require(Self.ticket(limiter.admit(Self.send1, now: 0)))
        #expect(limiter.record(t1, RateLimitInfo(status: 200, bucket: "abc", limit: 5, remaining: 0, resetAfter: 2), now: 0.1, attempt: 1) == .complete)
        #expect(limiter.bucketHash(for: Self.send1) == "abc")
        // Same bucket, same channel: exhausted until 2.1.
        #expect(limiter.admit(Self.send1, now: 0.5) == .wait(until: 2.1))
        // Another channel is another major parameter: independent.
        #expect(Self.ticket(limiter.admit(Self.send2, now: 0.5)) != nil)
        // A different route that Discord reports in the same bucket shares the exhaustion.
        let t3 = try #require(Self.ticket(limiter.admit(Self.edit1, now: 0.5)))
        _ = limiter.record(t3, RateLimitInfo(status: 200, bucket: "abc", limit: 5, remaining: 0, resetAfter: 1.6), now: 0.5, attempt: 1)
        #expect(limiter.admit(Self.edit1, now: 0.6) == .wait(until: 2.1))
        // After the reset both may send again.
        #expect(Self.ticket(limiter.admit(Self.send1, now: 2.1)) != nil)
    }

    @Test func hugeResetAfterIsCapped() throws {
        var limiter = RateLimiter()
        let cap = limiter.configuration.maxResetAfter
        let ticket = try #require(Self.ticket(limiter.admit(Self.send1, now: 0)))
        _ = limiter.record(ticket, RateLimitInfo(status: 200, bucket: "abc", limit: 5, remaining: 0, resetAfter: 1e12),
                           now: 1, attempt: 1)
        #expect(limiter.admit(Self.send1, now: 2) == .wait(until: 1 + cap))
        #expect(Self.ticket(limiter.admit(Self.send1, now: 1 + cap)) != nil)
    }

    @Test func unknownBucketAllowsOneRequestInFlight() throws {
        var limiter = RateLimiter()
        let first = try #require(Self.ticket(limiter.admit(Self.send1, now: 0)))
        #expect(limiter.admit(Self.send1, now: 0) == .waitForResponse)
        limiter.cancel(first)  // transport failure frees the slot
        let again = try #require(Self.ticket(limiter.admit(Self.send1, now: 0)))
        _ = limiter.record(again, RateLimitInfo(status: 200, bucket: "b", limit: 3, remaining: 2, resetAfter: 1), now: 0.01, attempt: 1)
        #expect(Self.ticket(limiter.admit(Self.send1, now: 0.02)) != nil)
        #expect(Self.ticket(limiter.admit(Self.send1, now: 0.02)) != nil)
        #expect(limiter.admit(Self.send1, now: 0.02) == .wait(until: 1.01))
    }

    @Test func routeWithoutBucketHeadersIsLimitedOnlyGlobally() throws {
        var limiter = RateLimiter()
        let gateway = RESTRoute(method: .get, path: "/gateway/bot")
        let t = try #require(Self.ticket(limiter.admit(gateway, now: 0)))
        _ = limiter.record(t, RateLimitInfo(status: 200), now: 0, attempt: 1)
        for _ in 0..<10 { #expect(Self.ticket(limiter.admit(gateway, now: 0.1)) != nil) }
    }

    /// A simulated Discord with a fixed-window bucket of 5 per second; 50 calls in a burst.
    /// Each request reaches the server after a random delay and its answer comes back after
    /// another (up to 0.3 s each way, deterministic seed), so answers arrive out of order
    /// and a late request can land in the next window.
    @Test(arguments: [0.0, 0.1, 0.3])
    func burstOf50RespectsRemainingAndResetAfter(jitter: Double) {
        var limiter = RateLimiter()
        var random = SeededRandom(seed: 42)
        var now = 0.0
        var windowEnd = -1.0, used = 0, violations = 0, completed = 0
        var pending = 50
        // (time, kind): arrive at server, or answer at client.
        var events: [(at: Double, ticket: RateLimiter.Ticket, info: RateLimitInfo?, attempt: Int)] = []
        func serve(at time: Double) -> RateLimitInfo {
            if time >= windowEnd { windowEnd = time + 1; used = 0 }
            guard used < 5 else {
                violations += 1
                return RateLimitInfo(status: 429, bucket: "m", limit: 5, remaining: 0, resetAfter: windowEnd - time,
                                     retryAfter: windowEnd - time)
            }
            used += 1
            return RateLimitInfo(status: 200, bucket: "m", limit: 5, remaining: 5 - used, resetAfter: windowEnd - time)
        }
        var steps = 0
        while completed < 50 && steps < 100_000 {
            steps += 1
            var wake = Double.infinity
            while pending > 0 {
                let decision = limiter.admit(Self.send1, now: now)
                guard case .send(let ticket) = decision else {
                    if case .wait(let until) = decision { wake = until }
                    break
                }
                pending -= 1
                events.append((now + 0.01 + random.next() * jitter, ticket, nil, 1))
            }
            let next = min(wake, events.map(\.at).min() ?? .infinity)
            guard next.isFinite else { break }
            now = max(now, next)
            let due = events.filter { $0.at <= now }.sorted { $0.at < $1.at }
            events.removeAll { $0.at <= now }
            for event in due {
                guard let info = event.info else {
                    // Reached the server: answer travels back.
                    events.append((event.at + 0.01 + random.next() * jitter, event.ticket, serve(at: event.at), event.attempt))
                    continue
                }
                switch limiter.record(event.ticket, info, now: now, attempt: event.attempt) {
                case .complete: completed += 1
                case .retry, .giveUp: pending += 1
                }
            }
        }
        #expect(completed == 50)
        #expect(violations == 0)
        // 10 windows are needed; the limiter should not waste much more than the round trips.
        #expect(now >= 9 && now < 11 + 20 * jitter, "took \(now)s")
    }

    @Test func tooManyRequestsWaitsRetryAfterThenRetriesBounded() throws {
        var limiter = RateLimiter()
        var attempt = 1
        var now = 0.0
        var ticket = try #require(Self.ticket(limiter.admit(Self.send1, now: now)))
        let limited = RateLimitInfo(status: 429, bucket: "abc", limit: 5, remaining: 0, resetAfter: 0.5, retryAfter: 0.5)
        #expect(limiter.record(ticket, limited, now: now, attempt: attempt) == .retry(at: 0.5))
        #expect(limiter.admit(Self.send1, now: 0.2) == .wait(until: 0.5))
        for _ in 1...3 {
            now += 0.5
            ticket = try #require(Self.ticket(limiter.admit(Self.send1, now: now)))
            attempt += 1
            let outcome = limiter.record(ticket, limited, now: now, attempt: attempt)
            #expect(outcome == (attempt > 3 ? .giveUp(retryAfter: 0.5) : .retry(at: now + 0.5)))
        }
        #expect(attempt == 4)  // 1 try + 3 retries, then give up
    }

    @Test func longRetryAfterFailsInsteadOfWaiting() throws {
        var limiter = RateLimiter()
        let t = try #require(Self.ticket(limiter.admit(Self.send1, now: 0)))
        #expect(limiter.record(t, RateLimitInfo(status: 429, retryAfter: 3600), now: 0, attempt: 1) == .giveUp(retryAfter: 3600))
    }

    @Test func globalLimitCapsSendsPerSecond() throws {
        var config = RateLimiter.Configuration()
        config.globalLimit = 50
        var limiter = RateLimiter(configuration: config)
        // 60 different channels: 60 independent unknown buckets, one send each.
        var sent = 0
        for channel in 0..<60 {
            let route = RESTRoute(method: .post, path: "/channels/\(channel)/messages")
            switch limiter.admit(route, now: Double(channel) * 0.001) {
            case .send: sent += 1
            case .wait(let until): #expect(until == 1.0)
            default: Issue.record("unexpected decision")
            }
        }
        #expect(sent == 50)
        #expect(Self.ticket(limiter.admit(RESTRoute(method: .get, path: "/channels/99/messages"), now: 1.0)) != nil)
    }

    @Test func global429BlocksEveryRoute() throws {
        var limiter = RateLimiter()
        let t = try #require(Self.ticket(limiter.admit(Self.send1, now: 0)))
        #expect(limiter.record(t, RateLimitInfo(status: 429, retryAfter: 2, global: true), now: 0, attempt: 1) == .retry(at: 2))
        #expect(limiter.admit(Self.send2, now: 1) == .wait(until: 2))
        #expect(Self.ticket(limiter.admit(Self.send2, now: 2)) != nil)
    }

    @Test func repeated401StopsSendingAndFailsFast() throws {
        var limiter = RateLimiter()  // unauthorizedLimit 3
        for i in 0..<3 {
            let route = RESTRoute(method: .get, path: "/channels/\(i)/messages")
            let t = try #require(Self.ticket(limiter.admit(route, now: 0)))
            #expect(limiter.record(t, RateLimitInfo(status: 401), now: 0, attempt: 1) == .complete)
        }
        #expect(limiter.isStoppedByUnauthorized)
        #expect(limiter.admit(Self.send1, now: 100) == .fail(.unauthorized(consecutive: 3)))
        limiter.resetAuthorization()
        #expect(Self.ticket(limiter.admit(Self.send1, now: 100)) != nil)
    }

    @Test func afterA401RequestsGoOneAtATime() throws {
        var limiter = RateLimiter()
        let t = try #require(Self.ticket(limiter.admit(Self.send1, now: 0)))
        _ = limiter.record(t, RateLimitInfo(status: 401), now: 0, attempt: 1)
        let probe = try #require(Self.ticket(limiter.admit(Self.send2, now: 0)))
        #expect(limiter.admit(RESTRoute(method: .get, path: "/channels/3/messages"), now: 0) == .waitForResponse)
        _ = limiter.record(probe, RateLimitInfo(status: 200), now: 0, attempt: 1)
        #expect(Self.ticket(limiter.admit(RESTRoute(method: .get, path: "/channels/3/messages"), now: 0)) != nil)
        #expect(Self.ticket(limiter.admit(RESTRoute(method: .get, path: "/channels/4/messages"), now: 0)) != nil)
    }

    @Test func aSuccessBetween401sResetsTheCount() throws {
        var limiter = RateLimiter()
        for status in [401, 401, 200, 401, 401] {
            let t = try #require(Self.ticket(limiter.admit(RESTRoute(method: .get, path: "/users/@me"), now: 0)))
            _ = limiter.record(t, RateLimitInfo(status: status), now: 0, attempt: 1)
        }
        #expect(!limiter.isStoppedByUnauthorized)
    }

    @Test func forbiddenStormHitsTheInvalidRequestLimitUntilTheWindowSlides() throws {
        var config = RateLimiter.Configuration()
        config.invalidRequestLimit = 10
        config.invalidRequestWindow = 60
        var limiter = RateLimiter(configuration: config)
        for i in 0..<10 {
            let t = try #require(Self.ticket(limiter.admit(RESTRoute(method: .get, path: "/guilds/\(i)"), now: Double(i))))
            _ = limiter.record(t, RateLimitInfo(status: 403), now: Double(i), attempt: 1)
        }
        #expect(limiter.admit(Self.send1, now: 30) == .fail(.invalidRequestLimit(count: 10, until: 60)))
        #expect(Self.ticket(limiter.admit(Self.send1, now: 60.5)) != nil)
    }

    @Test func idleBucketsArePurgedBeyondTheCap() throws {
        var limiter = RateLimiter()
        // One send per channel, 30 ms apart (under the global limit), each window 1 s long.
        for channel in 0...RateLimiter.maxIdleBuckets {
            let now = Double(channel) * 0.03
            let route = RESTRoute(method: .post, path: "/channels/\(channel)/messages")
            let t = try #require(Self.ticket(limiter.admit(route, now: now)))
            _ = limiter.record(t, RateLimitInfo(status: 200, bucket: "h", limit: 5, remaining: 4, resetAfter: 1), now: now, attempt: 1)
        }
        // Passing the cap dropped every bucket whose window had closed; only the last
        // second's (about 34) remain instead of 10 001.
        #expect(limiter.bucketCount < 50)
    }

    @Test func headersAreReadIntoRateLimitInfo() {
        let headers: HTTPHeaders = ["x-ratelimit-bucket": "h1", "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                                    "X-RateLimit-Reset-After": "1.250", "Retry-After": "2", "X-RateLimit-Global": "true",
                                    "X-RateLimit-Scope": "user"]
        let info = RateLimitInfo(status: 429, headers: headers, bodyRetryAfter: 1.5)
        #expect(info == RateLimitInfo(status: 429, bucket: "h1", limit: 5, remaining: 0, resetAfter: 1.25,
                                      retryAfter: 1.5, global: true, scope: "user"))
        #expect(RateLimitInfo(status: 429, headers: ["Retry-After": "2"]).retryAfter == 2)
    }
}

/// A small deterministic generator (SplitMix64) for reproducible simulations.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    /// Uniform in [0, 1).
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}
