import Testing
@testable import ShardRuntime

@Suite struct TokenTests {
    @Test func descriptionNeverShowsTheSecret() {
        let token = Token("Bot abc.def.ghi")
        #expect(!"\(token)".contains("abc"))
        #expect(!String(reflecting: token).contains("abc"))
        #expect(token.authorizationHeader == "Bot abc.def.ghi")
    }
}
