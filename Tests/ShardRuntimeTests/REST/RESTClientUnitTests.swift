import Testing
@testable import ShardRuntime

/// RESTClient pieces that need no server.
@Suite struct RESTClientUnitTests {
    @Test func baseURLMustBeAbsoluteHTTP() {
        for bad in ["discord.com/api", "ftp://x/api", "https:///api", "https://x/api?x=1"] {
            #expect(throws: RESTError.self, "\(bad)") { _ = try RESTClient(token: Token("t"), baseURL: bad) }
        }
    }

    @Test func userAgentHasDiscordsShape() throws {
        var configuration = RESTClient.Configuration()
        configuration.version = "9.8.7"
        let client = try RESTClient(token: Token("t"), configuration: configuration)
        #expect(client.userAgent == "DiscordBot (https://github.com/botrun/botrun, 9.8.7)")
        #expect(client.baseURL == "https://discord.com/api/v10")
    }

    @Test func pathsAreCheckedAndRedacted() {
        #expect(RESTClient.pathProblem("/channels/1/messages?limit=2") == nil)
        #expect(RESTClient.pathProblem("/channels/../x") != nil)
        #expect(RESTClient.pathProblem("/a\nb") != nil)
        #expect(RESTClient.redactedPath("/webhooks/1/tok/messages/2") == "/webhooks/1/:token/messages/2")
        #expect(RESTClient.redactedPath("/interactions/5/itok/callback") == "/interactions/5/:token/callback")
        #expect(RESTClient.redactedPath("/a\u{1}b") == "/a?b")
    }

    @Test func errorDescriptionCarriesDiscordsCodeAndMessage() {
        let error = RESTError(.http, method: .post, path: "/channels/1/messages", status: 400, code: 50006,
                              message: "Cannot send an empty message")
        #expect(error.description == "POST /channels/1/messages failed: HTTP 400 (code 50006): Cannot send an empty message")
    }
}
