import Testing
@testable import ShardRuntime

@Suite struct GatewaySessionTests {
    @Test func nothingIsSentBeforeHello() {
        var h = SessionHarness()
        #expect(h.feed(.start).connects == ["wss://gw.example.invalid/?v=10&encoding=json&compress=zlib-stream"])
        #expect(h.feed(.connectionOpened).sent.isEmpty)
        // Dispatch-looking noise, a heartbeat timer and ACKs before HELLO send nothing.
        #expect(h.receive(#"{"op":11}"#).sent.isEmpty)
        #expect(h.feed(.timerFired(.heartbeat)).sent.isEmpty)
        #expect(h.session.stage == .handshaking)
        h.receive(#"{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":1000}}"#)
        #expect(h.last.identifyTickets == [1])
        #expect(h.session.stage == .identifying)
    }

    @Test func firstHeartbeatAfterIntervalTimesRandomThenEveryInterval() {
        var h = SessionHarness(random: 0.25)
        h.feed(.start)
        h.feed(.connectionOpened)
        h.receive(#"{"op":10,"d":{"heartbeat_interval":40000}}"#)
        #expect(h.last.timer(.heartbeat) == .seconds(10))
        let beat = h.feed(.timerFired(.heartbeat))
        #expect(beat.sent == [#"{"op":1,"d":null}"#])
        #expect(beat.timer(.heartbeat) == .seconds(40))
    }

    @Test func heartbeatCarriesLastSequence() {
        var h = SessionHarness()
        h.connectAndReady()
        h.receive(#"{"t":"MESSAGE_CREATE","s":7,"op":0,"d":{}}"#)
        h.receive(#"{"op":0,"t":"X","s":9,"d":null}"#)
        #expect(h.feed(.timerFired(.heartbeat)).sent == [#"{"op":1,"d":9}"#])
    }

    @Test func serverHeartbeatRequestBeatsImmediatelyWithoutResettingTimer() {
        var h = SessionHarness()
        h.connectAndReady()
        let actions = h.receive(#"{"op":1,"d":null}"#)
        #expect(actions.sent == [#"{"op":1,"d":1}"#])
        #expect(actions.timer(.heartbeat) == nil)
    }

    @Test func missingAckMakesZombieClosedNon1000AndResumed() {
        var h = SessionHarness()
        h.connectAndReady(resumeURL: "wss://resume.example.invalid")
        h.receive(#"{"t":"GUILD_CREATE","s":2,"op":0,"d":{}}"#)
        h.feed(.timerFired(.heartbeat))  // beat, no ACK follows
        let zombie = h.feed(.timerFired(.heartbeat))
        #expect(zombie.sent.isEmpty)
        #expect(zombie.closes.count == 1 && zombie.closes[0] != 1000 && zombie.closes[0] != 1001)
        let delay = try! #require(zombie.timer(.reconnect))
        h.advance(delay)
        #expect(h.feed(.timerFired(.reconnect)).connects == ["wss://resume.example.invalid/?v=10&encoding=json&compress=zlib-stream"])
        h.feed(.connectionOpened)
        let resume = h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#)
        #expect(resume.sent == [#"{"op":6,"d":{"token":"FAKE.secret.token-xyz","session_id":"sess-1","seq":2}}"#])
        #expect(resume.identifyTickets.isEmpty)
    }

    @Test func ackedBeatIsNotZombie() {
        var h = SessionHarness()
        h.connectAndReady()
        h.feed(.timerFired(.heartbeat))
        h.advance(.milliseconds(30))
        let ack = h.receive(#"{"op":11}"#)
        #expect(ack.events == [.heartbeatAck(latency: .milliseconds(30))])
        #expect(h.feed(.timerFired(.heartbeat)).sent == [#"{"op":1,"d":1}"#])
        #expect(h.session.latency.heartbeatsSent == 2 && h.session.latency.acksReceived == 1)
    }

    @Test func reconnectRequestResumesAtResumeURLWithQuery() {
        var h = SessionHarness { $0.compression = .zstdStream }
        h.connectAndReady(resumeURL: "wss://resume.example.invalid")
        h.receive(#"{"t":"MESSAGE_CREATE","s":5,"op":0,"d":{}}"#)
        let r = h.receive(#"{"t":null,"s":null,"op":7,"d":null}"#)
        #expect(r.events.contains(.reconnectRequested))
        #expect(r.closes == [CloseCode.resumable])
        #expect(r.timer(.reconnect) == .zero)
        let c = h.feed(.timerFired(.reconnect))
        #expect(c.connects == ["wss://resume.example.invalid/?v=10&encoding=json&compress=zstd-stream"])
        h.feed(.connectionOpened)
        #expect(h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#).sent.first?.contains(#""seq":5"#) == true)
    }

    @Test func reconnectBeforeHelloIdentifiesAgainAtGatewayURL() {
        var h = SessionHarness()
        h.feed(.start)
        h.feed(.connectionOpened)
        let r = h.receive(#"{"op":7,"d":null}"#)
        #expect(r.closes == [CloseCode.resumable])
        #expect(h.feed(.timerFired(.reconnect)).connects.first?.hasPrefix("wss://gw.example.invalid/?") == true)
        h.feed(.connectionOpened)
        #expect(h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#).identifyTickets.count == 1)
    }

    @Test func invalidSessionTrueResumes() {
        var h = SessionHarness()
        h.connectAndReady()
        let r = h.receive(#"{"op":9,"d":true}"#)
        #expect(r.events.contains(.invalidSession(resumable: true)))
        #expect(r.closes == [CloseCode.resumable])
        h.feed(.timerFired(.reconnect))
        h.feed(.connectionOpened)
        #expect(h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#).sent.first?.hasPrefix(#"{"op":6"#) == true)
    }

    @Test(arguments: [0.0, 0.999])
    func invalidSessionFalseWaitsOneToFiveSecondsThenIdentifiesViaQueue(random: Double) {
        var h = SessionHarness(random: random)
        h.connectAndReady()
        let r = h.receive(#"{"op":9,"d":false}"#)
        let wait = try! #require(r.timer(.reconnect))
        #expect(wait >= .seconds(1) && wait <= .seconds(5))
        #expect(h.session.sessionID == nil && h.session.sequence == nil)
        #expect(h.feed(.timerFired(.reconnect)).connects.first?.hasPrefix("wss://gw.example.invalid/") == true)
        h.feed(.connectionOpened)
        let hello = h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#)
        #expect(hello.sent.isEmpty)  // IDENTIFY waits for the queue
        let ticket = try! #require(hello.identifyTickets.first)
        #expect(h.feed(.identifyGranted(ticket: ticket)).sent.first?.hasPrefix(#"{"op":2"#) == true)
    }

    @Test func failedResumeFallsBackToIdentify() {
        var h = SessionHarness(resume: ResumeSession(sessionID: "old", sequence: 40, resumeURL: "wss://resume.example.invalid"))
        #expect(h.feed(.start).connects.first?.hasPrefix("wss://resume.example.invalid/") == true)
        h.feed(.connectionOpened)
        #expect(h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#).sent.first?.contains(#""session_id":"old","seq":40"#) == true)
        h.receive(#"{"op":9,"d":false}"#)
        h.feed(.timerFired(.reconnect))
        h.feed(.connectionOpened)
        let ticket = try! #require(h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#).identifyTickets.first)
        let identify = h.feed(.identifyGranted(ticket: ticket)).sent
        #expect(identify.count == 1 && identify[0].hasPrefix(#"{"op":2,"d":{"token":"FAKE.secret.token-xyz","intents":513"#))
        #expect(identify[0].contains(#""shard":[3,8]"#))
    }

    @Test func newerReadyReplacesResumeURL() {
        var h = SessionHarness()
        h.connectAndReady(sessionID: "a", resumeURL: "wss://one.example.invalid")
        h.receive(#"{"op":9,"d":false}"#)
        h.feed(.timerFired(.reconnect))
        h.feed(.connectionOpened)
        let t = h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#).identifyTickets[0]
        h.feed(.identifyGranted(ticket: t))
        h.receive(#"{"t":"READY","s":1,"op":0,"d":{"session_id":"b","resume_gateway_url":"wss://two.example.invalid"}}"#)
        #expect(h.session.resumeURL == "wss://two.example.invalid" && h.session.sessionID == "b")
        h.receive(#"{"op":7}"#)
        #expect(h.feed(.timerFired(.reconnect)).connects.first?.hasPrefix("wss://two.example.invalid/") == true)
    }

    @Test(arguments: [UInt16(4004), 4010, 4011, 4012, 4013, 4014])
    func fatalCloseCodesStopWithoutReconnect(code: UInt16) {
        var h = SessionHarness()
        h.connectAndReady()
        let r = h.feed(.connectionClosed(code: code, reason: "nope"))
        #expect(r.fatal == .fatalClose(code: code, reason: "nope"))
        #expect(r.timer(.reconnect) == nil && r.connects.isEmpty)
        #expect(h.session.stage == .failed)
        #expect(h.feed(.timerFired(.reconnect)).connects.isEmpty)
    }

    @Test func otherClosesReconnectWithGrowingJitteredBackoffForever() {
        var h = SessionHarness(random: 0.5) { $0.backoffBase = .seconds(1); $0.backoffMax = .seconds(8) }
        h.connectAndReady()
        var delays: [Duration] = []
        for i in 0..<8 {
            let r = i == 0 ? h.feed(.connectionClosed(code: 4000, reason: "")) : h.feed(.connectFailed(reason: "refused"))
            #expect(r.fatal == nil)
            delays.append(try! #require(r.timer(.reconnect)))
            #expect(h.feed(.timerFired(.reconnect)).connects.count == 1)
        }
        // cap/2 + cap/2 × 0.5 with cap = 1, 2, 4, 8, 8, …
        #expect(delays == [.milliseconds(750), .milliseconds(1500), .seconds(3), .seconds(6), .seconds(6), .seconds(6), .seconds(6), .seconds(6)])
        // A successful connection resets the backoff.
        h.feed(.connectionOpened)
        h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#)
        h.receive(#"{"t":"RESUMED","s":2,"op":0,"d":{}}"#)
        #expect(h.session.reconnectAttempts == 0)
    }

    @Test func droppedConnectionWithoutCloseFrameResumes() {
        var h = SessionHarness()
        h.connectAndReady()
        let r = h.feed(.connectionClosed(code: nil, reason: "EOF"))
        #expect(r.events.contains(.disconnected(code: nil, reason: "EOF")))
        h.feed(.timerFired(.reconnect))
        h.feed(.connectionOpened)
        #expect(h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#).sent.first?.hasPrefix(#"{"op":6"#) == true)
    }

    @Test func newSessionCloseCodesIdentifyAgain() {
        var h = SessionHarness()
        h.connectAndReady()
        h.feed(.connectionClosed(code: 4007, reason: "bad seq"))
        #expect(h.session.sessionID == nil)
        h.feed(.timerFired(.reconnect))
        h.feed(.connectionOpened)
        #expect(h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#).identifyTickets.count == 1)
    }

    @Test func unknownOpsEventsAndOddFieldsNeverBreakTheSessionAndSequenceAdvances() {
        var h = SessionHarness()
        h.connectAndReady()
        #expect(h.receive(#"{"op":42,"d":{"weird":[1,2]}}"#).isEmpty)
        let unknown = h.receive(#"{"t":"BRAND_NEW_EVENT","s":2,"op":0,"d":{"x":1}}"#)
        #expect(unknown.dispatchSequences == [2])
        h.receive(#"{"t":"MESSAGE_CREATE","s":3,"op":0,"d":"not an object"}"#)
        h.receive(#"{"op":11,"d":{"unexpected":true}}"#)
        #expect(h.session.stage == .connected && h.session.sequence == 3)
        #expect(h.feed(.timerFired(.heartbeat)).sent == [#"{"op":1,"d":3}"#])
    }

    @Test func eventFilterDropsUnwantedDispatchesButTracksSequence() {
        var h = SessionHarness { $0.eventTypes = [.messageCreate] }
        h.connectAndReady()
        #expect(h.receive(#"{"t":"GUILD_CREATE","s":2,"op":0,"d":{}}"#).dispatchSequences.isEmpty)
        #expect(h.receive(#"{"t":"MESSAGE_CREATE","s":3,"op":0,"d":{"id":"9"}}"#).dispatchSequences == [3])
        #expect(h.session.sequence == 3)
    }

    @Test func replayedDispatchesAreDeliveredExactlyOnceInOrder() {
        var h = SessionHarness()
        h.connectAndReady()
        var delivered: [Int64] = [1]
        for s in 2...5 { delivered += h.receive(#"{"t":"MESSAGE_CREATE","s":\#(s),"op":0,"d":{}}"#).dispatchSequences }
        h.feed(.connectionClosed(code: nil, reason: "drop"))
        h.feed(.timerFired(.reconnect))
        h.feed(.connectionOpened)
        #expect(h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#).sent.first?.contains(#""seq":5"#) == true)
        // A server that replays from an older point: 4 and 5 are duplicates.
        for s in 4...8 { delivered += h.receive(#"{"t":"MESSAGE_CREATE","s":\#(s),"op":0,"d":{}}"#).dispatchSequences }
        delivered += h.receive(#"{"t":"RESUMED","s":9,"op":0,"d":{}}"#).dispatchSequences
        #expect(delivered == Array(1...9))
    }

    @Test func messageTooLargeIsAFatalErrorNotAnIdentifyLoop() {
        var h = SessionHarness()
        h.connectAndReady()
        let r = h.feed(.transportFailed(.messageTooLarge(limit: 1024)))
        #expect(r.fatal == .payloadTooLarge(limit: 1024))
        #expect(r.timer(.reconnect) == nil && h.session.stage == .failed)
        #expect("\(GatewayError.payloadTooLarge(limit: 1024))".contains("1024"))
    }

    @Test func helloTimeoutReconnects() {
        var h = SessionHarness()
        h.feed(.start)
        #expect(h.feed(.connectionOpened).timer(.helloTimeout) == .seconds(60))
        let r = h.feed(.timerFired(.helloTimeout))
        #expect(r.closes == [CloseCode.resumable] && r.timer(.reconnect) != nil)
    }

    @Test func staleIdentifyGrantIsIgnored() {
        var h = SessionHarness()
        h.feed(.start)
        h.feed(.connectionOpened)
        let t = h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#).identifyTickets[0]
        h.feed(.connectionClosed(code: 4000, reason: ""))
        #expect(h.feed(.identifyGranted(ticket: t)).sent.isEmpty)
    }

    @Test func commandsWaitForReadyAndRespectTheRateLimitKeepingHeartbeatSlots() throws {
        var h = SessionHarness()
        h.feed(.start)
        #expect(try h.session.command(Array("{}".utf8), now: h.now).get().isEmpty)  // queued before READY
        h.feed(.connectionOpened)
        h.receive(#"{"op":10,"d":{"heartbeat_interval":2000}}"#)  // 30 beats/min → 33 reserved
        h.feed(.identifyGranted(ticket: 1))
        let ready = h.receive(#"{"t":"READY","s":1,"op":0,"d":{"session_id":"s"}}"#)
        #expect(ready.sent == ["{}"])
        var sent = 1
        for _ in 0..<100 { sent += try h.session.command(Array("{}".utf8), now: h.now).get().sent.count }
        #expect(sent == 120 - 33 - 1)  // IDENTIFY used one slot
        #expect(h.session.queuedCommands == 101 - sent)
        // Heartbeats still go out at once.
        #expect(h.feed(.timerFired(.heartbeat)).sent == [#"{"op":1,"d":1}"#])
        #expect(h.receive(#"{"op":1}"#).sent.count == 1)
        h.advance(.seconds(61))
        #expect(h.session.queuedCommands == 15)
        #expect(h.feed(.timerFired(.commandQueue)).sent.count == 15)
        #expect(h.session.queuedCommands == 0)
    }

    @Test func shutdownClosesWith1000AndResumableShutdownKeepsTheSession() {
        var h = SessionHarness()
        h.connectAndReady()
        var s2 = h
        #expect(h.feed(.shutdown(resumable: false)).closes == [1000])
        #expect(h.session.resumeSession == nil && h.session.stage == .shuttingDown)
        #expect(h.session.closeCompleted().events == [.disconnected(code: nil, reason: "shutdown")])
        #expect(h.session.stage == .ended)
        if case .failure(let e) = h.session.command([], now: h.now) { #expect(e.kind == .sessionInactive) } else { Issue.record("command accepted after shutdown") }

        let closes = s2.feed(.shutdown(resumable: true)).closes
        #expect(closes.count == 1 && closes[0] != 1000)
        #expect(s2.session.resumeSession == ResumeSession(sessionID: "sess-1", sequence: 1, resumeURL: "wss://resume.example.invalid"))
    }

    @Test func identifyTooLargeIsFatalNotAnEmptyPayload() {
        var h = SessionHarness { $0.presence = UpdatePresence(activities: [Activity(name: String(repeating: "x", count: 5000))]) }
        h.feed(.start)
        h.feed(.connectionOpened)
        let t = h.receive(#"{"op":10,"d":{"heartbeat_interval":1000}}"#).identifyTickets[0]
        let r = h.feed(.identifyGranted(ticket: t))
        #expect(r.sent.isEmpty)
        guard case .invalidIdentify(let why)? = r.fatal else { Issue.record("\(r)"); return }
        #expect(why.contains("4096"))
        #expect(h.session.stage == .failed)
    }

    @Test func identifyPayloadMatchesDiscordShapeAndTokenNeverInDescriptions() throws {
        var h = SessionHarness { $0.presence = UpdatePresence(status: .dnd, activities: [Activity(name: "x")]) }
        h.connectAndReady()
        let identify = try JSONParser.parse(try h.session.identifyPayload())
        #expect(identify["d"]?["properties"]?["os"]?.stringValue == "linux")
        #expect(identify["d"]?["presence"]?["status"]?.stringValue == "dnd")
        #expect(identify["d"]?["large_threshold"]?.intValue == 50)
        #expect(!"\(h.session)".contains("secret"))
        #expect(!String(reflecting: h.session.config).contains("secret"))
    }
}
