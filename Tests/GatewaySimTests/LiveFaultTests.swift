import Foundation
import ShardRuntime
import Testing
@testable import GatewaySim

/// The running sim, driven by Transport's WebSocket client: compression modes and faults.
@Suite("GatewaySim live: compression modes and fault controls")
struct LiveFaultTests {
    func withSim(_ configure: (inout GatewaySimOptions) -> Void = { _ in }, _ body: (GatewaySim) throws -> Void) throws {
        var options = GatewaySimOptions()
        options.heartbeatIntervalMS = 300
        configure(&options)
        let sim = GatewaySim(options: options)
        try sim.start()
        defer { sim.stop() }
        try body(sim)
    }

    func ready(_ sim: GatewaySim, compression: GatewayCompression = .zlibStream) throws -> LiveClient {
        let client = try LiveClient(url: sim.gatewayURL, compression: compression)
        #expect(client.waitFor(op: 10))
        client.identify(token: sim.token)
        #expect(client.waitFor(op: 0, t: "GUILD_CREATE"))
        return client
    }

    @Test(arguments: [GatewayCompression.none, .zstdStream, .zlibStream])
    func everyCompressionModeDeliversHelloReadyGuildCreate(compression: GatewayCompression) throws {
        try withSim { sim in
            let client = try ready(sim, compression: compression)
            #expect(client.received.map { $0["op"] as? Int } == [10, 0, 0])
            #expect(client.received.compactMap { $0["t"] as? String } == ["READY", "GUILD_CREATE"])
            client.ws.close(code: 1000)
        }
    }

    @Test func serverOpcodesReachTheClient() throws {
        try withSim { sim in
            let client = try ready(sim)
            sim.sendReconnect()
            #expect(client.waitFor(op: 7))
            sim.requestHeartbeat()
            #expect(client.waitFor(op: 1))
            sim.sendUnknownOpcode(42)
            #expect(client.waitFor(op: 42))
            sim.dispatchUnknownEvent("SIM_NEW_THING")
            #expect(client.waitFor(op: 0, t: "SIM_NEW_THING"))
            #expect(client.received.last?["s"] as? Int == 3)
            sim.sendInvalidSession(resumable: false)
            #expect(client.waitFor(op: 9))
            #expect(client.received.last?["d"] as? Bool == false)
            #expect(sim.sessionIDs.isEmpty)
            client.ws.close(code: 1000)
        }
    }

    @Test func closeWithAnyCodeKeepsSessionAndDropSendsNoCloseFrame() throws {
        try withSim { sim in
            let first = try ready(sim)
            sim.close(code: 4000)
            #expect(first.wait { _, ended in ended })
            #expect(first.serverCloseCode == 4000)
            #expect(sim.sessionIDs.count == 1, "a server close keeps the session resumable")
            let second = try ready(sim)
            sim.dropConnections()
            #expect(second.wait { _, ended in ended })
            #expect(second.serverCloseCode == nil, "no close frame on a TCP drop")
            #expect(second.failure != nil)
            #expect(sim.waitUntil(timeout: 20) { $0.connections.allSatisfy(\.ended) })
        }
    }

    @Test func stoppedAcksAndHelloDelay() throws {
        try withSim { sim in
            sim.setHeartbeatACKs(false)
            let client = try ready(sim)
            client.send(#"{"op":1,"d":2}"#)
            #expect(sim.waitUntil(timeout: 20) { $0.payloads(op: 1).count == 1 })
            sim.setHeartbeatACKs(true)
            client.send(#"{"op":1,"d":2}"#)
            #expect(client.waitFor(op: 11))
            #expect(client.received.filter { $0["op"] as? Int == 11 }.count == 1, "the first beat was not ACKed")
            client.ws.close(code: 1000)

            sim.setHelloDelay(0.3)
            let start = Date()
            let late = try LiveClient(url: sim.gatewayURL)
            #expect(late.waitFor(op: 10))
            #expect(Date().timeIntervalSince(start) >= 0.3)
            late.ws.close(code: 1000)
        }
    }

    @Test func burstDeliversEveryMessageInSequence() throws {
        try withSim { sim in
            let client = try ready(sim)
            sim.burstMessages(count: 500)
            #expect(client.waitFor(op: 0, t: "MESSAGE_CREATE", count: 500, timeout: 20))
            let seqs = client.received.compactMap { $0["s"] as? Int }
            #expect(seqs == Array(1...502))
            let session = sim.sessionIDs.first ?? ""
            #expect(sim.recorder.deliveredSequences[session] == Array(1...502))
            client.ws.close(code: 1000)
        }
    }

    @Test func invalidVersionCloses4012AndRateLimitCloses4008() throws {
        try withSim({ $0.payloadLimit = 3 }) { sim in
            let badVersion = try LiveClient(url: sim.gatewayURL, query: "/?v=3&encoding=json")
            #expect(badVersion.wait { _, ended in ended })
            #expect(badVersion.serverCloseCode == 4012)
            let chatty = try LiveClient(url: sim.gatewayURL)
            #expect(chatty.waitFor(op: 10))
            for _ in 0..<4 { chatty.send(#"{"op":1,"d":null}"#) }
            #expect(chatty.wait { _, ended in ended })
            #expect(chatty.serverCloseCode == 4008)
        }
    }

    @Test func humanMessagesReachTheBotAndBotRepliesReachTheObserver() throws {
        try withSim { sim in
            let client = try ready(sim)
            let id = sim.postUserMessage(content: "hi bot")
            #expect(id != nil)
            #expect(client.waitFor(op: 0, t: "MESSAGE_CREATE"))
            let message = client.received.last?["d"] as? [String: Any]
            #expect(message?["content"] as? String == "hi bot")
            #expect((message?["author"] as? [String: Any])?["username"] as? String == "tester")
            client.ws.close(code: 1000)
        }
    }
}

@Suite("GatewaySim live: heartbeat enforcement")
struct LiveHeartbeatEnforcementTests {
    @Test func clientThatNeverBeatsIsClosedWith4009() throws {
        var options = GatewaySimOptions()
        options.heartbeatIntervalMS = 100
        options.heartbeatTimeoutFactor = 2
        let sim = GatewaySim(options: options)
        try sim.start()
        defer { sim.stop() }
        let client = try LiveClient(url: sim.gatewayURL)
        #expect(client.waitFor(op: 10))
        #expect(client.wait { _, ended in ended })
        #expect(client.serverCloseCode == 4009)
        #expect(sim.recorder.connections.first?.serverCloseCode == 4009)
    }
}
