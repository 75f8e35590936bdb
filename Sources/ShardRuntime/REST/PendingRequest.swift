import Foundation

/// One request waiting for, or on, the wire. Loop-confined.
final class PendingRequest {
    let id: RESTRequestID
    let method: HTTPMethod
    let path: String
    let route: RESTRoute
    let request: HTTPRequest
    private var completion: (@Sendable (Result<RESTResponse, RESTError>) -> Void)?
    var attempt = 0
    var notBefore = 0.0

    init(id: RESTRequestID, method: HTTPMethod, path: String, route: RESTRoute, request: HTTPRequest,
         completion: @escaping @Sendable (Result<RESTResponse, RESTError>) -> Void) {
        self.id = id
        self.method = method
        self.path = path
        self.route = route
        self.request = request
        self.completion = completion
    }

    /// True once the caller has its result (delivered or cancelled).
    var isFinished: Bool { completion == nil }

    /// Delivers `result` unless a result was delivered already.
    func finish(_ result: Result<RESTResponse, RESTError>) {
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }
}

/// Identifies one call to `RESTClient.request`, for `cancel(_:)`.
public struct RESTRequestID: Sendable, Hashable {
    let value: UInt64
}

/// Hands out request ids from any thread.
final class RequestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64 = 0
    func add() -> UInt64 {
        lock.lock(); defer { lock.unlock() }
        value += 1
        return value
    }
}

/// Links a Task's cancellation to a request whose id may not exist yet.
final class CancellationHandle: @unchecked Sendable {
    private let lock = NSLock()
    private let client: RESTClient
    private var id: RESTRequestID?
    private var cancelled = false

    init(client: RESTClient) { self.client = client }

    func started(_ id: RESTRequestID) {
        lock.lock()
        self.id = id
        let cancelNow = cancelled
        lock.unlock()
        if cancelNow { client.cancel(id) }
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let id = self.id
        lock.unlock()
        if let id { client.cancel(id) }
    }
}
