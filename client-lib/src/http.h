/* http.h - HTTP/1.1 requests and replies over one connection: framing, caps, keep-alive. */
#ifndef FN_CLIENT_HTTP_H
#define FN_CLIENT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct net;

/* Longest status line plus headers accepted in a reply (and trailers). */
#define HTTP_MAX_HEAD 16384

/* One reply. body is reused across requests (free with sc_buf_free). */
struct http_reply {
	int status;           /* HTTP status */
	struct sc_buf body;
	int keep_alive;       /* the connection may carry the next request */
	int msgpack;          /* Content-Type application/msgpack */
	int64_t date;         /* the Date header as Unix seconds; 0 if none */
	int64_t retry_after;  /* Retry-After in seconds from now; -1 if none */
	size_t received;      /* bytes of this reply seen, head included */
	int gzipped;          /* the body came gzip-coded (body holds it inflated) */
};

/* Where reply bytes come from: a TLS connection, or a test's buffer.
 * read returns FN_OK with *got > 0, or *got == 0 at end of stream; or a
 * status (detail filled). */
struct http_src {
	int (*read)(void *arg, void *buf, size_t cap, size_t *got, char *detail);
	void *arg;
};

/*
 * Reads one reply to `method` from src: status line, headers (at most
 * HTTP_MAX_HEAD bytes), then a body framed by Content-Length, chunked
 * encoding or the end of the stream, at most max_body bytes. 1xx replies
 * are skipped. FN_OK; FN_NETWORK_ERROR (the stream ended early: r->received
 * says whether anything came at all); FN_HEADERS_TOO_LARGE,
 * FN_PAYLOAD_TOO_LARGE (caps, checked before the bytes are read);
 * FN_MALFORMED_BODY (not HTTP); the source's status; FN_NO_MEMORY.
 * A gzip body (Content-Encoding: gzip) is inflated, the cap applying to
 * both sizes: FN_MALFORMED_BODY when it does not inflate, or for any other
 * content coding.
 */
int fni_http_read_reply(struct http_src *src, const char *method, size_t max_body, struct http_reply *r,
                        char *detail);

/*
 * Sends one request on the connection (connecting first if it is down) and
 * reads the reply. A kept-alive connection the server closed meanwhile is
 * detected (nothing at all came back) and the request sent once more on a
 * new connection; every request here is idempotent, so that is safe.
 * token may be NULL; body may be NULL with n 0. accept_gzip sends
 * Accept-Encoding: gzip (for replies worth compressing: guidance). Returns as fni_net_connect,
 * fni_net_write and fni_http_read_reply. The connection is closed after a failure
 * and when the reply says so.
 */
int fni_http_request(struct net *net, const char *method, const char *path, const char *token,
                     const void *body, size_t n, int accept_gzip, size_t max_body, struct http_reply *r,
                     char *detail);
/* The same with extra request header lines ("Name: value\r\n"..., at
 * most about 1 KiB), which then also carry the body's Content-Type. */
int fni_http_request_ex(struct net *net, const char *method, const char *path, const char *token,
                        const char *extra, const void *body, size_t n, int accept_gzip, size_t max_body,
                        struct http_reply *r, char *detail);

#endif
