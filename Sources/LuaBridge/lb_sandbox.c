/* The sandbox (issue 5): a reduced standard library, no __gc metamethods, text-only load, a require
   that finds only Lua files beside the script, print through the host, and
   pcall/xpcall/coroutine.resume wrappers that cannot swallow an abort (and cannot resume
   or close a handler's own coroutine, which only the host may continue: issue 6). */
#include "lb_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* print(...): [-0, +0, e] joins tostring of the arguments with tabs. */
static int lb_print(lua_State *L) {
    lb_state *S = lb_from(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t len = 0;
    const char *line = lua_tolstring(L, -1, &len);
    if (S->host.print) {
        S->host.print(S->host.ctx, line, len);
    } else {
        fwrite(line, 1, len, stdout);
        fputc('\n', stdout);
        fflush(stdout);
    }
    return 0;
}

static void lb_note_required(lb_state *S, const char *path) {
    size_t plen = strlen(path);
    if (S->required) {
        /* already listed? */
        const char *p = S->required;
        while ((p = strstr(p, path)) != NULL) {
            if ((p == S->required || p[-1] == '\n') && p[plen] == '\n') return;
            p += 1;
        }
    }
    char *grown = realloc(S->required, S->required_len + plen + 2);
    if (grown == NULL) return;
    memcpy(grown + S->required_len, path, plen);
    grown[S->required_len + plen] = '\n';
    grown[S->required_len + plen + 1] = 0;
    S->required = grown;
    S->required_len += plen + 1;
}

const char *lb_required_files(const lb_state *S) { return S->required ? S->required : ""; }

typedef struct lb_reader {
    FILE *f;
    char buf[4096];
} lb_reader;

static const char *lb_read_chunk(lua_State *L, void *ud, size_t *size) {
    (void)L;
    lb_reader *r = (lb_reader *)ud;
    *size = fread(r->buf, 1, sizeof r->buf, r->f);
    return *size ? r->buf : NULL;
}

/* A module name maps to <script_dir>/<name with dots as slashes>.lua; only
   [A-Za-z0-9_-] segments separated by single dots are accepted. */
static int lb_module_path(const lb_state *S, const char *name, char *out, size_t cap) {
    if (S->script_dir == NULL || name[0] == 0 || name[0] == '.') return 0;
    size_t n = strlen(name);
    if (name[n - 1] == '.' || strstr(name, "..")) return 0;
    char rel[256];
    if (n >= sizeof rel) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.';
        if (!ok) return 0;
        rel[i] = c == '.' ? '/' : c;
    }
    rel[n] = 0;
    return snprintf(out, cap, "%s/%s.lua", S->script_dir, rel) < (int)cap;
}

/* require(name): [-0, +1, e]. Upvalue 1: the original require (unsafe mode) or nil. */
static int lb_require(lua_State *L) {
    lb_state *S = lb_from(L);
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE); /* 2 */
    lua_getfield(L, 2, name);
    if (lua_toboolean(L, -1)) return 1;
    lua_pop(L, 1);
    char path[1024];
    lb_reader *r = (lb_reader *)lua_newuserdatauv(L, sizeof *r, 0); /* 3: reader buffer */
    r->f = NULL;
    if (lb_module_path(S, name, path, sizeof path)) r->f = fopen(path, "rb");
    if (r->f == NULL) {
        if (!lua_isnil(L, lua_upvalueindex(1))) {
            lua_settop(L, 1);
            lua_pushvalue(L, lua_upvalueindex(1));
            lua_insert(L, 1);
            lua_call(L, 1, LUA_MULTRET);
            return lua_gettop(L);
        }
        return luaL_error(L, "module '%s' not found (only Lua files beside the script can be required)",
                          name);
    }
    FILE *f = r->f;
    const char *base = strrchr(path, '/');
    char chunkname[300];
    snprintf(chunkname, sizeof chunkname, "@%s", base ? base + 1 : path);
    int status = lua_load(L, lb_read_chunk, r, chunkname, "t");
    fclose(f);
    if (status != LUA_OK) return lua_error(L);
    lb_note_required(S, path);
    lua_pushvalue(L, 1);
    lua_pushstring(L, path);
    lua_call(L, 2, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name);
    return 1;
}

/* load(chunk [, chunkname [, mode [, env]]]) with mode forced to "t". [-?, +?, e] */
static int lb_load_text(lua_State *L) {
    int n = lua_gettop(L);
    if (n < 3) {
        lua_settop(L, 3);
        n = 3;
    }
    lua_pushliteral(L, "t");
    lua_replace(L, 3);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

/* collectgarbage limited to "collect", "count" and "step". Upvalue 1: original. */
static int lb_collectgarbage(lua_State *L) {
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "collect") != 0 && strcmp(opt, "count") != 0 && strcmp(opt, "step") != 0)
        return luaL_error(L, "collectgarbage('%s') is not allowed in the sandbox", opt);
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

