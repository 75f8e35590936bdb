/* Growable byte buffer owned by a userdata: freed by __gc if an error unwinds
   before the bytes are taken. Grows with realloc (outside the state's cap). */
#include "lb_internal.h"
#include <stdlib.h>
#include <string.h>

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
