import Dispatch
import ShardRuntime

/// The process's one REST client, as the scripts' `RESTControl` (issue 6). Scripts are
/// loaded before the endpoint is known, so the client is attached by `connect` once the
/// token, API URL (`--api-url`, or the local gateway's with `--sim`) and TLS trust (the
/// gateway's) are settled; until then `rest.*` answers "rest not available".
final class RuntimeREST: RESTControl, @unchecked Sendable {
    private let client = LockedValue<RESTClient?>(nil)

    /// Creates the client; logs (and leaves `rest.*` unavailable) when the base URL is invalid.
    func connect(token: Token, apiURL: String, tls: TLSConfiguration, logger: Logger) {
        var configuration = RESTClient.Configuration()
        configuration.version = BotrunVersion.string
        do {
            client.set(try RESTClient(token: token, baseURL: apiURL, tls: tls, configuration: configuration,
                                      logger: logger))
        } catch {
            logger.error("REST is off: the API URL is not usable", ["error": "\(error)"])
        }
    }

    func start(method: String, path: String, body: [UInt8]?,
               completion: @escaping @Sendable (ScriptRESTResult) -> Void) -> @Sendable () -> Void {
        guard let client = client.get() else {
            completion(.failure(status: nil, message: "rest not available"))
            return {}
        }
        return RESTClientControl(client: client).start(method: method, path: path, body: body, completion: completion)
    }

    /// `GET /gateway/bot` through the same client (waits at most `timeout` seconds).
    func gatewayBot(timeout: Double) -> Result<GatewayBotInfo, RESTError>? {
        guard let client = client.get() else { return nil }
        let answer = LockedValue<Result<GatewayBotInfo, RESTError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        client.getGatewayBot { result in
            answer.set(result)
            done.signal()
        }
        _ = done.wait(timeout: .now() + timeout)
        return answer.get()
    }

    /// Fails what is still queued and closes the kept-alive connections.
    func shutdown() {
        client.get()?.shutdown()
    }
}
