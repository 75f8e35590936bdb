-- presence.lua: set the bot's status once the session is ready.
-- ./scripts/botrun --sim examples/presence.lua
-- update_presence is a gateway command: it goes out on the shard's WebSocket, no REST call.

function on_ready(data, ctx)
  local ok, err = shard.command("update_presence", {
    since = json.null, -- JSON null: "not idle"; plain nil would leave the field out
    activities = { { name = "with Lua", type = 0 } }, -- type 0: "Playing …"
    status = "online",
    afk = false,
  })
  if ok then
    log.info("presence set")
  else
    log.warn("presence not set: " .. err) -- e.g. a field of the wrong type, named in err
  end
end
