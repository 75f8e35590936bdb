/* Handler coroutines (issue 6): every handler, lifecycle handler and timer runs in
   a coroutine, so a rest.* call can park it (yield) while the request is in flight
   and the script thread goes on with the next events. Parked coroutines live in a
   registry table keyed by request id; lb_resume continues them with the result.
   The time budget applies per slice (each lua_resume), the memory cap always.
   Known limits (issue 6): a coroutine that failed, or that was dropped at stop, is left
   to the collector without lua_resetthread, so its pending to-be-closed variables are
   not closed; one finished coroutine is kept for reuse, others are collected. */
#include "lb_internal.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

const char lb_rest_mark_tag = 0;

/* Registry keys (light userdata): handler threads (weak keys), parked entries
   {thread, shard} by id, and one finished thread kept for reuse. */
static const char lb_handlers_key = 0;
static const char lb_parked_key = 0;
static const char lb_spare_key = 0;

/* Stack: [-0, +0, m] creates the registry tables (run from lb_setup). */
void lb_open_coro(lua_State *L) {
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &lb_handlers_key);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &lb_parked_key);
    /* the slot exists from now on, so storing a spare thread later cannot allocate */
    lua_pushboolean(L, 0);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &lb_spare_key);
}

int lb_coro_is_handler(lua_State *L) {
    if (!lua_checkstack(L, 2)) return 0;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &lb_handlers_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pushthread(L);
    int yes = lua_rawget(L, -2) == LUA_TBOOLEAN;
    lua_pop(L, 2);
    return yes;
}

/* Stack: [-0, +1, -] Lua-facing: whether argument 1 is a handler coroutine. */
int lb_coro_is_handler_arg(lua_State *L) {
    int yes = 0;
    if (lua_type(L, 1) == LUA_TTHREAD && lua_rawgetp(L, LUA_REGISTRYINDEX, &lb_handlers_key) == LUA_TTABLE) {
        lua_pushvalue(L, 1);
        yes = lua_rawget(L, -2) == LUA_TBOOLEAN;
    }
    lua_pushboolean(L, yes); /* the top is returned; what lies below does not matter */
    return 1;
}

void lb_coro_park(lua_State *L, int64_t id) {
    lb_state *S = lb_from(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lb_parked_key);
    lua_createtable(L, 2, 0);
    lua_pushthread(L);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, S->current_shard);
    lua_rawseti(L, -2, 2);
    lua_rawseti(L, -2, (lua_Integer)id);
    lua_pop(L, 1);
    S->nparked++;
}

int lb_parked_count(const lb_state *S) { return S->nparked; }

void lb_coro_prepare(lua_State *L, int nargs) {
    lua_State *co = NULL;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &lb_spare_key) == LUA_TTHREAD) {
        co = lua_tothread(L, -1);
        if (lua_status(co) != LUA_OK || lua_gettop(co) != 0) co = NULL;
    }
    if (co) {
        lua_pushboolean(L, 0);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &lb_spare_key);
    } else {
        lua_pop(L, 1);
        co = lua_newthread(L); /* inherits the budget hook of L */
        lua_rawgetp(L, LUA_REGISTRYINDEX, &lb_handlers_key);
        lua_pushvalue(L, -2);
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
        lua_pop(L, 1);
    }
    lua_insert(L, -(nargs + 2));
    if (!lua_checkstack(co, nargs + 1)) luaL_error(L, "not enough memory for a handler coroutine");
    lua_xmove(L, co, nargs + 1);
}

/* [-0, +1, m] message handler for a failed coroutine: arg 1 the thread, whose top
   is the error value; pushes "msg\ntraceback" of the coroutine. */
static int lb_coro_traceback(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    lua_xmove(co, L, 1);
    const char *msg = lua_tostring(L, -1);
    if (msg == NULL) {
        if (luaL_callmeta(L, -1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, -1));
    }
    luaL_traceback(L, co, msg, 0);
    return 1;
}

/* Stack: [-1, +0] on S->L (the thread). Never raises: lua_resume is protected, and
   the traceback is built under lua_pcall. */
int lb_coro_run(lb_state *S, int nargs) {
    lua_State *L = S->L;
    lua_State *co = lua_tothread(L, -1);
    int nres = 0;
    S->aborting = LB_ABORT_NONE;
    S->where[0] = 0;
    S->deadline = S->budget > 0 ? lb_now() + S->budget : HUGE_VAL;
    int status = lua_resume(co, L, nargs, &nres);
    int aborting = S->aborting;
    S->deadline = 0;
    S->aborting = LB_ABORT_NONE;
    if (status == LUA_OK) {
        lua_settop(co, 0);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &lb_spare_key); /* pops the thread; slot exists */
        return LB_OK;
    }
    if (status == LUA_YIELD) {
        int ours = nres >= 1 && lua_touserdata(co, -nres) == LB_REST_MARK;
        lua_pop(co, nres);
        lua_pop(L, 1);
        if (ours) return LB_PENDING;
        /* a bare coroutine.yield in a handler: nothing would ever resume it */
        static const char msg[] = "coroutine.yield called in a handler (outside a coroutine the script created)";
        lb_set_error(S, msg, sizeof msg - 1);
        return LB_ERR_RUNTIME;
    }
    int code = LB_ERR_RUNTIME;
    if (aborting == LB_ABORT_MEMORY || status == LUA_ERRMEM) {
        lb_set_memory_error(S);
        code = LB_ERR_MEMORY;
    } else {
        if (aborting == LB_ABORT_TIMEOUT) code = LB_ERR_TIMEOUT;
        int t = lua_gettop(L);
        lua_pushcfunction(L, lb_coro_traceback);
        lua_pushvalue(L, t);
        S->aborting = LB_ABORT_MEMORY; /* allocator grace for the traceback */
        int ok = lua_pcall(L, 1, 1, 0) == LUA_OK;
        S->aborting = LB_ABORT_NONE;
        size_t len = 0;
        const char *msg = ok && lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        if (msg) lb_set_error(S, msg, len);
        else lb_set_error(S, "unknown error", 13);
        lua_settop(L, t);
    }
    lua_pop(L, 1);
    if (code == LB_ERR_MEMORY) {
        S->deadline = lb_now() + (S->budget > 0 ? S->budget : LB_DEFAULT_BUDGET);
        lua_gc(L, LUA_GCCOLLECT, 0);
        S->deadline = 0;
        S->aborting = LB_ABORT_NONE;
    }
    return code;
}

