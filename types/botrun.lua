---@meta botrun
-- LuaLS definitions for the botrun script API (issues 5 and 6).
-- Point your editor at this file (e.g. `"workspace.library": ["types"]` in .luarc.json).
--
-- Handlers are globals named `on_` + the dispatch name in lower case, e.g.
-- `on_message_create(msg, ctx)` for MESSAGE_CREATE. Only events with a handler are
-- decoded into Lua (the gateway filter is derived from the handlers you define and is
-- recomputed on every reload).
--
-- Sandbox (default): no os.execute/exit/remove/rename/getenv/tmpname (os keeps time,
-- clock, date, difftime), no io, no loadfile/dofile, load only compiles text, no
-- package.loadlib or C modules, debug only has traceback, collectgarbage only accepts
-- "count", "collect" and "step", no string.dump. `require` finds only Lua files beside
-- the script (`require "lib.util"` -> lib/util.lua). Each handler/timer call has a time
-- budget (default 2 s) and the state a memory cap (default 256 MB); exceeding either
-- aborts that call (script pcall cannot catch it) and the bot goes on.
-- `botrun --unsafe` restores the full standard library, including os.getenv — which
-- can read DISCORD_TOKEN from the environment.

---Context passed as the last argument of every handler.
---@class botrun.Context
---@field shard_id integer shard that delivered the event
---@field seq integer? gateway sequence number (dispatch events only)
---@field event string dispatch name, e.g. "MESSAGE_CREATE" ("SHARD_DISCONNECTED" for lifecycle handlers)

-- Dispatch handlers (one per gateway dispatch; any `on_<name>` works) -----------

---@type fun(data: table, ctx: botrun.Context)?
on_ready = nil
---@type fun(msg: table, ctx: botrun.Context)?
on_message_create = nil
---@type fun(msg: table, ctx: botrun.Context)?
on_message_update = nil
---@type fun(msg: table, ctx: botrun.Context)?
on_message_delete = nil
---@type fun(guild: table, ctx: botrun.Context)?
on_guild_create = nil
---@type fun(interaction: table, ctx: botrun.Context)?
on_interaction_create = nil
---@type fun(chunk: table, ctx: botrun.Context)?
on_guild_members_chunk = nil

-- Lifecycle handlers ------------------------------------------------------------

---@type fun(ctx: botrun.Context)?
on_shard_connected = nil
---@type fun(code: integer, reason: string, ctx: botrun.Context)?
on_shard_disconnected = nil
---@type fun(ctx: botrun.Context)?
on_shard_resumed = nil
---@type fun(ctx: botrun.Context)?
on_shard_reconnecting = nil
---@type fun(resumable: boolean, ctx: botrun.Context)?
on_invalid_session = nil
---Called after a successful reload, once the new top level has run with `store` carried over.
---@type fun(ctx: botrun.Context)?
on_reload = nil

-- json ---------------------------------------------------------------------------

---@class botrun.json
json = {}

---Sentinel for JSON null: `data.field == json.null` when the field is present and null,
---`data.field == nil` when it is absent.
---@type lightuserdata
json.null = nil

---Encodes a value. Tables with keys exactly 1..n are arrays (an empty table is `[]`);
---other tables are objects. Errors name the offending key path.
---@param value any
---@return string
function json.encode(value) end

---Decodes JSON text. Ids stay strings; integers are Lua integers; null is json.null.
---@param text string
---@return any
function json.decode(text) end

-- shard ----------------------------------------------------------------------------

---@class botrun.ShardInfo
---@field id integer
---@field total integer
---@field stage string
---@field session_id string?
---@field seq integer?
---@field latency {average: number?, recent: number?, heartbeats: integer} milliseconds
---@field ratelimit {available: integer, max: integer}
---@field queue_depth integer

---@class botrun.shard
shard = {}

---Information about a shard (default: the one that delivered the current event;
---shard 0 outside handlers; timers remember the shard of the handler that created them).
---@param shard_id integer?
---@return botrun.ShardInfo? info
---@return string? err "session inactive"
function shard.info(shard_id) end

---Sends a gateway command. Fields are checked first; a wrong type returns e.g.
---`nil, "bad field 'status' (string expected, got number) at bot.lua:3"`.
---  update_presence: since (integer|json.null), activities (array), status ("online"|"dnd"|"idle"|"invisible"|"offline"), afk (boolean)
---  request_guild_members: guild_id (string, required), query (string), limit (integer), presences (boolean), user_ids (string|array), nonce (string)
---  update_voice_state: guild_id (string, required), channel_id (string|json.null, required), self_mute, self_deaf (boolean)
---  request_soundboard_sounds: guild_ids (array, required)
---@param name "update_presence"|"request_guild_members"|"update_voice_state"|"request_soundboard_sounds"
---@param fields table
---@param shard_id integer?
---@return true? ok
---@return string? err
function shard.command(name, fields, shard_id) end

