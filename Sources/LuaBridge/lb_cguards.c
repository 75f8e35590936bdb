/* Guards for standard library functions that can run for hours in C, where the count
   hook (and so the time budget) never fires (issue 5):
   - string.rep with an empty result loops n times: string.rep("", 1 << 50);
   - table.move over a huge range loops per index even when nothing is there;
   - string.find with a plain (or special-free) needle was a naive O(n*m) search; it now
     uses memmem. Pattern matching proper (string.find/match/gmatch/gsub with magic
     characters) can still backtrack exponentially in C: known limit, see issue 5. */
#define _GNU_SOURCE
#include "lb_internal.h"
#include <string.h>

/* The largest range table.move may walk (elements). */
#define LB_MOVE_MAX ((lua_Integer)1 << 26)

/* string.rep(s, n [, sep]): upvalue 1 the original. Stack: [-n, +1, e] */
static int lb_string_rep(lua_State *L) {
    size_t l = 0, lsep = 0;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || (l == 0 && (lsep == 0 || n == 1))) {
        lua_pushliteral(L, "");
        return 1;
    }
    int top = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, top, 1);
    return 1;
}

/* table.move(a1, f, e, t [, a2]): upvalue 1 the original. Stack: [-n, +1, e] */
static int lb_table_move(lua_State *L) {
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    if (e >= f && (f <= 0 ? e >= LB_MOVE_MAX + f : e - f >= LB_MOVE_MAX))
        return luaL_error(L, "table.move over more than %d elements is refused (the time budget cannot stop it)",
                          (int)LB_MOVE_MAX);
    int top = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, top, 1);
    return 1;
}

/* string.find(s, p [, init [, plain]]): plain needles through memmem, the rest to the
   original (upvalue 1). Stack: [-n, +r, e] */
static int lb_string_find(lua_State *L) {
    size_t ls = 0, lp = 0;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    lua_Integer init = luaL_optinteger(L, 3, 1);
    int plain = lua_toboolean(L, 4);
    if (!plain) {
        plain = 1;
        for (size_t i = 0; i < lp && plain; i++) plain = strchr("^$*+?.([%-", p[i]) == NULL || p[i] == 0;
    }
    if (!plain) {
        int top = lua_gettop(L);
        lua_pushvalue(L, lua_upvalueindex(1));
        lua_insert(L, 1);
        lua_call(L, top, LUA_MULTRET);
        return lua_gettop(L);
    }
    /* Lua's start position rules: 0 -> 1, negative counts from the end, clipped at 1. */
    if (init == 0) init = 1;
    else if (init < 0) init = init < -(lua_Integer)ls ? 1 : (lua_Integer)ls + init + 1;
    if ((size_t)(init - 1) > ls) {
        lua_pushnil(L);
        return 1;
    }
    size_t start = (size_t)(init - 1);
    const char *hit = memmem(s + start, ls - start, p, lp);
    if (hit == NULL) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushinteger(L, (lua_Integer)(hit - s) + 1);
    lua_pushinteger(L, (lua_Integer)(hit - s) + (lua_Integer)lp);
    return 2;
}

/* [-0, +0, e] replaces string.rep, string.find and table.move with the guarded ones. */
void lb_open_cguards(lua_State *L) {
    lua_getglobal(L, "string");
    lua_getfield(L, -1, "rep");
    lua_pushcclosure(L, lb_string_rep, 1);
    lua_setfield(L, -2, "rep");
    lua_getfield(L, -1, "find");
    lua_pushcclosure(L, lb_string_find, 1);
    lua_setfield(L, -2, "find");
    lua_pop(L, 1);
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "move");
    lua_pushcclosure(L, lb_table_move, 1);
    lua_setfield(L, -2, "move");
    lua_pop(L, 1);
}
