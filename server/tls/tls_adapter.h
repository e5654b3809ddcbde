/* tls_adapter.h - the mbedTLS adapter's interface to civetweb's glue.
 *
 * Internal to server/tls: tls.c (configuration and contexts), tls_conn.c
 * (connections) and tls_identity.c (client identity) implement it, and
 * mod_mbedtls.inl (compiled inside civetweb.c in place of civetweb's own)
 * maps civetweb's mbed_* calls onto it. The server uses tls.h only.
 */
#ifndef FN_TLS_ADAPTER_H
#define FN_TLS_ADAPTER_H

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/debug.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/gcm.h"
#include "mbedtls/net_sockets.h"
#include "mbedtls/oid.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_cache.h"
#include "mbedtls/ssl_ticket.h"
#include "mbedtls/x509_crt.h"
#include "psa/crypto.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tls.h"

#if !defined(MBEDTLS_THREADING_C) || !defined(MBEDTLS_SSL_PROTO_TLS1_3)      \
    || !defined(MBEDTLS_SSL_TICKET_C) || !defined(MBEDTLS_SSL_CACHE_C)        \
    || !defined(MBEDTLS_SSL_KEEP_PEER_CERTIFICATE)
#error "fieldnote's TLS adapter needs mbedTLS with THREADING_C, SSL_PROTO_TLS1_3, SSL_TICKET_C, SSL_CACHE_C and SSL_KEEP_PEER_CERTIFICATE"
#endif

/* A client gets this long to complete its handshake unless
 * tls_options.handshake_timeout_ms says otherwise. */
#define TLS_HANDSHAKE_TIMEOUT_MS 10000
/* A handshake looks at tls_drain() this often while it waits. */
#define TLS_HANDSHAKE_SLICE_MS 100
/* TLS 1.2 session-id cache: entries are a few hundred bytes plus the client
 * certificate; lookups are linear under a mutex, so keep it modest. */
#define TLS_CACHE_ENTRIES 1000

/* One listening context: configuration, keys and resumption state shared
 * by every connection. civetweb allocates it (its SSL_CTX). */
struct tls_ctx {
	int initialized;                  /* every member below may be freed */
	int verify_clients;               /* device CA configured */
	mbedtls_ssl_config conf;          /* shared by all connections */
	mbedtls_x509_crt cert;            /* own certificate chain */
	mbedtls_pk_context pkey;          /* own private key */
	mbedtls_x509_crt device_ca;       /* trust anchor for client certs */
	mbedtls_entropy_context entropy;  /* seeds drbg */
	mbedtls_ctr_drbg_context drbg;    /* the one RNG of this context */
	mbedtls_ssl_ticket_context ticket; /* ticket keys, rotated per lifetime */
	mbedtls_ssl_cache_context cache;  /* TLS 1.2 session-id resumption */
	unsigned char id_key[32];         /* protects identities in tickets */
};

/* Sets up ctx from the tls_configure() registration (or, without one, from
 * crt holding both certificate and key). 0, or -1: tls_last_error() says why.
 * On failure ctx must still be passed to tls_ctx_uninit(). */
int tls_ctx_init(struct tls_ctx *ctx, const char *crt);
void tls_ctx_uninit(struct tls_ctx *ctx);

/* Handshakes on the non-blocking socket *sock within the configured
 * timeout. 0 with *ssl set (free it with tls_conn_close), or -1. */
int tls_conn_accept(mbedtls_ssl_context **ssl, struct tls_ctx *ctx, int *sock);
/* Sends close_notify (best effort) and frees ssl; NULL is a no-op. */
void tls_conn_close(mbedtls_ssl_context *ssl);
/* > 0 bytes moved; MBEDTLS_ERR_SSL_WANT_READ/WANT_WRITE: retry after
 * polling; other negative values end the connection. */
int tls_conn_read(mbedtls_ssl_context *ssl, unsigned char *buf, int len);
int tls_conn_write(mbedtls_ssl_context *ssl, const unsigned char *buf, int len);

/* The handshake budget from tls_configure() (tls.c). */
int tls_handshake_timeout_ms(void);

/* tls_identity.c: the peer identity of the connection this thread serves. */
void tls_identity_clear(void);
int tls_identity_take(const mbedtls_ssl_context *ssl, const struct tls_ctx *ctx);
int tls_verify_cb(void *unused, mbedtls_x509_crt *crt, int depth, uint32_t *flags);
int tls_ticket_write(void *p_ctx, const mbedtls_ssl_session *session,
                     unsigned char *start, const unsigned char *end,
                     size_t *tlen, uint32_t *lifetime);
int tls_ticket_parse(void *p_ctx, mbedtls_ssl_session *session,
                     unsigned char *buf, size_t len);

#endif
