import Foundation

/// Message creation, edits, deletes and reactions — shared by REST (the bot) and the console
/// (simulated users). Each turns into the dispatch Discord would send.
extension SimCore {
    static let maxContentLength = 2000

    private static func invalidBody() -> HTTPResponse {
        .error(400, message: "The request body contains invalid JSON.", code: 50109)
    }

    private static func formError(field: String, code: String, message: String) -> HTTPResponse {
        .error(400, message: "Invalid Form Body", code: 50035, extra: [("errors", SimJSON.object([
            (field, SimJSON.object([("_errors", SimJSON.array([SimJSON.object([
                ("code", SimJSON.string(code)), ("message", SimJSON.string(message)),
            ])]))])),
        ]))])
    }

    /// Validates `content` / `embeds` like Discord; returns the error response or the values.
    private static func validate(_ body: JSONInput, requireSomething: Bool)
        -> Result<(content: String?, embeds: String?), RESTFailure> {
        let content = body["content"]?.string
        if let contentValue = body["content"], !contentValue.isNull, content == nil {
            return .failure(RESTFailure(formError(field: "content", code: "BASE_TYPE_STRING",
                                                  message: "Could not interpret value as string.")))
        }
        if let content, content.count > maxContentLength {
            return .failure(RESTFailure(formError(field: "content", code: "BASE_TYPE_MAX_LENGTH",
                                                  message: "Must be 2000 or fewer in length.")))
        }
        let embeds = body["embeds"]?.array
        if let embeds, embeds.count > 10 {
            return .failure(RESTFailure(formError(field: "embeds", code: "BASE_TYPE_MAX_LENGTH",
                                                  message: "Must be 10 or fewer in length.")))
        }
        if requireSomething, (content ?? "").isEmpty, (embeds ?? []).isEmpty {
            return .failure(RESTFailure(.error(400, message: "Cannot send an empty message", code: 50006)))
        }
        return .success((content, embeds.map { SimJSON.array($0.map(\.serialized)) }))
    }

    mutating func createMessage(channelID: String, _ bodyBytes: [UInt8], now: Double) -> RESTOutcome {
        guard let index = world.guildIndex(ofChannel: channelID) else {
            return RESTOutcome(response: .error(404, message: "Unknown Channel", code: 10003))
        }
        guard let body = JSONInput.parse(bodyBytes), body.isObject else {
            return RESTOutcome(response: Self.invalidBody())
        }
        switch Self.validate(body, requireSomething: true) {
        case .failure(let failure):
            return RESTOutcome(response: failure.response)
        case .success(let (content, embeds)):
            let message = SimMessage(
                id: world.nextSnowflake(), channelID: channelID, guildID: world.guilds[index].id,
                author: world.botUser, member: world.member(world.botUser.id, inGuild: index),
                content: content ?? "", embeds: embeds ?? "[]", timestamp: SimWorld.timestamp(Date()),
                editedTimestamp: nil, mentionsBot: false,
                referencedMessageID: body["message_reference"]?["message_id"]?.string)
            world.messages[message.id] = message
            let json = world.messageJSON(message)
            let actions = dispatch(t: "MESSAGE_CREATE", d: json, guildID: message.guildID,
                                   intent: GatewayIntents.guildMessages)
            return RESTOutcome(response: .json(200, json), actions: actions,
                               botMessages: [SimBotMessage(kind: .created, channelID: channelID,
                                                           messageID: message.id, content: message.content)])
        }
    }

    mutating func editMessage(channelID: String, messageID: String, _ bodyBytes: [UInt8], now: Double) -> RESTOutcome {
        guard var message = world.messages[messageID], message.channelID == channelID else {
            return RESTOutcome(response: .error(404, message: "Unknown Message", code: 10008))
        }
        guard message.author.id == world.botUser.id else {
            return RESTOutcome(response: .error(403, message: "Cannot edit a message authored by another user",
                                                code: 50005))
        }
        guard let body = JSONInput.parse(bodyBytes), body.isObject else {
            return RESTOutcome(response: Self.invalidBody())
        }
        switch Self.validate(body, requireSomething: false) {
        case .failure(let failure):
            return RESTOutcome(response: failure.response)
        case .success(let (content, embeds)):
            if let content { message.content = content }
            if let embeds { message.embeds = embeds }
            if message.content.isEmpty, message.embeds == "[]" {
                return RESTOutcome(response: .error(400, message: "Cannot send an empty message", code: 50006))
            }
            message.editedTimestamp = SimWorld.timestamp(Date())
            world.messages[messageID] = message
            let json = world.messageJSON(message)
            let actions = dispatch(t: "MESSAGE_UPDATE", d: json, guildID: message.guildID,
                                   intent: GatewayIntents.guildMessages)
            return RESTOutcome(response: .json(200, json), actions: actions,
                               botMessages: [SimBotMessage(kind: .edited, channelID: channelID,
                                                           messageID: messageID, content: message.content)])
        }
    }

    mutating func deleteMessage(channelID: String, messageID: String) -> RESTOutcome {
        guard let message = world.messages[messageID], message.channelID == channelID else {
            return RESTOutcome(response: .error(404, message: "Unknown Message", code: 10008))
        }
        world.messages[messageID] = nil
        let actions = dispatch(t: "MESSAGE_DELETE", d: Self.deleteJSON(message), guildID: message.guildID,
                               intent: GatewayIntents.guildMessages)
        return RESTOutcome(response: .noContent(), actions: actions,
                           botMessages: [SimBotMessage(kind: .deleted, channelID: channelID,
                                                       messageID: messageID, content: message.content)])
    }

