/* JSON -> Lua values, straight onto the stack (issue 5). Strings stay strings
   (snowflake ids included), integers that fit become Lua integers, null becomes
   json.null, nesting is limited, errors carry the byte offset. */
#define _GNU_SOURCE
#include "lb_internal.h"
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const char lb_json_null_tag = 0;

typedef struct jd {
    lua_State *L;
    lb_state *S;
    const char *start, *p, *end;
    int keys_idx;   /* stack index of the key cache table (0: no cache) */
} jd;

static const char jd_keys_key = 0; /* registry: the key cache's anchor table */

/* Stack: [-0, +1, v] raises the decode error with the byte offset. */
static void jd_fail(jd *d, const char *what) {
    luaL_error(d->L, "JSON decode error at byte %d: %s", (int)(d->p - d->start), what);
}

static inline void jd_ws(jd *d) {
    while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' || *d->p == '\r' || *d->p == '\t'))
        d->p++;
}

static char *jd_scratch(jd *d, size_t need) {
    lb_state *S = d->S;
    if (need > S->scratch_cap) {
        size_t cap = S->scratch_cap ? S->scratch_cap : 1024;
        while (cap < need) cap *= 2;
        char *p = realloc(S->scratch, cap);
        if (p == NULL) luaL_error(d->L, "not enough memory");
        S->scratch = p;
        S->scratch_cap = cap;
    }
    return S->scratch;
}

