import Foundation
import GatewaySim
import ShardRuntime

/// The `--sim` console's part of a run: feeding lines once the bot is connected, and
/// stopping cleanly at the end of input once everything sent has been handled.
extension BotRuntime {
    /// Feeds console lines to the local gateway once every shard is connected; at the end of
    /// input, waits until the bot has handled everything the gateway sent, then stops.
    func startConsole(sim: GatewaySim) {
        let input: FileHandle
        if let path = options.simInput {
            guard let file = FileHandle(forReadingAtPath: path) else {
                errorOutput("botrun: --sim-input: cannot read \(path)\n")
                return requestStop(.usageOrScriptError)
            }
            input = file
        } else {
            input = .standardInput
        }
        let interactive = options.simInput == nil && isatty(STDIN_FILENO) == 1
        let thread = Thread { [self] in
            // Until every shard is connected, or the run ends first (a shard failed to start).
            while allConnected.wait(timeout: .now() + 0.1) == .timedOut {
                if isStopping { return }
            }
            let console = SimConsole(sim: sim, input: input, interactive: interactive, output: output,
                                     settle: { [self] handshakes in
                                         // Longer after a disruption: after op 9 false the bot
                                         // waits 1–5 s before it identifies.
                                         let pending = Self.handshakes(sim) < handshakes
                                         _ = drain(sim: sim, expectedHandshakes: handshakes, timeout: pending ? 10 : 2)
                                     })
            console.run()
            // A shard that failed for good stops the run itself, with its own exit code.
            if drain(sim: sim, expectedHandshakes: console.expectedHandshakes) { requestStop(.cleanStop) }
        }
        thread.name = "sim-console"
        thread.start()
    }

    /// Waits (bounded) until the gateway and the bot are quiet: the bot has answered every
    /// close, drop, op 7 and op 9 with a new IDENTIFY or RESUME (`expectedHandshakes`); each
    /// shard is connected (on a live connection) or stopped; each has seen the last event the
    /// gateway sent to its session; every script has handled what it was given, including
    /// events caused by its own replies. Returns false when a shard stopped for good (its
    /// fatal event ends the run).
    func drain(sim: GatewaySim, expectedHandshakes: Int, timeout: Double = 10) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            let infos = shards.all.map { try? $0.info() }
            let connected = infos.filter { $0?.stage == .connected }.count
            let stopped = infos.filter { $0 == nil }.count
            if stopped > 0 && connected + stopped == infos.count { return false }
            let settled = Self.handshakes(sim) >= expectedHandshakes && connected == infos.count
                && sim.liveConnections.count >= connected
            if settled {
                for host in hosts { _ = host.waitUntilIdle(timeout: max(0, deadline.timeIntervalSinceNow)) }
                // Per session: after op 9 false an old session may have sent more than the new one.
                let delivered = sim.recorder.deliveredSequences
                let caughtUp = infos.allSatisfy { info in
                    guard let info, let session = info.sessionID else { return false }
                    return info.sequence ?? 0 >= Int64(delivered[session]?.last ?? 0)
                }
                if caughtUp && hosts.allSatisfy({ $0.waitUntilIdle(timeout: 0) }) { return true }
            }
            Thread.sleep(forTimeInterval: 0.02)  // poll: the shard exposes no stage/sequence notification
        }
        logger.debug("events still in flight after waiting", ["seconds": timeout])
        return true
    }

    static func handshakes(_ sim: GatewaySim) -> Int {
        let recorder = sim.recorder
        return recorder.identifyCount + recorder.resumeCount
    }
}
