/* net.c - TCP with timeouts and cancellation under mbedTLS: pinned CA, TLS 1.3 first, tickets. */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <psa/crypto.h>

#include "crypto.h"
#include "public.h"

/* I/O waits are cut into slices so that a cancel flag is seen quickly. */
#define SLICE_MS 200

/* AEAD suites only; TLS 1.3 first. */
static const int suites[] = {
	MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
	MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
	MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	0,
};

int64_t fni_net_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mbed_detail(char *detail, const char *what, int rc)
{
	char e[160];
	mbedtls_strerror(rc, e, sizeof e);
	snprintf(detail, 256, "%s: %s (-0x%04x)", what, e, (unsigned)-rc);
}

static int parse_url(struct net *n, const char *url, char *detail)
{
	const char *p, *host, *after, *port = "443", *rest;
	size_t hn, pn = 3;

	if (strncmp(url, "https://", 8) != 0) {
		snprintf(detail, 256, "server URL must start with https://: %.200s", url);
		return FN_BAD_ARGUMENT;
	}
	p = url + 8;
	if (*p == '[') { /* an IPv6 literal */
		const char *close = strchr(p, ']');
		if (!close)
			goto bad;
		host = p + 1;
		hn = (size_t)(close - host);
		after = close + 1;
	} else {
		host = p;
		hn = strcspn(p, ":/");
		after = p + hn;
	}
	if (hn == 0 || hn >= sizeof n->host)
		goto bad;
	rest = after;
	if (*after == ':') {
		port = after + 1;
		pn = strcspn(port, "/");
		if (pn == 0 || pn > 5 || strspn(port, "0123456789") < pn)
			goto bad;
		rest = port + pn;
	}
	if (*rest && strcmp(rest, "/") != 0)
		goto bad;
	memcpy(n->host, host, hn);
	n->host[hn] = 0;
	memcpy(n->port, port, pn);
	n->port[pn] = 0;
	snprintf(n->hostport, sizeof n->hostport, strchr(n->host, ':') ? "[%s]:%s" : "%s:%s", n->host,
	         n->port);
	return FN_OK;
bad:
	snprintf(detail, 256, "server URL not understood (https://host[:port]): %.200s", url);
	return FN_BAD_ARGUMENT;
}

/* A device whose clock runs behind sees a freshly issued certificate as
 * not yet valid. With a pinned private CA that says more about the clock
 * than about the certificate, so "not yet valid" is forgiven for up to
 * this long; expiry and everything else are not. */
#define NOT_YET_VALID_GRACE_S (48 * 3600)

static int64_t x509_seconds(const mbedtls_x509_time *t)
{
	struct tm tm = {0};
	tm.tm_year = t->year - 1900;
	tm.tm_mon = t->mon - 1;
	tm.tm_mday = t->day;
	tm.tm_hour = t->hour;
	tm.tm_min = t->min;
	tm.tm_sec = t->sec;
	return (int64_t)timegm(&tm);
}

/* Counts certificate checks (a resumed handshake has none) and applies
 * the clock grace above. */
static int on_verify(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct net *n = arg;
	(void)depth;
	n->verifies++;
	if (*flags & MBEDTLS_X509_BADCERT_FUTURE &&
	    x509_seconds(&crt->valid_from) - (int64_t)time(NULL) <= NOT_YET_VALID_GRACE_S)
		*flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_FUTURE;
	return 0;
}

