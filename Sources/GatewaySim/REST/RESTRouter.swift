import Foundation

/// What one REST request produced: the response, the gateway dispatches it caused, and the
/// bot messages to report to the console.
public struct RESTOutcome: Sendable {
    public var response: HTTPResponse
    public var actions: [SimAction] = []
    public var botMessages: [SimBotMessage] = []
}

extension SimCore {
    /// Serves one REST request under `/api[/vN]`, like Discord: auth, rate limits, routes.
    public mutating func handle(_ request: HTTPRequest, now: Double) -> RESTOutcome {
        rest.requestCount += 1
        var parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.first == "api" else { return RESTOutcome(response: notFound) }
        parts.removeFirst()
        if let version = parts.first, version.hasPrefix("v"), Int(version.dropFirst()) != nil { parts.removeFirst() }

        if request.method == "GET", parts == ["gateway"] {
            return RESTOutcome(response: .json(200, "{\"url\":\(SimJSON.string(gatewayBaseURL))}"))
        }
        guard let auth = request.header("authorization"), auth == "Bot " + options.token else {
            return RESTOutcome(response: .error(401, message: "401: Unauthorized", code: 0))
        }

        var limitHeaders: [(name: String, value: String)] = []
        if let limit = rest.rateLimit {
            let bucketKey = request.method + " " + (parts.count >= 2 ? parts[0] + "/" + parts[1] : parts.joined(separator: "/"))
            var bucket = rest.buckets[bucketKey] ?? (now, 0)
            if now - bucket.start >= limit.window { bucket = (now, 0) }
            bucket.count += 1
            rest.buckets[bucketKey] = bucket
            // Rounded up to the millisecond printed: a reset announced even slightly early
            // would draw a 429 from a client that obeys it exactly.
            let resetAfter = (max(0, limit.window - (now - bucket.start)) * 1000).rounded(.up) / 1000
            let resetAfterText = String(format: "%.3f", resetAfter)
            limitHeaders = [
                ("X-RateLimit-Limit", String(limit.limit)),
                ("X-RateLimit-Remaining", String(max(0, limit.limit - bucket.count))),
                ("X-RateLimit-Reset", String(format: "%.3f", Date().timeIntervalSince1970 + resetAfter)),
                ("X-RateLimit-Reset-After", resetAfterText),
                ("X-RateLimit-Bucket", String(format: "%08x", UInt32(truncatingIfNeeded: bucketKey.hashValue))),
            ]
            if bucket.count > limit.limit {
                var response = HTTPResponse.json(429, SimJSON.object([
                    ("message", "\"You are being rate limited.\""), ("retry_after", resetAfterText),
                    ("global", limit.global ? "true" : "false"),
                ]))
                response.headers += limitHeaders + [
                    ("Retry-After", String(Int(resetAfter.rounded(.up)))),
                    ("X-RateLimit-Scope", limit.global ? "global" : "user"),
                ]
                if limit.global { response.headers.append(("X-RateLimit-Global", "true")) }
                return RESTOutcome(response: response)
            }
        }

        var outcome = route(request, parts, now: now)
        outcome.response.headers += limitHeaders
        return outcome
    }

    /// Turns on (or, with nil, off) REST rate limiting.
    public mutating func setRESTRateLimit(_ limit: RESTRateLimit?) {
        rest.rateLimit = limit
        rest.buckets = [:]
    }

    var notFound: HTTPResponse { .error(404, message: "404: Not Found", code: 0) }

    private mutating func route(_ request: HTTPRequest, _ parts: [String], now: Double) -> RESTOutcome {
        switch (request.method, parts.count) {
        case ("GET", 2) where parts == ["gateway", "bot"]:
            let used = min(recorder.identifyCount, 1000)
            return RESTOutcome(response: .json(200, SimJSON.object([
                ("url", SimJSON.string(gatewayBaseURL)), ("shards", String(options.recommendedShards)),
                ("session_start_limit", SimJSON.object([
                    ("total", "1000"), ("remaining", String(1000 - used)), ("reset_after", "86400000"),
                    ("max_concurrency", String(options.maxConcurrency)),
                ])),
            ])))
        case ("GET", 2) where parts == ["users", "@me"]:
            return RESTOutcome(response: .json(200, world.botUserJSON))
        case ("GET", 3) where parts == ["oauth2", "applications", "@me"], ("GET", 2) where parts == ["applications", "@me"]:
            return RESTOutcome(response: .json(200, world.applicationJSON))
        case ("GET", 2) where parts[0] == "channels":
            guard let index = world.guildIndex(ofChannel: parts[1]),
                  let channel = world.guilds[index].channels.first(where: { $0.id == parts[1] }) else {
                return RESTOutcome(response: .error(404, message: "Unknown Channel", code: 10003))
            }
            return RESTOutcome(response: .json(200, channel.json(guildID: world.guilds[index].id)))
        case ("POST", 3) where parts[0] == "channels" && parts[2] == "messages":
            return createMessage(channelID: parts[1], request.body, now: now)
        case ("GET", 3) where parts[0] == "channels" && parts[2] == "messages":
            return listMessages(channelID: parts[1], query: request.query)
        case ("POST", 3) where parts[0] == "channels" && parts[2] == "typing":
            return typing(channelID: parts[1], now: now)
        case ("GET", 4) where parts[0] == "channels" && parts[2] == "messages":
            guard let message = world.messages[parts[3]], message.channelID == parts[1] else {
                return RESTOutcome(response: .error(404, message: "Unknown Message", code: 10008))
            }
            return RESTOutcome(response: .json(200, world.messageJSON(message)))
        case ("PATCH", 4) where parts[0] == "channels" && parts[2] == "messages":
            return editMessage(channelID: parts[1], messageID: parts[3], request.body, now: now)
        case ("DELETE", 4) where parts[0] == "channels" && parts[2] == "messages":
            return deleteMessage(channelID: parts[1], messageID: parts[3])
        case ("PUT", 7) where parts[0] == "channels" && parts[2] == "messages" && parts[4] == "reactions" && parts[6] == "@me",
             ("DELETE", 7) where parts[0] == "channels" && parts[2] == "messages" && parts[4] == "reactions" && parts[6] == "@me":
            return react(channelID: parts[1], messageID: parts[3], emoji: parts[5], add: request.method == "PUT")
        default:
            let known = Self.knownRoute(parts)
            return RESTOutcome(response: known ? .error(405, message: "405: Method Not Allowed", code: 0) : notFound)
        }
    }

    /// Whether `parts` names a route the sim serves under some method (for 405 vs 404).
    private static func knownRoute(_ parts: [String]) -> Bool {
        switch parts.count {
        case 2: return parts == ["gateway", "bot"] || parts == ["users", "@me"] || parts == ["applications", "@me"]
            || parts[0] == "channels"
        case 3: return parts == ["oauth2", "applications", "@me"]
            || (parts[0] == "channels" && ["messages", "typing"].contains(parts[2]))
        case 4: return parts[0] == "channels" && parts[2] == "messages"
        case 7: return parts[0] == "channels" && parts[2] == "messages" && parts[4] == "reactions" && parts[6] == "@me"
        default: return false
        }
    }
}
