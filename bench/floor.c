/* floor.c: the floor for scripts/bench: zlib-stream inflate + JSON decode of the same byte
 * stream the load generator sends, in a tight C loop, single thread.
 *
 * The traffic file (see bench/traffic.py) is compressed exactly as bench/loadgen.c does it
 * (one deflate context, Z_DEFAULT_COMPRESSION, Z_SYNC_FLUSH per payload). Then, timed:
 * one inflate context per pass (as one connection), each payload inflated and walked by a
 * minimal validating JSON tokenizer that touches every byte (strings with escapes, numbers,
 * literals, nesting) and finds d.content, as a handler reading msg.content would.
 * No tree is built: this is a lower bound on the work any client must do per event.
 *
 * Built with -DFLOOR_LUABRIDGE (and the C files of Sources/LuaBridge), a third pass measures what botrun
 * must do at least: inflate, then the project's LuaBridge decoder turns `d` into Lua tables
 * and calls on_message_create(msg) (reads msg.content) / on_guild_create(guild) in a
 * sandboxed state with its time budget, all on one thread, without sockets or WebSocket.
 *
 * Prints one JSON line: events/s for inflate+scan (and inflate+LuaBridge), MB/s for inflate alone.
 * Build: cc -O2 -o floor floor.c -lz
 *        with LuaBridge: see scripts/bench (adds -DFLOOR_LUABRIDGE, the LuaBridge C files, liblua5.4)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#ifdef FLOOR_LUABRIDGE
#include "luabridge.h"
static const char *handlers =
    "n = 0\n"
    "function on_message_create(msg) local c = msg.content; n = n + #c end\n"
    "function on_guild_create(guild) local id = guild.id; n = n + 1 end\n";
#endif

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- JSON tokenizer: returns the position after the value at p, or NULL if invalid ---- */
static const unsigned char *content_at;
static size_t content_len;

static const unsigned char *ws(const unsigned char *p) {
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
    return p;
}

static const unsigned char *string_end(const unsigned char *p) { /* p after the opening quote */
    for (;;) {
        unsigned char ch = *p;
        if (ch == '"') return p + 1;
        if (ch == '\\') {
            p++;
            if (*p == 'u') { for (int i = 1; i <= 4; i++) if (!((p[i] >= '0' && p[i] <= '9') || ((p[i] | 32) >= 'a' && (p[i] | 32) <= 'f'))) return NULL; p += 5; }
            else if (strchr("\"\\/bfnrt", *p) && *p) p++;
            else return NULL;
        } else if (ch < 0x20) {
            return NULL; /* control character or end of buffer (NUL) */
        } else {
            p++;
        }
    }
}

static const unsigned char *value(const unsigned char *p, int depth, int in_d);

static const unsigned char *object(const unsigned char *p, int depth, int in_d) {
    p = ws(p + 1);
    if (*p == '}') return p + 1;
    for (;;) {
        if (*p != '"') return NULL;
        const unsigned char *k = p + 1, *ke = string_end(k);
        if (!ke) return NULL;
        size_t kl = ke - 1 - k;
        p = ws(ke);
        if (*p++ != ':') return NULL;
        p = ws(p);
        int child_d = depth == 0 && kl == 1 && k[0] == 'd';
        if (in_d && kl == 7 && !memcmp(k, "content", 7) && *p == '"') content_at = p + 1;
        const unsigned char *v = value(p, depth + 1, child_d);
        if (!v) return NULL;
        if (content_at == p + 1) content_len = v - 1 - content_at;
        p = ws(v);
        if (*p == '}') return p + 1;
        if (*p++ != ',') return NULL;
        p = ws(p);
    }
}