    /// `GET /channels/{id}/messages`: newest first, `limit` 1–100 (default 50).
    func listMessages(channelID: String, query: [String: String]) -> RESTOutcome {
        guard world.guildIndex(ofChannel: channelID) != nil else {
            return RESTOutcome(response: .error(404, message: "Unknown Channel", code: 10003))
        }
        let limit = min(100, max(1, query["limit"].flatMap { Int($0) } ?? 50))
        let messages = world.messages.values.filter { $0.channelID == channelID }
            .sorted { (UInt64($0.id) ?? 0) > (UInt64($1.id) ?? 0) }.prefix(limit)
        return RESTOutcome(response: .json(200, SimJSON.array(messages.map { world.messageJSON($0) })))
    }

    /// `POST /channels/{id}/typing`: 204 and TYPING_START from the bot.
    mutating func typing(channelID: String, now: Double) -> RESTOutcome {
        guard let index = world.guildIndex(ofChannel: channelID) else {
            return RESTOutcome(response: .error(404, message: "Unknown Channel", code: 10003))
        }
        let guildID = world.guilds[index].id
        var fields: [(String, String)] = [
            ("user_id", SimJSON.string(world.botUser.id)), ("timestamp", String(Int(Date().timeIntervalSince1970))),
            ("channel_id", SimJSON.string(channelID)), ("guild_id", SimJSON.string(guildID)),
        ]
        if let member = world.member(world.botUser.id, inGuild: index) { fields.append(("member", member.json())) }
        let actions = dispatch(t: "TYPING_START", d: SimJSON.object(fields), guildID: guildID,
                               intent: GatewayIntents.guildMessageTyping)
        return RESTOutcome(response: .noContent(), actions: actions)
    }

    static func deleteJSON(_ message: SimMessage) -> String {
        var fields: [(String, String)] = [("id", SimJSON.string(message.id)),
                                          ("channel_id", SimJSON.string(message.channelID))]
        if let guildID = message.guildID { fields.append(("guild_id", SimJSON.string(guildID))) }
        return SimJSON.object(fields)
    }

    mutating func react(channelID: String, messageID: String, emoji rawEmoji: String, add: Bool) -> RESTOutcome {
        guard let message = world.messages[messageID], message.channelID == channelID else {
            return RESTOutcome(response: .error(404, message: "Unknown Message", code: 10008))
        }
        let emoji = rawEmoji.removingPercentEncoding ?? rawEmoji
        guard !emoji.isEmpty else { return RESTOutcome(response: .error(400, message: "Unknown Emoji", code: 10014)) }
        let actions = reactionDispatch(message: message, userID: world.botUser.id, emoji: emoji, add: add)
        return RESTOutcome(response: .noContent(), actions: actions,
                           botMessages: add ? [SimBotMessage(kind: .reacted(emoji: emoji), channelID: channelID,
                                                             messageID: messageID, content: message.content)] : [])
    }

    mutating func reactionDispatch(message: SimMessage, userID: String, emoji: String, add: Bool) -> [SimAction] {
        // "name:id" is a custom emoji; anything else is a unicode emoji.
        let pieces = emoji.split(separator: ":")
        let emojiJSON = pieces.count == 2
            ? "{\"id\":\(SimJSON.string(String(pieces[1]))),\"name\":\(SimJSON.string(String(pieces[0])))}"
            : "{\"id\":null,\"name\":\(SimJSON.string(emoji))}"
        var fields: [(String, String)] = [
            ("user_id", SimJSON.string(userID)), ("type", "0"), ("message_id", SimJSON.string(message.id)),
            ("message_author_id", SimJSON.string(message.author.id)), ("emoji", emojiJSON),
            ("channel_id", SimJSON.string(message.channelID)), ("burst", "false"),
        ]
        if let guildID = message.guildID {
            fields.append(("guild_id", SimJSON.string(guildID)))
            if add, let index = world.guilds.firstIndex(where: { $0.id == guildID }),
               let member = world.member(userID, inGuild: index) {
                fields.append(("member", member.json()))
            }
        }
        return dispatch(t: add ? "MESSAGE_REACTION_ADD" : "MESSAGE_REACTION_REMOVE", d: SimJSON.object(fields),
                        guildID: message.guildID, intent: GatewayIntents.guildMessageReactions)
    }

    // MARK: - Simulated users (console)

    /// A simulated user posts `content` in `channelID`: a MESSAGE_CREATE to every session
    /// (content emptied for sessions without MESSAGE_CONTENT unless it mentions the bot).
    /// Returns the new message id (nil for an unknown channel) and the actions.
    public mutating func postUserMessage(channelID: String, authorID: String, content: String)
        -> (messageID: String?, actions: [SimAction]) {
        guard let index = world.guildIndex(ofChannel: channelID) else { return (nil, []) }
        let member = world.member(authorID, inGuild: index)
        let author = member?.user ?? world.user(authorID) ?? SimUser(id: authorID, username: "user\(authorID.suffix(4))")
        let mentionsBot = content.contains("<@\(world.botUser.id)>") || content.contains("<@!\(world.botUser.id)>")
        let message = SimMessage(
            id: world.nextSnowflake(), channelID: channelID, guildID: world.guilds[index].id, author: author,
            member: member, content: content, embeds: "[]", timestamp: SimWorld.timestamp(Date()),
            editedTimestamp: nil, mentionsBot: mentionsBot)
        world.messages[message.id] = message
        let full = world.messageJSON(message)
        let world = self.world
        let stripped = { mentionsBot ? full : world.messageJSON(message, stripContent: true) }
        return (message.id, dispatch(t: "MESSAGE_CREATE", d: full, guildID: message.guildID,
                                     intent: GatewayIntents.guildMessages, stripped: stripped))
    }
}

/// A REST error response carried through `Result`.
struct RESTFailure: Error {
    let response: HTTPResponse
    init(_ response: HTTPResponse) { self.response = response }
}
