/// Why one HTTP exchange failed, before the REST layer adds method and path.
enum HTTPExchangeError: Error, Sendable {
    case transport(TransportError)
    case timedOut(seconds: Double)
    case invalidResponse(HTTPParseError)
    /// The connection was reused and the peer had closed it before answering a byte:
    /// safe to send again on a new connection.
    case staleConnection
}

/// One keep-alive HTTP/1.1 connection running one exchange at a time (no pipelining).
/// Loop-confined: every method and callback runs on `stream.loop`.
final class HTTPConnection {
    let stream: StreamConnection
    let key: String
    private var parser = HTTPResponseParser()
    private var exchange: ((Result<HTTPResponse, HTTPExchangeError>) -> Void)?
    private var isHeadRequest = false
    private var receivedBytes = false
    private var timer: Scheduled?
    private(set) var completedExchanges = 0
    private(set) var isReusable = true
    /// Called when the connection dies while idle in the pool.
    var onIdleClose: (() -> Void)?

    init(stream: StreamConnection, key: String) {
        self.stream = stream
        self.key = key
        stream.onBytes = { [weak self] bytes in self?.received(bytes) }
        stream.onEnd = { [weak self] error in self?.ended(error) }
    }

    var isBusy: Bool { exchange != nil }

    /// Writes the request and calls `completion` once with the response or the failure.
    func send(_ request: HTTPRequest, host: String, timeout: Double,
              completion: @escaping (Result<HTTPResponse, HTTPExchangeError>) -> Void) {
        precondition(exchange == nil, "HTTPConnection runs one exchange at a time")
        exchange = completion
        isHeadRequest = request.method == .head
        receivedBytes = false
        timer = stream.loop.scheduleInternal(after: timeout) { [weak self] in
            guard let self, self.exchange != nil else { return }
            self.isReusable = false
            self.stream.close()
            self.finish(.failure(.timedOut(seconds: timeout)))
        }
        stream.writeInLoop(request.serialized(host: host))
    }

    func close() {
        isReusable = false
        stream.close()
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        guard exchange != nil else {
            // Bytes while idle: the server broke the protocol; drop the connection.
            close()
            onIdleClose?()
            return
        }
        receivedBytes = true
        parser.append(bytes)
        do throws(HTTPParseError) {
            if let response = try parser.next(isHeadRequest: isHeadRequest) {
                if !response.keepAlive || !parser.isIdle { isReusable = false }
                finish(.success(response))
                if !isReusable { stream.close() }
            }
        } catch {
            close()
            finish(.failure(.invalidResponse(error)))
        }
    }

    private func ended(_ error: TransportError?) {
        isReusable = false
        guard exchange != nil else {
            onIdleClose?()
            return
        }
        if error == nil {
            do throws(HTTPParseError) {
                if let response = try parser.finishAtEOF() { finish(.success(response)); return }
            } catch {
                if receivedBytes { finish(.failure(.invalidResponse(error))); return }
            }
        }
        if !receivedBytes && completedExchanges > 0 {
            finish(.failure(.staleConnection))
        } else {
            // A clean close before any byte of the answer reads as a reset for HTTP.
            finish(.failure(.transport(error ?? .connectionReset)))
        }
    }

    private func finish(_ result: Result<HTTPResponse, HTTPExchangeError>) {
        guard let completion = exchange else { return }
        exchange = nil
        timer?.cancel()
        timer = nil
        if case .success = result { completedExchanges += 1 }
        completion(result)
    }
}