typedef struct lb_resume_args {
    int64_t id;
    int status;
    const char *body;
    size_t len;
    const char *err;
    size_t err_len;
    int found;
    int shard;
    int nargs;
} lb_resume_args;

/* Stack: [-1, +1, e] decodes the string at 1 (nested pcall target). */
static int lb_decode_string(lua_State *L) {
    size_t n;
    const char *s = lua_tolstring(L, 1, &n);
    lb_json_decode(L, s, n);
    return 1;
}

/* [-0, +1, e] takes the parked coroutine out of the table, pushes the result values
   onto its stack and pushes the thread (or nothing when id is unknown). */
static int lb_resume_body(lua_State *L) {
    lb_resume_args *a = (lb_resume_args *)lua_touserdata(L, 1);
    lb_state *S = lb_from(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lb_parked_key); /* 2 */
    if (lua_rawgeti(L, 2, (lua_Integer)a->id) != LUA_TTABLE) return 0; /* 3 */
    lua_rawgeti(L, 3, 1); /* 4: thread */
    lua_rawgeti(L, 3, 2);
    a->shard = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_rawseti(L, 2, (lua_Integer)a->id);
    S->nparked--;
    a->found = 1;
    int top = lua_gettop(L);
    if (a->err) {
        lua_pushnil(L);
        lua_pushlstring(L, a->err, a->err_len);
        if (a->status > 0) lua_pushinteger(L, a->status);
        else lua_pushnil(L);
    } else if (a->len == 0) {
        lua_pushboolean(L, 1);
    } else {
        lua_pushcfunction(L, lb_decode_string);
        lua_pushlstring(L, a->body, a->len);
        if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
            const char *why = lua_tostring(L, -1);
            lua_pushnil(L);
            lua_pushfstring(L, "invalid JSON in the response: %s", why ? why : "?");
            lua_pushinteger(L, a->status);
            lua_remove(L, -4);
        }
    }
    a->nargs = lua_gettop(L) - top;
    lua_State *co = lua_tothread(L, 4);
    if (!lua_checkstack(co, a->nargs)) return luaL_error(L, "not enough memory to resume a handler");
    lua_xmove(L, co, a->nargs);
    lua_pushvalue(L, 4);
    return 1;
}

/* Stack: [-0, +0]. Never raises. */
int lb_resume(lb_state *S, int64_t id, int status, const uint8_t *body, size_t len,
              const char *err, size_t err_len) {
    lua_State *L = S->L;
    int base = lua_gettop(L);
    lb_resume_args a = {id, status, (const char *)body, len, err, err_len, 0, S->default_shard, 0};
    lua_pushcfunction(L, lb_resume_body);
    lua_pushlightuserdata(L, &a);
    int rc = lb_protected(S, base, 1, 1);
    if (rc != LB_OK) {
        if (a.found) S->errors++;
        return rc;
    }
    if (!a.found || lua_type(L, -1) != LUA_TTHREAD) {
        lua_settop(L, base);
        return LB_NOT_FOUND;
    }
    S->current_shard = a.shard;
    rc = lb_coro_run(S, a.nargs);
    S->current_shard = S->default_shard;
    lua_settop(L, base);
    if (rc != LB_OK && rc != LB_PENDING) S->errors++;
    return rc;
}

/* [-0, +0, -] removes parked[id]; arg 1: the id (light userdata pointer to it). */
static int lb_drop_body(lua_State *L) {
    int64_t id = *(int64_t *)lua_touserdata(L, 1);
    lb_state *S = lb_from(L);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lb_parked_key);
    if (lua_rawgeti(L, -1, (lua_Integer)id) != LUA_TTABLE) return 0;
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_rawseti(L, -2, (lua_Integer)id);
    S->nparked--;
    lua_pushboolean(L, 1);
    return 1;
}

/* Stack: [-0, +0]. Never raises. */
int lb_drop(lb_state *S, int64_t id) {
    lua_State *L = S->L;
    int base = lua_gettop(L);
    lua_pushcfunction(L, lb_drop_body);
    lua_pushlightuserdata(L, &id);
    if (lb_protected(S, base, 1, 1) != LB_OK) return LB_NOT_FOUND;
    int found = lua_toboolean(L, -1);
    lua_settop(L, base);
    return found ? LB_OK : LB_NOT_FOUND;
}
