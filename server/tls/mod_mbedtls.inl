/* mod_mbedtls.inl - civetweb's mbedTLS glue, replaced by fieldnote's.
 *
 * The build copies this file over civetweb's own src/mod_mbedtls.inl, so it
 * is #included once, near the top of civetweb.c, and keeps exactly the
 * interface civetweb.c uses: the types SSL and SSL_CTX and mbed_sslctx_init,
 * mbed_sslctx_uninit, mbed_ssl_accept, mbed_ssl_close, mbed_ssl_read and
 * mbed_ssl_write (civetweb.c also calls mbedtls_ssl_get_bytes_avail() on SSL
 * directly). Each maps onto the adapter in tls.c and tls_identity.c, which
 * are ordinary project files compiled with the project's flags and tested
 * on their own (tests/unit/test_tls.c); nothing here reads civetweb's
 * internals.
 */
#if defined(USE_MBEDTLS)

#include "tls_adapter.h"

#if CIVETWEB_VERSION_MAJOR != 1 || CIVETWEB_VERSION_MINOR != 16
#error "fieldnote's TLS adapter keeps civetweb 1.16's mbed_* interface: check it against this version"
#endif

typedef mbedtls_ssl_context SSL;
typedef struct tls_ctx SSL_CTX;

int mbed_sslctx_init(SSL_CTX *ctx, const char *crt);
void mbed_sslctx_uninit(SSL_CTX *ctx);
void mbed_ssl_close(mbedtls_ssl_context *ssl);
int mbed_ssl_accept(mbedtls_ssl_context **ssl, SSL_CTX *ssl_ctx, int *sock,
                    struct mg_context *phys_ctx);
int mbed_ssl_read(mbedtls_ssl_context *ssl, unsigned char *buf, int len);
int mbed_ssl_write(mbedtls_ssl_context *ssl, const unsigned char *buf, int len);

int
mbed_sslctx_init(SSL_CTX *ctx, const char *crt)
{
	return tls_ctx_init(ctx, crt);
}

void
mbed_sslctx_uninit(SSL_CTX *ctx)
{
	tls_ctx_uninit(ctx);
}

int
mbed_ssl_accept(mbedtls_ssl_context **ssl, SSL_CTX *ssl_ctx, int *sock,
                struct mg_context *phys_ctx)
{
	(void)phys_ctx; /* options come from tls_configure() */
	return tls_conn_accept(ssl, ssl_ctx, sock);
}

void
mbed_ssl_close(mbedtls_ssl_context *ssl)
{
	tls_conn_close(ssl);
}

int
mbed_ssl_read(mbedtls_ssl_context *ssl, unsigned char *buf, int len)
{
	return tls_conn_read(ssl, buf, len);
}

int
mbed_ssl_write(mbedtls_ssl_context *ssl, const unsigned char *buf, int len)
{
	return tls_conn_write(ssl, buf, len);
}

#endif /* USE_MBEDTLS */
