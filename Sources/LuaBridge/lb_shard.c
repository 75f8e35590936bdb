/* The shard.* and log.* APIs: argument checking in C (naming field, expected
   and actual type, script line), then the host callbacks. */
#include "lb_internal.h"
#include <stdio.h>
#include <string.h>

enum {
    T_STRING = 1, T_INTEGER = 2, T_BOOL = 4, T_ARRAY = 8, T_OBJECT = 16, T_NULL = 32, T_NUMBER = 64,
};

typedef struct field_spec {
    const char *name;
    int types;
    int required;
} field_spec;

typedef struct command_spec {
    const char *name;
    field_spec fields[8];
} command_spec;

/* Unknown fields are refused (to catch typos); a field Discord adds later needs
   an entry here (issue 5). */
static const command_spec lb_commands[] = {
    {"update_presence",
     {{"since", T_INTEGER | T_NULL, 0}, {"activities", T_ARRAY, 0}, {"status", T_STRING, 0},
      {"afk", T_BOOL, 0}, {NULL, 0, 0}}},
    {"request_guild_members",
     {{"guild_id", T_STRING, 1}, {"query", T_STRING, 0}, {"limit", T_INTEGER, 0},
      {"presences", T_BOOL, 0}, {"user_ids", T_STRING | T_ARRAY, 0}, {"nonce", T_STRING, 0},
      {NULL, 0, 0}}},
    {"update_voice_state",
     {{"guild_id", T_STRING, 1}, {"channel_id", T_STRING | T_NULL, 1}, {"self_mute", T_BOOL, 0},
      {"self_deaf", T_BOOL, 0}, {NULL, 0, 0}}},
    {"request_soundboard_sounds", {{"guild_ids", T_ARRAY, 1}, {NULL, 0, 0}}},
    {NULL, {{NULL, 0, 0}}},
};

static const char *const lb_statuses[] = {"online", "dnd", "idle", "invisible", "offline", NULL};

static void lb_expected(int types, char *out, size_t cap) {
    static const char *const names[] = {"string", "integer", "boolean", "array", "table", "null", "number"};
    out[0] = 0;
    for (int i = 0; i < 7; i++) {
        if (!(types & (1 << i))) continue;
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s", n ? " or " : "", names[i]);
    }
}

/* Type name as a script author thinks of it. Never raises. */
const char *lb_actual(lua_State *L, int idx) {
    if (lua_type(L, idx) == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == LB_JSON_NULL) return "null";
    if (lua_type(L, idx) == LUA_TNUMBER && !lua_isinteger(L, idx)) return "float";
    return luaL_typename(L, idx);
}

/* Stack: [-0, +0, -] reads the value at idx. Never raises. */
static int lb_type_ok(lua_State *L, int idx, int types) {
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: return types & T_STRING;
    case LUA_TBOOLEAN: return types & T_BOOL;
    case LUA_TNUMBER:
        if (types & T_NUMBER) return 1;
        if (types & T_INTEGER) {
            if (lua_isinteger(L, idx)) return 1;
            lua_Number v = lua_tonumber(L, idx);
            return v == (lua_Number)(lua_Integer)v;
        }
        return 0;
    case LUA_TTABLE: return types & (T_ARRAY | T_OBJECT);
    case LUA_TLIGHTUSERDATA: return (types & T_NULL) && lua_touserdata(L, idx) == LB_JSON_NULL;
    default: return 0;
    }
}

/* [-0, +2, m] returns nil, "<message> at <script:line>" */
int lb_fail(lua_State *L, const char *msg) {
    char where[128];
    lb_where(L, 1, where, sizeof where);
    lua_pushnil(L);
    if (where[0]) lua_pushfstring(L, "%s at %s", msg, where);
    else lua_pushstring(L, msg);
    return 2;
}

/* [-0, +0, -] the optional shard id argument, defaulting to the delivering shard. */
static int lb_shard_arg(lua_State *L, int idx, int *out) {
    lb_state *S = lb_from(L);
    if (lua_isnoneornil(L, idx)) { *out = S->current_shard; return 1; }
    if (!lua_isinteger(L, idx)) return 0;
    *out = (int)lua_tointeger(L, idx);
    return 1;
}

