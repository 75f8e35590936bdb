-- members.lua: ask for every member of each guild and count the chunks that come back.
-- Listing all members needs the privileged guild_members intent (switch it on in the
-- Developer Portal for a real bot):
--   ./scripts/botrun --sim --intents guilds,guild_members examples/members.lua

function on_guild_create(guild, ctx)
  -- query = "" with limit = 0 means "all members"; Discord allows that once per guild
  -- every 30 s and answers with GUILD_MEMBERS_CHUNK events (or RATE_LIMITED).
  local ok, err = shard.command("request_guild_members", {
    guild_id = guild.id, -- ids are strings
    query = "",
    limit = 0,
  })
  if not ok then log.warn("member request failed: " .. err) end
end

function on_guild_members_chunk(chunk, ctx)
  print(("guild %s: chunk %d of %d, %d members"):format(
    chunk.guild_id, chunk.chunk_index + 1, chunk.chunk_count, #chunk.members))
end

function on_rate_limited(data, ctx)
  log.warn(("member request rate limited, retry in %.1f s"):format(data.retry_after))
end
