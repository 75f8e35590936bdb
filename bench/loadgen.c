/* loadgen.c: a small Discord-gateway load generator for scripts/bench.
 *
 * An independent implementation of the server side (not the project's GatewaySim), so the
 * measurement is the same for every client. One thread, epoll, non-blocking sockets, on
 * 127.0.0.1 only. Serves:
 *   GET /api/v10/gateway, /api/v10/gateway/bot, /api/v10/users/@me,
 *       /api/v10/oauth2/applications/@me          (Content-Type exactly application/json)
 *   WebSocket upgrade  ?v=10&encoding=json&compress=zlib-stream
 *     HELLO -> (IDENTIFY) -> READY -> GUILD_CREATE -> (bot's op 3 "ready") -> timed traffic
 *
 * Timed traffic comes from a file, one payload a line, each prefixed by a tag:
 *   "M " message, "P " probe (latency sample), "E " end marker, "G " guild.
 * When the bot says it is ready (op 3 with activities[0].name == "ready"), the whole traffic
 * is compressed with the connection's zlib-stream context into one buffer of WebSocket
 * frames BEFORE the clock starts; then it is written as fast as the socket takes it (or at
 * --rate events/s). The clock stops when the bot answers with an op 3 whose activity name
 * starts with "end" or "guild". Probe k is answered with name "p<k>"; its latency is
 * (op 3 received - probe written). Results: one JSON line on stdout. An op 3 named
 * "mark..." prints {"mark": name, "t": CLOCK_MONOTONIC seconds} at once (reload latency).
 *
 * Heartbeats are ACKed. While the pre-built stream is being written, ACKs are deferred until
 * it is fully written, because they must go through the same deflate context and the
 * pre-built bytes already fixed that context's window. HELLO says 41 250 ms, the first beat
 * comes at interval * jitter and a client only gives up one full interval later, so runs
 * shorter than 41 s are never affected.
 *
 * /gateway/bot says max_concurrency = max(16, shards), so an identify queue that follows it
 * lets every shard identify at once (the idle scenario measures memory, not the queue).
 *
 * --shards N (no traffic): prints {"identified": k} as each connection identifies and serves
 * heartbeats until SIGTERM (idle RSS scenario).
 *
 * Build: cc -O2 -o loadgen loadgen.c -lz -lcrypto
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define BOT_ID "100000000000000001"
#define HEARTBEAT_MS 41250

typedef struct { char *p; size_t len, cap; } Buf;

static void buf_add(Buf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p) { perror("realloc"); exit(1); }
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}
static void buf_consume(Buf *b, size_t n) {
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- options and traffic ---- */
static int opt_shards = 1;          /* /gateway/bot "shards"; idle mode when > 0 and no traffic */
static int idle_mode = 0;
static double opt_rate = 0;         /* events/s; 0 = as fast as the socket takes it */
static const char *opt_guild_id = "820959510528262179";
static char *guild_payload;         /* startup GUILD_CREATE (whole payload) */
static int port;

typedef struct { char tag; char *json; size_t len; } Msg;
static Msg *traffic;
static int ntraffic;

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc(n + 1);
    if (fread(p, 1, n, f) != (size_t)n) { perror(path); exit(2); }
    p[n] = 0;
    fclose(f);
    if (len) *len = n;
    return p;
}

static void load_traffic(const char *path) {
    size_t len;
    char *p = read_file(path, &len), *end = p + len;
    int cap = 1024;
    traffic = malloc(cap * sizeof *traffic);
    while (p < end) {
        char *nl = memchr(p, '\n', end - p);
        if (!nl) nl = end;
        if (nl - p > 2) {
            if (ntraffic == cap) traffic = realloc(traffic, (cap *= 2) * sizeof *traffic);
            traffic[ntraffic++] = (Msg){ p[0], p + 2, nl - p - 2 };
        }
        p = nl + 1;
    }
}

/* ---- connections ---- */
typedef struct Conn {
    int fd, is_ws, closing, shard_id, shard_total, identified;
    Buf in, out;                     /* out: HTTP responses, control frames, live-compressed */
    Buf frag;                        /* client message being reassembled */
    z_stream z;
    int zinit;
    /* timed traffic */
    Buf tx;                          /* pre-built frames */
    size_t *msg_end;                 /* tx offset where message i ends */
    size_t tx_sent;
    int tx_built, tx_next_due, acks_deferred, done;
    double *sent_at;                 /* time message i was fully handed to the kernel */
    double t0;
} Conn;

