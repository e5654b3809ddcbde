/* net.h - one TLS connection to the server over mbedTLS: pinned CA, timeouts, resumption. */
#ifndef FN_CLIENT_NET_H
#define FN_CLIENT_NET_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "buf.h"

struct cr;
struct fn_options;

/* The connection state of one handle. Used by one thread at a time (the
 * handle's network mutex). */
struct net {
	/* where: from the server URL */
	char host[256], port[8], hostport[300];
	/* trust and identity, read at open */
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca, cert;
	mbedtls_pk_context pk;
	struct cr *cr;
	int have_cert, ready;
	/* the session to resume (from the store or the last connection) */
	mbedtls_ssl_session session;
	int have_session, session_new; /* session_new: not yet saved */
	/* the live connection */
	mbedtls_ssl_context ssl;
	int fd, up, ssl_set;
	unsigned verifies; /* certificate checks in this handshake: 0 = resumed */
	/* limits of the current operation */
	unsigned connect_ms, read_ms;
	int64_t deadline_ms;          /* monotonic; 0: none */
	const volatile int *cancel;
	void (*on_sent)(void *arg);   /* fni_http_request calls it once a request is out */
	void *on_sent_arg;
	int why;                      /* FN_TIMEOUT / FN_CANCELLED seen by the I/O callbacks */
	/* for the sync summary */
	unsigned connections, resumed;
	const char *version;
};

/* Milliseconds on the monotonic clock. */
int64_t fni_net_now_ms(void);

/* Parses url ("https://host[:port]", IPv6 as "[::1]:port", no path),
 * loads the CA and the optional device certificate and key, and sets up
 * the TLS configuration: TLS 1.2 minimum, 1.3 preferred, verification
 * required against the given CA only, session tickets. FN_OK;
 * FN_BAD_ARGUMENT (URL); FN_TLS_ERROR (files); detail (256 bytes) says why. */
int fni_net_setup(struct net *n, struct cr *cr, const struct fn_options *o, char *detail);
void fni_net_free(struct net *n);

/* Connects and handshakes (resuming the saved session if there is one).
 * FN_OK; FN_NETWORK_ERROR, FN_TIMEOUT, FN_CANCELLED (worth retrying but
 * cancelled); FN_TLS_ERROR (certificate refused: not worth retrying). */
int fni_net_connect(struct net *n, char *detail);

/* Closes the connection (close_notify when graceful). Safe when down. */
void fni_net_close(struct net *n, int graceful);

/* Writes all of p. FN_OK or as fni_net_connect. */
int fni_net_write(struct net *n, const void *p, size_t len, char *detail);

/* Reads up to cap bytes: *got > 0, or *got == 0 at the peer's orderly
 * end. FN_OK or as fni_net_connect. Collects TLS 1.3 tickets on the way. */
int fni_net_read(struct net *n, void *p, size_t cap, size_t *got, char *detail);

/* The resumable session, serialized (for the store), if a new one arrived
 * since the last call: FN_OK and bytes in out; FN_NOT_FOUND otherwise. */
int fni_net_session_take(struct net *n, struct sc_buf *out);

/* Loads a session serialized by fni_net_session_take (bad bytes are ignored:
 * the next handshake is a full one). */
void fni_net_session_give(struct net *n, const void *p, size_t len);

#endif