/* setmetatable refusing __gc: Lua runs finalizers with hooks off, so a runaway
   finalizer could not be stopped by the time budget. Upvalue 1: the original.
   Stack: [-2, +1, e] */
static int lb_setmetatable(lua_State *L) {
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "__gc metamethods are not allowed in the sandbox");
        lua_pop(L, 1);
    }
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, 1);
    return 1;
}

/* The budget hook raises its error with hooks switched off, and Lua only switches
   them back on when a pcall (or the host's call) catches it. Two places could run
   script code before that and loop unbounded:
   - the message handler of a script's xpcall: skipped while an abort is pending;
   - the to-be-closed variables of a coroutine the abort killed (that thread keeps
     hooks off for good): such a coroutine is remembered in a weak table and is never
     closed (coroutine.close returns false + message; coroutine.wrap does not close it). */
static const char lb_stopped_key = 0;

/* Stack: [-0, +0, m] remembers the thread at idx as stopped by an abort. */
static void lb_mark_stopped(lua_State *L, int idx) {
    if (lua_type(L, idx) != LUA_TTHREAD) return;
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lb_stopped_key);
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* Stack: [-0, +0, -] whether the thread at idx was stopped by an abort. */
static int lb_is_stopped(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &lb_stopped_key);
    lua_pushvalue(L, idx);
    int stopped = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return stopped;
}

/* Message handler around the script's one (upvalue 1). Stack: [-n, +r, e] */
static int lb_guarded_handler(lua_State *L) {
    if (lb_from(L)->aborting != LB_ABORT_NONE) return lua_gettop(L); /* error unchanged */
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

/* guard(h): h wrapped by lb_guarded_handler; a non-function is returned as is so that
   xpcall reports it. Stack: [-1, +1, m] */
static int lb_guard_handler(lua_State *L) {
    lua_settop(L, 1);
    if (lua_type(L, 1) == LUA_TFUNCTION) lua_pushcclosure(L, lb_guarded_handler, 1);
    return 1;
}

/* coroutine.resume(co, ...): upvalue 1 the original. Stack: [-n, +r, e] */
static int lb_co_resume(lua_State *L) {
    int n = lua_gettop(L);
    lua_pushvalue(L, 1);                       /* keep co below the results */
    lua_insert(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 2);
    lua_call(L, n, LUA_MULTRET);
    if (lb_from(L)->aborting != LB_ABORT_NONE) lb_mark_stopped(L, 1);
    return lua_gettop(L) - 1;
}

/* coroutine.close(co): upvalue 1 the original. Stack: [-n, +r, e] */
static int lb_co_close(lua_State *L) {
    if (lua_type(L, 1) == LUA_TTHREAD && lb_is_stopped(L, 1)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "coroutine was stopped by the time or memory budget");
        return 2;
    }
    int n = lua_gettop(L);
    lua_pushvalue(L, 1);
    lua_insert(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 2);
    lua_call(L, n, LUA_MULTRET);
    if (lb_from(L)->aborting != LB_ABORT_NONE) lb_mark_stopped(L, 1);
    return lua_gettop(L) - 1;
}

/* The function coroutine.wrap returns: upvalue 1 the coroutine, 2 the original
   resume. Like Lua's own: results, or the coroutine's error (closing the coroutine,
   with position info for string errors). Stack: [-n, +r, e] */
static int lb_wrap_call(lua_State *L) {
    lb_state *S = lb_from(L);
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_rotate(L, 1, 2);
    lua_call(L, n + 1, LUA_MULTRET);
    if (lua_toboolean(L, 1)) return lua_gettop(L) - 1;
    lua_settop(L, 2);                          /* false, error */
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    if (S->aborting == LB_ABORT_NONE) {
        int st = lua_status(co);
        if (st != LUA_OK && st != LUA_YIELD && lua_resetthread(co) != LUA_OK) {
            lua_xmove(co, L, 1);               /* a __close error replaces the first */
            lua_replace(L, 2);
        }
    }
    if (S->aborting != LB_ABORT_NONE) {
        lb_mark_stopped(L, lua_upvalueindex(1));
        return lua_error(L);
    }
    if (lua_type(L, 2) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, 2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

/* coroutine.wrap(f): upvalue 1 the original create, 2 the original resume.
   Stack: [-1, +1, e] */
static int lb_co_wrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 1, 1);
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushcclosure(L, lb_wrap_call, 2);
    return 1;
}

