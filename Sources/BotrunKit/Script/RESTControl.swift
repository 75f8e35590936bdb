import ShardRuntime

/// What a script's `rest.*` calls reach (issue 6): the host side of the Lua REST API, as
/// `ShardControl` is for `shard.*`. `RESTClientControl` binds it to a `RESTClient`; tests
/// may use a fake.
public protocol RESTControl: Sendable {
    /// Starts `method path` (relative to the API base) with an optional JSON body.
    /// `completion` runs exactly once, on any thread, and must not block. Returns a closure
    /// that cancels the request (its completion then reports the cancellation).
    func start(method: String, path: String, body: [UInt8]?,
               completion: @escaping @Sendable (ScriptRESTResult) -> Void) -> @Sendable () -> Void
}

/// The outcome of one `rest.*` call as the script sees it.
public enum ScriptRESTResult: Sendable, Equatable {
    /// A 2xx answer; `body` is its JSON (empty for 204).
    case success(status: Int, body: [UInt8])
    /// Any failure: the HTTP status when there was one, and a message for the script.
    case failure(status: Int?, message: String)
}

/// `RESTControl` over the REST client: rate limits, retries and 401 protection are the
/// client's; the message of a failure is `RESTError.description` (never the token).
public struct RESTClientControl: RESTControl {
    public let client: RESTClient

    public init(client: RESTClient) { self.client = client }

    public func start(method: String, path: String, body: [UInt8]?,
                      completion: @escaping @Sendable (ScriptRESTResult) -> Void) -> @Sendable () -> Void {
        guard let httpMethod = HTTPMethod(name: method) else {
            completion(.failure(status: nil, message: "unknown HTTP method \(method)"))
            return {}
        }
        let id = client.request(httpMethod, path, rawJSONBody: body) { result in
            switch result {
            case .success(let response): completion(.success(status: response.status, body: response.body))
            case .failure(let error): completion(.failure(status: error.status, message: error.description))
            }
        }
        return { [client] in client.cancel(id) }
    }
}
