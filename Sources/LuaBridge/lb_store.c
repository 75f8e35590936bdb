/* `store`: plain data carried from one state to a fresh one on reload. The
   exported blob is a private tagged binary format (types preserved: integer vs
   float, key types). Functions, userdata, threads and cycles are skipped with a
   warning through the host log. */
#include "lb_internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST_MAX_DEPTH 100

typedef struct st_out {
    char *blob;
    size_t len;
} st_out;

typedef struct st_enc {
    lua_State *L;
    lb_buf *b;
    int visited;   /* stack index of the in-progress set */
    char path[256];
} st_enc;

static void st_warn(st_enc *e, const char *what) {
    lb_state *S = lb_from(e->L);
    char msg[400];
    int n = snprintf(msg, sizeof msg, "store: skipped %s (%s)", e->path, what);
    if (S->host.log) S->host.log(S->host.ctx, LB_LOG_WARN, msg, (size_t)n, "", -1);
    else fprintf(stderr, "%s\n", msg);
}

/* Stack: [-0, +0, -] never raises. */
static int st_storable(lua_State *L, int idx) {
    int t = lua_type(L, idx);
    return t == LUA_TBOOLEAN || t == LUA_TNUMBER || t == LUA_TSTRING || t == LUA_TTABLE ||
           (t == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == LB_JSON_NULL);
}

/* [-0, +0, e] is the value at idx a table currently being written (a cycle)? */
static int st_in_progress(st_enc *e, int idx) {
    if (lua_type(e->L, idx) != LUA_TTABLE) return 0;
    lua_pushvalue(e->L, idx);
    lua_rawget(e->L, e->visited);
    int c = lua_toboolean(e->L, -1);
    lua_pop(e->L, 1);
    return c;
}

/* [-0, +0, e] appends the scalar or table at idx. */
static void st_value(st_enc *e, int idx, int depth) {
    lua_State *L = e->L;
    char tag;
    switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
        tag = lua_toboolean(L, idx) ? 'T' : 'F';
        lb_buf_add(L, e->b, &tag, 1);
        return;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            int64_t v = (int64_t)lua_tointeger(L, idx);
            lb_buf_add(L, e->b, "i", 1);
            lb_buf_add(L, e->b, (const char *)&v, 8);
        } else {
            double v = (double)lua_tonumber(L, idx);
            lb_buf_add(L, e->b, "d", 1);
            lb_buf_add(L, e->b, (const char *)&v, 8);
        }
        return;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        uint32_t len = (uint32_t)n;
        lb_buf_add(L, e->b, "s", 1);
        lb_buf_add(L, e->b, (const char *)&len, 4);
        lb_buf_add(L, e->b, s, n);
        return;
    }
    case LUA_TLIGHTUSERDATA:
        lb_buf_add(L, e->b, "N", 1);
        return;
    default: break;
    }
    /* table */
    luaL_checkstack(L, 6, "store");
    lua_pushvalue(L, idx);
    lua_rawget(L, e->visited);
    int cyclic = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (cyclic || depth >= ST_MAX_DEPTH) {
        st_warn(e, cyclic ? "cycle" : "nesting too deep");
        lb_buf_add(L, e->b, "N", 1);
        return;
    }
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, e->visited);
    lb_buf_add(L, e->b, "{", 1);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        size_t old = strlen(e->path);
        if (lua_type(L, -2) == LUA_TSTRING)
            snprintf(e->path + old, sizeof e->path - old, ".%s", lua_tostring(L, -2));
        else if (lua_isinteger(L, -2))
            snprintf(e->path + old, sizeof e->path - old, "[%lld]", (long long)lua_tointeger(L, -2));
        else
            snprintf(e->path + old, sizeof e->path - old, "[%s key]", luaL_typename(L, -2));
        int kt = lua_type(L, -2);
        if (kt == LUA_TTABLE || !st_storable(L, -2)) {
            st_warn(e, "key type");
        } else if (!st_storable(L, -1)) {
            st_warn(e, luaL_typename(L, -1));
        } else if (st_in_progress(e, lua_gettop(L))) {
            st_warn(e, "cycle");
        } else {
            st_value(e, lua_gettop(L) - 1, depth + 1);
            st_value(e, lua_gettop(L), depth + 1);
        }
        e->path[old] = 0;
        lua_pop(L, 1);
    }
    lb_buf_add(L, e->b, "}", 1);
    lua_pushvalue(L, idx);
    lua_pushnil(L);
    lua_rawset(L, e->visited);
}

