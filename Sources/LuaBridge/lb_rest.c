/* The rest.* API (issue 6): argument checks in C (naming the argument, expected and
   actual type, and the script line), the body encoded to JSON, then the host starts
   the request and the handler's coroutine parks until lb_resume delivers
   `response_table` or `nil, message, status`.
   Outside a handler coroutine (top level, on a coroutine the script created) the
   calls return nil, message instead of waiting: nothing could resume them. */
#include "lb_internal.h"
#include <stdio.h>
#include <string.h>

static const char *const lb_methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};

/* [-0, +2, m] "bad argument '<name>' (<expected> expected, got <actual>)". */
static int lb_rest_bad(lua_State *L, const char *name, const char *expected, int idx) {
    char msg[256];
    snprintf(msg, sizeof msg, "bad argument '%s' (%s expected, got %s)", name, expected, lb_actual(L, idx));
    return lb_fail(L, msg);
}

/* Stack: [-0, +0, -] whether the value at idx is a snowflake (digits as a string, or
   a non-negative integer); writes its decimal text into out. Never raises. */
static int lb_snowflake(lua_State *L, int idx, char *out, size_t cap) {
    if (lua_type(L, idx) == LUA_TNUMBER && lua_isinteger(L, idx) && lua_tointeger(L, idx) >= 0) {
        snprintf(out, cap, "%lld", (long long)lua_tointeger(L, idx));
        return 1;
    }
    if (lua_type(L, idx) != LUA_TSTRING) return 0;
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    if (n == 0 || n >= cap || n > 20) return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    memcpy(out, s, n);
    out[n] = 0;
    return 1;
}

/* [-0, +0, e] encodes the value at idx onto b (nested target for lua_pcall). */
static int lb_rest_encode(lua_State *L) {
    lb_buf *b = (lb_buf *)lua_touserdata(L, 2);
    lb_json_encode(L, 1, b, "body");
    return 0;
}

/* Starts `method path` with the body at body_idx (0 = none; a table is encoded, a
   string must be JSON) and parks the handler until the answer.
   Stack: [-0, +1|2|3, e] (when parked, the values lb_resume pushes). */
static int lb_rest_start(lua_State *L, const char *method, const char *path, size_t path_len, int body_idx) {
    lb_state *S = lb_from(L);
    if (!lb_coro_is_handler(L)) return lb_fail(L, "rest calls are only allowed inside handlers and timers");
    if (!lua_isyieldable(L))
        return lb_fail(L, "rest calls cannot wait inside a C call (e.g. a table.sort or string.gsub callback)");
    if (S->host.rest_request == NULL) return lb_fail(L, "rest not available");
    const char *body = NULL;
    size_t body_len = 0;
    if (body_idx && lua_type(L, body_idx) == LUA_TTABLE) {
        lb_buf *b = lb_buf_push(L);
        lua_pushcfunction(L, lb_rest_encode);
        lua_pushvalue(L, body_idx);
        lua_pushvalue(L, -3);
        if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
            if (S->aborting != LB_ABORT_NONE) return lua_error(L);
            return lb_fail(L, lua_tostring(L, -1) ? lua_tostring(L, -1) : "body cannot be encoded");
        }
        body = b->p ? b->p : "";
        body_len = b->len;
    } else if (body_idx && lua_type(L, body_idx) == LUA_TSTRING) {
        lua_pushcfunction(L, lb_json_decode_check);
        lua_pushvalue(L, body_idx);
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
            if (S->aborting != LB_ABORT_NONE) return lua_error(L);
            char msg[256];
            snprintf(msg, sizeof msg, "bad argument 'body' (invalid JSON: %s)",
                     lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
            return lb_fail(L, msg);
        }
        body = lua_tolstring(L, body_idx, &body_len);
    }
    int64_t id = 0;
    char err[256] = "";
    if (S->host.rest_request(S->host.ctx, method, path, path_len, body, body_len, &id, err, sizeof err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err[0] ? err : "request not started");
        return 2;
    }
    /* Known limit (issue 6): if parking fails for lack of memory the request is
       already on its way; its answer then finds no coroutine and is dropped. */
    lb_coro_park(L, id);
    lua_settop(L, 0);
    lua_pushlightuserdata(L, LB_REST_MARK);
    return lua_yield(L, 1);
}

