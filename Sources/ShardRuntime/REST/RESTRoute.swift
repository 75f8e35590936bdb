/// The rate-limit identity of a request: method plus path template, with Discord's
/// "major parameter" (channel, guild or webhook id) kept apart.
///
/// Discord shares one bucket between requests with the same route and the same major
/// parameter; minor ids (message ids, user ids, emoji) do not split buckets.
/// `POST /channels/1/messages` and `POST /channels/2/messages` have the same `template`
/// but different `majorParameter`s, so they are limited independently.
public struct RESTRoute: Hashable, Sendable, CustomStringConvertible {
    public let method: HTTPMethod
    /// Path without query, ids replaced: `/channels/{channel_id}/messages/:id`.
    public let template: String
    /// The major parameter value (`webhook_id/token` for webhooks), if the path has one.
    public let majorParameter: String?

    public init(method: HTTPMethod, path: String) {
        self.method = method
        let pathOnly = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        let segments = pathOnly.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var out: [String] = []
        var major: String?
        var i = 0
        while i < segments.count {
            let segment = segments[i]
            let previous = out.last ?? ""
            if major == nil, Self.isID(segment), let name = Self.majorNames[previous] {
                major = segment
                out.append("{\(name)}")
                // A webhook's token is part of its major parameter.
                if name == "webhook_id", i + 1 < segments.count, !segments[i + 1].isEmpty, !Self.isID(segments[i + 1]),
                   segments[i + 1] != "messages" {
                    major! += "/" + segments[i + 1]
                    out.append(":token")
                    i += 1
                }
            } else if previous == "reactions" || out.count >= 2 && out[out.count - 2] == "reactions" {
                out.append(":reaction")  // emoji and user (or @me) after /reactions share a bucket
            } else if previous == "interactions", Self.isID(segment), i + 1 < segments.count {
                out.append(":id")
                out.append(":token")
                i += 1
            } else if Self.isID(segment) {
                out.append(":id")
            } else {
                out.append(segment)
            }
            i += 1
        }
        template = out.joined(separator: "/")
        majorParameter = major
    }

    /// `GET /channels/{channel_id}/messages/:id` — no token, no ids beyond the template.
    public var description: String { "\(method.rawValue) \(template)" }

    /// Key for looking up the bucket hash Discord assigned to this route (major excluded).
    var routeKey: String { description }

    private static let majorNames = ["channels": "channel_id", "guilds": "guild_id", "webhooks": "webhook_id"]

    private static func isID(_ segment: String) -> Bool {
        !segment.isEmpty && segment.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