static const unsigned char *value(const unsigned char *p, int depth, int in_d) {
    if (depth > 512) return NULL;
    switch (*p) {
    case '{': return object(p, depth, in_d);
    case '[':
        p = ws(p + 1);
        if (*p == ']') return p + 1;
        for (;;) {
            p = value(p, depth + 1, 0);
            if (!p) return NULL;
            p = ws(p);
            if (*p == ']') return p + 1;
            if (*p++ != ',') return NULL;
            p = ws(p);
        }
    case '"': return string_end(p + 1);
    case 't': return memcmp(p, "true", 4) ? NULL : p + 4;
    case 'f': return memcmp(p, "false", 5) ? NULL : p + 5;
    case 'n': return memcmp(p, "null", 4) ? NULL : p + 4;
    default: {
        const unsigned char *s = p;
        if (*p == '-') p++;
        while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-') p++;
        return p > s ? p : NULL;
    }
    }
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: floor TRAFFIC.jsonl [min_seconds]\n"); return 2; }
    double min_seconds = argc > 2 ? atof(argv[2]) : 1.0;
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    fseek(f, 0, SEEK_END);
    long fl = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *file = malloc(fl + 1);
    if (fread(file, 1, fl, f) != (size_t)fl) { perror("read"); return 2; }
    fclose(f);

    /* Compress every payload as the load generator does. */
    int n = 0, cap = 1024;
    size_t *clen = malloc(cap * sizeof *clen), raw_total = 0, max_raw = 0, ctotal = 0;
    unsigned char **cdata = malloc(cap * sizeof *cdata);
    z_stream z = {0};
    deflateInit(&z, Z_DEFAULT_COMPRESSION);
    for (char *p = file, *end = file + fl; p < end;) {
        char *nl = memchr(p, '\n', end - p);
        if (!nl) nl = end;
        if (nl - p > 2) {
            size_t len = nl - p - 2, bound = deflateBound(&z, len) + 64;
            if (n == cap) { cap *= 2; clen = realloc(clen, cap * sizeof *clen); cdata = realloc(cdata, cap * sizeof *cdata); }
            cdata[n] = malloc(bound);
            z.next_in = (unsigned char *)p + 2; z.avail_in = len;
            z.next_out = cdata[n]; z.avail_out = bound;
            if (deflate(&z, Z_SYNC_FLUSH) != Z_OK) { fprintf(stderr, "deflate failed\n"); return 1; }
            clen[n] = bound - z.avail_out;
            ctotal += clen[n];
            raw_total += len;
            if (len > max_raw) max_raw = len;
            n++;
        }
        p = nl + 1;
    }
    deflateEnd(&z);
    unsigned char *out = malloc(max_raw + 1);

    /* Timed: passes over the whole stream until min_seconds, one inflate context per pass.
     * decode 0: inflate only; 1: inflate + JSON scan; 2: inflate + LuaBridge dispatch. */
    long events = 0, passes = 0, lua_events = 0;
    size_t checksum = 0;
    double inflate_time = 0, t0 = now_s(), t = t0, scan_end = t0, lua_seconds = 0;
    int phases = 2;
#ifdef FLOOR_LUABRIDGE
    phases = 3;
    lb_options opts = {1, 0, 0, NULL};
    lb_state *S = lb_new(&opts, NULL);
    if (!S || lb_load_buffer(S, handlers, strlen(handlers), "floor.lua") != LB_OK || lb_run_main(S) != LB_OK) {
        fprintf(stderr, "luabridge: %s\n", S ? lb_last_error(S) : "no state");
        return 1;
    }
#endif
    for (int decode = 0; decode < phases; decode++) {
        double start = now_s();
        long pass_events = 0;
        do {
            z_stream in = {0};
            inflateInit(&in);
            for (int i = 0; i < n; i++) {
                in.next_in = cdata[i]; in.avail_in = clen[i];
                in.next_out = out; in.avail_out = max_raw;
                int r = inflate(&in, Z_SYNC_FLUSH);
                size_t got = max_raw - in.avail_out;
                if ((r != Z_OK && r != Z_BUF_ERROR) || in.avail_in) { fprintf(stderr, "inflate failed at %d\n", i); return 1; }
                out[got] = 0;
                if (decode == 2) {
#ifdef FLOOR_LUABRIDGE
                    /* {"op":0,"s":N,"t":"NAME","d":{...}} as bench/traffic.py writes it */
                    char name[64] = "";
                    const char *tp = strstr((char *)out, "\"t\":\""), *dp = strstr((char *)out, ",\"d\":");
                    if (!tp || !dp || sscanf(tp + 5, "%63[^\"]", name) != 1) { fprintf(stderr, "payload %d: no t/d\n", i); return 1; }
                    const uint8_t *d = (const uint8_t *)dp + 5;
                    size_t dlen = got - (d - out) - 1; /* drop the payload's closing brace */
                    if (lb_dispatch(S, name, d, dlen, 0, i) != LB_OK) { fprintf(stderr, "luabridge: %s\n", lb_last_error(S)); return 1; }
#endif
                } else if (decode) {
                    content_at = NULL; content_len = 0;
                    const unsigned char *e = value(ws(out), 0, 0);
                    if (!e || *ws(e)) { fprintf(stderr, "invalid JSON in payload %d\n", i); return 1; }
                    checksum += content_len + (content_at ? content_at[0] : 0);
                } else {
                    checksum += out[got / 2];
                }
            }
            inflateEnd(&in);
            pass_events += n;
            if (decode == 1) passes++;
            t = now_s();
        } while (t - start < min_seconds / 2);
        if (decode == 0) inflate_time = (t - start) / (pass_events / n);
        if (decode == 1) { events = pass_events; t0 = start; scan_end = t; }
        if (decode == 2) { lua_events = pass_events; lua_seconds = t - start; }
    }
    double secs = scan_end - t0;
    printf("{\"events\":%ld,\"seconds\":%.6f,\"events_per_s\":%.1f,\"decode_mb_per_s\":%.1f,"
           "\"inflate_mb_per_s\":%.1f,\"compressed_bytes\":%zu,\"raw_bytes\":%zu,\"checksum\":%zu",
           events, secs, events / secs, raw_total * (double)passes / secs / 1e6,
           raw_total / inflate_time / 1e6, ctotal, raw_total, checksum);
    if (lua_events) printf(",\"lua_events_per_s\":%.1f", lua_events / lua_seconds);
    printf("}\n");
    return 0;
}
