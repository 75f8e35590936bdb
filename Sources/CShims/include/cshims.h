#ifndef BOTRUN_CSHIMS_H
#define BOTRUN_CSHIMS_H
/* One-line wrappers for the OpenSSL and zlib macros Swift cannot import.
   None of these can raise or longjmp. */
#include <openssl/ssl.h>
#include <zlib.h>

long shim_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
int shim_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
long shim_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
unsigned long long shim_SSL_OP_NO_COMPRESSION(void);
int shim_inflateInit(z_stream *strm);
int shim_deflateInit(z_stream *strm, int level);

/* Transport (issue 2): Linux headers the Glibc module does not carry. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/tcp.h>
#include <openssl/x509v3.h>
#include <openssl/err.h>
#include <zstd.h>
/* SSL_OP_IGNORE_UNEXPECTED_EOF (an SSL_OP_BIT macro): a TLS peer closing without
   close_notify reads as EOF; the WebSocket layer detects truncation itself. */
unsigned long long shim_SSL_OP_IGNORE_UNEXPECTED_EOF(void);

/* JSON (issue 7): the gateway payload scanner's structural skip, in C for speed.
   Skips the string ('"') or nested value ('{' / '[') starting at p[i] exactly as
   JSONByteReader.skipValue/skipString do (brackets counted, not matched; escapes skip
   one byte; nothing else validated). Returns the index just after it, or -1 when the
   input ends inside a string, -2 when it ends inside a nested value; *stop is then
   where the scan stopped. */
#include <stddef.h>
long shim_json_skip(const unsigned char *p, size_t n, size_t i, size_t *stop);

#endif
