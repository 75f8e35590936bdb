-- bench.lua: the botrun side of scripts/bench (same behaviour as bench/peers/*_bot.py).
-- Replies with op 3 presence updates: "ready" once ready, "p<k>" for a latency probe,
-- "end:<count>" for the end marker, "guild:<members>" when the big guild arrives.
local BIG_GUILD = "1066077152870400042" -- id in guild_create_large.json (bench/run.py BIG_GUILD)
local count = 0

local function say(name)
  local ok, err = shard.command("update_presence", {
    since = json.null,
    activities = { { name = name, type = 0 } },
    status = "online",
    afk = false,
  })
  if not ok then log.error("bench: update_presence failed: " .. tostring(err)) end
end

function on_ready(data, ctx)
  say("ready")
end

function on_message_create(msg, ctx)
  local content = msg.content
  if content == "__bench_end__" then
    say("end:" .. count)
    return
  end
  count = count + 1
  if content:sub(1, 10) == "__probe__ " then say("p" .. content:sub(11)) end
end

function on_guild_create(guild, ctx)
  if guild.id == BIG_GUILD then say("guild:" .. tostring(guild.member_count)) end
end
