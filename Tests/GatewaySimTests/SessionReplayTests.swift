import Foundation
import Testing
@testable import GatewaySim

@Suite("Gateway core: sessions, RESUME replay, client closes")
struct SessionReplayTests {
    func resumeJSON(_ driver: CoreDriver, session: String, seq: Int) -> String {
        #"{"op":6,"d":{"token":"\#(driver.token)","session_id":"\#(session)","seq":\#(seq)}}"#
    }

    @Test func resumeReplaysMissedDispatchesThenResumed() {
        var driver = CoreDriver()
        let session = driver.identify(1)  // READY 1, GUILD_CREATE 2
        driver.core.connectionEnded(1)    // TCP drop: session kept
        let general = driver.core.world.generalChannelID
        for n in 0..<3 {
            let posted = driver.core.postUserMessage(channelID: general, authorID: "1100000000000000002", content: "m\(n)")
            #expect(posted.actions.isEmpty, "no live connection, so nothing is sent")
        }
        driver.open(2)
        let actions = driver.send(2, resumeJSON(driver, session: session, seq: 2))
        #expect(actions.events(2) == ["MESSAGE_CREATE", "MESSAGE_CREATE", "MESSAGE_CREATE", "RESUMED"])
        #expect(actions.sequences(2) == [3, 4, 5, 6])
        let contents = actions.payloads(2).prefix(3).map { ($0["d"] as? [String: Any])?["content"] as? String }
        #expect(contents == ["m0", "m1", "m2"])
        #expect(driver.core.recorder.resumeCount == 1)
        #expect(driver.core.recorder.deliveredSequences[session] == [1, 2, 3, 4, 5, 6])
        // New dispatches go to the resumed connection.
        let next = driver.core.postUserMessage(channelID: general, authorID: "1100000000000000002", content: "after")
        #expect(next.actions.sequences(2) == [7])
    }

    @Test func resumeOfUnknownSessionGetsInvalidSessionFalse() {
        var driver = CoreDriver()
        driver.open(1)
        let actions = driver.send(1, resumeJSON(driver, session: "nope", seq: 3))
        #expect(actions.payloads(1).map { $0["op"] as? Int } == [9])
        #expect(actions.payloads(1).first?["d"] as? Bool == false)
    }

    @Test(arguments: [UInt16(1000), 1001])
    func cleanClientCloseDestroysSession(code: UInt16) {
        var driver = CoreDriver()
        let session = driver.identify(1)
        driver.core.clientClosed(1, code: code, now: 0)
        driver.core.connectionEnded(1)
        #expect(driver.core.sessionIDs.isEmpty)
        driver.open(2)
        #expect(driver.send(2, resumeJSON(driver, session: session, seq: 2)).payloads(2).first?["d"] as? Bool == false)
        #expect(driver.core.recorder.clientCloseCodes == [code])
    }

    @Test func otherClientCloseKeepsSessionResumable() {
        var driver = CoreDriver()
        let session = driver.identify(1)
        driver.core.clientClosed(1, code: 4200, now: 0)
        driver.core.connectionEnded(1)
        driver.open(2)
        #expect(driver.send(2, resumeJSON(driver, session: session, seq: 2)).events(2) == ["RESUMED"])
    }

    @Test func resumeWithSeqAheadOfSessionCloses4007() {
        var driver = CoreDriver()
        let session = driver.identify(1)
        driver.core.connectionEnded(1)
        driver.open(2)
        #expect(driver.send(2, resumeJSON(driver, session: session, seq: 99)).closeCode(2) == 4007)
    }

    @Test func resumeBeyondReplayBufferIsInvalid() {
        var driver = CoreDriver { $0.replayBufferSize = 2 }
        let session = driver.identify(1)
        driver.core.connectionEnded(1)
        for n in 0..<5 {
            _ = driver.core.postUserMessage(channelID: driver.core.world.generalChannelID,
                                            authorID: "1100000000000000002", content: "\(n)")
        }
        driver.open(2)
        #expect(driver.send(2, resumeJSON(driver, session: session, seq: 2)).payloads(2).first?["op"] as? Int == 9)
    }

