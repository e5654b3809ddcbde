/* tls_conn.c - TLS connections for civetweb: the socket callbacks, a
 * handshake bounded in time and ended by a graceful stop, and record I/O.
 *
 * civetweb hands over accepted sockets in non-blocking mode, so
 * SO_RCVTIMEO/SO_SNDTIMEO would have no effect and civetweb's stock
 * handshake loop spins on WANT_READ at full CPU for as long as a silent
 * client stays connected. Here the handshake waits in poll() against a
 * deadline instead. After the handshake civetweb does its own polling and
 * timeouts (request_timeout_ms) around tls_conn_read/tls_conn_write.
 */
#include "tls_adapter.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

/* Set by tls_drain(); handshakes then fail at once. */
static volatile sig_atomic_t tls_draining;

void
tls_drain(void)
{
	tls_draining = 1;
}

/* ---- socket I/O ---------------------------------------------------------
 *
 * send() uses MSG_NOSIGNAL: a peer that went away is an error, not SIGPIPE. */
static int
tls_net_send(void *p_fd, const unsigned char *buf, size_t len)
{
	ssize_t n = send(*(const int *)p_fd, buf, len, MSG_NOSIGNAL);

	if (n >= 0) {
		return (int)n; /* mbedTLS writes at most one record at a time */
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	}
	if (errno == EPIPE || errno == ECONNRESET) {
		return MBEDTLS_ERR_NET_CONN_RESET;
	}
	return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int
tls_net_recv(void *p_fd, unsigned char *buf, size_t len)
{
	ssize_t n = recv(*(const int *)p_fd, buf, len, 0);

	if (n >= 0) {
		return (int)n; /* 0: orderly EOF, which mbedTLS reports */
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		return MBEDTLS_ERR_SSL_WANT_READ;
	}
	if (errno == ECONNRESET) {
		return MBEDTLS_ERR_NET_CONN_RESET;
	}
	return MBEDTLS_ERR_NET_RECV_FAILED;
}

static int64_t
tls_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
tls_handshake(mbedtls_ssl_context *ssl, int fd, int timeout_ms)
{
	const int64_t deadline = tls_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd;
		int64_t left;
		int rc = mbedtls_ssl_handshake(ssl);

		if (rc == 0) {
			return 0;
		}
		if (rc != MBEDTLS_ERR_SSL_WANT_READ
		    && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
			return rc;
		}
		left = deadline - tls_now_ms();
		if (left <= 0 || tls_draining) {
			return MBEDTLS_ERR_SSL_TIMEOUT;
		}
		if (left > TLS_HANDSHAKE_SLICE_MS) {
			left = TLS_HANDSHAKE_SLICE_MS;
		}
		pfd.fd = fd;
		pfd.events = (rc == MBEDTLS_ERR_SSL_WANT_READ) ? POLLIN : POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
			return MBEDTLS_ERR_NET_POLL_FAILED;
		}
	}
}



/* ---- connections -------------------------------------------------------- */

int
tls_conn_accept(mbedtls_ssl_context **ssl, struct tls_ctx *ssl_ctx, int *sock)
{
	static const int one = 1;
	int rc;

	tls_identity_clear();
	*ssl = NULL;
	if (ssl_ctx == NULL || !ssl_ctx->initialized) {
		return -1;
	}
	/* Small responses must not wait for Nagle; harmless if civetweb's
	 * tcp_nodelay option already did this. */
	(void)setsockopt(*sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	*ssl = calloc(1, sizeof(mbedtls_ssl_context));
	if (*ssl == NULL) {
		return -1;
	}
	mbedtls_ssl_init(*ssl);
	rc = mbedtls_ssl_setup(*ssl, &ssl_ctx->conf);
	if (rc == 0) {
		mbedtls_ssl_set_bio(*ssl, sock, tls_net_send, tls_net_recv, NULL);
		rc = tls_handshake(*ssl, *sock, tls_handshake_timeout_ms());
	}
	if (rc == 0 && tls_identity_take(*ssl, ssl_ctx) != 0) {
		rc = MBEDTLS_ERR_X509_CERT_VERIFY_FAILED;
	}
	if (rc == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE
	    && mbedtls_ssl_get_version_number(*ssl) == MBEDTLS_SSL_VERSION_TLS1_2) {
		/* mbedTLS closes silently here in TLS 1.2; a device should learn
		 * why (RFC 5246, 7.4.6). TLS 1.3 sends its own alert. */
		(void)mbedtls_ssl_send_alert_message(
		    *ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
		    MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE);
	}
	if (rc != 0) {
		tls_identity_clear();
		mbedtls_ssl_free(*ssl);
		free(*ssl);
		*ssl = NULL;
		return -1;
	}
	return 0;
}

void
tls_conn_close(mbedtls_ssl_context *ssl)
{
	tls_identity_clear();
	if (ssl == NULL) {
		return;
	}
	/* Best effort, one try: the socket is non-blocking. */
	(void)mbedtls_ssl_close_notify(ssl);
	mbedtls_ssl_free(ssl);
	free(ssl);
}

/* civetweb's contract (pull_inner/push_inner): > 0 bytes moved,
 * MBEDTLS_ERR_SSL_WANT_READ/WANT_WRITE to retry after polling, any other
 * negative value ends the connection. Passed through unchanged. */
int
tls_conn_read(mbedtls_ssl_context *ssl, unsigned char *buf, int len)
{
	if (len < 0) {
		return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
	}
	return mbedtls_ssl_read(ssl, buf, (size_t)len);
}

int
tls_conn_write(mbedtls_ssl_context *ssl, const unsigned char *buf, int len)
{
	if (len < 0) {
		return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
	}
	return mbedtls_ssl_write(ssl, buf, (size_t)len);
}