/* [-0, +0, e] arg 1: st_out*. */
static int st_export_body(lua_State *L) {
    st_out *out = (st_out *)lua_touserdata(L, 1);
    st_enc e;
    e.L = L;
    e.b = lb_buf_push(L);   /* 2 */
    lua_newtable(L);        /* 3 */
    e.visited = 3;
    snprintf(e.path, sizeof e.path, "store");
    lua_getglobal(L, "store"); /* 4 */
    if (lua_type(L, 4) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
    }
    st_value(&e, 4, 0);
    out->blob = lb_buf_steal(e.b, &out->len);
    return 0;
}

/* Stack: [-0, +0]. Never raises. */
char *lb_store_export(lb_state *S, size_t *len) {
    lua_State *L = S->L;
    st_out out = {NULL, 0};
    int base = lua_gettop(L);
    lua_pushcfunction(L, st_export_body);
    lua_pushlightuserdata(L, &out);
    if (lb_protected(S, base, 1, 0) != LB_OK) {
        free(out.blob);
        return NULL;
    }
    if (len) *len = out.len;
    if (out.blob == NULL) out.blob = calloc(1, 1);
    return out.blob;
}

typedef struct st_dec {
    lua_State *L;
    const char *p, *end;
} st_dec;

/* Stack: [-0, +0, v] raises when fewer than n bytes remain. */
static void st_need(st_dec *d, size_t n) {
    if ((size_t)(d->end - d->p) < n) luaL_error(d->L, "store blob truncated");
}

/* [-0, +1, e] */
static void st_read(st_dec *d, int depth) {
    lua_State *L = d->L;
    st_need(d, 1);
    char tag = *d->p++;
    switch (tag) {
    case 'T': lua_pushboolean(L, 1); return;
    case 'F': lua_pushboolean(L, 0); return;
    case 'N': lua_pushlightuserdata(L, LB_JSON_NULL); return;
    case 'i': {
        int64_t v;
        st_need(d, 8);
        memcpy(&v, d->p, 8);
        d->p += 8;
        lua_pushinteger(L, (lua_Integer)v);
        return;
    }
    case 'd': {
        double v;
        st_need(d, 8);
        memcpy(&v, d->p, 8);
        d->p += 8;
        lua_pushnumber(L, v);
        return;
    }
    case 's': {
        uint32_t n;
        st_need(d, 4);
        memcpy(&n, d->p, 4);
        d->p += 4;
        st_need(d, n);
        lua_pushlstring(L, d->p, n);
        d->p += n;
        return;
    }
    case '{':
        if (depth >= ST_MAX_DEPTH) luaL_error(L, "store blob nested too deep");
        luaL_checkstack(L, 4, "store");
        lua_newtable(L);
        for (;;) {
            st_need(d, 1);
            if (*d->p == '}') { d->p++; return; }
            st_read(d, depth + 1);
            st_read(d, depth + 1);
            if (lua_isnil(L, -2) || (lua_type(L, -2) == LUA_TNUMBER && lua_tonumber(L, -2) != lua_tonumber(L, -2)))
                luaL_error(L, "store blob has a bad key");
            lua_rawset(L, -3);
        }
    default: luaL_error(L, "store blob has a bad tag");
    }
}

/* [-0, +0, e] args: lightuserdata blob, integer len. */
static int st_import_body(lua_State *L) {
    st_dec d;
    d.L = L;
    d.p = (const char *)lua_touserdata(L, 1);
    d.end = d.p + lua_tointeger(L, 2);
    st_read(&d, 0);
    if (lua_type(L, -1) != LUA_TTABLE) luaL_error(L, "store blob is not a table");
    lua_setglobal(L, "store");
    return 0;
}

/* Stack: [-0, +0]. Never raises. */
int lb_store_import(lb_state *S, const char *blob, size_t len) {
    lua_State *L = S->L;
    int base = lua_gettop(L);
    lua_pushcfunction(L, st_import_body);
    lua_pushlightuserdata(L, (void *)blob);
    lua_pushinteger(L, (lua_Integer)len);
    return lb_protected(S, base, 2, 0);
}
