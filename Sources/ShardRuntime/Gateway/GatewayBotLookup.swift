/// `GET /gateway/bot` for `Shard.start()` and `Cluster` when no gateway URL or shard count is
/// configured: one request through a short-lived `RESTClient`, errors mapped to
/// `ShardStartError(.retrievingGatewayURL)` (which never carry the token).
public enum GatewayBotLookup {
    public static func fetch(apiBaseURL: String, token: Token, tls: TLSConfiguration = .client(),
                             loop: EventLoop = EventLoopGroup.shared.next(), timeout: Double = 10) async throws -> GatewayBotInfo {
        var configuration = RESTClient.Configuration()
        configuration.connectTimeout = timeout
        configuration.responseTimeout = timeout
        let client: RESTClient
        do {
            client = try RESTClient(token: token, baseURL: apiBaseURL, tls: tls, loop: loop, configuration: configuration)
        } catch {
            throw ShardStartError(.retrievingGatewayURL, "\(error)")
        }
        defer { client.shutdown() }
        do {
            return try await client.getGatewayBot()
        } catch {
            throw ShardStartError(.retrievingGatewayURL, "\(error)")
        }
    }
}
