/* Lua values -> JSON (issue 5), for shard.command fields, shard.send and
   json.encode. Tables whose keys are exactly 1..n are arrays (an empty table is
   an empty array); other tables are objects with string (or number) keys. Errors
   name the offending key path, e.g. "activities[1].name".
   Known limit (issue 5): Lua strings are written as they are; invalid UTF-8 is not
   detected here and would make the gateway close with 4002. */
#include "lb_internal.h"
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define JE_MAX_DEPTH 100

typedef struct je {
    lua_State *L;
    lb_buf *b;
    char path[256];
} je;

static const char *je_path(je *e) { return e->path[0] ? e->path : "value"; }

/* Stack: [-0, +0, m] appends a quoted, escaped string to the buffer. */
static void je_string(je *e, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    lb_buf_add(e->L, e->b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        lb_buf_add(e->L, e->b, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t len = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
            esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
            len = 6;
        }
        lb_buf_add(e->L, e->b, esc, len);
    }
    lb_buf_add(e->L, e->b, s + run, n - run);
    lb_buf_add(e->L, e->b, "\"", 1);
}

static void je_value(je *e, int idx, int depth);

/* Appends ".key" or "[i]" to the path; returns the old length to restore. */
static size_t je_push_path(je *e, const char *key, lua_Integer index) {
    size_t old = strlen(e->path);
    if (key) snprintf(e->path + old, sizeof e->path - old, "%s%s", old ? "." : "", key);
    else snprintf(e->path + old, sizeof e->path - old, "[%lld]", (long long)index);
    return old;
}

/* [-0, +0, e] is the table at idx an array (keys exactly 1..n)? */
static int je_is_array(lua_State *L, int idx, lua_Integer *n_out) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx), count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (!lua_isinteger(L, -1)) { lua_pop(L, 1); return 0; }
        lua_Integer k = lua_tointeger(L, -1);
        if (k < 1 || k > n) { lua_pop(L, 1); return 0; }
        count++;
    }
    *n_out = n;
    return count == n;
}

/* Stack: [-0, +0, e] appends the array or object at idx. */
static void je_table(je *e, int idx, int depth) {
    lua_State *L = e->L;
    if (depth >= JE_MAX_DEPTH)
        luaL_error(L, "cannot encode field '%s' (nesting too deep; cycle?)", je_path(e));
    luaL_checkstack(L, 6, "JSON encode");
    lua_Integer n = 0;
    if (je_is_array(L, idx, &n)) {
        lb_buf_add(L, e->b, "[", 1);
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1) lb_buf_add(L, e->b, ",", 1);
            size_t old = je_push_path(e, NULL, i);
            lua_rawgeti(L, idx, i);
            je_value(e, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
            e->path[old] = 0;
        }
        lb_buf_add(L, e->b, "]", 1);
        return;
    }
    lb_buf_add(L, e->b, "{", 1);
    int first = 1;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        char numkey[32];
        const char *key;
        size_t klen;
        if (lua_type(L, -2) == LUA_TSTRING) {
            key = lua_tolstring(L, -2, &klen);
        } else if (lua_type(L, -2) == LUA_TNUMBER) {
            if (lua_isinteger(L, -2)) snprintf(numkey, sizeof numkey, "%lld", (long long)lua_tointeger(L, -2));
            else snprintf(numkey, sizeof numkey, "%.14g", lua_tonumber(L, -2));
            key = numkey;
            klen = strlen(numkey);
        } else {
            luaL_error(L, "cannot encode field '%s' (key of type %s)", je_path(e), luaL_typename(L, -2));
            return;
        }
        if (!first) lb_buf_add(L, e->b, ",", 1);
        first = 0;
        je_string(e, key, klen);
        lb_buf_add(L, e->b, ":", 1);
        size_t old = je_push_path(e, key, 0);
        je_value(e, lua_gettop(L), depth + 1);
        e->path[old] = 0;
        lua_pop(L, 1);
    }
    lb_buf_add(L, e->b, "}", 1);
}

/* [-0, +0, e] */
static void je_value(je *e, int idx, int depth) {
    lua_State *L = e->L;
    char num[64];
    switch (lua_type(L, idx)) {
    case LUA_TNIL: lb_buf_add(L, e->b, "null", 4); return;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, idx)) lb_buf_add(L, e->b, "true", 4);
        else lb_buf_add(L, e->b, "false", 5);
        return;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, idx));
        } else {
            double v = lua_tonumber(L, idx);
            if (!isfinite(v)) luaL_error(L, "cannot encode field '%s' (%f is not a JSON number)", je_path(e), v);
            /* shortest of 15 or 17 digits that reads back exactly (0.1 -> "0.1") */
            snprintf(num, sizeof num, "%.15g", v);
            if (strtod(num, NULL) != v) snprintf(num, sizeof num, "%.17g", v);
        }
        lb_buf_add(L, e->b, num, strlen(num));
        return;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        je_string(e, s, n);
        return;
    }
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == LB_JSON_NULL) { lb_buf_add(L, e->b, "null", 4); return; }
        break;
    case LUA_TTABLE: je_table(e, idx, depth); return;
    default: break;
    }
    luaL_error(L, "cannot encode field '%s' (%s)", je_path(e), luaL_typename(L, idx));
}

/* Stack: [-0, +0, e] (see lb_internal.h). */
void lb_json_encode(lua_State *L, int idx, lb_buf *b, const char *prefix) {
    je e;
    e.L = L;
    e.b = b;
    snprintf(e.path, sizeof e.path, "%s", prefix ? prefix : "");
    je_value(&e, lua_absindex(L, idx), 0);
}

/* json.encode(v) -> string. [-0, +1, e] */
static int lb_lua_json_encode(lua_State *L) {
    luaL_checkany(L, 1);
    lua_settop(L, 1);
    lb_buf *b = lb_buf_push(L);
    lb_json_encode(L, 1, b, "");
    lua_pushlstring(L, b->p ? b->p : "", b->len);
    return 1;
}

/* json.decode(s) -> value. [-0, +1, e] */
static int lb_lua_json_decode(lua_State *L) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    lb_json_decode(L, s, n);
    return 1;
}

/* Stack: [-0, +0, m] installs the global `json` table. */
void lb_open_json(lua_State *L) {
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, lb_lua_json_encode);
    lua_setfield(L, -2, "encode");
    lua_pushcfunction(L, lb_lua_json_decode);
    lua_setfield(L, -2, "decode");
    lua_pushlightuserdata(L, LB_JSON_NULL);
    lua_setfield(L, -2, "null");
    lua_setglobal(L, "json");
}
