// shard-bench: the scripts/bench client that runs ShardRuntime alone, without Lua (issue 3).
// Usage: shard-bench PORT   (token from DISCORD_TOKEN; ws://127.0.0.1:PORT only)
//
// Behaves like bench/bots/bench.lua, through the public ShardRuntime API only: op 3 "ready"
// once READY arrives, then for every MESSAGE_CREATE it finds the value of `"content"` in the
// raw `d` bytes and compares it with the end marker (no JSON decode, no String built); it
// answers the end marker with op 3 "end:<count>" and a probe with "p<k>". So "reads the
// content" here means a byte search for the first `"content":"` key in `d` and a compare of
// the bytes up to the closing quote — a lower bound on what any handler does, not a decode.
// It exits on SIGTERM/SIGINT (closing with 1000) or when the shard ends.
import Dispatch
import Glibc
import ShardRuntime

/// A line on stderr (fd 2 directly: Glibc's `stderr` global is not concurrency-safe in Swift 6).
func warn(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

let args = CommandLine.arguments
guard args.count == 2, let port = Int(args[1]), (1...65535).contains(port) else {
    warn("usage: shard-bench PORT  (connects to ws://127.0.0.1:PORT; token from DISCORD_TOKEN)")
    exit(2)
}
guard let token = getenv("DISCORD_TOKEN").map({ String(cString: $0) }), !token.isEmpty else {
    warn("shard-bench: DISCORD_TOKEN is not set")
    exit(2)
}

/// The bench bot. `handle` runs only on the shard's event-loop thread (`build(onEvent:)`
/// calls back there), so `handled` needs no lock; `shard` is set once before `start`.
final class BenchBot: @unchecked Sendable {
    static let endMarker = Array("__bench_end__".utf8)
    static let probePrefix = Array("__probe__ ".utf8)
    static let contentKey = Array(#""content":""#.utf8)
    var handled = 0
    var shard: Shard?

    func handle(_ event: ShardEvent) {
        switch event {
        case .dispatch(let dispatch) where dispatch.name == "MESSAGE_CREATE":
            let d = dispatch.data
            guard let r = BenchBot.contentRange(d) else { handled += 1; return }
            let content = d[r]
            if content.elementsEqual(BenchBot.endMarker) {
                say("end:\(handled)")
                return
            }
            handled += 1
            if content.starts(with: BenchBot.probePrefix) {
                say("p" + String(decoding: content.dropFirst(BenchBot.probePrefix.count), as: UTF8.self))
            }
        case .connected(resumed: false):
            say("ready")
        case .fatal(let error):
            warn("shard-bench: fatal: \(error)")
        default:
            break
        }
    }

    func say(_ name: String) {
        do {
            try shard?.command(UpdatePresence(status: .online, activities: [Activity(name: name)], afk: false))
        } catch {
            warn("shard-bench: update_presence failed: \(error)")
        }
    }

    /// Runs `action` on a Dispatch queue for each of `signals`. A nonisolated function on
    /// purpose: a handler closure written in top-level code would be MainActor-isolated and
    /// trap (dispatch_assert_queue) when Dispatch runs it off the main queue.
    static func onSignals(_ signals: [Int32], _ action: @escaping @Sendable () -> Void) -> [DispatchSourceSignal] {
        signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: action)
            source.resume()
            return source
        }
    }

    /// The content of a MESSAGE_CREATE's `d`, as a byte range, found by a search for the first
    /// `"content":"` key (escaped quotes inside the value are skipped). Nil when absent.
    static func contentRange(_ d: ArraySlice<UInt8>) -> Range<Int>? {
        let key = contentKey
        var i = d.startIndex
        let last = d.endIndex - key.count
        while i <= last {
            if d[i] == 0x22, d[i + 1] == key[1], d[i ..< i + key.count].elementsEqual(key) {
                let start = i + key.count
                var j = start
                while j < d.endIndex {
                    switch d[j] {
                    case 0x5C: j += 2               // backslash: skip the escaped byte
                    case 0x22: return start ..< j   // closing quote
                    default: j += 1
                    }
                }
                return nil
            }
            i += 1
        }
        return nil
    }
}

let bot = BenchBot()
let finished = DispatchSemaphore(value: 0)
let shard = Shard.builder(token: token, intents: [.guilds, .guildMessages, .messageContent])
    .gatewayURL("ws://127.0.0.1:\(port)")
    .apiBaseURL("http://127.0.0.1:\(port)/api/v10")
    .logger(Logger(level: .warn))   // as botrun --log-level warn in bench/run.py
    .build(onEvent: { bot.handle($0) }, onFinish: { finished.signal() })
bot.shard = shard

// SIGTERM/SIGINT: close with 1000; main exits once the shard has finished.
let signalSources = BenchBot.onSignals([SIGTERM, SIGINT]) { shard.shutdown() }

shard.start { error in
    if let error {
        warn("shard-bench: start failed: \(error)")
        exit(1)
    }
}
_ = finished.wait(timeout: .distantFuture)
exit(0)
