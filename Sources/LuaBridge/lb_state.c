/* State lifecycle: allocator with a memory cap, instruction hook with a time
   budget, protected calls, loading scripts, errors and stats. */
#define _GNU_SOURCE
#include "lb_internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LB_MEMORY_GRACE ((size_t)4 * 1024 * 1024)

const char *lb_lua_version(void) { return LUA_RELEASE; }

double lb_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double lb_now_coarse(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

lb_state *lb_from(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (lb_state *)ud;
}

/* The allocator: counts bytes and refuses to grow past the cap. While a memory
   abort unwinds, a small grace lets the error machinery (traceback) allocate. */
static void *lb_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    lb_state *S = (lb_state *)ud;
    if (ptr == NULL) osize = 0;
    if (nsize == 0) {
        free(ptr);
        S->mem_used -= osize;
        return NULL;
    }
    size_t limit = S->mem_limit + (S->aborting == LB_ABORT_MEMORY ? LB_MEMORY_GRACE : 0);
    if (nsize > osize && S->mem_used - osize + nsize > limit) {
        if (S->deadline > 0) S->aborting = LB_ABORT_MEMORY;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p == NULL) return NULL;
    S->mem_used = S->mem_used - osize + nsize;
    return p;
}

/* Known limit (issue 5): the hook only runs between Lua instructions, so time
   spent inside one C function (e.g. a pathological string.find pattern on a long
   subject) is not interrupted until that function returns.
   Count hook: enforces the per-call time budget; near the memory cap it also
   records where the script is, so a memory error can name a line. Raises. */
static void lb_hook(lua_State *L, lua_Debug *ar) {
    lb_state *S = lb_from(L);
    if (S->mem_used > S->mem_limit / 4 * 3 && lua_getinfo(L, "Sl", ar) && ar->currentline > 0 &&
        ar->source[0] == '@') /* script files only, not botrun's own wrappers */
        snprintf(S->where, sizeof S->where, "%s:%d", ar->short_src, ar->currentline);
    if (S->deadline > 0 && (S->aborting == LB_ABORT_TIMEOUT || lb_now_coarse() > S->deadline)) {
        S->aborting = LB_ABORT_TIMEOUT;
        char msg[192];
        if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
            snprintf(msg, sizeof msg, "%s:%d: time budget exceeded (%.3g s)", ar->short_src,
                     ar->currentline, S->budget);
        else
            snprintf(msg, sizeof msg, "time budget exceeded (%.3g s)", S->budget);
        lua_pushstring(L, msg);
        lua_error(L);
    }
}

/* Stack: [-0, +0] only reached on a bug (a Lua error outside any pcall). */
static int lb_panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "botrun: unprotected Lua error: %s\n", msg ? msg : "?");
    abort();
}