static int rng(void *arg, unsigned char *out, size_t len)
{
	return fni_cr_random(arg, out, len) == FN_OK ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

int fni_net_setup(struct net *n, struct cr *cr, const fn_options *o, char *detail)
{
	int rc;

	memset(n, 0, sizeof *n);
	n->fd = -1;
	n->cr = cr;
	mbedtls_ssl_config_init(&n->conf);
	mbedtls_x509_crt_init(&n->ca);
	mbedtls_x509_crt_init(&n->cert);
	mbedtls_pk_init(&n->pk);
	mbedtls_ssl_session_init(&n->session);
	mbedtls_ssl_init(&n->ssl);
	n->ready = 1;
	if ((rc = parse_url(n, o->server_url, detail)) != FN_OK)
		return rc;
	if (!o->ca_file) {
		snprintf(detail, 256, "a server URL needs a CA file (ca_file) to pin");
		return FN_BAD_ARGUMENT;
	}
	/* TLS 1.3 in mbedTLS 3.6 runs its key schedule through PSA. */
	if (psa_crypto_init() != PSA_SUCCESS) {
		snprintf(detail, 256, "cannot initialise PSA crypto");
		return FN_TLS_ERROR;
	}
	if ((rc = mbedtls_x509_crt_parse_file(&n->ca, o->ca_file)) != 0) {
		char what[256];
		snprintf(what, sizeof what, "CA file %.180s", o->ca_file);
		mbed_detail(detail, what, rc);
		return FN_TLS_ERROR;
	}
	if (o->cert_file || o->cert_key_file) {
		if (!o->cert_file || !o->cert_key_file) {
			snprintf(detail, 256, "a device certificate needs both cert_file and cert_key_file");
			return FN_BAD_ARGUMENT;
		}
		if ((rc = mbedtls_x509_crt_parse_file(&n->cert, o->cert_file)) != 0) {
			mbed_detail(detail, "device certificate", rc);
			return FN_TLS_ERROR;
		}
		if ((rc = mbedtls_pk_parse_keyfile(&n->pk, o->cert_key_file, NULL, rng, cr)) != 0) {
			mbed_detail(detail, "device key", rc);
			return FN_TLS_ERROR;
		}
		n->have_cert = 1;
	}
	rc = mbedtls_ssl_config_defaults(&n->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
	                                 MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc != 0) {
		mbed_detail(detail, "TLS configuration", rc);
		return FN_TLS_ERROR;
	}
	mbedtls_ssl_conf_min_tls_version(&n->conf, MBEDTLS_SSL_VERSION_TLS1_2);
	mbedtls_ssl_conf_max_tls_version(&n->conf, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_ciphersuites(&n->conf, suites);
	mbedtls_ssl_conf_authmode(&n->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&n->conf, &n->ca, NULL);
	mbedtls_ssl_conf_verify(&n->conf, on_verify, n);
	mbedtls_ssl_conf_rng(&n->conf, rng, cr);
	mbedtls_ssl_conf_session_tickets(&n->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
	mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
		&n->conf, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
	if (n->have_cert && (rc = mbedtls_ssl_conf_own_cert(&n->conf, &n->cert, &n->pk)) != 0) {
		mbed_detail(detail, "device certificate", rc);
		return FN_TLS_ERROR;
	}
	if ((rc = mbedtls_ssl_setup(&n->ssl, &n->conf)) != 0) {
		mbed_detail(detail, "TLS context", rc);
		return rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? FN_NO_MEMORY : FN_TLS_ERROR;
	}
	n->ssl_set = 1;
	return FN_OK;
}

void fni_net_free(struct net *n)
{
	if (!n->ready)
		return;
	fni_net_close(n, 0);
	mbedtls_ssl_free(&n->ssl);
	mbedtls_ssl_session_free(&n->session);
	mbedtls_pk_free(&n->pk);
	mbedtls_x509_crt_free(&n->cert);
	mbedtls_x509_crt_free(&n->ca);
	mbedtls_ssl_config_free(&n->conf);
	n->ready = 0;
}

static int cancelled(const struct net *n)
{
	return n->cancel && *n->cancel;
}

/* Waits for fd to be ready for ev, within at most wait_ms and the
 * operation's deadline, watching the cancel flag. 1 ready, 0 timed out or
 * cancelled (n->why says which), -1 poll failed. */
static int wait_fd(struct net *n, short ev, unsigned wait_ms)
{
	int64_t until = fni_net_now_ms() + wait_ms;
	if (n->deadline_ms && n->deadline_ms < until)
		until = n->deadline_ms;
	for (;;) {
		if (cancelled(n)) {
			n->why = FN_CANCELLED;
			return 0;
		}
		int64_t left = until - fni_net_now_ms();
		if (left <= 0) {
			n->why = FN_TIMEOUT;
			return 0;
		}
		struct pollfd p = {n->fd, ev, 0};
		int r = poll(&p, 1, left > SLICE_MS ? SLICE_MS : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int bio_send(void *arg, const unsigned char *buf, size_t len)
{
	struct net *n = arg;
	for (;;) {
		ssize_t k = send(n->fd, buf, len, MSG_NOSIGNAL);
		if (k >= 0)
			return (int)k;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return MBEDTLS_ERR_NET_SEND_FAILED;
		int w = wait_fd(n, POLLOUT, n->read_ms);
		if (w == 0)
			return MBEDTLS_ERR_SSL_TIMEOUT;
		if (w < 0)
			return MBEDTLS_ERR_NET_SEND_FAILED;
	}
}

static int bio_recv(void *arg, unsigned char *buf, size_t len)
{
	struct net *n = arg;
	for (;;) {
		ssize_t k = recv(n->fd, buf, len, 0);
		if (k >= 0)
			return (int)k;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
		int w = wait_fd(n, POLLIN, n->read_ms);
		if (w == 0)
			return MBEDTLS_ERR_SSL_TIMEOUT;
		if (w < 0)
			return MBEDTLS_ERR_NET_RECV_FAILED;
	}
}

static int tcp_connect(struct net *n, char *detail)
{
	struct addrinfo hints = {0}, *res = NULL;
	int err = 0;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int g = getaddrinfo(n->host, n->port, &hints, &res);
	if (g != 0) {
		snprintf(detail, 256, "cannot resolve %.200s: %s", n->host, gai_strerror(g));
		return FN_NETWORK_ERROR;
	}
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
			err = errno;
			close(fd);
			continue;
		}
		n->fd = fd;
		int w = wait_fd(n, POLLOUT, n->connect_ms);
		socklen_t sl = sizeof err;
		if (w == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err == 0) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			freeaddrinfo(res);
			return FN_OK;
		}
		close(fd);
		n->fd = -1;
		if (w == 0) { /* timed out or cancelled: do not try the next address */
			freeaddrinfo(res);
			snprintf(detail, 256, "connecting to %.200s: %s", n->hostport,
			         n->why == FN_CANCELLED ? "cancelled" : "timed out");
			return n->why;
		}
	}
	freeaddrinfo(res);
	snprintf(detail, 256, "cannot connect to %.200s: %s", n->hostport, strerror(err ? err : ECONNREFUSED));
	return FN_NETWORK_ERROR;
}

/* An mbedTLS failure on a live connection as a status. */
static int io_status(struct net *n, int rc, const char *what, char *detail)
{
	if (n->why) {
		snprintf(detail, 256, "%s: %s", what, n->why == FN_CANCELLED ? "cancelled" : "timed out");
		return n->why;
	}
	switch (rc) {
	case MBEDTLS_ERR_NET_SEND_FAILED:
	case MBEDTLS_ERR_NET_RECV_FAILED:
	case MBEDTLS_ERR_NET_CONN_RESET:
	case MBEDTLS_ERR_SSL_CONN_EOF:
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
		snprintf(detail, 256, "%s: the connection was closed or reset", what);
		return FN_NETWORK_ERROR;
	case MBEDTLS_ERR_SSL_TIMEOUT:
		snprintf(detail, 256, "%s: timed out", what);
		return FN_TIMEOUT;
	case MBEDTLS_ERR_SSL_ALLOC_FAILED:
		snprintf(detail, 256, "%s: out of memory", what);
		return FN_NO_MEMORY;
	}
	mbed_detail(detail, what, rc);
	return FN_TLS_ERROR;
}

/* Keeps the session of this connection for the next one. */
static void keep_session(struct net *n)
{
	mbedtls_ssl_session s;
	mbedtls_ssl_session_init(&s);
	if (mbedtls_ssl_get_session(&n->ssl, &s) == 0) {
		mbedtls_ssl_session_free(&n->session);
		n->session = s;
		n->have_session = 1;
		n->session_new = 1;
		return;
	}
	mbedtls_ssl_session_free(&s);
}

int fni_net_connect(struct net *n, char *detail)
{
	int rc;

	fni_net_close(n, 0);
	n->why = 0;
	if ((rc = tcp_connect(n, detail)) != FN_OK)
		return rc;
	n->connections++;
	if ((rc = mbedtls_ssl_session_reset(&n->ssl)) != 0 ||
	    (rc = mbedtls_ssl_set_hostname(&n->ssl, n->host)) != 0) {
		fni_net_close(n, 0);
		return io_status(n, rc, "TLS set-up", detail);
	}
	if (n->have_session)
		mbedtls_ssl_set_session(&n->ssl, &n->session); /* a stale one just means a full handshake */
	mbedtls_ssl_set_bio(&n->ssl, n, bio_send, bio_recv, NULL);
	n->verifies = 0;
	while ((rc = mbedtls_ssl_handshake(&n->ssl)) != 0) {
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE ||
		    rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
			continue;
		if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
			char info[200];
			mbedtls_x509_crt_verify_info(info, sizeof info, "", mbedtls_ssl_get_verify_result(&n->ssl));
			info[strcspn(info, "\n")] = 0;
			snprintf(detail, 256, "the server's certificate is not trusted (only the pinned CA is): %s",
			         info);
			fni_net_close(n, 0);
			return FN_TLS_ERROR;
		}
		rc = io_status(n, rc, "TLS handshake", detail);
		fni_net_close(n, 0);
		return rc;
	}
	n->up = 1;
	n->version = mbedtls_ssl_get_version(&n->ssl);
	if (n->verifies == 0)
		n->resumed++;
	/* TLS 1.2 hands its session over now; 1.3 sends tickets later (fni_net_read). */
	if (mbedtls_ssl_get_version_number(&n->ssl) == MBEDTLS_SSL_VERSION_TLS1_2)
		keep_session(n);
	return FN_OK;
}

void fni_net_close(struct net *n, int graceful)
{
	if (n->fd < 0)
		return;
	if (graceful && n->up) {
		int64_t saved = n->deadline_ms;
		n->deadline_ms = fni_net_now_ms() + 500; /* never wait long to say goodbye */
		mbedtls_ssl_close_notify(&n->ssl);
		n->deadline_ms = saved;
	}
	close(n->fd);
	n->fd = -1;
	n->up = 0;
}

int fni_net_write(struct net *n, const void *p, size_t len, char *detail)
{
	const unsigned char *b = p;
	n->why = 0;
	while (len) {
		int k = mbedtls_ssl_write(&n->ssl, b, len);
		if (k == MBEDTLS_ERR_SSL_WANT_READ || k == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (k < 0)
			return io_status(n, k, "sending", detail);
		b += k;
		len -= (size_t)k;
	}
	return FN_OK;
}

int fni_net_read(struct net *n, void *p, size_t cap, size_t *got, char *detail)
{
	n->why = 0;
	*got = 0;
	for (;;) {
		int k = mbedtls_ssl_read(&n->ssl, p, cap);
		if (k > 0) {
			*got = (size_t)k;
			return FN_OK;
		}
		if (k == 0 || k == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || k == MBEDTLS_ERR_SSL_CONN_EOF)
			return FN_OK; /* the peer ended; the HTTP layer knows if it was early */
		if (k == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
			keep_session(n);
			continue;
		}
		if (k == MBEDTLS_ERR_SSL_WANT_READ || k == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		return io_status(n, k, "receiving", detail);
	}
}

int fni_net_session_take(struct net *n, struct sc_buf *out)
{
	size_t len = 0;
	if (!n->have_session || !n->session_new)
		return FN_NOT_FOUND;
	if (mbedtls_ssl_session_save(&n->session, NULL, 0, &len) != MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL || !len)
		return FN_NOT_FOUND;
	size_t at = out->n;
	unsigned char zero[256] = {0};
	for (size_t left = len; left;) {
		size_t k = left > sizeof zero ? sizeof zero : left;
		if (sc_buf_append(out, zero, k) != 0)
			return FN_NO_MEMORY;
		left -= k;
	}
	if (mbedtls_ssl_session_save(&n->session, (unsigned char *)out->p + at, len, &len) != 0) {
		out->n = at;
		return FN_NOT_FOUND;
	}
	n->session_new = 0;
	return FN_OK;
}

void fni_net_session_give(struct net *n, const void *p, size_t len)
{
	mbedtls_ssl_session s;
	mbedtls_ssl_session_init(&s);
	if (mbedtls_ssl_session_load(&s, p, len) != 0) {
		mbedtls_ssl_session_free(&s);
		return;
	}
	mbedtls_ssl_session_free(&n->session);
	n->session = s;
	n->have_session = 1;
	n->session_new = 0;
}
