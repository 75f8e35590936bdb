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

#endif