static int jd_hex4(jd *d, const char *q) {
    if (d->end - q < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = q[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

static size_t jd_utf8(char *out, unsigned cp) {
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* 1 for the bytes that end the fast string scan: '"', '\\' and controls. */
static const unsigned char jd_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1,
};

/* Stack: [-0, +1, e] d->p is just after the opening quote. */
static void jd_string(jd *d) {
    const char *s = d->p;
    const char *q = s;
    while (d->end - q >= 4 && !jd_stop[(unsigned char)q[0]] && !jd_stop[(unsigned char)q[1]] &&
           !jd_stop[(unsigned char)q[2]] && !jd_stop[(unsigned char)q[3]])
        q += 4;
    while (q < d->end && !jd_stop[(unsigned char)*q]) q++;
    if (q < d->end && *q == '"') {
        lua_pushlstring(d->L, s, (size_t)(q - s));
        d->p = q + 1;
        return;
    }
    /* slow path: escapes; decoded text is never longer than the source */
    size_t prefix = (size_t)(q - s);
    char *out = jd_scratch(d, (size_t)(d->end - s) + 4);
    memcpy(out, s, prefix);
    size_t n = prefix;
    while (q < d->end && *q != '"') {
        unsigned char c = (unsigned char)*q;
        if (c < 0x20) { d->p = q; jd_fail(d, "control character in string"); }
        if (c != '\\') { out[n++] = (char)c; q++; continue; }
        if (q + 1 >= d->end) { d->p = d->end; jd_fail(d, "unterminated string"); }
        char e = q[1];
        q += 2;
        switch (e) {
        case '"': out[n++] = '"'; break;
        case '\\': out[n++] = '\\'; break;
        case '/': out[n++] = '/'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            int cp = jd_hex4(d, q);
            if (cp < 0) { d->p = q; jd_fail(d, "bad \\u escape"); }
            q += 4;
            unsigned code = (unsigned)cp;
            if (code >= 0xD800 && code <= 0xDBFF) {
                int lo = (d->end - q >= 6 && q[0] == '\\' && q[1] == 'u') ? jd_hex4(d, q + 2) : -1;
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    code = 0x10000 + ((code - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
                    q += 6;
                } else {
                    code = 0xFFFD; /* lone high surrogate */
                }
            } else if (code >= 0xDC00 && code <= 0xDFFF) {
                code = 0xFFFD; /* lone low surrogate */
            }
            n += jd_utf8(out + n, code);
            break;
        }
        default: d->p = q - 1; jd_fail(d, "bad escape");
        }
    }
    if (q >= d->end) { d->p = d->end; jd_fail(d, "unterminated string"); }
    lua_pushlstring(d->L, out, n);
    d->p = q + 1;
}

static locale_t jd_c_locale;
static pthread_once_t jd_locale_once = PTHREAD_ONCE_INIT;
static void jd_init_locale(void) { jd_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* [-0, +1, e] */
static void jd_number(jd *d) {
    const char *s = d->p, *q = s;
    int neg = 0, is_int = 1;
    if (q < d->end && *q == '-') { neg = 1; q++; }
    if (q >= d->end || *q < '0' || *q > '9') { d->p = q; jd_fail(d, "bad number"); }
    if (*q == '0') q++;
    else while (q < d->end && *q >= '0' && *q <= '9') q++;
    if (q < d->end && *q == '.') {
        is_int = 0;
        q++;
        if (q >= d->end || *q < '0' || *q > '9') { d->p = q; jd_fail(d, "bad number"); }
        while (q < d->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < d->end && (*q == 'e' || *q == 'E')) {
        is_int = 0;
        q++;
        if (q < d->end && (*q == '+' || *q == '-')) q++;
        if (q >= d->end || *q < '0' || *q > '9') { d->p = q; jd_fail(d, "bad number"); }
        while (q < d->end && *q >= '0' && *q <= '9') q++;
    }
    d->p = q;
    if (is_int) {
        uint64_t v = 0;
        int overflow = 0;
        for (const char *r = s + neg; r < q; r++) {
            unsigned digit = (unsigned)(*r - '0');
            if (v > (UINT64_MAX - digit) / 10) { overflow = 1; break; }
            v = v * 10 + digit;
        }
        if (!overflow && (neg ? v <= (uint64_t)INT64_MAX + 1 : v <= (uint64_t)INT64_MAX)) {
            lua_pushinteger(d->L, neg ? (lua_Integer)(0 - v) : (lua_Integer)v);
            return;
        }
    }
    size_t len = (size_t)(q - s);
    char small[64];
    char *buf = len < sizeof small ? small : jd_scratch(d, len + 1);
    memcpy(buf, s, len);
    buf[len] = 0;
    pthread_once(&jd_locale_once, jd_init_locale);
    lua_pushnumber(d->L, jd_c_locale ? strtod_l(buf, NULL, jd_c_locale) : strtod(buf, NULL));
}

/* Stack: [-0, +0, v] consumes `word` or raises. */
static void jd_literal(jd *d, const char *word, size_t n) {
    if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0) jd_fail(d, "unexpected character");
    d->p += n;
}

/* Members and elements are gathered on the stack and their table is created with the
   exact size (issue 7: no rehash while it fills); past JD_BATCH of them the table is
   created with that size and later ones are stored as they come. */
#define JD_BATCH 256

/* Stack: [-(2n+1), +1, -] the table at `t` takes the n key/value pairs above it, in
   order (a repeated key keeps its last value, as with rawset one by one). */
static void jd_set_pairs(lua_State *L, int t, int n) {
    for (int i = 0; i < n; i++) {
        lua_pushvalue(L, t + 1 + 2 * i);
        lua_pushvalue(L, t + 2 + 2 * i);
        lua_rawset(L, t);
    }
    lua_settop(L, t);
}

/* Stack: [-n, +0, -] the table at `t` takes the n values above it as [first..first+n-1]. */
static void jd_set_items(lua_State *L, int t, int n, lua_Integer first) {
    for (int i = n; i > 0; i--) lua_rawseti(L, t, first + i - 1);
}

static void jd_value(jd *d, int depth);

static inline unsigned jd_key_slot(const char *s, size_t n) {
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
    } else {
        for (size_t i = 0; i < n; i++) a = a << 8 | (unsigned char)s[i];
    }
    uint64_t h = a * 0x9E3779B97F4A7C15ULL ^ (b + n) * 0xC2B2AE3D27D4EB4FULL;
    return (unsigned)(h >> 56) % LB_KEY_SLOTS;
}

/* Whether the n bytes (n < LB_KEY_MAX) at a and b are equal, without a libc call. */
static inline int jd_key_eq(const char *a, const char *b, size_t n) {
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            if (a[i] != b[i]) return 0;
        return 1;
    }
    uint64_t x, y;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) return 0;
    }
    memcpy(&x, a + n - 8, 8);
    memcpy(&y, b + n - 8, 8);
    return x == y;
}

