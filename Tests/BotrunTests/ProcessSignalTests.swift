import Foundation
import GatewaySim
import Testing

/// Signals to the botrun process: SIGHUP reloads the scripts (also with `--no-watch`) without
/// touching the gateway session; SIGTERM stops cleanly with exit code 0.
@Suite(.serialized) struct ProcessSignalTests {
    @Test func sighupReloadsWithoutANewSession() throws {
        let bot = try BotProcess(script: """
            function on_ready(d) print('ready') end
            function on_reload() print('reloaded v1') end
            """)
        let ready = bot.waitForLine("ready")
        try bot.dir.write("function on_reload() print('reloaded v2') end")
        kill(bot.process.processIdentifier, SIGHUP)
        let reloaded = bot.waitForLine("reloaded v2")
        let identifies = bot.sim.recorder.identifyCount
        let resumes = bot.sim.recorder.resumeCount
        let (code, stderr) = bot.finish()
        #expect(ready && reloaded, "\(bot.stdout.lines) \(stderr)")
        #expect(identifies == 1 && resumes == 0)
        #expect(code == 0, "\(stderr)")
    }
}
