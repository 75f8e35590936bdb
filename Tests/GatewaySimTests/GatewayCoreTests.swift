import Foundation
import Testing
@testable import GatewaySim

@Suite("Gateway core: handshake, identify checks, heartbeats")
struct GatewayCoreTests {
    @Test func helloCarriesConfiguredInterval() throws {
        let driver = CoreDriver { $0.heartbeatIntervalMS = 250 }
        let hello = try JSONSerialization.jsonObject(with: Data(driver.core.helloPayload.utf8)) as? [String: Any]
        #expect(hello?["op"] as? Int == 10)
        #expect((hello?["d"] as? [String: Any])?["heartbeat_interval"] as? Int == 250)
    }

    @Test func identifyGetsReadyThenGuildCreatePerGuild() {
        var driver = CoreDriver()
        driver.open(1)
        let actions = driver.send(1, driver.identifyJSON())
        #expect(actions.events(1) == ["READY", "GUILD_CREATE"])
        #expect(actions.sequences(1) == [1, 2])
        let ready = actions.payloads(1)[0]["d"] as? [String: Any]
        #expect((ready?["session_id"] as? String)?.isEmpty == false)
        #expect(ready?["resume_gateway_url"] as? String == "ws://127.0.0.1:9")
        #expect(ready?["shard"] as? [Int] == [0, 1])
        let guild = actions.payloads(1)[1]["d"] as? [String: Any]
        let channels = guild?["channels"] as? [[String: Any]]
        #expect(channels?.first?["name"] as? String == "general")
        #expect(driver.core.recorder.identifyCount == 1)
    }

    @Test func badTokenCloses4004() {
        var driver = CoreDriver()
        driver.open(1)
        #expect(driver.send(1, driver.identifyJSON(token: "wrong")).closeCode(1) == 4004)
    }

    @Test func badShardCloses4010() {
        var driver = CoreDriver()
        for (id, shard) in [(1, "[1,1]"), (2, "[-1,2]"), (3, "[0,0]"), (4, "[0]")] {
            driver.open(id)
            #expect(driver.send(id, driver.identifyJSON(shard: shard)).closeCode(id) == 4010, "shard \(shard)")
        }
    }

    @Test func undefinedIntentBitsClose4013() {
        var driver = CoreDriver()
        driver.open(1)
        #expect(driver.send(1, driver.identifyJSON(intents: 1 << 17)).closeCode(1) == 4013)
    }

    @Test func privilegedIntentNotAllowedCloses4014() {
        var driver = CoreDriver { $0.allowedPrivilegedIntents = GatewayIntents.guildMembers }
        driver.open(1)
        #expect(driver.send(1, driver.identifyJSON(intents: GatewayIntents.messageContent)).closeCode(1) == 4014)
        driver.open(2)
        #expect(driver.send(2, driver.identifyJSON(intents: GatewayIntents.guildMembers)).closeCode(2) == nil)
    }

    @Test func payloadBeforeIdentifyCloses4003() {
        var driver = CoreDriver()
        driver.open(1)
        #expect(driver.send(1, #"{"op":3,"d":{"since":null,"activities":[],"status":"online","afk":false}}"#)
            .closeCode(1) == 4003)
    }

    @Test func heartbeatBeforeIdentifyIsAcked() {
        var driver = CoreDriver()
        driver.open(1)
        let actions = driver.send(1, #"{"op":1,"d":null}"#)
        #expect(actions.payloads(1).map { $0["op"] as? Int } == [11])
    }

    @Test func secondIdentifyCloses4005() {
        var driver = CoreDriver()
        _ = driver.identify(1)
        #expect(driver.send(1, driver.identifyJSON()).closeCode(1) == 4005)
    }

    @Test func undecodableOrOversizedPayloadCloses4002() {
        var driver = CoreDriver()
        driver.open(1)
        #expect(driver.send(1, "{not json").closeCode(1) == 4002)
        driver.open(2)
        let big = #"{"op":1,"d":""# + String(repeating: "x", count: 4100) + #""}"#
        #expect(driver.send(2, big).closeCode(2) == 4002)
    }

    @Test func unknownOpcodeCloses4001() {
        var driver = CoreDriver()
        _ = driver.identify(1)
        #expect(driver.send(1, #"{"op":5,"d":null}"#).closeCode(1) == 4001)
    }

    @Test func tooManyPayloadsInWindowCloses4008() {
        var driver = CoreDriver { $0.payloadLimit = 5; $0.payloadWindow = 10 }
        driver.open(1)
        for _ in 0..<5 { #expect(driver.send(1, #"{"op":1,"d":null}"#).closeCode(1) == nil) }
        #expect(driver.send(1, #"{"op":1,"d":null}"#).closeCode(1) == 4008)
        // A new connection after the window has passed is counted afresh.
        driver.open(2)
        for _ in 0..<5 { _ = driver.send(2, #"{"op":1,"d":null}"#) }
        driver.now = 11
        #expect(driver.send(2, #"{"op":1,"d":null}"#).closeCode(2) == nil)
    }

    @Test func stoppedAcksSendNothing() {
        var driver = CoreDriver()
        driver.open(1)
        driver.core.setHeartbeatACKs(false)
        #expect(driver.send(1, #"{"op":1,"d":null}"#).isEmpty)
        driver.core.setHeartbeatACKs(true)
        #expect(driver.send(1, #"{"op":1,"d":null}"#).payloads(1).count == 1)
    }

    @Test func identifyTooFastInBucketGetsInvalidSession() {
        var driver = CoreDriver { $0.identifyInterval = 5 }
        _ = driver.identify(1)
        driver.open(2)
        let actions = driver.send(2, driver.identifyJSON())
        #expect(actions.payloads(2).first?["op"] as? Int == 9)
        #expect(actions.payloads(2).first?["d"] as? Bool == false)
    }

    @Test func recorderKeepsEveryClientPayloadWithTime() {
        var driver = CoreDriver()
        driver.open(7)
        driver.now = 1.5
        _ = driver.send(7, #"{"op":1,"d":null}"#)
        let record = driver.core.recorder.connection(7)
        #expect(record?.payloads.map(\.op) == [1])
        #expect(record?.payloads.first?.time == 1.5)
        #expect(record?.target == "/?v=10&encoding=json")
    }
}

@Suite("Gateway core: heartbeat enforcement")
struct HeartbeatEnforcementTests {
    @Test func silentConnectionIsClosedAfterTheTimeout() {
        var driver = CoreDriver { $0.heartbeatIntervalMS = 1000; $0.heartbeatTimeoutFactor = 1.5 }
        driver.open(1)
        #expect(driver.core.enforceHeartbeats(now: 1.0).isEmpty)
        driver.now = 1.0
        _ = driver.send(1, #"{"op":1,"d":null}"#)
        #expect(driver.core.enforceHeartbeats(now: 2.4).isEmpty, "the beat at 1.0 moved the deadline")
        #expect(driver.core.enforceHeartbeats(now: 2.6).closeCode(1) == 4009)
        #expect(driver.core.enforceHeartbeats(now: 9).isEmpty, "closed once")
    }

    @Test func enforcementIsOffByDefault() {
        var driver = CoreDriver()
        driver.open(1)
        #expect(driver.core.enforceHeartbeats(now: 1_000).isEmpty)
    }
}
