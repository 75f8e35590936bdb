import ShardRuntime

/// One accepted TCP (or TLS) connection before it becomes a WebSocket: parses HTTP/1.1
/// requests (keep-alive), answers REST calls, and hands upgrade requests to the gateway.
/// Loop-confined.
final class SimHTTPConnection {
    let stream: StreamConnection
    private var parser = HTTPRequestParser()
    private weak var sim: GatewaySim?
    private var done = false
    /// A request is held by the test hook (`GatewaySim.holdREST`); later ones wait behind it.
    private var holding = false

    init(stream: StreamConnection, sim: GatewaySim) {
        self.stream = stream
        self.sim = sim
    }

    func start() {
        stream.setHandlers(onData: { [self] bytes in received(bytes) }, onClose: { [self] _ in finish() })
    }

    private func received(_ bytes: [UInt8]) {
        guard !done, let sim else { return }
        parser.feed(bytes)
        while !done && !holding {
            let request: HTTPRequest
            do {
                guard let next = try parser.next() else { return }
                request = next
            } catch {
                let body = SimJSON.object([("message", SimJSON.string(error.description)), ("code", "0")])
                stream.write(HTTPResponse.json(400, body).serialized(keepAlive: false))
                stream.close(flushFirst: true)
                return finish()
            }
            if request.isWebSocketUpgrade {
                finish()
                sim.upgrade(stream: stream, request: request, leftover: parser.takeRemaining())
                return
            }
            if sim.restHold.shouldHold(request) {
                holding = true
                let connection = SimLoopBound(self)  // released on the sim's loop, like all its work
                sim.restHold.add {
                    connection.value.holding = false
                    connection.value.answer(request)
                    connection.value.received([])
                }
                return
            }
            answer(request)
        }
    }

    private func answer(_ request: HTTPRequest) {
        guard !done, let sim else { return }
        let response = sim.serveREST(request)
        stream.write(response.serialized(keepAlive: request.wantsKeepAlive))
        if !request.wantsKeepAlive {
            stream.close(flushFirst: true)
            finish()
        }
    }

    /// Stops handling this connection as HTTP (closed, or upgraded).
    private func finish() {
        guard !done else { return }
        done = true
        sim?.httpConnectionEnded(self)
    }
}
