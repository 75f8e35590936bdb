import Foundation

/// Several shards of one bot in one process (`ids` of `total`), sharing an identify queue.
public final class Cluster: Sendable {
    /// The shards, in id order.
    public let shards: [Shard]

    init(shards: [Shard]) { self.shards = shards }

    public static func builder(token: String, intents: Intents) -> ClusterBuilder {
        ClusterBuilder(template: Shard.builder(token: token, intents: intents))
    }

    public func shard(id: Int) -> Shard? { shards.first { $0.id == id } }

    /// Starts every shard (IDENTIFYs are paced by the shared queue). Throws the first start error.
    /// Known limit (issue 3): shards connect concurrently; per-bucket order comes from the
    /// queue's FIFO, not from starting bucket groups one after another.
    public func up() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for shard in shards { group.addTask { try await shard.start() } }
            try await group.waitForAll()
        }
    }

    /// Closes every shard with 1000 (sessions end).
    public func down() { shards.forEach { $0.shutdown() } }

    /// Closes every shard keeping its session; pass the result to `ClusterBuilder.resumeSessions`.
    public func downResumable() -> [Int: ResumeSession] {
        var sessions: [Int: ResumeSession] = [:]
        for shard in shards { if let s = shard.shutdownResumable() { sessions[shard.id] = s } }
        return sessions
    }
}

/// Configures a `Cluster`: a shard template plus the shard range and resume data.
public struct ClusterBuilder: Sendable {
    /// Settings shared by every shard (its `shard(id:total:)` is replaced per shard).
    public var template: ShardBuilder
    public var ids: Range<Int>?
    public var total: Int?
    public var resumeSessions: [Int: ResumeSession] = [:]

    public init(template: ShardBuilder) { self.template = template }

    public func configure(_ change: (ShardBuilder) -> ShardBuilder) -> ClusterBuilder {
        var copy = self
        copy.template = change(template)
        return copy
    }

    /// Runs shards `ids` of `total`. Without it, `GET /gateway/bot`'s recommended count is used
    /// and the cluster runs all of them.
    public func shards(_ ids: Range<Int>, total: Int) -> ClusterBuilder {
        var copy = self
        copy.ids = ids
        copy.total = total
        return copy
    }

    public func resumeSessions(_ sessions: [Int: ResumeSession]) -> ClusterBuilder {
        var copy = self
        copy.resumeSessions = sessions
        return copy
    }

    /// Builds the shards; events arrive tagged with the shard id. Asks `GET /gateway/bot` when
    /// the shard count or the gateway URL is not set.
    public func build() async throws -> (Cluster, AsyncStream<(shardID: Int, event: ShardEvent)>) {
        let (stream, continuation) = AsyncStream<(shardID: Int, event: ShardEvent)>.makeStream(bufferingPolicy: .unbounded)
        let cluster = try await build(onEvent: { continuation.yield(($0, $1)) }, onFinish: { continuation.finish() })
        return (cluster, stream)
    }

    /// Builds the shards with a callback (on each shard's loop thread). `onFinish` runs once
    /// every shard has ended or failed.
    public func build(onEvent: @escaping @Sendable (Int, ShardEvent) -> Void,
                      onFinish: @escaping @Sendable () -> Void = {}) async throws -> Cluster {
        var template = self.template
        var ids = self.ids
        var total = self.total
        if total == nil || template.gatewayURL == nil {
            let info = try await GatewayBotLookup.fetch(apiBaseURL: template.apiBaseURL, token: template.token,
                                                        tls: template.tls)
            if template.gatewayURL == nil { template.gatewayURL = info.url }
            if total == nil {
                total = max(1, info.shards)
                ids = 0..<total!
            }
            if template.identifyQueue as? LocalIdentifyQueue === LocalIdentifyQueue.processDefault,
               info.sessionStartLimit.maxConcurrency > 1 {
                template.identifyQueue = LocalIdentifyQueue(maxConcurrency: info.sessionStartLimit.maxConcurrency)
            }
        }
        let count = total ?? 1
        let range = ids ?? 0..<count
        let remaining = Countdown(range.count, then: onFinish)
        let shards = range.map { id in
            template.shard(id: id, total: count)
                .resumeSession(resumeSessions[id])
                .build(onEvent: { onEvent(id, $0) }, onFinish: { remaining.tick() })
        }
        return Cluster(shards: shards)
    }
}

/// Runs an action once after `count` ticks.
private final class Countdown: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int
    private let action: @Sendable () -> Void

    init(_ count: Int, then action: @escaping @Sendable () -> Void) {
        left = count
        self.action = action
        if count == 0 { action() }
    }

    func tick() {
        let fire = lock.withLock { () -> Bool in
            left -= 1
            return left == 0
        }
        if fire { action() }
    }
}
