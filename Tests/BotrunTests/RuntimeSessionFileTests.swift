import Foundation
@testable import BotrunKit
import GatewaySim
import ShardRuntime
import Testing

/// `--session-file`: a resumable stop (the SIGTERM path) writes the session; the next start
/// resumes it (RESUME, not IDENTIFY) and gets what was sent while the bot was away.
@Suite struct RuntimeSessionFileTests {
    @Test func stopWritesTheSessionAndTheNextRunResumesIt() async throws {
        try await offPool(Self.resumeAcrossRuns)
    }

    static func resumeAcrossRuns() throws {
        let harness = try BotHarness(script: """
            function on_message_create(m, ctx) print('message', m.content, ctx.seq) end
            function on_shard_resumed(ctx) print('resumed', shard.info().session_id) end
            function on_shard_connected(ctx) print('connected', shard.info().session_id) end
            """)
        defer { harness.cleanup() }
        let sessionFile = harness.dir.url.appendingPathComponent("session.json").path
        let options = harness.options { $0.sessionFile = sessionFile }
        let sim = harness.sim

        let first = try harness.start(options)
        let session = try #require(harness.sessionID)
        sim.postUserMessage(content: "one")
        #expect(harness.output.wait { $0.contains { $0.hasPrefix("message\tone") } })
        #expect(first.stop(.cleanStop) == .cleanStop)  // what SIGTERM/SIGINT do
        let stored = try JSONDecoder().decode([String: ResumeSession].self,
                                              from: Data(contentsOf: URL(fileURLWithPath: sessionFile)))
        #expect(stored["0"]?.sessionID == session)
        #expect(sim.waitUntil { $0.connections.allSatisfy(\.ended) })
        #expect(sim.sessionIDs == [session])  // the sim kept it: the close was not 1000/1001
        #expect(sim.recorder.clientCloseCodes.allSatisfy { $0 != 1000 && $0 != 1001 })

        sim.postUserMessage(content: "while away")
        let second = try harness.start(options)
        defer { second.stop() }
        #expect(harness.output.wait { $0.contains("resumed\t\(session)") })
        #expect(harness.output.wait { $0.contains { $0.hasPrefix("message\twhile away") } })
        let recorder = sim.recorder
        #expect(recorder.identifyCount == 1 && recorder.resumeCount == 1 && recorder.resumedCount == 1)
        #expect(recorder.connections.count == 2 && recorder.connections[1].sessionID == session)
        #expect(harness.output.lines.filter { $0.hasPrefix("connected") } == ["connected\t\(session)"])
        let messages = rows(harness.output.lines).filter { $0[0] == "message" }.map { Int($0[2])! }
        #expect(messages == messages.sorted() && Set(messages).count == 2)  // none twice across runs
    }
}