/* rest.request(method, path[, body]) -> response | nil, message, status. [-0, +1|2|3, e] */
static int lb_rest_request(lua_State *L) {
    if (lua_type(L, 1) != LUA_TSTRING) return lb_rest_bad(L, "method", "string", 1);
    char method[8];
    size_t mlen;
    const char *m = lua_tolstring(L, 1, &mlen);
    const char *found = NULL;
    if (mlen < sizeof method) {
        for (size_t i = 0; i <= mlen; i++) method[i] = (char)(m[i] >= 'a' && m[i] <= 'z' ? m[i] - 32 : m[i]);
        for (int i = 0; lb_methods[i]; i++)
            if (strcmp(method, lb_methods[i]) == 0) found = lb_methods[i];
    }
    if (found == NULL) {
        char msg[160];
        snprintf(msg, sizeof msg, "bad argument 'method' (GET, POST, PUT, PATCH or DELETE expected, got '%.16s')", m);
        return lb_fail(L, msg);
    }
    size_t plen = 0;
    const char *path = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &plen) : NULL;
    if (path == NULL) return lb_rest_bad(L, "path", "string", 2);
    if (plen == 0 || path[0] != '/' || strlen(path) != plen) {
        char msg[160];
        snprintf(msg, sizeof msg, "bad argument 'path' (a path starting with '/' expected, got '%.40s')", path);
        return lb_fail(L, msg);
    }
    int t = lua_type(L, 3);
    if (t != LUA_TNONE && t != LUA_TNIL && t != LUA_TTABLE && t != LUA_TSTRING)
        return lb_rest_bad(L, "body", "table, JSON string or nil", 3);
    lua_settop(L, 3);
    return lb_rest_start(L, found, path, plen, t == LUA_TTABLE || t == LUA_TSTRING ? 3 : 0);
}

/* [-0, +0, e] checks the snowflake argument idx; on failure pushes nil, message and
   returns 0 (the caller returns 2). */
static int lb_id_arg(lua_State *L, int idx, const char *name, char *out, size_t cap) {
    if (lb_snowflake(L, idx, out, cap)) return 1;
    if (lua_type(L, idx) == LUA_TSTRING) {
        char msg[200];
        snprintf(msg, sizeof msg, "bad argument '%s' (snowflake expected, got '%.32s')", name, lua_tostring(L, idx));
        lb_fail(L, msg);
    } else {
        lb_rest_bad(L, name, "snowflake string", idx);
    }
    return 0;
}

/* [-0, +1, m] pushes a message body for the value at idx: a string becomes
   {content = s}, a table is shallow-copied. Returns 0 (nothing pushed) otherwise. */
static int lb_fields(lua_State *L, int idx) {
    if (lua_type(L, idx) == LUA_TSTRING) {
        lua_createtable(L, 0, 1);
        lua_pushvalue(L, idx);
        lua_setfield(L, -2, "content");
        return 1;
    }
    if (lua_type(L, idx) != LUA_TTABLE) return 0;
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    return 1;
}

/* rest.create_message(channel_id, fields_or_content). [-0, +1|2|3, e] */
static int lb_rest_create_message(lua_State *L) {
    char channel[24], path[64];
    lua_settop(L, 2);
    if (!lb_id_arg(L, 1, "channel_id", channel, sizeof channel)) return 2;
    if (!lb_fields(L, 2)) return lb_rest_bad(L, "fields", "table or string", 2);
    int n = snprintf(path, sizeof path, "/channels/%s/messages", channel);
    return lb_rest_start(L, "POST", path, (size_t)n, lua_gettop(L));
}

/* rest.edit_message(channel_id, message_id, fields_or_content). [-0, +1|2|3, e] */
static int lb_rest_edit_message(lua_State *L) {
    char channel[24], message[24], path[96];
    lua_settop(L, 3);
    if (!lb_id_arg(L, 1, "channel_id", channel, sizeof channel)) return 2;
    if (!lb_id_arg(L, 2, "message_id", message, sizeof message)) return 2;
    if (!lb_fields(L, 3)) return lb_rest_bad(L, "fields", "table or string", 3);
    int n = snprintf(path, sizeof path, "/channels/%s/messages/%s", channel, message);
    return lb_rest_start(L, "PATCH", path, (size_t)n, lua_gettop(L));
}

