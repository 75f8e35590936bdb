import Testing
@testable import ShardRuntime

@Suite struct RESTRouteTests {
    @Test func majorParameterIsKeptApartFromTheTemplate() {
        let a = RESTRoute(method: .post, path: "/channels/111/messages")
        let b = RESTRoute(method: .post, path: "/channels/222/messages")
        #expect(a.template == "/channels/{channel_id}/messages")
        #expect(a.template == b.template && a.majorParameter == "111" && b.majorParameter == "222")
        #expect(a != b)
    }

    @Test func minorIdsAndReactionsCollapse() {
        let edit = RESTRoute(method: .patch, path: "/channels/1/messages/99?x=1")
        #expect(edit.template == "/channels/{channel_id}/messages/:id")
        let r1 = RESTRoute(method: .put, path: "/channels/1/messages/5/reactions/%F0%9F%91%8D/@me")
        let r2 = RESTRoute(method: .put, path: "/channels/1/messages/6/reactions/name:123/@me")
        #expect(r1 == r2)
        #expect(r1.template == "/channels/{channel_id}/messages/:id/reactions/:reaction/:reaction")
        #expect(RESTRoute(method: .get, path: "/guilds/7/members/8").template == "/guilds/{guild_id}/members/:id")
        #expect(RESTRoute(method: .get, path: "/gateway/bot").majorParameter == nil)
    }

    @Test func webhookTokenIsPartOfTheMajorAndNotOfTheTemplate() {
        let route = RESTRoute(method: .post, path: "/webhooks/5/secrettoken")
        #expect(route.majorParameter == "5/secrettoken")
        #expect(!route.description.contains("secrettoken"))
    }

    @Test func headersAreCaseInsensitive() {
        var headers: HTTPHeaders = ["X-RateLimit-Remaining": "4", "Connection": "keep-alive, Upgrade"]
        #expect(headers["x-ratelimit-remaining"] == "4")
        #expect(headers.contains("connection", token: "upgrade"))
        headers.set("x-ratelimit-REMAINING", "3")
        #expect(headers.values("X-RateLimit-Remaining") == ["3"])
    }

    @Test func methodNamesParseCaseInsensitively() {
        #expect(HTTPMethod(name: "post") == .post)
        #expect(HTTPMethod(name: "Delete") == .delete)
        #expect(HTTPMethod(name: "TRACE") == nil)
        #expect(HTTPMethod.put.isIdempotent && !HTTPMethod.post.isIdempotent && !HTTPMethod.patch.isIdempotent)
    }
}
