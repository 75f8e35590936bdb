import Foundation
import Testing
@testable import GatewaySim

@Suite("REST core: routes, validation, auth, rate limits")
struct RESTCoreTests {
    func request(_ driver: CoreDriver, _ method: String, _ path: String, body: String? = nil,
                 token: String? = nil) -> HTTPRequest {
        HTTPRequest(method: method, target: "/api/v10" + path,
                    headers: [("Authorization", "Bot " + (token ?? driver.token)), ("Content-Type", "application/json")],
                    body: Array((body ?? "").utf8))
    }

    func json(_ response: HTTPResponse) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
    }

    @Test func gatewayBotDescribesShardsAndSessionStartLimit() {
        var driver = CoreDriver { $0.recommendedShards = 3; $0.maxConcurrency = 2 }
        let response = driver.core.handle(request(driver, "GET", "/gateway/bot"), now: 0).response
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json")
        let body = json(response)
        #expect(body?["url"] as? String == "ws://127.0.0.1:9")
        #expect(body?["shards"] as? Int == 3)
        #expect((body?["session_start_limit"] as? [String: Any])?["max_concurrency"] as? Int == 2)
    }

    @Test func badTokenGets401ButGatewayIsPublic() {
        var driver = CoreDriver()
        #expect(driver.core.handle(request(driver, "GET", "/users/@me", token: "bad"), now: 0).response.status == 401)
        let open = HTTPRequest(method: "GET", target: "/api/v10/gateway")
        #expect(driver.core.handle(open, now: 0).response.status == 200)
    }

    @Test func usersMeAndApplicationDescribeTheBot() {
        var driver = CoreDriver()
        let me = json(driver.core.handle(request(driver, "GET", "/users/@me"), now: 0).response)
        #expect(me?["id"] as? String == driver.core.world.botUser.id)
        #expect(me?["bot"] as? Bool == true)
        let app = json(driver.core.handle(request(driver, "GET", "/oauth2/applications/@me"), now: 0).response)
        #expect(app?["id"] as? String == driver.core.world.applicationID)
    }

    @Test func postMessageDispatchesMessageCreateFromTheBot() {
        var driver = CoreDriver()
        _ = driver.identify(1)
        let channel = driver.core.world.generalChannelID
        let outcome = driver.core.handle(request(driver, "POST", "/channels/\(channel)/messages",
                                                 body: #"{"content":"pong"}"#), now: 0)
        #expect(outcome.response.status == 200)
        #expect(json(outcome.response)?["content"] as? String == "pong")
        let event = outcome.actions.payloads(1).first
        #expect(event?["t"] as? String == "MESSAGE_CREATE")
        let author = (event?["d"] as? [String: Any])?["author"] as? [String: Any]
        #expect(author?["id"] as? String == driver.core.world.botUser.id)
        #expect(outcome.botMessages.map(\.content) == ["pong"])
    }

    @Test func emptyMessageGets400WithDiscordErrorShape() {
        var driver = CoreDriver()
        let channel = driver.core.world.generalChannelID
        let response = driver.core.handle(request(driver, "POST", "/channels/\(channel)/messages",
                                                  body: #"{"content":""}"#), now: 0).response
        #expect(response.status == 400)
        #expect(json(response)?["code"] as? Int == 50006)
        #expect(json(response)?["message"] as? String == "Cannot send an empty message")
        let long = #"{"content":""# + String(repeating: "a", count: 2001) + #""}"#
        let tooLong = driver.core.handle(request(driver, "POST", "/channels/\(channel)/messages", body: long), now: 0)
        #expect(json(tooLong.response)?["code"] as? Int == 50035)
        #expect(json(tooLong.response)?["errors"] != nil)
        let withEmbed = driver.core.handle(request(driver, "POST", "/channels/\(channel)/messages",
                                                   body: #"{"embeds":[{"title":"t"}]}"#), now: 0)
        #expect(withEmbed.response.status == 200)
    }

    @Test func unknownChannelGets404() {
        var driver = CoreDriver()
        let response = driver.core.handle(request(driver, "POST", "/channels/1/messages", body: #"{"content":"x"}"#),
                                          now: 0).response
        #expect(response.status == 404)
        #expect(json(response)?["code"] as? Int == 10003)
    }

    @Test func editDeleteAndReactDispatchTheirEvents() {
        var driver = CoreDriver()
        _ = driver.identify(1, intents: 37377 | GatewayIntents.guildMessageReactions)
        let channel = driver.core.world.generalChannelID
        let created = driver.core.handle(request(driver, "POST", "/channels/\(channel)/messages",
                                                 body: #"{"content":"v1"}"#), now: 0)
        let id = json(created.response)?["id"] as? String ?? ""
        let edited = driver.core.handle(request(driver, "PATCH", "/channels/\(channel)/messages/\(id)",
                                                body: #"{"content":"v2"}"#), now: 0)
        #expect(edited.response.status == 200)
        #expect(edited.actions.events(1) == ["MESSAGE_UPDATE"])
        #expect(json(edited.response)?["edited_timestamp"] is String)
        let reacted = driver.core.handle(request(driver, "PUT", "/channels/\(channel)/messages/\(id)/reactions/%F0%9F%91%8D/@me"),
                                         now: 0)
        #expect(reacted.response.status == 204)
        let emoji = (reacted.actions.payloads(1).first?["d"] as? [String: Any])?["emoji"] as? [String: Any]
        #expect(emoji?["name"] as? String == "👍")
        let deleted = driver.core.handle(request(driver, "DELETE", "/channels/\(channel)/messages/\(id)"), now: 0)
        #expect(deleted.response.status == 204)
        #expect(deleted.actions.events(1) == ["MESSAGE_DELETE"])
        let again = driver.core.handle(request(driver, "DELETE", "/channels/\(channel)/messages/\(id)"), now: 0)
        #expect(again.response.status == 404)
    }

    @Test func editingSomeoneElsesMessageIsForbidden() {
        var driver = CoreDriver()
        let channel = driver.core.world.generalChannelID
        let id = driver.core.postUserMessage(channelID: channel, authorID: "1100000000000000002", content: "hi").messageID!
        let response = driver.core.handle(request(driver, "PATCH", "/channels/\(channel)/messages/\(id)",
                                                  body: #"{"content":"x"}"#), now: 0).response
        #expect(response.status == 403)
    }

    @Test func rateLimitModeAnswers429WithRetryAfterAndHeaders() {
        var driver = CoreDriver()
        driver.core.setRESTRateLimit(RESTRateLimit(limit: 2, window: 5))
        let first = driver.core.handle(request(driver, "GET", "/users/@me"), now: 0).response
        #expect(first.header("X-RateLimit-Limit") == "2")
        #expect(first.header("X-RateLimit-Remaining") == "1")
        _ = driver.core.handle(request(driver, "GET", "/users/@me"), now: 1)
        let limited = driver.core.handle(request(driver, "GET", "/users/@me"), now: 2).response
        #expect(limited.status == 429)
        #expect(json(limited)?["retry_after"] as? Double == 3)
        #expect(json(limited)?["global"] as? Bool == false)
        #expect(limited.header("Retry-After") == "3")
        #expect(limited.header("X-RateLimit-Remaining") == "0")
        // After the window the bucket refills.
        #expect(driver.core.handle(request(driver, "GET", "/users/@me"), now: 5.5).response.status == 200)
    }
}

@Suite("REST core: listing, typing, 405")
struct RESTExtraTests {
    func request(_ driver: CoreDriver, _ method: String, _ target: String, body: String = "") -> HTTPRequest {
        HTTPRequest(method: method, target: "/api/v10" + target, headers: [("Authorization", "Bot " + driver.token)],
                    body: Array(body.utf8))
    }

    @Test func listsChannelMessagesNewestFirstWithLimit() throws {
        var driver = CoreDriver()
        let channel = driver.core.world.generalChannelID
        for n in 0..<3 {
            _ = driver.core.postUserMessage(channelID: channel, authorID: "1100000000000000002", content: "m\(n)")
        }
        let response = driver.core.handle(request(driver, "GET", "/channels/\(channel)/messages?limit=2"), now: 0).response
        let list = try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]]
        #expect(list?.map { $0["content"] as? String } == ["m2", "m1"])
    }

    @Test func typingDispatchesTypingStartToSessionsWithTheIntent() {
        var driver = CoreDriver()
        _ = driver.identify(1, intents: GatewayIntents.guilds | GatewayIntents.guildMessageTyping)
        _ = driver.identify(2, intents: GatewayIntents.guilds)
        let outcome = driver.core.handle(request(driver, "POST", "/channels/\(driver.core.world.generalChannelID)/typing"),
                                         now: 0)
        #expect(outcome.response.status == 204)
        #expect(outcome.actions.events(1) == ["TYPING_START"])
        #expect(outcome.actions.events(2).isEmpty)
    }

    @Test func wrongMethodOnAKnownRouteIs405AndUnknownRouteIs404() {
        var driver = CoreDriver()
        #expect(driver.core.handle(request(driver, "DELETE", "/users/@me"), now: 0).response.status == 405)
        #expect(driver.core.handle(request(driver, "GET", "/nothing/here"), now: 0).response.status == 404)
    }
}