/* shard.info([shard_id]) -> table | nil, "session inactive". [-0, +1|2, e] */
static int lb_shard_info(lua_State *L) {
    lb_state *S = lb_from(L);
    int shard;
    if (!lb_shard_arg(L, 1, &shard)) {
        char m[128];
        snprintf(m, sizeof m, "bad argument 'shard_id' (integer expected, got %s)", lb_actual(L, 1));
        return lb_fail(L, m);
    }
    if (S->host.shard_info == NULL) return lb_fail(L, "shard.info not available");
    char small[2048];
    long n = S->host.shard_info(S->host.ctx, shard, small, sizeof small);
    if (n < 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "session inactive");
        return 2;
    }
    if ((size_t)n <= sizeof small) {
        lb_json_decode(L, small, (size_t)n);
        return 1;
    }
    char *big = (char *)lua_newuserdatauv(L, (size_t)n, 0);
    long m = S->host.shard_info(S->host.ctx, shard, big, (size_t)n);
    if (m < 0 || m > n) {
        lua_pushnil(L);
        lua_pushliteral(L, "session inactive");
        return 2;
    }
    lb_json_decode(L, big, (size_t)m);
    return 1;
}

static const command_spec *lb_find_command(const char *name) {
    for (const command_spec *c = lb_commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

/* [-0, +0, e] checks fields (table at idx) against spec; writes an error
   message into msg and returns 0 on the first problem. */
static int lb_check_fields(lua_State *L, int idx, const command_spec *c, char *msg, size_t cap) {
    for (const field_spec *f = c->fields; f->name; f++) {
        lua_getfield(L, idx, f->name);
        int absent = lua_isnil(L, -1);
        if (absent && f->required) {
            char exp[64];
            lb_expected(f->types, exp, sizeof exp);
            snprintf(msg, cap, "missing field '%s' (%s expected)", f->name, exp);
            lua_pop(L, 1);
            return 0;
        }
        if (!absent && !lb_type_ok(L, -1, f->types)) {
            char exp[64];
            lb_expected(f->types, exp, sizeof exp);
            snprintf(msg, cap, "bad field '%s' (%s expected, got %s)", f->name, exp, lb_actual(L, -1));
            lua_pop(L, 1);
            return 0;
        }
        if (!absent && strcmp(f->name, "status") == 0) {
            const char *v = lua_tostring(L, -1);
            int known = 0;
            for (int i = 0; lb_statuses[i]; i++) known |= strcmp(v, lb_statuses[i]) == 0;
            if (!known) {
                snprintf(msg, cap, "bad field 'status' (online, dnd, idle, invisible or offline expected, got '%.32s')", v);
                lua_pop(L, 1);
                return 0;
            }
        }
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        int known = 0;
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char *k = lua_tostring(L, -1);
            for (const field_spec *f = c->fields; f->name; f++) known |= strcmp(f->name, k) == 0;
            if (!known) {
                snprintf(msg, cap, "unknown field '%.64s' for %s", k, c->name);
                lua_pop(L, 1);
                return 0;
            }
        } else {
            snprintf(msg, cap, "bad field key (string expected, got %s)", luaL_typename(L, -1));
            lua_pop(L, 1);
            return 0;
        }
    }
    return 1;
}

/* shard.command(name, fields[, shard_id]) -> true | nil, message. [-0, +1|2, e] */
static int lb_shard_command(lua_State *L) {
    lb_state *S = lb_from(L);
    char msg[320];
    if (lua_type(L, 1) != LUA_TSTRING) {
        snprintf(msg, sizeof msg, "bad argument 'name' (string expected, got %s)", lb_actual(L, 1));
        return lb_fail(L, msg);
    }
    const char *name = lua_tostring(L, 1);
    const command_spec *c = lb_find_command(name);
    if (c == NULL) {
        snprintf(msg, sizeof msg, "unknown command '%.64s' (update_presence, request_guild_members, "
                 "update_voice_state or request_soundboard_sounds expected)", name);
        return lb_fail(L, msg);
    }
    if (lua_type(L, 2) != LUA_TTABLE) {
        snprintf(msg, sizeof msg, "bad argument 'fields' (table expected, got %s)", lb_actual(L, 2));
        return lb_fail(L, msg);
    }
    int shard;
    if (!lb_shard_arg(L, 3, &shard)) {
        snprintf(msg, sizeof msg, "bad argument 'shard_id' (integer expected, got %s)", lb_actual(L, 3));
        return lb_fail(L, msg);
    }
    lua_settop(L, 2);
    if (!lb_check_fields(L, 2, c, msg, sizeof msg)) return lb_fail(L, msg);
    lb_buf *b = lb_buf_push(L);
    lua_pushnil(L);
    if (lua_next(L, 2)) {
        lua_pop(L, 2);
        lb_json_encode(L, 2, b, "");
    } else {
        lb_buf_add(L, b, "{}", 2); /* fields are an object; the encoder writes {} as [] */
    }
    if (S->host.shard_command == NULL) return lb_fail(L, "shard.command not available");
    char err[256] = "";
    if (S->host.shard_command(S->host.ctx, shard, name, b->p, b->len, err, sizeof err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err[0] ? err : "command failed");
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* Stack: [-0, +1, e] decodes the string at 1 (only to validate it; a lua_pcall target). */
int lb_json_decode_check(lua_State *L) {
    size_t n;
    const char *s = lua_tolstring(L, 1, &n);
    lb_json_decode(L, s, n);
    return 0;
}

/* Stack: [-0, +0, m] validates the string at idx with a nested pcall. */
static int lb_valid_json(lua_State *L, int idx, char *msg, size_t cap) {
    lua_pushcfunction(L, lb_json_decode_check);
    lua_pushvalue(L, idx);
    if (lua_pcall(L, 1, 0, 0) == LUA_OK) return 1;
    snprintf(msg, cap, "invalid JSON: %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    lua_pop(L, 1);
    return 0;
}

/* shard.send(msg[, shard_id]) -> true | nil, message. [-0, +1|2, e] */
static int lb_shard_send(lua_State *L) {
    lb_state *S = lb_from(L);
    char msg[320];
    int shard;
    if (!lb_shard_arg(L, 2, &shard)) {
        snprintf(msg, sizeof msg, "bad argument 'shard_id' (integer expected, got %s)", lb_actual(L, 2));
        return lb_fail(L, msg);
    }
    lua_settop(L, 1);
    int kind = LB_SEND_TEXT, code = 1000;
    size_t len = 0, rlen = 0;
    const char *data = "", *reason = "";
    if (lua_type(L, 1) == LUA_TSTRING) {
        if (!lb_valid_json(L, 1, msg, sizeof msg)) return lb_fail(L, msg);
        data = lua_tolstring(L, 1, &len);
    } else if (lua_type(L, 1) == LUA_TTABLE) {
        lua_getfield(L, 1, "type");   /* 2 */
        lua_getfield(L, 1, "data");   /* 3 */
        lua_getfield(L, 1, "code");   /* 4 */
        lua_getfield(L, 1, "reason"); /* 5 */
        const char *type = lua_isnil(L, 2) ? "text" : lua_tostring(L, 2);
        if (lua_type(L, 2) != LUA_TSTRING && !lua_isnil(L, 2)) type = NULL;
        if (type && strcmp(type, "text") == 0) {
            if (lua_type(L, 3) == LUA_TTABLE) {
                lb_buf *b = lb_buf_push(L);
                lb_json_encode(L, 3, b, "data");
                lua_pushlstring(L, b->p ? b->p : "", b->len);
                lua_replace(L, 3);
            } else if (lua_type(L, 3) != LUA_TSTRING) {
                snprintf(msg, sizeof msg, "bad field 'data' (string or table expected, got %s)", lb_actual(L, 3));
                return lb_fail(L, msg);
            } else if (!lb_valid_json(L, 3, msg, sizeof msg)) {
                return lb_fail(L, msg);
            }
            data = lua_tolstring(L, 3, &len);
        } else if (type && (strcmp(type, "binary") == 0 || strcmp(type, "ping") == 0)) {
            kind = type[0] == 'b' ? LB_SEND_BINARY : LB_SEND_PING;
            if (lua_type(L, 3) == LUA_TSTRING) data = lua_tolstring(L, 3, &len);
            else if (!lua_isnil(L, 3) || kind == LB_SEND_BINARY) {
                snprintf(msg, sizeof msg, "bad field 'data' (string expected, got %s)", lb_actual(L, 3));
                return lb_fail(L, msg);
            }
        } else if (type && strcmp(type, "close") == 0) {
            kind = LB_SEND_CLOSE;
            if (!lua_isnil(L, 4)) {
                if (!lua_isinteger(L, 4)) {
                    snprintf(msg, sizeof msg, "bad field 'code' (integer expected, got %s)", lb_actual(L, 4));
                    return lb_fail(L, msg);
                }
                lua_Integer v = lua_tointeger(L, 4);
                if (v < 0 || v > 65535) { /* (int) of 2^32 + 1000 would be 1000 */
                    snprintf(msg, sizeof msg, "bad field 'code' (0 to 65535 expected, got %lld)", (long long)v);
                    return lb_fail(L, msg);
                }
                code = (int)v;
            }
            if (lua_type(L, 5) == LUA_TSTRING) reason = lua_tolstring(L, 5, &rlen);
            else if (!lua_isnil(L, 5)) {
                snprintf(msg, sizeof msg, "bad field 'reason' (string expected, got %s)", lb_actual(L, 5));
                return lb_fail(L, msg);
            }
        } else {
            snprintf(msg, sizeof msg, "bad field 'type' (\"text\", \"binary\", \"ping\" or \"close\" expected, got %s)",
                     lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : lb_actual(L, 2));
            return lb_fail(L, msg);
        }
    } else {
        snprintf(msg, sizeof msg, "bad argument 'msg' (string or table expected, got %s)", lb_actual(L, 1));
        return lb_fail(L, msg);
    }
    if (S->host.shard_send == NULL) return lb_fail(L, "shard.send not available");
    char err[256] = "";
    if (S->host.shard_send(S->host.ctx, shard, kind, data, len, code, reason, rlen, err, sizeof err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err[0] ? err : "send failed");
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* log.<level>(...): [-0, +0, e] joins tostring of the arguments with spaces.
   Upvalue 1: the level. */
static int lb_log(lua_State *L) {
    lb_state *S = lb_from(L);
    int level = (int)lua_tointeger(L, lua_upvalueindex(1));
    int n = lua_gettop(L);
    lb_buf *b = lb_buf_push(L);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = luaL_tolstring(L, i, &len);
        if (i > 1) lb_buf_add(L, b, " ", 1);
        lb_buf_add(L, b, s, len);
        lua_pop(L, 1);
    }
    char where[128];
    lb_where(L, 1, where, sizeof where);
    if (S->host.log) S->host.log(S->host.ctx, level, b->p ? b->p : "", b->len, where, S->current_shard);
    else fprintf(stderr, "%.*s (%s)\n", (int)b->len, b->p ? b->p : "", where);
    return 0;
}

/* Stack: [-0, +0, m] installs the globals `shard` and `log`. */
void lb_open_shard(lua_State *L) {
    static const luaL_Reg shard_fns[] = {
        {"info", lb_shard_info}, {"command", lb_shard_command}, {"send", lb_shard_send}, {NULL, NULL},
    };
    luaL_newlib(L, shard_fns);
    lua_setglobal(L, "shard");
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    lua_createtable(L, 0, 4);
    for (int i = 0; i < 4; i++) {
        lua_pushinteger(L, i);
        lua_pushcclosure(L, lb_log, 1);
        lua_setfield(L, -2, levels[i]);
    }
    lua_setglobal(L, "log");
}
