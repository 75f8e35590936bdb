import Foundation
import Testing
@testable import ShardRuntime

@Suite struct IntentsTests {
    @Test func documentedTotalsAndParsing() throws {
        #expect(Intents.all.rawValue == 53608447)
        #expect(Intents.nonPrivileged.rawValue == 53575421)
        #expect(try Intents.parse("GUILDS,guild_messages|DIRECT_MESSAGES message-content").get().rawValue == 37377)
        #expect(Intents(name: "GUILD_BANS") == .guildModeration)
        #expect(Intents(name: "512") == .guildMessages)
        #expect(Intents.parse("GUILDS,NOPE") == .failure(IntentParseError(name: "NOPE")))
        #expect(Intents(rawValue: 1 << 17 | 1).undefinedBits == 1 << 17)
        #expect(Intents.privileged.names == ["GUILD_MEMBERS", "GUILD_PRESENCES", "MESSAGE_CONTENT"])
    }
}

@Suite struct EventTypeFlagsTests {
    @Test func filtersByNameAndGroupsUnknownNames() {
        let f = EventTypeFlags(names: ["message_create", "READY"])!
        #expect(f.wants(eventName: "MESSAGE_CREATE") && f.wants(eventName: "READY"))
        #expect(!f.wants(eventName: "GUILD_CREATE") && !f.wants(eventName: "SOMETHING_NEW"))
        #expect(EventTypeFlags(names: ["SOMETHING_NEW"]) == nil)
        #expect(EventTypeFlags(names: ["X"], allowUnknown: true)!.wants(eventName: "SOMETHING_NEW"))
        #expect(EventTypeFlags.all.wants(eventName: "SOMETHING_NEW"))
        #expect(Set(EventTypeFlags.knownNames).count == EventTypeFlags.knownNames.count)
    }
}

@Suite struct GatewayCommandTests {
    @Test func serializesLikeTheFixtures() throws {
        let byIDs = RequestGuildMembers(guildID: 820959510528262179, selection: .userIDs([676854969139462179, 885451753783427093]),
                                        presences: true, nonce: "by-ids-0002")
        let fixture = try JSONParser.parse(Fixtures.bytes("client/request_guild_members_by_ids.json"))
        #expect(unordered(try JSONParser.parse(byIDs.payload())) == unordered(fixture))

        let presence = UpdatePresence(status: .dnd, activities: [Activity(name: "Custom Status", kind: .custom, state: "Running tests 🧪")])
        #expect(unordered(try JSONParser.parse(presence.payload())) == unordered(try JSONParser.parse(Fixtures.bytes("client/presence_update.json"))))

        let voice = UpdateVoiceState(guildID: 1, channelID: nil, selfMute: true)
        #expect(String(decoding: try voice.payload(), as: UTF8.self)
            == #"{"op":4,"d":{"guild_id":"1","channel_id":null,"self_mute":true,"self_deaf":false}}"#)
        #expect(String(decoding: try RequestSoundboardSounds(guildIDs: [5, 6]).payload(), as: UTF8.self)
            == #"{"op":31,"d":{"guild_ids":["5","6"]}}"#)
        #expect(String(decoding: try RequestGuildMembers.all(guildID: 9).payload(), as: UTF8.self)
            == #"{"op":8,"d":{"guild_id":"9","query":"","limit":0}}"#)
    }

    @Test func validationErrorsSayWhy() {
        func reason(_ c: some GatewayCommand) -> String? {
            do { _ = try c.payload(); return nil } catch { return error.kind == .serializing ? error.reason : "wrong kind" }
        }
        #expect(reason(RequestGuildMembers(guildID: 1, selection: .userIDs(Array(0..<101)))) == "request guild members: 101 user_ids, at most 100")
        #expect(reason(RequestGuildMembers(guildID: 1, selection: .query("a", limit: 1), nonce: String(repeating: "n", count: 33)))?.contains("nonce") == true)
        #expect(reason(RequestSoundboardSounds(guildIDs: [])) != nil)
        #expect(reason(UpdatePresence(activities: [Activity(name: "s", kind: .streaming)]))?.contains("url") == true)
        #expect(reason(RawGatewayCommand(op: 3, d: .string(String(repeating: "x", count: 5000))))?.contains("4096") == true)
    }