---Sends a raw frame: a JSON string (text frame), or
---`{type = "text"|"binary"|"ping"|"close", data = string|table, code = integer, reason = string}`.
---@param msg string|{type: "text"|"binary"|"ping"|"close"?, data: (string|table)?, code: integer?, reason: string?}
---@param shard_id integer?
---@return true? ok
---@return string? err
function shard.send(msg, shard_id) end

-- log / print ------------------------------------------------------------------------

---Writes through botrun's logger (arguments joined with spaces; script:line attached).
---@class botrun.log
log = {}
---@param ... any
function log.debug(...) end
---@param ... any
function log.info(...) end
---@param ... any
function log.warn(...) end
---@param ... any
function log.error(...) end

---Writes one line to stdout (arguments joined with tabs), flushed per line.
---@param ... any
function print(...) end

-- timer ----------------------------------------------------------------------------------

---@class botrun.Timer
local Timer = {}
---Cancels the timer; returns true if it was still pending.
---@return boolean
function Timer:cancel() end

---@class botrun.timer
timer = {}

---Runs fn once after `seconds`, on the script thread between events.
---@param seconds number
---@param fn fun()
---@return botrun.Timer
function timer.after(seconds, fn) end

---Runs fn every `seconds` (at least 1 ms), on the script thread between events.
---@param seconds number
---@param fn fun()
---@return botrun.Timer
function timer.every(seconds, fn) end

-- rest (issue 6) -------------------------------------------------------------------------
-- Every handler, lifecycle handler and timer runs in a coroutine: a rest.* call parks it
-- until Discord answers while other events go on (events start in gateway order; a handler
-- waiting on REST does not hold up the next). The time budget applies per slice, not to
-- the wait. Results: the decoded JSON answer (true for an empty answer, e.g. 204), or
-- nil, message, status (status nil without an HTTP answer). Argument errors return
-- nil, message (naming the argument, expected/actual type and script line) and send
-- nothing. Outside handlers and timers (top level, a coroutine the script created) the
-- calls return nil, "rest calls are only allowed inside handlers and timers".
-- Rate limits and 429 retries are handled by botrun. Ids are strings (or integers).

---@alias botrun.Snowflake string|integer
---@alias botrun.MessageFields string|table a string is the message content

---@class botrun.rest
rest = {}

---An API call relative to the base URL (https://discord.com/api/v10 or --api-url).
---@param method "GET"|"POST"|"PUT"|"PATCH"|"DELETE" case-insensitive
---@param path string starting with "/", e.g. "/users/@me"; a query string is allowed
---@param body? table|string a table is encoded as JSON (json.null for null); a string must be JSON
---@return table|boolean|nil response
---@return string? message
---@return integer? status
function rest.request(method, path, body) end

---POST /channels/{channel_id}/messages.
---@param channel_id botrun.Snowflake
---@param fields botrun.MessageFields
---@return table|nil message
---@return string? error
---@return integer? status
function rest.create_message(channel_id, fields) end

---Creates a message in msg's channel with message_reference = msg (unless fields has one).
---@param msg table a message (needs id and channel_id)
---@param fields botrun.MessageFields
---@return table|nil message
---@return string? error
---@return integer? status
function rest.reply(msg, fields) end

---PATCH /channels/{channel_id}/messages/{message_id}.
---@param channel_id botrun.Snowflake
---@param message_id botrun.Snowflake
---@param fields botrun.MessageFields
---@return table|nil message
---@return string? error
---@return integer? status
function rest.edit_message(channel_id, message_id, fields) end

---DELETE /channels/{channel_id}/messages/{message_id}.
---@param channel_id botrun.Snowflake
---@param message_id botrun.Snowflake
---@return boolean|nil ok
---@return string? error
---@return integer? status
function rest.delete_message(channel_id, message_id) end

---PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me.
---@param channel_id botrun.Snowflake
---@param message_id botrun.Snowflake
---@param emoji string a Unicode emoji ("👍") or "name:id" for a custom one
---@return boolean|nil ok
---@return string? error
---@return integer? status
function rest.create_reaction(channel_id, message_id, emoji) end

-- store ----------------------------------------------------------------------------------

---Plain data (strings, numbers, booleans, json.null, nested tables) that survives
---reloads. Functions, userdata and cycles are skipped with a warning. Timers do not
---survive a reload: the new top level creates its own.
---@type table
store = {}