static const char lb_wrappers[] =
    "local check, pcall, xpcall, resume, close, handler, guard = ...\n"
    "_G.pcall = function(...) return check(pcall(...)) end\n"
    "_G.xpcall = function(f, h, ...) return check(xpcall(f, guard(h), ...)) end\n"
    "coroutine.resume = function(co, ...)\n"
    "  if handler(co) then return false, 'cannot resume a handler coroutine' end\n"
    "  return check(resume(co, ...))\n"
    "end\n"
    "coroutine.close = function(co, ...)\n"
    "  if handler(co) then return false, 'cannot close a handler coroutine' end\n"
    "  return check(close(co, ...))\n"
    "end\n";

/* [-0, +0, e] copies field k of the table at -1 into the table at -2. */
static void lb_copy_field(lua_State *L, const char *k) {
    lua_getfield(L, -1, k);
    lua_setfield(L, -3, k);
}

/* Stack: [-0, +0, e] with package.loaded at the top: replaces library `name` (the global
   and its package.loaded entry) by a table holding only the fields in keep (NULL-ended). */
static void lb_restrict_lib(lua_State *L, const char *name, const char *const keep[]) {
    lua_newtable(L);        /* loaded, t */
    lua_getglobal(L, name); /* loaded, t, lib */
    for (int i = 0; keep[i] != NULL; i++) lb_copy_field(L, keep[i]);
    lua_pop(L, 1);          /* loaded, t */
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    lua_setglobal(L, name);
}

/* Stack: [-0, +0, e] replaces globals as described at the top of this file. */
/* In --unsafe mode (issue 5) nothing below the wrappers is applied: os.getenv can
   read DISCORD_TOKEN from the environment, and a runaway __gc finalizer cannot be
   stopped (Lua runs finalizers with hooks off). */
void lb_open_sandbox(lua_State *L, lb_state *S) {
    lua_pushcfunction(L, lb_print);
    lua_setglobal(L, "print");

    if (luaL_loadbufferx(L, lb_wrappers, sizeof lb_wrappers - 1, "=botrun", "t") != LUA_OK)
        lua_error(L);
    lua_newtable(L); /* threads stopped by an abort, weak keys */
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &lb_stopped_key);
    lua_getglobal(L, "coroutine");
    lua_getfield(L, -1, "create");
    lua_getfield(L, -2, "resume");
    lua_pushcclosure(L, lb_co_wrap, 2);
    lua_setfield(L, -2, "wrap");
    lua_pop(L, 1);

    lua_pushcfunction(L, lb_abort_check);
    lua_getglobal(L, "pcall");
    lua_getglobal(L, "xpcall");
    lua_getglobal(L, "coroutine");
    lua_getfield(L, -1, "resume");
    lua_pushcclosure(L, lb_co_resume, 1);
    lua_getfield(L, -2, "close");
    lua_pushcclosure(L, lb_co_close, 1);
    lua_remove(L, -3);
    lua_pushcfunction(L, lb_coro_is_handler_arg);
    lua_pushcfunction(L, lb_guard_handler);
    lua_call(L, 7, 0);

    if (S->sandbox) lua_pushnil(L);
    else lua_getglobal(L, "require");
    lua_pushcclosure(L, lb_require, 1);
    lua_setglobal(L, "require");
    if (!S->sandbox) return;

    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE); /* loaded */
    /* os: only time, clock, date, difftime (no execute/exit/remove/getenv...) */
    static const char *const os_keep[] = {"time", "clock", "date", "difftime", NULL};
    lb_restrict_lib(L, "os", os_keep);
    /* debug: only traceback */
    static const char *const debug_keep[] = {"traceback", NULL};
    lb_restrict_lib(L, "debug", debug_keep);
    /* package: only loaded */
    lua_newtable(L);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "loaded");
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "package");
    lua_setglobal(L, "package");
    /* no io */
    lua_pushnil(L);
    lua_setfield(L, -2, "io");
    lua_pushnil(L);
    lua_setglobal(L, "io");
    lua_pop(L, 1); /* loaded */

    lua_pushnil(L);
    lua_setglobal(L, "loadfile");
    lua_pushnil(L);
    lua_setglobal(L, "dofile");
    lua_getglobal(L, "load");
    lua_pushcclosure(L, lb_load_text, 1);
    lua_setglobal(L, "load");
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, lb_setmetatable, 1);
    lua_setglobal(L, "setmetatable");
    lua_getglobal(L, "collectgarbage");
    lua_pushcclosure(L, lb_collectgarbage, 1);
    lua_setglobal(L, "collectgarbage");
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
}
