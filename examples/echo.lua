-- echo.lua: the first bot. Every message shows up in the console; "!ping" gets a "pong".
-- Try it offline:  ./scripts/botrun --sim examples/echo.lua   (then type !ping)
-- Handlers are globals named on_<event>; defining on_message_create is enough for botrun
-- to ask Discord for the guild_messages intent. Reading message text in guilds also needs
-- the privileged message_content intent: --intents guilds,guild_messages,message_content

function on_ready(data, ctx)
  print(("ready as %s (shard %d)"):format(data.user.username, ctx.shard_id))
end

function on_message_create(msg, ctx)
  if msg.author.bot then return end -- ignore bots, the echo bot included
  print(("<%s> %s"):format(msg.author.username, msg.content))

  if msg.content == "!ping" then
    -- rest.* waits for Discord's answer without holding up other events: the handler is
    -- parked and resumed with the result (the new message, or nil + error + status).
    local reply, err = rest.reply(msg, "pong")
    if not reply then log.warn("reply failed:", err) end
  end
end