    @Test func rawCommandParsesAndRejectsJSON() throws {
        let raw = try RawGatewayCommand(json: Array(#"{"op":43,"d":{"guild_id":"1"}}"#.utf8))
        #expect(String(decoding: try raw.payload(), as: UTF8.self) == #"{"op":43,"d":{"guild_id":"1"}}"#)
        #expect(throws: CommandError.self) { try RawGatewayCommand(json: Array("{".utf8)) }
    }
}

@Suite struct IdentifyQueueTests {
    @Test func scheduleSpacesEachBucketByTheInterval() {
        var s = IdentifySchedule(maxConcurrency: 2, interval: .seconds(5))
        let t0 = ContinuousClock.now
        #expect(s.reserve(shardID: 0, now: t0) == t0)
        #expect(s.reserve(shardID: 1, now: t0) == t0)  // other bucket
        #expect(s.reserve(shardID: 2, now: t0) == t0 + .seconds(5))  // bucket 0 again
        #expect(s.reserve(shardID: 4, now: t0 + .seconds(1)) == t0 + .seconds(10))
        #expect(s.reserve(shardID: 3, now: t0 + .seconds(20)) == t0 + .seconds(20))
    }

    /// Collects grant times; resumes the waiter after `expected` grants.
    final class Recorder: @unchecked Sendable {
        let lock = NSLock()
        var grants: [(Int, ContinuousClock.Instant)] = []
        var waiter: CheckedContinuation<Void, Never>?
        let expected: Int
        init(expected: Int) { self.expected = expected }
        func record(_ shard: Int) {
            lock.lock()
            grants.append((shard, ContinuousClock.now))
            let done = grants.count == expected ? waiter : nil
            lock.unlock()
            done?.resume()
        }
    }

    @Test func localQueueGrantsInOrderSpacedApart() async {
        let queue = LocalIdentifyQueue(maxConcurrency: 2, interval: .milliseconds(60))
        let recorder = Recorder(expected: 5)
        let t0 = ContinuousClock.now
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            recorder.lock.lock()
            recorder.waiter = done
            recorder.lock.unlock()
            for shard in [0, 2, 4, 1, 3] {
                queue.enqueue(shardID: shard) { recorder.record(shard) }
            }
        }
        let got = recorder.lock.withLock { recorder.grants }
        #expect(got.filter { $0.0 % 2 == 0 }.map(\.0) == [0, 2, 4])  // bucket 0 in request order
        // The k-th grant of a bucket comes no earlier than k intervals after the requests.
        for (k, shard) in [0, 2, 4].enumerated() {
            let at = got.first { $0.0 == shard }!.1
            #expect(t0.duration(to: at) >= .milliseconds(60 * k))
        }
        let bucket1 = got.first { $0.0 == 1 }!.1
        let shard4 = got.first { $0.0 == 4 }!.1
        #expect(bucket1 < shard4)  // bucket 1 is not held up behind bucket 0
    }
}

@Suite struct CommandRateLimiterTests {
    @Test func commandsStopAtLimitMinusReservedButEssentialsGoOn() {
        var l = CommandRateLimiter(limit: 120, window: .seconds(60), reserved: 10)
        let t0 = ContinuousClock.now
        var ok = 0
        for i in 0..<200 where l.acquireCommand(now: t0 + .milliseconds(i)) { ok += 1 }
        #expect(ok == 110)
        #expect(l.nextCommandSlot(now: t0 + .seconds(1)) == t0 + .seconds(60))
        var essentials = 0
        for _ in 0..<11 where l.acquireEssential(now: t0 + .seconds(1)) { essentials += 1 }
        #expect(essentials == 10)  // the reserved slots, then the hard limit
        #expect(l.commandSlotsAvailable(now: t0 + .seconds(60) + .milliseconds(4)) == 0)  // 5 expired, 10 essentials still count
        #expect(l.commandSlotsAvailable(now: t0 + .seconds(61) - .milliseconds(1)) == 100)  // 110 expired, 10 essentials count
        #expect(l.commandSlotsAvailable(now: t0 + .seconds(61)) == 110)
    }

    @Test func reservationNeverStarvesCommands() {
        var l = CommandRateLimiter(limit: 120, window: .seconds(60), reserved: CommandRateLimiter.reservedSlots(heartbeatInterval: .milliseconds(300)))
        #expect(l.reserved == 60)
        let t0 = ContinuousClock.now
        #expect(l.nextCommandSlot(now: t0) == nil)
        var ok = 0
        for _ in 0..<100 where l.acquireCommand(now: t0) { ok += 1 }
        #expect(ok == 60)
        #expect(l.nextCommandSlot(now: t0) == t0 + .seconds(60))
    }

    @Test func reservedSlotsCoverHeartbeatsPerWindow() {
        #expect(CommandRateLimiter.reservedSlots(heartbeatInterval: .milliseconds(41250)) == 5)
        #expect(CommandRateLimiter.reservedSlots(heartbeatInterval: .seconds(1)) == 63)
    }
}

@Suite struct LatencyStatsTests {
    @Test func averagesRecentAndCounts() {
        var s = LatencyStats()
        let t0 = ContinuousClock.now
        #expect(s.average == nil)
        for i in 1...7 {
            s.heartbeatSent(at: t0)
            s.ackReceived(at: t0 + .milliseconds(10 * i))
        }
        s.heartbeatSent(at: t0)
        #expect(s.heartbeatsSent == 8 && s.acksReceived == 7)
        #expect(s.average == .milliseconds(40))
        #expect(s.recent == [30, 40, 50, 60, 70].map { Duration.milliseconds($0) })
        #expect(s.ackReceived(at: t0 + .milliseconds(5)) == .milliseconds(5))
        #expect(s.ackReceived(at: t0 + .milliseconds(6)) == nil)  // no beat in flight
    }
}

@Suite struct GatewayURLTests {
    @Test func appendsQueryAndValidates() {
        #expect(GatewayURL.connectionURL(base: "wss://gateway.discord.gg", compression: .zlibStream)
            == "wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream")
        #expect(GatewayURL.connectionURL(base: "ws://127.0.0.1:9/gw?v=9", compression: .none) == "ws://127.0.0.1:9/gw?v=10&encoding=json")
        #expect(GatewayURL.isValid("wss://x.example.invalid") && GatewayURL.isValid("ws://127.0.0.1:80/"))
        #expect(!GatewayURL.isValid("https://x") && !GatewayURL.isValid("wss://") && !GatewayURL.isValid("nonsense"))
    }
}

/// The value with every object's keys sorted, so comparisons ignore key order.
func unordered(_ v: JSONValue) -> JSONValue {
    switch v {
    case .array(let a): return .array(a.map(unordered))
    case .object(let o): return .object(JSONObject(o.members.sorted { $0.key < $1.key }.map { (key: $0.key, value: unordered($0.value)) }))
    default: return v
    }
}
