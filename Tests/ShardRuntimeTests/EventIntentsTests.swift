import Testing
@testable import ShardRuntime

@Suite struct EventIntentsTests {
    @Test func messageEventsNeedGuildOrDirectMessages() {
        #expect(Intents.gating(event: "MESSAGE_CREATE") == [.guildMessages, .directMessages])
        #expect(Intents.gating(event: "MESSAGE_REACTION_ADD") == [.guildMessageReactions, .directMessageReactions])
    }

    @Test func prefixFamiliesMapToTheirIntent() {
        #expect(Intents.gating(event: "GUILD_MEMBER_ADD") == .guildMembers)
        #expect(Intents.gating(event: "GUILD_MEMBERS_CHUNK") == [])  // reply to op 8, no intent
        #expect(Intents.gating(event: "THREAD_LIST_SYNC") == .guilds)
        #expect(Intents.gating(event: "AUTO_MODERATION_ACTION_EXECUTION") == .autoModerationExecution)
    }

    @Test func ungatedAndUnknownEventsNeedNothing() {
        #expect(Intents.gating(event: "READY") == [])
        #expect(Intents.gating(event: "INTERACTION_CREATE") == [])
        #expect(Intents.gating(event: "SOMETHING_NEW") == [])
    }

    @Test func neededIsTheUnion() {
        let needed = Intents.needed(by: ["GUILD_CREATE", "MESSAGE_CREATE", "READY"])
        #expect(needed == [.guilds, .guildMessages, .directMessages])
        #expect(needed.isDisjoint(with: .privileged))
    }
}
