/* Loading scripts: compile (text only, named after the file's base name), keep
   the main chunk in the registry, run it; plus lb_eval for diagnostics/tests. */
#include "lb_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

