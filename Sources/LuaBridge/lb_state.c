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

/* Count hook: enforces the per-call time budget; near the memory cap it also
   records where the script is, so a memory error can name a line. Raises. */
static void lb_hook(lua_State *L, lua_Debug *ar) {
    lb_state *S = lb_from(L);
    if (S->mem_used > S->mem_limit / 4 * 3 && lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
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
    if (aborting == LB_ABORT_MEMORY || status == LUA_ERRMEM) {
        char msg[256];
        int n = snprintf(msg, sizeof msg, "%s%smemory limit exceeded (%zu MB)", S->where,
                         S->where[0] ? ": " : "", S->mem_limit >> 20);
        lb_set_error(S, msg, (size_t)n);
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

/* ---- loading ---- */

static const char *lb_basename(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* [-1, +0, e] registry["lb.main"] = the value at 1. */
static int lb_set_main(lua_State *L) {
    lua_settop(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "lb.main");
    return 0;
}

/* [-1, +0, -] stores the compiled chunk on top of the stack as the main chunk,
   under pcall (the registry write may need memory). Never raises. */
static int lb_keep_main(lua_State *L) {
    lua_pushcfunction(L, lb_set_main);
    lua_insert(L, -2);
    int status = lua_pcall(L, 1, 0, 0);
    if (status != LUA_OK) lua_pop(L, 1);
    return status;
}

/* Stack: [-0, +0]; compiled chunk goes to the registry. Never raises. */
int lb_load_buffer(lb_state *S, const char *code, size_t len, const char *chunkname) {
    lua_State *L = S->L;
    char name[256];
    snprintf(name, sizeof name, "@%s", chunkname);
    /* A first line starting with '#' (shebang) is skipped like lua.c does,
       keeping line numbers: the parser sees it as a comment. */
    int status;
    if (len > 0 && code[0] == '#') {
        char *copy = malloc(len + 2);
        if (copy == NULL) return LB_ERR_MEMORY;
        copy[0] = '-';
        copy[1] = '-';
        memcpy(copy + 2, code, len);
        status = luaL_loadbufferx(L, copy, len + 2, name, "t");
        free(copy);
    } else {
        status = luaL_loadbufferx(L, code, len, name, "t");
    }
    if (status != LUA_OK) {
        size_t mlen = 0;
        const char *msg = lua_tolstring(L, -1, &mlen);
        lb_set_error(S, msg ? msg : "load failed", msg ? mlen : 11);
        lua_pop(L, 1);
        return status == LUA_ERRMEM ? LB_ERR_MEMORY : LB_ERR_SYNTAX;
    }
    if (lb_keep_main(L) != LUA_OK) {
        lb_set_error(S, "not enough memory", 17);
        return LB_ERR_MEMORY;
    }
    return LB_OK;
}

/* Stack: [-0, +0]. Never raises. */
int lb_load_file(lb_state *S, const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        char msg[512];
        int n = snprintf(msg, sizeof msg, "cannot open %s", path);
        lb_set_error(S, msg, (size_t)n);
        return LB_ERR_FILE;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap) break;
        char *bigger = realloc(buf, cap * 2);
        if (bigger == NULL) { free(buf); buf = NULL; break; }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    if (buf == NULL) return LB_ERR_MEMORY;
    int rc = lb_load_buffer(S, buf, len, lb_basename(path));
    free(buf);
    return rc;
}

/* Stack: [-0, +0]. Never raises. */
int lb_run_main(lb_state *S) {
    lua_State *L = S->L;
    int base = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, "lb.main");
    if (!lua_isfunction(L, -1)) {
        lua_settop(L, base);
        lb_set_error(S, "no script loaded", 16);
        return LB_NOT_FOUND;
    }
    return lb_protected(S, base, 0, 0);
}

/* Stack: [-0, +0]. Never raises. */
int lb_eval(lb_state *S, const char *code, char *out, size_t cap) {
    lua_State *L = S->L;
    int base = lua_gettop(L);
    if (cap) out[0] = 0;
    if (luaL_loadbufferx(L, code, strlen(code), "=eval", "t") != LUA_OK) {
        size_t len = 0;
        const char *msg = lua_tolstring(L, -1, &len);
        lb_set_error(S, msg ? msg : "?", msg ? len : 1);
        lua_settop(L, base);
        return LB_ERR_SYNTAX;
    }
    int rc = lb_protected(S, base, 0, 1);
    if (rc != LB_OK) return rc;
    /* tostring without metamethods: cannot raise except on memory (then empty) */
    size_t len = 0;
    const char *s = NULL;
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: s = lua_tolstring(L, -1, &len); break;
    case LUA_TNIL: s = "nil"; len = 3; break;
    case LUA_TBOOLEAN: s = lua_toboolean(L, -1) ? "true" : "false"; len = strlen(s); break;
    case LUA_TNUMBER: {
        char num[64];
        if (lua_isinteger(L, -1)) snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, -1));
        else snprintf(num, sizeof num, "%.14g", lua_tonumber(L, -1));
        snprintf(out, cap, "%s", num);
        lua_settop(L, base);
        return LB_OK;
    }
    default: s = luaL_typename(L, -1); len = strlen(s); break;
    }
    if (cap) {
        size_t n = len < cap - 1 ? len : cap - 1;
        memcpy(out, s, n);
        out[n] = 0;
    }
    lua_settop(L, base);
    return LB_OK;
}

/* ---- growable buffer owned by a userdata ---- */

/* Stack: [-0, +0, -] __gc of lb.buf: frees the bytes. */
static int lb_buf_gc(lua_State *L) {
    lb_buf *b = (lb_buf *)lua_touserdata(L, 1);
    free(b->p);
    b->p = NULL;
    return 0;
}

/* Stack: [-0, +1, m] (see lb_internal.h). */
lb_buf *lb_buf_push(lua_State *L) {
    lb_buf *b = (lb_buf *)lua_newuserdatauv(L, sizeof *b, 0);
    b->p = NULL;
    b->len = b->cap = 0;
    if (luaL_newmetatable(L, "lb.buf")) {
        lua_pushcfunction(L, lb_buf_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b;
}

/* Stack: [-0, +0, m] (see lb_internal.h). */
void lb_buf_add(lua_State *L, lb_buf *b, const char *s, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        /* The buffer lives outside the Lua allocator, so bound it by the state's memory
           cap: otherwise repeating one string in a table (json.encode, shard.command,
           log.*) builds an output of any size from a few MB of Lua memory. */
        lb_state *S = lb_from(L);
        if (b->len + n > S->mem_limit) {
            if (S->deadline > 0) S->aborting = LB_ABORT_MEMORY;
            luaL_error(L, "not enough memory");
        }
        if (cap > S->mem_limit) cap = S->mem_limit;
        char *p = realloc(b->p, cap);
        if (p == NULL) luaL_error(L, "not enough memory");
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

char *lb_buf_steal(lb_buf *b, size_t *len) {
    char *p = b->p;
    if (len) *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}
