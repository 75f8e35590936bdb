#ifndef BOTRUN_LB_INTERNAL_H
#define BOTRUN_LB_INTERNAL_H
/* Internals shared by the LuaBridge C files. Functions taking a lua_State may
   raise Lua errors unless stated otherwise; they are only called under a pcall
   started by one of the public lb_* entry points. */

#include "luabridge.h"
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#define LB_DEFAULT_MEMORY ((size_t)256 * 1024 * 1024)
#define LB_DEFAULT_BUDGET 2.0
#define LB_HOOK_COUNT 1000
#define LB_JSON_MAX_DEPTH 200

/* Why the current call is being aborted (uncatchable by script pcall). */
enum { LB_ABORT_NONE = 0, LB_ABORT_TIMEOUT = 1, LB_ABORT_MEMORY = 2 };

/* Object keys the JSON decoder met, so a repeated key is pushed from a Lua table
   instead of being hashed and interned again (issue 7). Slot i mirrors entry i + 1 of
   a table in the registry; len is the key's length + 1 (0 = empty slot). */
#define LB_KEY_SLOTS 256
#define LB_KEY_MAX 32
typedef struct lb_key {
    uint32_t len;
    uint32_t members; /* members of the last object that began with this key (0 = unknown) */
    char bytes[LB_KEY_MAX];
} lb_key;

typedef struct lb_timer {
    int64_t id;
    double deadline;
    double interval;   /* 0 = one-shot */
    int shard_id;
} lb_timer;

struct lb_state {
    lua_State *L;
    lb_host host;
    int sandbox;
    size_t mem_limit, mem_used;
    double budget;          /* seconds, <= 0 = none */
    double deadline;        /* monotonic; 0 = no call running */
    int aborting;           /* LB_ABORT_* */
    char where[96];         /* last "file:line" seen by the hook */
    char *script_dir;
    int current_shard;
    int default_shard;      /* current_shard outside handlers */
    uint64_t handled, errors;
    char *err;              /* last error message */
    char *names;            /* lb_handler_names buffer */
    char *required;         /* newline-separated list of required files */
    size_t required_len;
    char *scratch;          /* JSON string scratch buffer */
    size_t scratch_cap;
    lb_key *keys;           /* JSON key cache (LB_KEY_SLOTS), NULL until first used */
    lb_timer *timers;
    int ntimers, timers_cap;
    int64_t next_timer_id;
    int nparked;            /* coroutines parked on host requests */
};

/* Recovers the lb_state of L (any thread of it). Never raises. */
lb_state *lb_from(lua_State *L);

/* Growable byte buffer owned by a userdata (freed by __gc on error paths). */
typedef struct lb_buf {
    char *p;
    size_t len, cap;
} lb_buf;
/* [-0, +1, m] pushes a new empty buffer userdata and returns it. */
lb_buf *lb_buf_push(lua_State *L);
/* [-0, +0, m] appends bytes (raises on out-of-memory). */
void lb_buf_add(lua_State *L, lb_buf *b, const char *s, size_t n);
/* Takes the bytes out of b (caller frees with free); b becomes empty. Never raises. */
char *lb_buf_steal(lb_buf *b, size_t *len);

/* Runs fn under lua_pcall with a traceback message handler, budget and abort
   handling; nargs arguments must be on the stack above fn (pushed by the caller
   after a call to lb_prepare). Never raises. Returns LB_OK or LB_ERR_*; the
   message is stored in S->err. The stack is restored to `base`. */
int lb_protected(lb_state *S, int base, int nargs, int nresults);
void lb_set_error(lb_state *S, const char *msg, size_t len);
/* Sets S's error to "<where>: memory limit exceeded (N MB)" (never raises). */
void lb_set_memory_error(lb_state *S);
/* Type name as a script author thinks of it ("null" for json.null, "float"). Never raises. */
const char *lb_actual(lua_State *L, int idx);
/* [-0, +2, m] pushes nil, "<msg> at <script:line>" (the calling script line); returns 2. */
int lb_fail(lua_State *L, const char *msg);
/* [-0, +1, e] lua_pcall target: decodes the string at 1 only to validate it. */
int lb_json_decode_check(lua_State *L);

/* Sandbox and APIs; all [-0, +0, e] and run during lb_new under pcall. */
void lb_open_sandbox(lua_State *L, lb_state *S);
void lb_open_json(lua_State *L);
void lb_open_shard(lua_State *L);
void lb_open_timer(lua_State *L);
void lb_open_cguards(lua_State *L);
void lb_open_rest(lua_State *L);
void lb_open_coro(lua_State *L);

/* Handler coroutines (lb_coro.c). */
/* [-(nargs+1), +1, m] moves a function and its nargs arguments from the top of L
   into a handler coroutine (a spare one when available) and pushes that thread. */
void lb_coro_prepare(lua_State *L, int nargs);
/* Never raises. Resumes the thread at the top of S->L with the nargs values on its
   own stack, for one slice under the time budget; pops the thread. Returns LB_OK,
   LB_PENDING (parked on a host request) or LB_ERR_* (message in S->err). */
int lb_coro_run(lb_state *S, int nargs);
/* [-0, +0, -] whether the running thread of L is a handler coroutine. */
int lb_coro_is_handler(lua_State *L);
/* [-0, +1, -] Lua-facing: whether argument 1 is a handler coroutine (sandbox wrappers). */
int lb_coro_is_handler_arg(lua_State *L);
/* [-0, +0, m] parks the running handler coroutine under id (with the current shard),
   so lb_resume can find it; the caller then yields LB_REST_MARK. */
void lb_coro_park(lua_State *L, int64_t id);
/* The light userdata a parked coroutine yields. */
extern const char lb_rest_mark_tag;
#define LB_REST_MARK ((void *)&lb_rest_mark_tag)

/* JSON. */
/* [-0, +1, e] decodes json[0..len) and pushes the value; raises with the byte
   offset on malformed input or nesting deeper than LB_JSON_MAX_DEPTH. */
void lb_json_decode(lua_State *L, const char *json, size_t len);
/* [-0, +0, e] appends the JSON encoding of the value at idx to b; errors name the
   offending key path (prefix = name of the value, e.g. "fields"). */
void lb_json_encode(lua_State *L, int idx, lb_buf *b, const char *prefix);
/* The json.null sentinel (light userdata). */
extern const char lb_json_null_tag;
#define LB_JSON_NULL ((void *)&lb_json_null_tag)

/* "bot.lua:3" of the Lua function `level` levels up (1 = caller of the running C
   function); empty when unknown. Never raises. */
void lb_where(lua_State *L, int level, char *out, size_t cap);

/* Lua-facing function that rethrows a pending abort: used after script pcall,
   xpcall and coroutine.resume. [-0, +0, v] */
int lb_abort_check(lua_State *L);

#endif
