import Foundation

/// A prepared Discord call: method, path (relative to the base URL) and JSON body.
/// The typed helpers below build the common ones; `RESTClient.request(_:completion:)` sends them.
public struct RESTEndpoint: Sendable, Equatable {
    public var method: HTTPMethod
    public var path: String
    public var body: JSONValue?

    public init(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) {
        self.method = method
        self.path = path
        self.body = body
    }

    /// `GET /gateway/bot`.
    public static let gatewayBot = RESTEndpoint(.get, "/gateway/bot")

    /// `POST /channels/{channel_id}/messages` with message fields (`content`, `embeds`, ...).
    public static func createMessage(channelID: String, _ fields: JSONValue) -> RESTEndpoint {
        RESTEndpoint(.post, "/channels/\(segment(channelID))/messages", body: fields)
    }

    /// `PATCH /channels/{channel_id}/messages/{message_id}`.
    public static func editMessage(channelID: String, messageID: String, _ fields: JSONValue) -> RESTEndpoint {
        RESTEndpoint(.patch, "/channels/\(segment(channelID))/messages/\(segment(messageID))", body: fields)
    }

    /// `DELETE /channels/{channel_id}/messages/{message_id}`.
    public static func deleteMessage(channelID: String, messageID: String) -> RESTEndpoint {
        RESTEndpoint(.delete, "/channels/\(segment(channelID))/messages/\(segment(messageID))")
    }

    /// `PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me`.
    /// `emoji` is a Unicode emoji (`👍`) or a custom one as `name:id`; it is percent-encoded here.
    public static func createReaction(channelID: String, messageID: String, emoji: String) -> RESTEndpoint {
        RESTEndpoint(.put, "/channels/\(segment(channelID))/messages/\(segment(messageID))/reactions/\(segment(emoji))/@me")
    }

    /// Percent-encodes everything but unreserved characters and `:`, so a caller's id or
    /// emoji can never add a path segment, a query or a dot-segment.
    static func segment(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "~"),
                 UInt8(ascii: ":"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out.isEmpty ? "%20" : out
    }
}

extension RESTClient {
    /// Sends a prepared endpoint; `completion` as in `request(_:_:body:completion:)`.
    @discardableResult
    public func request(_ endpoint: RESTEndpoint,
                        completion: @escaping @Sendable (Result<RESTResponse, RESTError>) -> Void) -> RESTRequestID {
        request(endpoint.method, endpoint.path, body: endpoint.body, completion: completion)
    }

    /// Sends a prepared endpoint and returns its JSON (`.null` for 204 No Content).
    public func send(_ endpoint: RESTEndpoint) async throws(RESTError) -> JSONValue {
        let response = try await request(endpoint.method, endpoint.path, body: endpoint.body)
        do { return try response.json() } catch {
            throw RESTError(.invalidResponse("body is not JSON: \(error)"), method: endpoint.method,
                            path: endpoint.path, status: response.status)
        }
    }

    /// `GET /gateway/bot`: url, recommended shards, session start limit (with max_concurrency).
    public func getGatewayBot(completion: @escaping @Sendable (Result<GatewayBotInfo, RESTError>) -> Void) {
        request(.gatewayBot) { result in
            completion(result.flatMap { response in
                if let json = try? response.json(), let info = GatewayBotInfo(json: json) { return .success(info) }
                return .failure(RESTError(.invalidResponse("GET /gateway/bot answer lacks url/shards/session_start_limit"),
                                          method: .get, path: RESTEndpoint.gatewayBot.path, status: response.status))
            })
        }
    }

    public func getGatewayBot() async throws(RESTError) -> GatewayBotInfo {
        let endpoint = RESTEndpoint.gatewayBot
        let response = try await request(endpoint.method, endpoint.path)
        guard let json = try? response.json(), let info = GatewayBotInfo(json: json) else {
            throw RESTError(.invalidResponse("GET /gateway/bot answer lacks url/shards/session_start_limit"),
                            method: .get, path: endpoint.path, status: response.status)
        }
        return info
    }

    public func createMessage(channelID: String, _ fields: JSONValue) async throws(RESTError) -> JSONValue {
        try await send(.createMessage(channelID: channelID, fields))
    }

    public func editMessage(channelID: String, messageID: String, _ fields: JSONValue) async throws(RESTError) -> JSONValue {
        try await send(.editMessage(channelID: channelID, messageID: messageID, fields))
    }

    public func deleteMessage(channelID: String, messageID: String) async throws(RESTError) {
        _ = try await send(.deleteMessage(channelID: channelID, messageID: messageID))
    }

    public func createReaction(channelID: String, messageID: String, emoji: String) async throws(RESTError) {
        _ = try await send(.createReaction(channelID: channelID, messageID: messageID, emoji: emoji))
    }
}
