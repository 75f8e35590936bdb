/* Handlers: enumeration, name mapping and calling them with (data, ctx). */
#include "lb_internal.h"
#include <stdlib.h>
#include <string.h>

static const char *const lb_lifecycle[] = {
    "on_shard_connected", "on_shard_disconnected", "on_shard_resumed",
    "on_shard_reconnecting", "on_invalid_session", "on_reload", NULL,
};

static int lb_is_lifecycle(const char *handler) {
    for (int i = 0; lb_lifecycle[i]; i++)
        if (strcmp(handler, lb_lifecycle[i]) == 0) return 1;
    return 0;
}

int lb_event_to_handler(const char *event, char *out, size_t cap) {
    size_t n = strlen(event);
    if (n == 0 || n + 4 > cap) return -1;
    memcpy(out, "on_", 3);
    for (size_t i = 0; i < n; i++) {
        char c = event[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        else if (!((c >= '0' && c <= '9') || c == '_')) return -1;
        out[3 + i] = c;
    }
    out[n + 3] = 0;
    return (int)(n + 3);
}

int lb_handler_to_event(const char *handler, char *out, size_t cap) {
    size_t n = strlen(handler);
    if (n <= 3 || strncmp(handler, "on_", 3) != 0 || n - 3 + 1 > cap) return -1;
    for (size_t i = 3; i < n; i++) {
        char c = handler[i];
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        else if (!((c >= '0' && c <= '9') || c == '_')) return -1;
        out[i - 3] = c;
    }
    out[n - 3] = 0;
    if (lb_is_lifecycle(handler)) return 0;
    return (int)(n - 3);
}

/* [-0, +1, e] collects "name\n" for each global on_* function into a buffer
   userdata and pushes its content as a string. */
static int lb_collect_names(lua_State *L) {
    lua_pushglobaltable(L);      /* 1 */
    lb_buf *b = lb_buf_push(L);  /* 2 */
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        size_t n;
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TFUNCTION) {
            const char *k = lua_tolstring(L, -2, &n);
            if (n > 3 && strncmp(k, "on_", 3) == 0) {
                lb_buf_add(L, b, k, n);
                lb_buf_add(L, b, "\n", 1);
            }
        }
        lua_pop(L, 1);
    }
    lua_pushlstring(L, b->p ? b->p : "", b->len);
    return 1;
}

/* Stack: [-0, +0]; the listing runs under lb_protected. Never raises. */
const char *lb_handler_names(lb_state *S) {
    lua_State *L = S->L;
    int base = lua_gettop(L);
    lua_pushcfunction(L, lb_collect_names);
    if (lb_protected(S, base, 0, 1) != LB_OK) return "";
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    char *copy = realloc(S->names, n + 1);
    if (copy) {
        memcpy(copy, s, n);
        copy[n] = 0;
        S->names = copy;
    }
    lua_settop(L, base);
    return S->names ? S->names : "";
}

typedef struct lb_call_args {
    const char *handler;
    const char *event;
    const char *json;
    size_t len;
    int shard_id;
    int64_t seq;
    int has_seq;
    int spread;   /* 1: data is a JSON array whose elements are the arguments */
    int found;
    int nargs;    /* arguments moved into the coroutine */
} lb_call_args;

/* [-0, +1|0, e] pushes the handler, the decoded data and ctx, moves them into a
   handler coroutine and returns that thread (nothing when there is no handler). */
static int lb_call_body(lua_State *L) {
    lb_call_args *a = (lb_call_args *)lua_touserdata(L, 1);
    lua_pushglobaltable(L);
    lua_pushstring(L, a->handler);
    lua_rawget(L, -2);
    if (lua_type(L, -1) != LUA_TFUNCTION) return 0;
    a->found = 1;
    lua_remove(L, -2);
    int nargs = 0;
    if (a->spread) {
        if (a->json && a->len) {
            lb_json_decode(L, a->json, a->len);
            int t = lua_gettop(L);
            lua_Integer n = (lua_Integer)lua_rawlen(L, t);
            luaL_checkstack(L, (int)n + 4, "lifecycle arguments");
            for (lua_Integer i = 1; i <= n; i++) lua_rawgeti(L, t, i);
            lua_remove(L, t);
            nargs = (int)n;
        }
    } else {
        if (a->len) lb_json_decode(L, a->json, a->len);
        else lua_pushnil(L);
        nargs = 1;
    }
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, a->shard_id);
    lua_setfield(L, -2, "shard_id");
    if (a->has_seq) {
        lua_pushinteger(L, (lua_Integer)a->seq);
        lua_setfield(L, -2, "seq");
    }
    lua_pushstring(L, a->event);
    lua_setfield(L, -2, "event");
    a->nargs = nargs + 1;
    lb_coro_prepare(L, a->nargs);
    return 1;
}

/* Stack: [-0, +0]; builds the call under lb_protected, then runs the handler's
   coroutine (lb_coro_run). Never raises. Returns LB_PENDING when it parked. */
static int lb_run_call(lb_state *S, lb_call_args *a) {
    lua_State *L = S->L;
    int base = lua_gettop(L);
    lua_pushcfunction(L, lb_call_body);
    lua_pushlightuserdata(L, a);
    S->current_shard = a->shard_id;
    int rc = lb_protected(S, base, 1, 1);
    if (rc == LB_OK && lua_type(L, -1) == LUA_TTHREAD) rc = lb_coro_run(S, a->nargs);
    lua_settop(L, base);
    S->current_shard = S->default_shard;
    if (!a->found && rc == LB_OK) return LB_NOT_FOUND;
    S->handled++;
    if (rc != LB_OK && rc != LB_PENDING) S->errors++;
    return rc;
}

/* Stack: [-0, +0]. Never raises (see lb_run_call). */
int lb_dispatch(lb_state *S, const char *event, const uint8_t *json, size_t len,
                int shard_id, int64_t seq) {
    char handler[128];
    if (lb_event_to_handler(event, handler, sizeof handler) < 0) {
        lb_set_error(S, "bad event name", 14);
        return LB_NOT_FOUND;
    }
    lb_call_args a = {handler, event, (const char *)json, len, shard_id, seq, 1, 0, 0, 0};
    return lb_run_call(S, &a);
}

/* Stack: [-0, +0]. Never raises (see lb_run_call). */
int lb_call_lifecycle(lb_state *S, const char *handler, const char *args_json,
                      size_t args_len, int shard_id) {
    char event[128];
    if (lb_handler_to_event(handler, event, sizeof event) < 0) {
        lb_set_error(S, "bad handler name", 16);
        return LB_NOT_FOUND;
    }
    lb_call_args a = {handler, event, args_json, args_json ? args_len : 0, shard_id, 0, 0, 1, 0, 0};
    return lb_run_call(S, &a);
}
