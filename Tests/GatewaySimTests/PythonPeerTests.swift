import Foundation
import Testing
@testable import GatewaySim

/// The sim against an independent client: Python `websockets` + zlib + urllib.
@Suite("GatewaySim against the Python websockets peer")
struct PythonPeerTests {
    func withSim(tls: Bool = false, _ configure: (inout GatewaySimOptions) -> Void = { _ in },
                 _ body: (GatewaySim) throws -> Void) throws {
        var options = GatewaySimOptions()
        options.tls = tls
        options.heartbeatIntervalMS = 500
        configure(&options)
        let sim = GatewaySim(options: options)
        try sim.start()
        defer { sim.stop() }
        try body(sim)
    }

    func peer(_ scenario: String, _ sim: GatewaySim) throws -> [String: Any] {
        try PythonPeer.run(scenario, gateway: sim.gatewayURL, api: sim.apiBaseURL, token: sim.token,
                           caFile: sim.caFile, channelID: sim.world.generalChannelID)
    }

    @Test func zlibStreamIdentifyReadyGuildCreateAndHeartbeatAck() throws {
        try withSim { sim in
            let result = try peer("identify", sim)
            #expect(result["hello_interval"] as? Int == 500)
            #expect(result["ready_s"] as? Int == 1)
            #expect(result["guild_s"] as? Int == 2)
            #expect(result["resume_url"] as? String == sim.gatewayURL)
            #expect((result["channels"] as? [String])?.first == "general")
            #expect(result["ack_op"] as? Int == 11)
            // The recorder saw the peer's IDENTIFY and heartbeat, and its clean close.
            #expect(sim.waitUntil(timeout: 20) { $0.clientCloseCodes == [1000] })
            let record = sim.recorder.connections.first
            #expect(record?.payloads.map(\.op) == [2, 1])
            #expect(record?.target.contains("compress=zlib-stream") == true)
            #expect(sim.recorder.identifyCount == 1)
            #expect(sim.sessionIDs.isEmpty, "a 1000 close from the client destroys the session")
        }
    }

    @Test func badTokenIsClosedWith4004() throws {
        try withSim { sim in
            let result = try peer("bad_token", sim)
            #expect(result["close_code"] as? Int == 4004)
            #expect(sim.recorder.connections.first?.serverCloseCode == 4004)
        }
    }

    @Test func resumeReplaysMissedEventsThenResumed() throws {
        try withSim { sim in
            let result = try peer("resume", sim)
            let last = result["last_seq"] as? Int ?? -1
            let replayed = result["replayed"] as? [[String: Any]] ?? []
            #expect(replayed.map { $0["t"] as? String } == ["MESSAGE_CREATE", "MESSAGE_CREATE", "RESUMED"])
            #expect(replayed.map { $0["s"] as? Int } == [last + 1, last + 2, last + 3])
            #expect(replayed.prefix(2).map { $0["content"] as? String } == ["missed 0", "missed 1"])
            #expect(sim.recorder.resumedCount == 1)
            #expect(sim.recorder.clientCloseCodes.first == 4200)
        }
    }

    @Test func restGatewayBotPostMessageAndErrors() throws {
        try withSim({ $0.maxConcurrency = 4 }) { sim in
            let posted = SimLocked<[SimBotMessage]>([])
            sim.setBotMessageObserver { message in posted.withLock { $0.append(message) } }
            let result = try peer("rest", sim)
            let gatewayBot = result["gateway_bot"] as? [String: Any]
            #expect(gatewayBot?["url"] as? String == sim.gatewayURL)
            #expect((gatewayBot?["session_start_limit"] as? [String: Any])?["max_concurrency"] as? Int == 4)
            #expect(result["content_type"] as? String == "application/json")
            #expect(result["post_status"] as? Int == 200)
            let event = result["event"] as? [String: Any]
            #expect(event?["t"] as? String == "MESSAGE_CREATE")
            #expect(event?["content"] as? String == "hello from rest")
            #expect(event?["author_bot"] as? Bool == true)
            #expect(event?["id"] as? String == result["message_id"] as? String)
            #expect(result["empty_status"] as? Int == 400)
            #expect((result["empty_error"] as? [String: Any])?["code"] as? Int == 50006)
            #expect(result["bad_token_status"] as? Int == 401)
            #expect(posted.withLock { $0.map(\.content) } == ["hello from rest"])
        }
    }

    @Test func tlsWithGeneratedCA() throws {
        try withSim(tls: true) { sim in
            #expect(sim.gatewayURL.hasPrefix("wss://127.0.0.1:"))
            #expect(sim.caFile != nil)
            let result = try peer("identify", sim)
            #expect(result["ready_s"] as? Int == 1)
            #expect(result["ack_op"] as? Int == 11)
            // REST over the same TLS port, verified against the same CA.
            let rest = try peer("rest", sim)
            #expect(rest["post_status"] as? Int == 200)
            #expect((rest["event"] as? [String: Any])?["content"] as? String == "hello from rest")
        }
    }

    @Test func splitPayloadsFramesPingsAndLargeGuildCreate() throws {
        try withSim { sim in
            sim.setPayloadSplit(messages: 3, frames: 2, pingsBetweenFragments: true)
            sim.setGuildCreateSize(bytes: 1 << 20)
            let result = try peer("split", sim)
            #expect(result["messages"] as? Int == 9, "HELLO, READY, GUILD_CREATE, 3 messages each")
            #expect((result["guild_bytes"] as? Int ?? 0) >= 1 << 20)
        }
    }
}
