import Foundation
@testable import GatewaySim

/// Helpers for driving `SimCore` without sockets.
struct CoreDriver {
    var core: SimCore
    var now: Double = 0

    init(_ configure: (inout GatewaySimOptions) -> Void = { _ in }) {
        var options = GatewaySimOptions()
        configure(&options)
        core = SimCore(options: options)
        core.gatewayBaseURL = "ws://127.0.0.1:9"
    }

    var token: String { core.options.token }

    mutating func open(_ id: ConnectionID) {
        core.connectionOpened(id, target: "/?v=10&encoding=json", now: now)
    }

    mutating func send(_ id: ConnectionID, _ text: String) -> [SimAction] {
        core.received(id, text: Array(text.utf8), now: now)
    }

    func identifyJSON(token: String? = nil, intents: Int = 37377, shard: String = "[0,1]") -> String {
        """
        {"op":2,"d":{"token":"\(token ?? self.token)","intents":\(intents),"properties":{"os":"linux","browser":"t","device":"t"},"shard":\(shard)}}
        """
    }

    /// Opens `id`, identifies, and returns the new session id.
    mutating func identify(_ id: ConnectionID, intents: Int = 37377) -> String {
        open(id)
        let actions = send(id, identifyJSON(intents: intents))
        let ready = actions.payloads(id).first { $0["t"] as? String == "READY" }
        return (ready?["d"] as? [String: Any])?["session_id"] as? String ?? ""
    }
}

extension Array where Element == SimAction {
    /// Decoded payloads sent to `id`, in order.
    func payloads(_ id: ConnectionID) -> [[String: Any]] {
        compactMap { action in
            guard case .send(id, let text) = action else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }
    }

    func closeCode(_ id: ConnectionID) -> UInt16? {
        for case .close(id, let code) in self { return code }
        return nil
    }

    func events(_ id: ConnectionID) -> [String] { payloads(id).compactMap { $0["t"] as? String } }
    func sequences(_ id: ConnectionID) -> [Int] { payloads(id).compactMap { $0["s"] as? Int } }
}