static int epfd;
static int identified_total;
static int result_printed;

static void ws_frame_header(Buf *b, int opcode, size_t n) {
    unsigned char h[10];
    int hl = 2;
    h[0] = 0x80 | opcode;
    if (n < 126) h[1] = n;
    else if (n < 65536) { h[1] = 126; h[2] = n >> 8; h[3] = n; hl = 4; }
    else { h[1] = 127; for (int i = 0; i < 8; i++) h[2 + i] = (uint64_t)n >> (56 - 8 * i); hl = 10; }
    buf_add(b, h, hl);
}

/* Deflates one payload with the connection's context (Z_SYNC_FLUSH: ends in 00 00 FF FF)
 * and appends it to dst as one binary WebSocket frame. */
static void send_compressed(Conn *c, Buf *dst, const char *json, size_t n) {
    static unsigned char *zbuf;
    static size_t zcap;
    size_t bound = deflateBound(&c->z, n) + 64;
    if (bound > zcap) { zcap = bound; zbuf = realloc(zbuf, zcap); }
    c->z.next_in = (unsigned char *)json;
    c->z.avail_in = n;
    c->z.next_out = zbuf;
    c->z.avail_out = zcap;
    if (deflate(&c->z, Z_SYNC_FLUSH) != Z_OK || c->z.avail_in) { fprintf(stderr, "deflate failed\n"); exit(1); }
    size_t out = zcap - c->z.avail_out;
    ws_frame_header(dst, 2, out);
    buf_add(dst, zbuf, out);
}