/* Stack: [-0, +0, -] never raises. */
void lb_where(lua_State *L, int level, char *out, size_t cap) {
    lua_Debug ar;
    out[0] = 0;
    if (lua_getstack(L, level, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        snprintf(out, cap, "%s:%d", ar.short_src, ar.currentline);
}

void lb_set_error(lb_state *S, const char *msg, size_t len) {
    char *copy = malloc(len + 1);
    if (copy == NULL) return;
    memcpy(copy, msg, len);
    copy[len] = 0;
    free(S->err);
    S->err = copy;
}

void lb_set_memory_error(lb_state *S) {
    char msg[256];
    int n = snprintf(msg, sizeof msg, "%s%smemory limit exceeded (%zu MB)", S->where,
                     S->where[0] ? ": " : "", S->mem_limit >> 20);
    lb_set_error(S, msg, n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

const char *lb_last_error(const lb_state *S) { return S->err ? S->err : ""; }

/* Message handler: [-0, +1, m] turns the error into "msg\ntraceback". */
static int lb_msgh(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Stack: [-n, +n|0, v] returns its arguments, or rethrows a pending abort. */
int lb_abort_check(lua_State *L) {
    lb_state *S = lb_from(L);
    if (S->aborting != LB_ABORT_NONE && !lua_toboolean(L, 1)) {
        lua_settop(L, 2);
        return lua_error(L); /* rethrow the abort past the script's pcall */
    }
    return lua_gettop(L);
}

/* Stack: [-(nargs+1), +nresults (on success) | +0, -]. Never raises. */
int lb_protected(lb_state *S, int base, int nargs, int nresults) {
    lua_State *L = S->L;
    lua_pushcfunction(L, lb_msgh);
    lua_insert(L, base + 1);
    S->aborting = LB_ABORT_NONE;
    S->where[0] = 0;
    S->deadline = S->budget > 0 ? lb_now() + S->budget : HUGE_VAL;
    int status = lua_pcall(L, nargs, nresults, base + 1);
    int aborting = S->aborting;
    S->deadline = 0;
    S->aborting = LB_ABORT_NONE;
    if (status == LUA_OK) {
        lua_remove(L, base + 1);
        return LB_OK;
    }
    int code = LB_ERR_RUNTIME;
    /* Known limit (issue 5): Lua raises memory errors without calling the message
       handler, so they carry no traceback; S->where (recorded by the hook near the
       cap) gives the approximate script line instead. */
    if (aborting == LB_ABORT_MEMORY || status == LUA_ERRMEM) {
        lb_set_memory_error(S);
        code = LB_ERR_MEMORY;
    } else {
        size_t len = 0;
        const char *msg = lua_tolstring(L, -1, &len);
        if (msg) lb_set_error(S, msg, len);
        else lb_set_error(S, "unknown error", 13);
        if (aborting == LB_ABORT_TIMEOUT) code = LB_ERR_TIMEOUT;
    }
    lua_settop(L, base);
    if (code == LB_ERR_MEMORY) {
        /* finalizers may run here: keep them under a budget too */
        S->deadline = lb_now() + (S->budget > 0 ? S->budget : LB_DEFAULT_BUDGET);
        lua_gc(L, LUA_GCCOLLECT, 0);
        S->deadline = 0;
        S->aborting = LB_ABORT_NONE;
    }
    return code;
}

/* [-0, +0, e] opens the libraries and installs the botrun APIs. */
static int lb_setup(lua_State *L) {
    lb_state *S = (lb_state *)lua_touserdata(L, 1);
    luaL_openlibs(L);
    lb_open_json(L);
    lb_open_shard(L);
    lb_open_timer(L);
    lb_open_coro(L);
    lb_open_rest(L);
    lb_open_sandbox(L, S);
    lb_open_cguards(L);
    lua_newtable(L);
    lua_setglobal(L, "store");
    return 0;
}

/* Stack: [-0, +0] on the new state. Never raises. */
lb_state *lb_new(const lb_options *opts, const lb_host *host) {
    lb_state *S = calloc(1, sizeof *S);
    if (S == NULL) return NULL;
    S->sandbox = opts ? opts->sandbox : 1;
    S->mem_limit = (opts && opts->memory_limit) ? opts->memory_limit : LB_DEFAULT_MEMORY;
    S->budget = (opts && opts->time_budget != 0) ? opts->time_budget : LB_DEFAULT_BUDGET;
    if (opts && opts->script_dir) S->script_dir = strdup(opts->script_dir);
    if (host) S->host = *host;
    S->next_timer_id = 1;
    S->L = lua_newstate(lb_alloc, S);
    if (S->L == NULL) {
        free(S->script_dir);
        free(S);
        return NULL;
    }
    lua_atpanic(S->L, lb_panic);
    lua_sethook(S->L, lb_hook, LUA_MASKCOUNT, LB_HOOK_COUNT);
    lua_gc(S->L, LUA_GCGEN, 0, 0); /* event tables die young */
    int base = lua_gettop(S->L);
    lua_pushcfunction(S->L, lb_setup);
    lua_pushlightuserdata(S->L, S);
    if (lb_protected(S, base, 1, 0) != LB_OK) {
        lb_close(S);
        return NULL;
    }
    return S;
}

/* Never raises (lua_close runs finalizers protected). */
void lb_close(lb_state *S) {
    if (S == NULL) return;
    /* lua_close runs the remaining __gc finalizers: bound them by the budget (an
       aborted finalizer only produces a warning, which is ignored). */
    S->deadline = lb_now() + (S->budget > 0 ? S->budget : LB_DEFAULT_BUDGET);
    if (S->L) lua_close(S->L);
    free(S->script_dir);
    free(S->err);
    free(S->names);
    free(S->required);
    free(S->scratch);
    free(S->keys);
    free(S->timers);
    free(S);
}

void lb_free(void *p) { free(p); }

void lb_set_default_shard(lb_state *S, int shard_id) {
    S->default_shard = shard_id;
    S->current_shard = shard_id;
}

void lb_get_stats(const lb_state *S, lb_stats *out) {
    out->handled = S->handled;
    out->errors = S->errors;
    out->memory = S->mem_used;
}
