#ifndef BOTRUN_LUABRIDGE_H
#define BOTRUN_LUABRIDGE_H
/* Public C API of the Lua bridge (issue 5).

   Every function here is safe to call from Swift: none of them raises a Lua error
   or longjmps past its own frame; all Lua work runs under lua_pcall. A state is not
   thread-safe: use it from one thread at a time (it may be handed between threads
   with proper synchronisation, e.g. compiled on a reload thread, run on the script
   thread). The token is never passed to this API, so it can never reach Lua. */

#include <stddef.h>
#include <stdint.h>

const char *lb_lua_version(void);

typedef struct lb_state lb_state;

/* Result codes of the calls that run Lua code. */
enum {
    LB_OK = 0,          /* ran (a handler, a timer, a chunk) without error */
    LB_NOT_FOUND = 1,   /* nothing to run: no such handler / no timer due */
    LB_ERR_RUNTIME = 2, /* Lua error; lb_last_error has script:line + traceback */
    LB_ERR_TIMEOUT = 3, /* the per-call time budget ran out */
    LB_ERR_MEMORY = 4,  /* the state's memory cap was hit */
    LB_ERR_SYNTAX = 5,  /* compile error; lb_last_error has file:line */
    LB_ERR_FILE = 6,    /* script file unreadable */
    LB_PENDING = 7      /* the handler is parked, waiting on a host request (rest.*);
                           lb_resume continues it */
};

/* Log levels passed to lb_host.log. */
enum { LB_LOG_DEBUG = 0, LB_LOG_INFO = 1, LB_LOG_WARN = 2, LB_LOG_ERROR = 3 };

/* Kinds of shard.send messages. */
enum { LB_SEND_TEXT = 0, LB_SEND_BINARY = 1, LB_SEND_PING = 2, LB_SEND_CLOSE = 3 };

/* Callbacks through which Lua reaches the host. They are called from inside a
   protected Lua call; they must return normally (never longjmp, never throw).
   Error messages are written into err (at most errcap bytes incl. NUL). Any
   pointer may be NULL: the Lua function then returns nil, "not available". */
typedef struct lb_host {
    void *ctx;
    /* shard.info: write a JSON object describing the shard into buf (cap bytes).
       Returns its length (if > cap it is called again with a bigger buffer), or
       -1 when the session is inactive / the shard is unknown. */
    long (*shard_info)(void *ctx, int shard_id, char *buf, size_t cap);
    /* shard.command: fields already type-checked and encoded as a JSON object.
       Returns 0 on success, else non-zero with a message in err. */
    int (*shard_command)(void *ctx, int shard_id, const char *name,
                         const char *json, size_t json_len, char *err, size_t errcap);
    /* shard.send: kind is LB_SEND_*; data is the payload (text = JSON), code and
       reason are used for close. Returns 0 on success, else non-zero + err. */
    int (*shard_send)(void *ctx, int shard_id, int kind, const char *data, size_t len,
                      int code, const char *reason, size_t reason_len, char *err, size_t errcap);
    /* log.debug/info/warn/error: message already joined; where is "bot.lua:3";
       shard_id is the delivering shard (0 outside handlers, -1 for bridge warnings). */
    void (*log)(void *ctx, int level, const char *msg, size_t len, const char *where, int shard_id);
    /* print: one line, without the trailing newline. */
    void (*print)(void *ctx, const char *line, size_t len);
    /* rest.*: starts an HTTP request (method "GET", "POST", "PUT", "PATCH" or "DELETE";
       path relative to the API base, starting with '/'; body is JSON text or NULL).
       On success writes a request id (unique per state, > 0) into *id and returns 0:
       the calling handler is then parked until lb_resume(S, id, ...). Otherwise
       returns non-zero with a message in err. Called on the thread running S. */
    int (*rest_request)(void *ctx, const char *method, const char *path, size_t path_len,
                        const char *body, size_t body_len, int64_t *id, char *err, size_t errcap);
} lb_host;

typedef struct lb_options {
    int sandbox;              /* 1 = sandboxed stdlib (default), 0 = --unsafe */
    size_t memory_limit;      /* bytes; 0 = default 256 MB */
    double time_budget;       /* seconds per call; 0 = default 2 s; < 0 = none */
    const char *script_dir;   /* directory searched by require; NULL = none */
} lb_options;

/* Creates a state (stdlib opened, sandbox applied, APIs installed). Returns NULL
   only when memory is exhausted. The host struct is copied. */
lb_state *lb_new(const lb_options *opts, const lb_host *host);
void lb_close(lb_state *S);

/* The shard id `shard.*` default to outside handlers (top level, on_reload);
   0 unless set. Inside a handler the default is the delivering shard. */
