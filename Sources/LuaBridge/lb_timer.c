/* timer.after / timer.every: deadlines kept in a C array, callbacks in the
   registry table "lb.timers" keyed by timer id. The host asks for the next
   deadline and runs due timers one at a time, each under the same protection as
   a handler. */
#include "lb_internal.h"
#include <stdlib.h>
#include <string.h>

#define LB_MIN_INTERVAL 0.001

double lb_next_deadline(const lb_state *S) {
    double best = -1;
    for (int i = 0; i < S->ntimers; i++)
        if (best < 0 || S->timers[i].deadline < best) best = S->timers[i].deadline;
    return best;
}

int lb_timer_count(const lb_state *S) { return S->ntimers; }

static int lb_timer_index(const lb_state *S, int64_t id) {
    for (int i = 0; i < S->ntimers; i++)
        if (S->timers[i].id == id) return i;
    return -1;
}

static void lb_timer_remove(lb_state *S, int i) {
    memmove(&S->timers[i], &S->timers[i + 1], (size_t)(S->ntimers - i - 1) * sizeof *S->timers);
    S->ntimers--;
}

/* [-0, +1, e] pushes registry["lb.timers"], creating it on first use. */
static void lb_timer_table(lua_State *L) {
    if (lua_getfield(L, LUA_REGISTRYINDEX, "lb.timers") != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, "lb.timers");
    }
}

/* handle:cancel() -> boolean (true if the timer was still pending). [-0, +1, e] */
static int lb_timer_cancel(lua_State *L) {
    lb_state *S = lb_from(L);
    int64_t *id = (int64_t *)luaL_checkudata(L, 1, "lb.timer");
    int i = lb_timer_index(S, *id);
    if (i >= 0) lb_timer_remove(S, i);
    lb_timer_table(L);
    lua_pushnil(L);
    lua_rawseti(L, -2, (lua_Integer)*id);
    lua_pushboolean(L, i >= 0);
    return 1;
}

/* [-0, +1, e] timer.after/every(seconds, fn) -> handle. Upvalue 1: repeat flag. */
static int lb_timer_new(lua_State *L) {
    lb_state *S = lb_from(L);
    int every = lua_toboolean(L, lua_upvalueindex(1));
    lua_Number secs = luaL_checknumber(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    luaL_argcheck(L, secs >= 0 && secs == secs, 1, "seconds must be >= 0");
    if (every && secs < LB_MIN_INTERVAL) secs = LB_MIN_INTERVAL;
    if (S->ntimers == S->timers_cap) {
        int cap = S->timers_cap ? S->timers_cap * 2 : 8;
        lb_timer *grown = realloc(S->timers, (size_t)cap * sizeof *grown);
        if (grown == NULL) return luaL_error(L, "not enough memory");
        S->timers = grown;
        S->timers_cap = cap;
    }
    int64_t id = S->next_timer_id++;
    int64_t *handle = (int64_t *)lua_newuserdatauv(L, sizeof *handle, 0);
    *handle = id;
    luaL_setmetatable(L, "lb.timer");
    lb_timer_table(L);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, (lua_Integer)id);
    lua_pop(L, 1);
    lb_timer *t = &S->timers[S->ntimers++];
    t->id = id;
    t->deadline = lb_now() + secs;
    t->interval = every ? secs : 0;
    t->shard_id = S->current_shard;
    return 1;
}

/* [-0, +1|0, e] moves the registry timer function (arg 1: the timer) into a
   handler coroutine and returns the thread; a one-shot timer's entry is cleared. */
static int lb_timer_body(lua_State *L) {
    lb_timer *t = (lb_timer *)lua_touserdata(L, 1);
    lb_timer_table(L);
    lua_rawgeti(L, -1, (lua_Integer)t->id);
    if (t->interval == 0) {
        lua_pushnil(L);
        lua_rawseti(L, -3, (lua_Integer)t->id);
    }
    if (lua_type(L, -1) != LUA_TFUNCTION) return 0;
    lb_coro_prepare(L, 0);
    return 1;
}

/* Stack: [-0, +0]; the callback runs in a handler coroutine (it may park on rest.*,
   then this returns LB_PENDING). Never raises. */
int lb_run_timer(lb_state *S, double now) {
    int best = -1;
    for (int i = 0; i < S->ntimers; i++) {
        lb_timer *t = &S->timers[i];
        if (t->deadline > now) continue;
        if (best < 0 || t->deadline < S->timers[best].deadline ||
            (t->deadline == S->timers[best].deadline && t->id < S->timers[best].id))
            best = i;
    }
    if (best < 0) return LB_NOT_FOUND;
    lb_timer fired = S->timers[best];
    if (fired.interval > 0) {
        double next = fired.deadline + fired.interval;
        S->timers[best].deadline = next > now ? next : now + fired.interval;
    } else {
        lb_timer_remove(S, best);
    }
    lua_State *L = S->L;
    int base = lua_gettop(L);
    lua_pushcfunction(L, lb_timer_body);
    lua_pushlightuserdata(L, &fired);
    S->current_shard = fired.shard_id;
    int rc = lb_protected(S, base, 1, 1);
    if (rc == LB_OK && lua_type(L, -1) == LUA_TTHREAD) rc = lb_coro_run(S, 0);
    lua_settop(L, base);
    S->current_shard = S->default_shard;
    S->handled++;
    if (rc != LB_OK && rc != LB_PENDING) S->errors++;
    return rc;
}

/* Stack: [-0, +1, e] __tostring of a timer handle. */
static int lb_timer_tostring(lua_State *L) {
    int64_t *id = (int64_t *)luaL_checkudata(L, 1, "lb.timer");
    lua_pushfstring(L, "timer %I", (lua_Integer)*id);
    return 1;
}

/* Stack: [-0, +0, m] installs the global `timer` and the handle metatable. */
void lb_open_timer(lua_State *L) {
    luaL_newmetatable(L, "lb.timer");
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, lb_timer_cancel);
    lua_setfield(L, -2, "cancel");
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, lb_timer_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushboolean(L, 0);
    lua_pushcclosure(L, lb_timer_new, 1);
    lua_setfield(L, -2, "after");
    lua_pushboolean(L, 1);
    lua_pushcclosure(L, lb_timer_new, 1);
    lua_setfield(L, -2, "every");
    lua_setglobal(L, "timer");
}