static void send_live(Conn *c, const char *fmt, ...) {
    char s[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    send_compressed(c, &c->out, s, n);
}

/* tx offset up to which the pre-built traffic may be written now (all of it, or what --rate allows). */
static size_t tx_limit(Conn *c) {
    if (!c->tx_built) return 0;
    if (opt_rate <= 0) return c->tx.len;
    int due = (int)((now_s() - c->t0) * opt_rate) + 1;
    if (due > ntraffic) due = ntraffic;
    return due > 0 ? c->msg_end[due - 1] : 0;
}

static void want_write(Conn *c) {
    int pending = c->out.len || c->tx_sent < tx_limit(c);
    struct epoll_event ev = { .events = EPOLLIN | (pending ? EPOLLOUT : 0), .data.ptr = c };
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_close(Conn *c) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (c->zinit) deflateEnd(&c->z);
    free(c->in.p); free(c->out.p); free(c->frag.p); free(c->tx.p); free(c->msg_end); free(c->sent_at);
    free(c);
}

static void http_json(Conn *c, int status, const char *body) {
    char h[256];
    int n = snprintf(h, sizeof h, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: keep-alive\r\n\r\n",
                     status, status == 200 ? "OK" : status == 400 ? "Bad Request" : "Not Found",
                     strlen(body));
    buf_add(&c->out, h, n);
    buf_add(&c->out, body, strlen(body));
}

#define USER_JSON "{\"id\":\"" BOT_ID "\",\"username\":\"bench_bot\",\"global_name\":null," \
    "\"discriminator\":\"0\",\"avatar\":null,\"bot\":true,\"verified\":true,\"mfa_enabled\":false," \
    "\"flags\":0,\"public_flags\":0}"

/* Handles one complete HTTP request (head only; GETs carry no body). */
static void on_http(Conn *c, char *req) {
    char path[1024] = "";
    sscanf(req, "%*s %1023s", path);
    if (strcasestr(req, "\r\nUpgrade: websocket")) {
        if (!strstr(path, "compress=zlib-stream") || strstr(path, "encoding=etf")) {
            http_json(c, 400, "{\"message\":\"loadgen serves encoding=json&compress=zlib-stream only\"}");
            c->closing = 1;
            return;
        }
        char *k = strcasestr(req, "\r\nSec-WebSocket-Key:"), key[128];
        if (!k || sscanf(k + 20, " %100s", key) != 1) { c->closing = 1; return; }
        strcat(key, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
        unsigned char sha[SHA_DIGEST_LENGTH];
        SHA1((unsigned char *)key, strlen(key), sha);
        unsigned char acc[64];
        EVP_EncodeBlock(acc, sha, SHA_DIGEST_LENGTH);
        char h[256];
        int n = snprintf(h, sizeof h, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
        buf_add(&c->out, h, n);
        c->is_ws = 1;
        c->zinit = deflateInit(&c->z, Z_DEFAULT_COMPRESSION) == Z_OK;
        send_live(c, "{\"op\":10,\"d\":{\"heartbeat_interval\":%d},\"s\":null,\"t\":null}", HEARTBEAT_MS);
        return;
    }
    char body[512];
    if (!strncmp(path, "/api/v10/gateway/bot", 20)) {
        snprintf(body, sizeof body, "{\"url\":\"ws://127.0.0.1:%d\",\"shards\":%d,\"session_start_limit\":"
                 "{\"total\":1000,\"remaining\":1000,\"reset_after\":0,\"max_concurrency\":%d}}", port, opt_shards,
                 opt_shards > 16 ? opt_shards : 16);
        http_json(c, 200, body);
    } else if (!strncmp(path, "/api/v10/gateway", 16)) {
        snprintf(body, sizeof body, "{\"url\":\"ws://127.0.0.1:%d\"}", port);
        http_json(c, 200, body);
    } else if (!strcmp(path, "/api/v10/users/@me")) {
        http_json(c, 200, USER_JSON);
    } else if (!strcmp(path, "/api/v10/oauth2/applications/@me")) {
        http_json(c, 200, "{\"id\":\"" BOT_ID "\",\"name\":\"bench\",\"icon\":null,\"description\":\"\","
                  "\"summary\":\"\",\"bot_public\":true,\"bot_require_code_grant\":false,\"verify_key\":\"00\","
                  "\"flags\":8953856,\"team\":null,\"owner\":" USER_JSON "}");
    } else {
        http_json(c, 404, "{\"message\":\"404: Not Found\",\"code\":0}");
    }
}

/* Minimal field readers for the small JSON commands clients send: the first "key" followed by
 * ':' and an integer / a string. Enough for op, shard and activity name. */
static const char *find_key(const char *s, const char *key) {
    size_t kl = strlen(key);
    for (const char *p = s; (p = strstr(p, key)); p += kl) {
        const char *q = p + kl;
        while (*q == ' ') q++;
        if (*q == ':') { q++; while (*q == ' ') q++; return q; }
    }
    return NULL;
}

static void print_result(Conn *c, const char *reply, double t1) {
    int n = ntraffic, np = 0;
    double *lat = malloc((n + 1) * sizeof *lat);
    for (int i = 0; i < n; i++)
        if (traffic[i].tag == 'P' && c->sent_at[i] < 0) lat[np++] = -c->sent_at[i]; /* stored as -latency */
    for (int i = 1; i < np; i++) /* insertion sort: few samples */
        for (int j = i; j > 0 && lat[j - 1] > lat[j]; j--) { double t = lat[j]; lat[j] = lat[j - 1]; lat[j - 1] = t; }
    double secs = t1 - c->t0;
    printf("{\"events\":%d,\"seconds\":%.6f,\"events_per_s\":%.1f,\"reply\":\"%s\",\"bytes\":%zu",
           n, secs, n / secs, reply, c->tx.len);
    if (np) printf(",\"probes\":%d,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f", np,
                   lat[np / 2] * 1e3, lat[(int)(np * 0.99) < np ? (int)(np * 0.99) : np - 1] * 1e3,
                   lat[np - 1] * 1e3);
    printf("}\n");
    fflush(stdout);
    free(lat);
    result_printed = 1;
}

static void build_traffic(Conn *c) {
    c->msg_end = malloc(ntraffic * sizeof *c->msg_end);
    c->sent_at = calloc(ntraffic, sizeof *c->sent_at);
    for (int i = 0; i < ntraffic; i++) {
        send_compressed(c, &c->tx, traffic[i].json, traffic[i].len);
        c->msg_end[i] = c->tx.len;
    }
    c->tx_built = 1;
    c->t0 = now_s();
}

static void on_op3(Conn *c, const char *json) {
    const char *v = find_key(json, "\"name\"");
    char name[64] = "";
    if (v && *v == '"') sscanf(v + 1, "%63[^\"]", name);
    double t = now_s();
    if (!strncmp(name, "mark", 4)) {
        /* absolute CLOCK_MONOTONIC time, for the driver's own clock (reload latency) */
        printf("{\"mark\":\"%s\",\"t\":%.6f}\n", name, t);
        fflush(stdout);
    } else if (!strcmp(name, "ready")) {
        if (!idle_mode && ntraffic && !c->tx_built) build_traffic(c);
    } else if (name[0] == 'p' && c->tx_built) {
        int k = atoi(name + 1);
        if (k >= 0 && k < ntraffic && c->sent_at[k] > 0) c->sent_at[k] = -(t - c->sent_at[k]);
    } else if ((!strncmp(name, "end", 3) || !strncmp(name, "guild", 5)) && c->tx_built && !c->done) {
        c->done = 1;
        print_result(c, name, t);
    }
}

static void on_ws_text(Conn *c, char *json) {
    const char *v = find_key(json, "\"op\"");
    int op = v ? atoi(v) : -1;
    if (op == 1) {
        if (c->tx_built && c->tx_sent < c->tx.len) c->acks_deferred++;
        else send_live(c, "{\"op\":11,\"d\":null,\"s\":null,\"t\":null}");
    } else if (op == 2 && !c->identified) {
        c->shard_id = 0; c->shard_total = 1;
        const char *s = find_key(json, "\"shard\"");
        if (s) sscanf(s, "[ %d , %d", &c->shard_id, &c->shard_total);
        send_live(c, "{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"v\":10,\"user_settings\":{},\"user\":" USER_JSON
                  ",\"shard\":[%d,%d],\"session_type\":\"normal\",\"session_id\":\"bench%08x%08x\","
                  "\"resume_gateway_url\":\"ws://127.0.0.1:%d\",\"relationships\":[],\"private_channels\":[],"
                  "\"presences\":[],\"guilds\":[{\"id\":\"%s\",\"unavailable\":true}],\"guild_join_requests\":[],"
                  "\"geo_ordered_rtc_regions\":[],\"application\":{\"id\":\"" BOT_ID "\",\"flags\":8953856}}}",
                  c->shard_id, c->shard_total, (unsigned)getpid(), (unsigned)c->fd, port, opt_guild_id);
        send_compressed(c, &c->out, guild_payload, strlen(guild_payload));
        c->identified = 1;
        if (idle_mode) { /* progress: one line per identified shard */
            printf("{\"identified\":%d}\n", ++identified_total);
            fflush(stdout);
        }
    } else if (op == 6) {
        /* RESUME is not part of any scenario: say the session is invalid. */
        send_live(c, "{\"op\":9,\"d\":false,\"s\":null,\"t\":null}");
    } else if (op == 3) {
        on_op3(c, json);
    }
}

/* Parses complete client frames from c->in (masked, possibly fragmented). */
static void on_ws_data(Conn *c) {
    Buf *msg = &c->frag;
    for (;;) {
        unsigned char *p = (unsigned char *)c->in.p;
        size_t have = c->in.len, hl = 2;
        if (have < 2) return;
        int fin = p[0] & 0x80, opcode = p[0] & 15, masked = p[1] & 0x80;
        uint64_t n = p[1] & 127;
        if (n == 126) { if (have < 4) return; n = (p[2] << 8) | p[3]; hl = 4; }
        else if (n == 127) { if (have < 10) return; n = 0; for (int i = 0; i < 8; i++) n = (n << 8) | p[2 + i]; hl = 10; }
        if (masked) hl += 4;
        if (have < hl + n) return;
        unsigned char *data = p + hl;
        if (masked) for (uint64_t i = 0; i < n; i++) data[i] ^= p[hl - 4 + (i & 3)];
        if (opcode == 8) {
            ws_frame_header(&c->out, 8, n < 2 ? 0 : 2);
            if (n >= 2) buf_add(&c->out, data, 2);
            c->closing = 1;
        } else if (opcode == 9) {
            ws_frame_header(&c->out, 10, n);
            buf_add(&c->out, data, n);
        } else if (opcode == 0 || opcode == 1 || opcode == 2) {
            buf_add(msg, data, n);
            if (fin) {
                buf_add(msg, "", 1);
                on_ws_text(c, msg->p);
                msg->len = 0;
            }
        }
        buf_consume(&c->in, hl + n);
    }
}

static void on_readable(Conn *c) {
    char tmp[65536];
    for (;;) {
        ssize_t r = read(c->fd, tmp, sizeof tmp);
        if (r > 0) { buf_add(&c->in, tmp, r); continue; }
        if (r == 0 || (errno != EAGAIN && errno != EINTR)) c->closing = 2;
        break;
    }
    while (!c->is_ws && c->in.len) {
        buf_add(&c->in, "", 1);
        c->in.len--;
        char *end = strstr(c->in.p, "\r\n\r\n");
        if (!end) break;
        *end = 0;
        on_http(c, c->in.p);
        buf_consume(&c->in, end + 4 - c->in.p);
    }
    if (c->is_ws) on_ws_data(c);
}

/* Writes pending control output, then the pre-built traffic up to what is due. */
static void on_writable(Conn *c) {
    while (c->out.len) {
        ssize_t w = write(c->fd, c->out.p, c->out.len);
        if (w <= 0) { if (w < 0 && errno != EAGAIN && errno != EINTR) c->closing = 2; return; }
        buf_consume(&c->out, w);
    }
    if (!c->tx_built || c->tx_sent >= c->tx.len) return;
    size_t limit = tx_limit(c);
    while (c->tx_sent < limit) {
        size_t chunk = limit - c->tx_sent;
        if (chunk > (1 << 20)) chunk = 1 << 20;
        ssize_t w = write(c->fd, c->tx.p + c->tx_sent, chunk);
        if (w <= 0) { if (w < 0 && errno != EAGAIN && errno != EINTR) c->closing = 2; break; }
        c->tx_sent += w;
    }
    double t = now_s();
    while (c->tx_next_due < ntraffic && c->msg_end[c->tx_next_due] <= c->tx_sent)
        c->sent_at[c->tx_next_due++] = t;
    if (c->tx_sent == c->tx.len)
        for (; c->acks_deferred; c->acks_deferred--) send_live(c, "{\"op\":11,\"d\":null,\"s\":null,\"t\":null}");
}

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

int main(int argc, char **argv) {
    const char *traffic_path = NULL, *guild_path = NULL;
    double timeout = 600;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--traffic") && i + 1 < argc) traffic_path = argv[++i];
        else if (!strcmp(argv[i], "--guild") && i + 1 < argc) guild_path = argv[++i];
        else if (!strcmp(argv[i], "--guild-id") && i + 1 < argc) opt_guild_id = argv[++i];
        else if (!strcmp(argv[i], "--rate") && i + 1 < argc) opt_rate = atof(argv[++i]);
        else if (!strcmp(argv[i], "--shards") && i + 1 < argc) { opt_shards = atoi(argv[++i]); idle_mode = 1; }
        else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) timeout = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: loadgen --guild FILE [--guild-id ID] (--traffic FILE [--rate N] | --shards N) [--timeout S]\n");
            return 2;
        }
    }
    if (!guild_path || (!traffic_path && !idle_mode)) { fprintf(stderr, "loadgen: --guild and --traffic or --shards needed\n"); return 2; }
    guild_payload = read_file(guild_path, NULL);
    guild_payload[strcspn(guild_payload, "\n")] = 0;
    if (traffic_path) load_traffic(traffic_path);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4096) || getsockname(ls, (struct sockaddr *)&a, &al)) {
        perror("listen"); return 1;
    }
    port = ntohs(a.sin_port);
    printf("{\"port\":%d}\n", port);
    fflush(stdout);

    epfd = epoll_create1(0);
    struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(epfd, EPOLL_CTL_ADD, ls, &lev);
    double deadline = now_s() + timeout;
    Conn *timed = NULL;   /* connection currently sending rate-limited traffic */
    struct epoll_event evs[256];
    while (!stop && !result_printed) {
        int wait_ms = 1000;
        if (timed && opt_rate > 0 && timed->tx_sent < timed->tx.len) {
            double next = timed->t0 + timed->tx_next_due / opt_rate - now_s();
            wait_ms = next <= 0 ? 0 : (int)(next * 1e3) + 1;
            if (next <= 0) on_writable(timed), want_write(timed);
        }
        int n = epoll_wait(epfd, evs, 256, wait_ms);
        if (now_s() > deadline) { fprintf(stderr, "loadgen: timeout\n"); return 3; }
        for (int i = 0; i < n; i++) {
            Conn *c = evs[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c = calloc(1, sizeof *c);
                    c->fd = fd;
                    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
                    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
            int built = c->tx_built;
            on_writable(c);
            if (c->tx_built) timed = c;
            if (!built && c->tx_built) on_writable(c);
            if (c->closing == 2 || (c->closing && !c->out.len)) {
                if (timed == c) timed = NULL;
                conn_close(c);
            } else {
                want_write(c);
            }
        }
    }
    return result_printed || stop ? 0 : 1;
}