void lb_set_default_shard(lb_state *S, int shard_id);

/* The message of the last failed call (valid until the next call on S). */
const char *lb_last_error(const lb_state *S);

/* Compiles a script file (text only) and keeps it for lb_run_main. The chunk is
   named after the file's base name, so errors read "bot.lua:3: ...". */
int lb_load_file(lb_state *S, const char *path);
/* Compiles a script from memory; chunkname like "bot.lua". */
int lb_load_buffer(lb_state *S, const char *code, size_t len, const char *chunkname);
/* Runs the compiled chunk (top-level code) under the time budget. */
int lb_run_main(lb_state *S);

/* Names of the defined handlers (globals on_* that are functions), one per line,
   e.g. "on_message_create\non_ready\n". Valid until the next call on S. */
const char *lb_handler_names(lb_state *S);
/* Files loaded by require (absolute or script-dir-relative paths), one per line. */
const char *lb_required_files(const lb_state *S);

/* "MESSAGE_CREATE" -> "on_message_create". Returns the length written, or -1 if
   out is too small or the name is not a dispatch name ([A-Z0-9_]+). */
int lb_event_to_handler(const char *event, char *out, size_t cap);
/* "on_message_create" -> "MESSAGE_CREATE". Returns the length, 0 when the handler
   is a lifecycle handler (on_shard_connected, ..., on_reload), -1 when it is not
   a handler name at all or out is too small. */
int lb_handler_to_event(const char *handler, char *out, size_t cap);

/* Calls the handler for a dispatch event with (data, ctx): data is the JSON in
   json[0..len) decoded into Lua tables, ctx = {shard_id, seq, event}. Returns
   LB_NOT_FOUND when no handler is defined (the JSON is then not decoded). */
int lb_dispatch(lb_state *S, const char *event, const uint8_t *json, size_t len,
                int shard_id, int64_t seq);
/* Calls a lifecycle handler (e.g. "on_shard_disconnected") with the elements of
   the JSON array args_json (may be NULL = no args) followed by ctx. */
int lb_call_lifecycle(lb_state *S, const char *handler, const char *args_json,
                      size_t args_len, int shard_id);

/* Handlers, lifecycle handlers and timers run in coroutines. A call that returns
   LB_PENDING has parked its coroutine on a host request (rest.*); when the request
   completes, lb_resume continues it with the result, as `response_table` (decoded
   JSON; `true` when the body is empty) or `nil, message, status`. The time budget
   applies to each slice (start, each resume), not to the wait.
   status: the HTTP status (0 = none, e.g. a transport error); err: NULL for a
   success (body is the JSON answer), else the message. Returns LB_OK (the handler
   finished), LB_PENDING (parked again), LB_ERR_* (failed after the resume; the
   message in lb_last_error has script:line + traceback), or LB_NOT_FOUND (no
   coroutine waits on id). */
int lb_resume(lb_state *S, int64_t id, int status, const uint8_t *body, size_t len,
              const char *err, size_t err_len);
/* Forgets the coroutine parked on id without running it (at stop, or when the host
   cannot deliver the result). Returns LB_OK, or LB_NOT_FOUND. */
int lb_drop(lb_state *S, int64_t id);
/* Coroutines parked on host requests. */
int lb_parked_count(const lb_state *S);

/* Timers. Times are lb_now() seconds (CLOCK_MONOTONIC). */
double lb_now(void);
/* Earliest timer deadline, or -1 when there is no timer. */
double lb_next_deadline(const lb_state *S);
/* Runs the earliest timer due at `now`: LB_OK / LB_ERR_*, or LB_NOT_FOUND when
   none is due. `every` timers are rescheduled after `now`, so a loop calling this
   with a fixed `now` ends. */
int lb_run_timer(lb_state *S, double now);
int lb_timer_count(const lb_state *S);

/* store: exports the `store` table as a private binary blob (malloc'd; free it
   with lb_free), skipping functions/userdata/cycles with a warning through the
   host log. Returns NULL on failure (lb_last_error says why). */
char *lb_store_export(lb_state *S, size_t *len);
/* Replaces the `store` table of S with the blob's content. */
int lb_store_import(lb_state *S, const char *blob, size_t len);
void lb_free(void *p);

typedef struct lb_stats {
    uint64_t handled;   /* handler and timer calls made */
    uint64_t errors;    /* of which failed */
    size_t memory;      /* bytes in use */
} lb_stats;
void lb_get_stats(const lb_state *S, lb_stats *out);

/* Test/diagnostic helper: runs a chunk of Lua text in S and returns its first
   result converted with tostring into out (truncated). */
int lb_eval(lb_state *S, const char *code, char *out, size_t cap);

#endif