/* Stack: [-0, +1, e] an object key; d->p is just after its opening quote. Short keys
   without escapes come from the key cache when seen before (the same string value).
   Returns the key's cache entry, or NULL when it is not cached. */
static lb_key *jd_key(jd *d) {
    const char *s = d->p, *q = s;
    const char *limit = d->end - s > LB_KEY_MAX ? s + LB_KEY_MAX : d->end;
    while (q < limit && !jd_stop[(unsigned char)*q]) q++;
    if (!d->keys_idx || q >= limit || *q != '"') { jd_string(d); return NULL; }
    size_t n = (size_t)(q - s);
    lb_key *k = &d->S->keys[jd_key_slot(s, n)];
    lua_State *L = d->L;
    int slot = (int)(k - d->S->keys) + 1;
    if (k->len == n + 1 && jd_key_eq(k->bytes, s, n)) {
        lua_rawgeti(L, d->keys_idx, slot);
    } else {
        lua_pushlstring(L, s, n);
        lua_pushvalue(L, -1);
        lua_rawseti(L, d->keys_idx, slot); /* array slot exists: no allocation */
        memcpy(k->bytes, s, n);
        k->len = (uint32_t)(n + 1);
        k->members = 0;
    }
    d->p = q + 1;
    return k;
}

/* [-0, +1, e] d->p is just after '{'. An object whose first key began an object before is
   created at once with that object's size (Discord's payloads repeat their shapes), and its
   members stored as they come; otherwise members are gathered first (see JD_BATCH). */
static void jd_object(jd *d, int depth) {
    lua_State *L = d->L;
    int base = lua_gettop(L);
    int n = 0, t = 0; /* t: the table's index once created */
    lb_key *first = NULL;
    const char *first_at = NULL; /* the first key's bytes in the input */
    size_t first_len = 0;
    jd_ws(d);
    if (d->p < d->end && *d->p == '}') { d->p++; lua_createtable(L, 0, 0); return; }
    for (;;) {
        luaL_checkstack(L, 4, "JSON nesting");
        jd_ws(d);
        if (d->p >= d->end || *d->p != '"') jd_fail(d, "expected string key");
        d->p++;
        const char *key_at = d->p;
        lb_key *k = jd_key(d);
        if (n == 0 && k) {
            first = k;
            first_at = key_at;
            first_len = (size_t)(d->p - 1 - key_at); /* a cached key has no escapes */
            if (k->members) { /* [key] -> [table, key] */
                lua_createtable(L, 0, (int)k->members);
                lua_insert(L, -2);
                t = base + 1;
            }
        }
        jd_ws(d);
        if (d->p >= d->end || *d->p != ':') jd_fail(d, "expected ':'");
        d->p++;
        jd_value(d, depth + 1);
        n++;
        if (t) lua_rawset(L, t);
        else if (n == JD_BATCH) {
            lua_createtable(L, 0, n);
            t = base + 1;
            lua_insert(L, t);
            jd_set_pairs(L, t, n);
        }
        jd_ws(d);
        if (d->p < d->end && *d->p == ',') { d->p++; continue; }
        if (d->p < d->end && *d->p == '}') { d->p++; break; }
        jd_fail(d, "expected ',' or '}'");
    }
    /* Remember the size, unless another key took the entry meanwhile; big objects are not
       a hint (a later small object with the same first key would get a huge table). */
    if (first && first->len == first_len + 1 && jd_key_eq(first->bytes, first_at, first_len))
        first->members = n <= JD_BATCH ? (uint32_t)n : 0;
    if (t) return;
    lua_createtable(L, 0, n);
    lua_insert(L, base + 1);
    jd_set_pairs(L, base + 1, n);
}