/* rest.delete_message(channel_id, message_id) -> true | nil, message, status. [-0, +1|2|3, e] */
static int lb_rest_delete_message(lua_State *L) {
    char channel[24], message[24], path[96];
    lua_settop(L, 2);
    if (!lb_id_arg(L, 1, "channel_id", channel, sizeof channel)) return 2;
    if (!lb_id_arg(L, 2, "message_id", message, sizeof message)) return 2;
    int n = snprintf(path, sizeof path, "/channels/%s/messages/%s", channel, message);
    return lb_rest_start(L, "DELETE", path, (size_t)n, 0);
}

/* rest.create_reaction(channel_id, message_id, emoji): emoji is a Unicode emoji or
   "name:id" for a custom one; it is percent-encoded into the path. [-0, +1|2|3, e] */
static int lb_rest_create_reaction(lua_State *L) {
    char channel[24], message[24];
    lua_settop(L, 3);
    if (!lb_id_arg(L, 1, "channel_id", channel, sizeof channel)) return 2;
    if (!lb_id_arg(L, 2, "message_id", message, sizeof message)) return 2;
    size_t elen = 0;
    const char *emoji = lua_type(L, 3) == LUA_TSTRING ? lua_tolstring(L, 3, &elen) : NULL;
    if (emoji == NULL || elen == 0 || elen > 100) return lb_rest_bad(L, "emoji", "non-empty string", 3);
    lb_buf *b = lb_buf_push(L);
    char head[96];
    int n = snprintf(head, sizeof head, "/channels/%s/messages/%s/reactions/", channel, message);
    lb_buf_add(L, b, head, (size_t)n);
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < elen; i++) {
        unsigned char c = (unsigned char)emoji[i];
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '~' || c == ':';
        if (plain) {
            lb_buf_add(L, b, (const char *)&c, 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            lb_buf_add(L, b, esc, 3);
        }
    }
    lb_buf_add(L, b, "/@me", 4);
    return lb_rest_start(L, "PUT", b->p, b->len, 0);
}

/* rest.reply(msg, content_or_fields): create_message in msg's channel with a
   message_reference to msg (unless the fields carry their own). [-0, +1|2|3, e] */
static int lb_rest_reply(lua_State *L) {
    char channel[24], message[24], path[64];
    lua_settop(L, 2);
    if (lua_type(L, 1) != LUA_TTABLE) return lb_rest_bad(L, "msg", "message table", 1);
    lua_getfield(L, 1, "channel_id"); /* 3 */
    lua_getfield(L, 1, "id");         /* 4 */
    lua_getfield(L, 1, "guild_id");   /* 5 */
    if (!lb_snowflake(L, 3, channel, sizeof channel))
        return lb_rest_bad(L, "msg.channel_id", "snowflake string", 3);
    if (!lb_snowflake(L, 4, message, sizeof message)) return lb_rest_bad(L, "msg.id", "snowflake string", 4);
    if (!lb_fields(L, 2)) return lb_rest_bad(L, "content_or_fields", "string or table", 2); /* 6 */
    lua_getfield(L, 6, "message_reference");
    int has_reference = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!has_reference) {
        lua_createtable(L, 0, 3);
        lua_pushstring(L, message);
        lua_setfield(L, -2, "message_id");
        lua_pushstring(L, channel);
        lua_setfield(L, -2, "channel_id");
        if (lua_type(L, 5) == LUA_TSTRING) {
            lua_pushvalue(L, 5);
            lua_setfield(L, -2, "guild_id");
        }
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "fail_if_not_exists");
        lua_setfield(L, 6, "message_reference");
    }
    int n = snprintf(path, sizeof path, "/channels/%s/messages", channel);
    return lb_rest_start(L, "POST", path, (size_t)n, 6);
}

/* Stack: [-0, +0, m] installs the global `rest`. */
void lb_open_rest(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"request", lb_rest_request},
        {"create_message", lb_rest_create_message},
        {"edit_message", lb_rest_edit_message},
        {"delete_message", lb_rest_delete_message},
        {"create_reaction", lb_rest_create_reaction},
        {"reply", lb_rest_reply},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    lua_setglobal(L, "rest");
}
