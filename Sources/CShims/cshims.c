#include <stdint.h>
#include <string.h>
#include "cshims.h"

long shim_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

int shim_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

long shim_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

unsigned long long shim_SSL_OP_NO_COMPRESSION(void) {
    return (unsigned long long)SSL_OP_NO_COMPRESSION;
}

int shim_inflateInit(z_stream *strm) {
    return inflateInit(strm);
}

int shim_deflateInit(z_stream *strm, int level) {
    return deflateInit(strm, level);
}

unsigned long long shim_SSL_OP_IGNORE_UNEXPECTED_EOF(void) {
    return (unsigned long long)SSL_OP_IGNORE_UNEXPECTED_EOF;
}

/* First '"' or '\\' at or after i (n when none): 8 bytes at a time (zero-byte test on
   the bytes XORed with each target; the lowest hit is exact on little-endian). */
static size_t shim_json_special(const unsigned char *p, size_t i, size_t n) {
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    while (i + 8 <= n) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
        uint64_t hit = (((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
        if (hit) return i + ((size_t)__builtin_ctzll(hit) >> 3);
        i += 8;
    }
    while (i < n && p[i] != '"' && p[i] != '\\') i++;
    return i;
}

/* Index after the string whose opening quote is at i, or n + (1 when cut in an escape)
   with *ok = 0. */
static size_t shim_json_skip_string(const unsigned char *p, size_t n, size_t i, int *ok) {
    i++;
    for (;;) {
        i = shim_json_special(p, i, n);
        if (i >= n) { *ok = 0; return i; }
        if (p[i] == '"') { *ok = 1; return i + 1; }
        i += 2; /* backslash: skip the escaped byte */
        if (i > n) { *ok = 0; return i; }
    }
}

long shim_json_skip(const unsigned char *p, size_t n, size_t i, size_t *stop) {
    int ok = 1;
    if (i < n && p[i] == '"') {
        size_t end = shim_json_skip_string(p, n, i, &ok);
        if (!ok) { *stop = end; return -1; }
        return (long)end;
    }
    long depth = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c == '"') {
            i = shim_json_skip_string(p, n, i, &ok);
            if (!ok) { *stop = i; return -1; }
            continue;
        }
        if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') {
            if (--depth == 0) return (long)(i + 1);
        }
        i++;
    }
    *stop = i;
    return -2;
}
