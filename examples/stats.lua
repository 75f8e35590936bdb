-- stats.lua: print each shard's state and latency once a minute.
-- ./scripts/botrun --sim examples/stats.lua
-- Timers run on the script's thread between events, like handlers.

local function report()
  local first = shard.info() -- outside a handler: the first shard of this process
  if not first then return end -- nil, "session inactive" until the shard is up
  for id = 0, first.total - 1 do
    local info = shard.info(id)
    if info then -- shards run by other processes (--shard ID/TOTAL) report nil
      print(("shard %d/%d %s seq=%s latency=%s commands left=%s/%s queue=%s"):format(
        info.id, info.total, info.stage, info.seq, info.latency.average,
        info.ratelimit.available, info.ratelimit.max, info.queue_depth))
    end
  end
end

timer.every(60, report)

function on_ready(data, ctx)
  report() -- once at start, so the first line does not wait a minute
end
