-- reload.lua: live-reload latency for scripts/bench (botrun only).
-- bench/run.py copies this file to bench/out/reload.lua, runs botrun on the copy and, while
-- events stream, saves it again (atomic rename, as editors do) with VERSION = 2. The first
-- event the new handler sees answers "mark-reloaded"; latency = save -> that op 3.
-- store.count survives the reload, so "end:<count>" proves no event was lost or doubled.
local VERSION = 1
store.count = store.count or 0
local first = true

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
    say("end:" .. store.count)
    return
  end
  store.count = store.count + 1
  if first then
    first = false
    say("mark-v" .. VERSION)
  end
end
