/// `GET /gateway/bot` for `Shard.start()` and `Cluster` when no gateway URL or shard count is
/// configured: one request through a short-lived `RESTClient`, errors mapped to
/// `ShardStartError(.retrievingGatewayURL)` (which never carry the token).
public enum GatewayBotLookup {
    public static func fetch(apiBaseURL: String, token: Token, tls: TLSConfiguration = .client(),
                             loop: EventLoop = EventLoopGroup.shared.next(), timeout: Double = 10) async throws -> GatewayBotInfo {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<GatewayBotInfo, Error>) in
            fetch(apiBaseURL: apiBaseURL, token: token, tls: tls, loop: loop, timeout: timeout) { c.resume(with: $0) }
        }
    }

    /// The callback form: `completion` runs once, on `loop` (or at once when the client
    /// cannot be made). Needs no Swift-concurrency thread.
    public static func fetch(apiBaseURL: String, token: Token, tls: TLSConfiguration = .client(),
                             loop: EventLoop = EventLoopGroup.shared.next(), timeout: Double = 10,
                             completion: @escaping @Sendable (Result<GatewayBotInfo, ShardStartError>) -> Void) {
        var configuration = RESTClient.Configuration()
        configuration.connectTimeout = timeout
        configuration.responseTimeout = timeout
        let client: RESTClient
        do {
            client = try RESTClient(token: token, baseURL: apiBaseURL, tls: tls, loop: loop, configuration: configuration)
        } catch {
            completion(.failure(ShardStartError(.retrievingGatewayURL, "\(error)")))
            return
        }
        client.getGatewayBot { result in
            client.shutdown()
            completion(result.mapError { ShardStartError(.retrievingGatewayURL, "\($0)") })
        }
    }
}
