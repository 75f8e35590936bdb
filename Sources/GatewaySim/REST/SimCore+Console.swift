/// World events a sim console (or test) causes as simulated users: edits, deletes,
/// reactions, members joining and leaving. Each returns the dispatches Discord would send.
extension SimCore {
    /// A user edits their own message. Nil when the message is unknown.
    public mutating func editUserMessage(messageID: String, content: String) -> [SimAction]? {
        guard var message = world.messages[messageID] else { return nil }
        message.content = content
        message.editedTimestamp = SimWorld.timestamp(.init())
        world.messages[messageID] = message
        let full = world.messageJSON(message)
        let world = self.world
        let keepsContent = message.mentionsBot || message.author.id == world.botUser.id
        let stripped = { keepsContent ? full : world.messageJSON(message, stripContent: true) }
        return dispatch(t: "MESSAGE_UPDATE", d: full, guildID: message.guildID,
                        intent: GatewayIntents.guildMessages, stripped: stripped)
    }

    /// Any message is deleted (by a moderator). Nil when the message is unknown.
    public mutating func deleteAnyMessage(messageID: String) -> [SimAction]? {
        guard let message = world.messages.removeValue(forKey: messageID) else { return nil }
        return dispatch(t: "MESSAGE_DELETE", d: Self.deleteJSON(message), guildID: message.guildID,
                        intent: GatewayIntents.guildMessages)
    }

    /// `userID` reacts to (or un-reacts from) a message with `emoji` (unicode, or `name:id`).
    public mutating func userReaction(messageID: String, userID: String, emoji: String, add: Bool) -> [SimAction]? {
        guard let message = world.messages[messageID] else { return nil }
        return reactionDispatch(message: message, userID: userID, emoji: emoji, add: add)
    }

    /// A new member joins the first guild: GUILD_MEMBER_ADD (needs GUILD_MEMBERS).
    /// Returns the new user and the actions.
    public mutating func memberJoins(username: String) -> (user: SimUser, actions: [SimAction]) {
        let user = SimUser(id: world.nextSnowflake(), username: username, globalName: username)
        let member = SimMember(user: user)
        world.guilds[0].members.append(member)
        let d = String(member.json().dropLast()) + ",\"guild_id\":" + SimJSON.string(world.guilds[0].id) + "}"
        return (user, dispatch(t: "GUILD_MEMBER_ADD", d: d, guildID: world.guilds[0].id,
                               intent: GatewayIntents.guildMembers))
    }

    /// A member leaves the first guild: GUILD_MEMBER_REMOVE (needs GUILD_MEMBERS). Nil when
    /// the user is not a member.
    public mutating func memberLeaves(userID: String) -> [SimAction]? {
        guard let index = world.guilds[0].members.firstIndex(where: { $0.user.id == userID }),
              userID != world.botUser.id else { return nil }
        let member = world.guilds[0].members.remove(at: index)
        let d = SimJSON.object([("guild_id", SimJSON.string(world.guilds[0].id)), ("user", member.user.json)])
        return dispatch(t: "GUILD_MEMBER_REMOVE", d: d, guildID: world.guilds[0].id,
                        intent: GatewayIntents.guildMembers)
    }
}