/* [-0, +1, e] d->p is just after '['. */
static void jd_array(jd *d, int depth) {
    lua_State *L = d->L;
    int base = lua_gettop(L);
    int n = 0, t = 0;
    lua_Integer i = 1;
    jd_ws(d);
    if (d->p < d->end && *d->p == ']') { d->p++; lua_createtable(L, 0, 0); return; }
    for (;; i++) {
        luaL_checkstack(L, 3, "JSON nesting");
        jd_value(d, depth + 1);
        if (t) lua_rawseti(L, t, i);
        else if (++n == JD_BATCH) {
            lua_createtable(L, n, 0);
            t = base + 1;
            lua_insert(L, t);
            jd_set_items(L, t, n, 1);
        }
        jd_ws(d);
        if (d->p < d->end && *d->p == ',') { d->p++; continue; }
        if (d->p < d->end && *d->p == ']') { d->p++; break; }
        jd_fail(d, "expected ',' or ']'");
    }
    if (t) return;
    lua_createtable(L, n, 0);
    lua_insert(L, base + 1);
    jd_set_items(L, base + 1, n, 1);
}

/* [-0, +1, e] */
static void jd_value(jd *d, int depth) {
    lua_State *L = d->L;
    jd_ws(d);
    if (d->p >= d->end) jd_fail(d, "unexpected end of input");
    switch (*d->p) {
    case '{':
        if (depth >= LB_JSON_MAX_DEPTH) jd_fail(d, "nesting too deep");
        d->p++;
        jd_object(d, depth);
        return;
    case '[':
        if (depth >= LB_JSON_MAX_DEPTH) jd_fail(d, "nesting too deep");
        d->p++;
        jd_array(d, depth);
        return;
    case '"': d->p++; jd_string(d); return;
    case 't': jd_literal(d, "true", 4); lua_pushboolean(L, 1); return;
    case 'f': jd_literal(d, "false", 5); lua_pushboolean(L, 0); return;
    case 'n': jd_literal(d, "null", 4); lua_pushlightuserdata(L, LB_JSON_NULL); return;
    default:
        if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9')) { jd_number(d); return; }
        jd_fail(d, "unexpected character");
    }
}

/* Stack: [-0, +1, e] pushes the decoded value (see lb_internal.h). The key cache
   table sits below it while decoding. */
void lb_json_decode(lua_State *L, const char *json, size_t len) {
    lb_state *S = lb_from(L);
    jd d = {L, S, json, json, json + len, 0};
    if (S->keys == NULL) S->keys = calloc(LB_KEY_SLOTS, sizeof(lb_key));
    if (S->keys) {
        luaL_checkstack(L, 2, "JSON key cache");
        if (lua_rawgetp(L, LUA_REGISTRYINDEX, &jd_keys_key) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_createtable(L, LB_KEY_SLOTS, 0);
            for (int i = 1; i <= LB_KEY_SLOTS; i++) { /* fill the array part: later sets never allocate */
                lua_pushboolean(L, 0);
                lua_rawseti(L, -2, i);
            }
            lua_pushvalue(L, -1);
            lua_rawsetp(L, LUA_REGISTRYINDEX, &jd_keys_key);
            for (int i = 0; i < LB_KEY_SLOTS; i++) S->keys[i].len = 0; /* a fresh table: nothing cached */
        }
        d.keys_idx = lua_gettop(L);
    }
    jd_value(&d, 0);
    jd_ws(&d);
    if (d.p != d.end) jd_fail(&d, "trailing characters");
    if (d.keys_idx) lua_remove(L, d.keys_idx);
}