    @Test func invalidSessionFaultDestroysSession() {
        var driver = CoreDriver()
        let session = driver.identify(1)
        let actions = driver.core.sendInvalidSession(resumable: false)
        #expect(actions.payloads(1).first?["op"] as? Int == 9)
        #expect(driver.core.lastSequence(of: session) == nil)
    }

    @Test func messageContentIsStrippedWithoutTheIntent() {
        var driver = CoreDriver()
        _ = driver.identify(1, intents: GatewayIntents.guilds | GatewayIntents.guildMessages)
        _ = driver.identify(2, intents: GatewayIntents.guilds | GatewayIntents.guildMessages | GatewayIntents.messageContent)
        _ = driver.identify(3, intents: GatewayIntents.guilds)
        let actions = driver.core.postUserMessage(channelID: driver.core.world.generalChannelID,
                                                  authorID: "1100000000000000002", content: "secret").actions
        #expect((actions.payloads(1).first?["d"] as? [String: Any])?["content"] as? String == "")
        #expect((actions.payloads(2).first?["d"] as? [String: Any])?["content"] as? String == "secret")
        #expect(actions.payloads(3).isEmpty, "no GUILD_MESSAGES intent, no MESSAGE_CREATE")
    }

    @Test func eventsFollowGuildShardRouting() {
        var driver = CoreDriver()
        // Guild 1100000000000000100 >> 22 = 262260651, odd → shard 1 of 2.
        driver.open(1)
        let shard0 = driver.send(1, driver.identifyJSON(shard: "[0,2]"))
        driver.open(2)
        let shard1 = driver.send(2, driver.identifyJSON(shard: "[1,2]"))
        #expect(shard0.events(1) == ["READY"])
        #expect(shard1.events(2) == ["READY", "GUILD_CREATE"])
    }

    @Test func burstBuildsNMessageCreatesInOrder() {
        var driver = CoreDriver()
        _ = driver.identify(1)
        let actions = driver.core.burstMessages(count: 50)
        #expect(actions.sequences(1) == Array(3...52))
    }

    @Test func largeGuildCreateReachesRequestedSize() {
        var driver = CoreDriver()
        driver.core.setGuildCreateSize(bytes: 1 << 20)
        driver.open(1)
        let actions = driver.send(1, driver.identifyJSON())
        guard case .send(_, let text)? = actions.last else { Issue.record("no GUILD_CREATE"); return }
        #expect(text.utf8.count >= 1 << 20)
        #expect(actions.payloads(1).last?["t"] as? String == "GUILD_CREATE")
    }
}

@Suite("Gateway core: invalid session true")
struct InvalidSessionResumableTests {
    @Test func resumableInvalidSessionAllowsResumeOnTheSameSocket() {
        var driver = CoreDriver()
        let session = driver.identify(1)
        let invalid = driver.core.sendInvalidSession(resumable: true)
        #expect(invalid.payloads(1).first?["d"] as? Bool == true)
        let resume = #"{"op":6,"d":{"token":"\#(driver.token)","session_id":"\#(session)","seq":2}}"#
        #expect(driver.send(1, resume).events(1) == ["RESUMED"])
    }
}

@Suite("Gateway core: session expiry fault")
struct SessionExpiryTests {
    @Test func expiredDetachedSessionCannotResume() {
        var driver = CoreDriver()
        let detached = driver.identify(1)
        _ = driver.identify(2)
        driver.core.connectionEnded(1)
        #expect(driver.core.expireDetachedSessions() == 1)
        #expect(driver.core.sessionIDs.count == 1, "the live session stays")
        driver.open(3)
        let resume = #"{"op":6,"d":{"token":"\#(driver.token)","session_id":"\#(detached)","seq":2}}"#
        #expect(driver.send(3, resume).payloads(3).first?["d"] as? Bool == false)
    }
}
