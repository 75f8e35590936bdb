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
