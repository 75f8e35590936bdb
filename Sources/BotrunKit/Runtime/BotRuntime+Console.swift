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
            allConnected.wait()
            let console = SimConsole(sim: sim, input: input, interactive: interactive, output: output,
                                     settle: { [self] disrupted in _ = drain(sim: sim, disrupted: disrupted, timeout: 2) })
            console.run()
            // A shard that failed for good stops the run itself, with its own exit code.
            if drain(sim: sim, disrupted: console.disruptedConnections) { requestStop(.cleanStop) }
        }
        thread.name = "sim-console"
        thread.start()
    }

    /// Waits (bounded) until the gateway and the bot are quiet: every connection the console
    /// closed, dropped or told to reconnect has ended; each shard is connected again (on a
    /// live connection) or stopped; each shard has seen the last event the gateway sent and
    /// every script has handled what it was given, including events caused by its own
    /// replies. Returns false when a shard stopped for good (its fatal event ends the run).
    func drain(sim: GatewaySim, disrupted: Set<ConnectionID>, timeout: Double = 10) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        sim.waitUntil(timeout: timeout) { recorder in
            disrupted.allSatisfy { id in recorder.connection(id)?.ended ?? true }
        }
        while Date() < deadline {
            let infos = shards.all.map { try? $0.info() }
            let connected = infos.filter { $0?.stage == .connected }.count
            let stopped = infos.filter { $0 == nil }.count
            if stopped > 0 && infos.allSatisfy({ $0 == nil || $0?.stage == .connected }) { return false }
            let settled = connected == infos.count && sim.liveConnections.count >= connected
            if settled {
                for host in hosts { _ = host.waitUntilIdle(timeout: max(0, deadline.timeIntervalSinceNow)) }
                let sent = sim.recorder.deliveredSequences.values.compactMap(\.last).max() ?? 0
                let seen = infos.compactMap { $0?.sequence }.max() ?? 0
                if seen >= Int64(sent) && hosts.allSatisfy({ $0.waitUntilIdle(timeout: 0) }) { return true }
            }
            Thread.sleep(forTimeInterval: 0.02)  // poll: the shard exposes no stage/sequence notification
        }
        logger.debug("events still in flight after waiting", ["seconds": timeout])
        return true
    }
}
