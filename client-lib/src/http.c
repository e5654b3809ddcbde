/* http.c - HTTP/1.1 for the client: request writing, reply framing (length, chunked), caps. */
#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#include "crypto.h"
#include "net.h"
#include "public.h"

/* A buffered reader over a source; the head cap counts as it goes. */
struct rd {
	struct http_src *src;
	char buf[8192];
	size_t pos, len;
	size_t received;
	int eof;
	char *detail;
};

static int fill(struct rd *d)
{
	size_t got;
	if (d->eof)
		return FN_OK;
	int rc = d->src->read(d->src->arg, d->buf, sizeof d->buf, &got, d->detail);
	if (rc != FN_OK)
		return rc;
	d->pos = 0;
	d->len = got;
	d->received += got;
	if (!got)
		d->eof = 1;
	return FN_OK;
}

/* One line without its CRLF (a bare LF is accepted) into line (cap bytes
 * with the NUL). *budget is what the head may still use. */
static int read_line(struct rd *d, char *line, size_t cap, size_t *budget)
{
	size_t n = 0;
	for (;;) {
		if (d->pos == d->len) {
			int rc = fill(d);
			if (rc != FN_OK)
				return rc;
			if (d->eof) {
				snprintf(d->detail, 256, "the reply was cut off%s",
				         d->received ? "" : " before it started");
				return FN_NETWORK_ERROR;
			}
		}
		char ch = d->buf[d->pos++];
		if (*budget == 0) {
			snprintf(d->detail, 256, "the reply's headers exceed %d bytes", HTTP_MAX_HEAD);
			return FN_HEADERS_TOO_LARGE;
		}
		(*budget)--;
		if (ch == '\n') {
			if (n && line[n - 1] == '\r')
				n--;
			line[n] = 0;
			return FN_OK;
		}
		if (n + 1 >= cap) {
			snprintf(d->detail, 256, "a reply header line is too long");
			return FN_HEADERS_TOO_LARGE;
		}
		line[n++] = ch;
	}
}

/* Appends exactly n body bytes to out. */
static int read_exact(struct rd *d, struct sc_buf *out, size_t n)
{
	while (n) {
		if (d->pos == d->len) {
			int rc = fill(d);
			if (rc != FN_OK)
				return rc;
			if (d->eof) {
				snprintf(d->detail, 256, "the reply body was cut off");
				return FN_NETWORK_ERROR;
			}
		}
		size_t k = d->len - d->pos;
		if (k > n)
			k = n;
		if (out && sc_buf_append(out, d->buf + d->pos, k) != 0)
			return FN_NO_MEMORY;
		d->pos += k;
		n -= k;
	}
	return FN_OK;
}

static int64_t parse_date(const char *v)
{
	struct tm tm = {0};
	const char *end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return 0;
	return (int64_t)timegm(&tm);
}

/* Whether a comma-separated header value holds token (case-insensitive). */
static int has_token(const char *v, const char *token)
{
	size_t tn = strlen(token);
	while (*v) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		size_t n = strcspn(v, ",");
		size_t m = n;
		while (m && (v[m - 1] == ' ' || v[m - 1] == '\t'))
			m--;
		if (m == tn && strncasecmp(v, token, tn) == 0)
			return 1;
		v += n;
	}
	return 0;
}

struct head {
	int minor, status;
	long long length; /* -1: none */
	int chunked, close, keep_alive_header, msgpack;
	int gzip; /* Content-Encoding: gzip */
	int64_t date;
	int64_t retry_after; /* seconds, or -1 */
	int64_t retry_at;    /* Retry-After as an HTTP date (resolved against Date) */
};

static int parse_head(struct rd *d, struct head *h, size_t *budget)
{
	char line[HTTP_MAX_HEAD];
	int rc;

	memset(h, 0, sizeof *h);
	h->length = -1;
	h->retry_after = -1;
	if ((rc = read_line(d, line, sizeof line, budget)) != FN_OK)
		return rc;
	if (strncmp(line, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)line[7]) || line[8] != ' ' ||
	    !isdigit((unsigned char)line[9]) || !isdigit((unsigned char)line[10]) ||
	    !isdigit((unsigned char)line[11]) || (line[12] != ' ' && line[12] != 0)) {
		snprintf(d->detail, 256, "the server's reply is not HTTP/1.x");
		return FN_MALFORMED_BODY;
	}
	h->minor = line[7] - '0';
	h->status = atoi(line + 9);
	for (;;) {
		if ((rc = read_line(d, line, sizeof line, budget)) != FN_OK)
			return rc;
		if (!line[0])
			return FN_OK;
		char *colon = strchr(line, ':');
		if (!colon || colon == line) {
			snprintf(d->detail, 256, "a reply header is malformed");
			return FN_MALFORMED_BODY;
		}
		*colon = 0;
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vn = strlen(v);
		while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
			v[--vn] = 0;
		if (strcasecmp(line, "Content-Length") == 0) {
			char *end;
			if (!isdigit((unsigned char)*v) || vn > 18) {
				snprintf(d->detail, 256, "the reply's Content-Length is not a number");
				return FN_MALFORMED_BODY;
			}
			long long x = strtoll(v, &end, 10);
			if (*end || (h->length >= 0 && h->length != x)) {
				snprintf(d->detail, 256, "the reply's Content-Length is not valid");
				return FN_MALFORMED_BODY;
			}
			h->length = x;
		} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
			if (!has_token(v, "chunked") || strcasecmp(v + vn - 7, "chunked") != 0) {
				snprintf(d->detail, 256, "the reply's transfer coding is not supported");
				return FN_MALFORMED_BODY;
			}
			h->chunked = 1;
		} else if (strcasecmp(line, "Connection") == 0) {
			if (has_token(v, "close"))
				h->close = 1;
			if (has_token(v, "keep-alive"))
				h->keep_alive_header = 1;
		} else if (strcasecmp(line, "Content-Type") == 0) {
			size_t tn = strcspn(v, "; ");
			h->msgpack = (tn == 19 && strncasecmp(v, "application/msgpack", 19) == 0) ||
			             (tn == 21 && strncasecmp(v, "application/x-msgpack", 21) == 0);
		} else if (strcasecmp(line, "Content-Encoding") == 0) {
			/* gzip is the only coding we ask for; anything else we could
			 * not read, and must not store as if it were the record. */
			if (strcasecmp(v, "gzip") == 0 || strcasecmp(v, "x-gzip") == 0) {
				h->gzip = 1;
			} else if (vn && strcasecmp(v, "identity") != 0) {
				snprintf(d->detail, 256, "the reply's content coding '%.40s' is not supported", v);
				return FN_MALFORMED_BODY;
			}
		} else if (strcasecmp(line, "Date") == 0) {
			h->date = parse_date(v);
		} else if (strcasecmp(line, "Retry-After") == 0) {
			/* delta-seconds or an HTTP date (RFC 9110 10.2.3); anything
			 * else is ignored, as if absent. */
			if (vn && vn <= 9 && strspn(v, "0123456789") == vn)
				h->retry_after = strtoll(v, NULL, 10);
			else
				h->retry_at = parse_date(v);
		}
	}
}

static int read_chunked(struct rd *d, struct sc_buf *out, size_t max_body, size_t *budget)
{
	char line[256];
	int rc;
	for (;;) {
		size_t room = 1024; /* a chunk-size line is short */
		if ((rc = read_line(d, line, sizeof line, &room)) != FN_OK)
			return rc == FN_HEADERS_TOO_LARGE ? FN_MALFORMED_BODY : rc;
		char *end;
		if (!isxdigit((unsigned char)line[0]) || strspn(line, "0123456789abcdefABCDEF") > 15) {
			snprintf(d->detail, 256, "a chunk size in the reply is not valid");
			return FN_MALFORMED_BODY;
		}
		unsigned long long size = strtoull(line, &end, 16);
		if (*end && *end != ';' && *end != ' ' && *end != '\t') {
			snprintf(d->detail, 256, "a chunk size in the reply is not valid");
			return FN_MALFORMED_BODY;
		}
		if (size == 0)
			break;
		if (size > max_body - out->n) {
			snprintf(d->detail, 256, "the reply body exceeds %zu bytes", max_body);
			return FN_PAYLOAD_TOO_LARGE;
		}
		if ((rc = read_exact(d, out, (size_t)size)) != FN_OK)
			return rc;
		size_t crlf = 4;
		if ((rc = read_line(d, line, sizeof line, &crlf)) != FN_OK)
			return rc == FN_HEADERS_TOO_LARGE ? FN_MALFORMED_BODY : rc;
		if (line[0]) {
			snprintf(d->detail, 256, "a chunk in the reply is longer than its size");
			return FN_MALFORMED_BODY;
		}
	}
	for (;;) { /* trailers, ignored, under the head cap */
		if ((rc = read_line(d, line, sizeof line, budget)) != FN_OK)
			return rc;
		if (!line[0])
			return FN_OK;
	}
}

/* Replaces a gzip body with what it inflates to, at most max_body bytes
 * (a small reply must not inflate into a huge one). */
static int inflate_body(struct sc_buf *body, size_t max_body, char *detail)
{
	struct sc_buf out = {0};
	z_stream z = {0};
	unsigned char chunk[16384];
	int zrc = Z_OK, over = 0;

	if (inflateInit2(&z, 15 + 16) != Z_OK) /* gzip framing only */
		return FN_NO_MEMORY;
	z.next_in = (Bytef *)body->p;
	z.avail_in = (uInt)body->n;
	/* inflate answers Z_BUF_ERROR when it can make no progress: the input
	 * ended before the gzip trailer. */
	while (zrc == Z_OK && !over) {
		z.next_out = chunk;
		z.avail_out = sizeof chunk;
		zrc = inflate(&z, Z_NO_FLUSH);
		size_t k = sizeof chunk - z.avail_out;
		over = k > max_body - out.n;
		if (!over)
			sc_buf_append(&out, chunk, k);
	}
	int rc = FN_OK;
	if (over) {
		snprintf(detail, 256, "the reply inflates to more than %zu bytes", max_body);
		rc = FN_PAYLOAD_TOO_LARGE;
	} else if (zrc == Z_MEM_ERROR || out.oom) {
		rc = FN_NO_MEMORY;
	} else if (zrc != Z_STREAM_END || z.avail_in != 0) {
		snprintf(detail, 256, "the reply's gzip body is not valid (%s)",
		         zrc != Z_STREAM_END ? "cut off or corrupt" : "bytes after its end");
		rc = FN_MALFORMED_BODY;
	}
	inflateEnd(&z);
	if (rc != FN_OK) {
		sc_buf_free(&out);
		return rc;
	}
	sc_buf_free(body);
	*body = out;
	return FN_OK;
}

int fni_http_read_reply(struct http_src *src, const char *method, size_t max_body, struct http_reply *r,
                        char *detail)
{
	struct rd d = {.src = src, .detail = detail};
	struct head h;
	size_t budget = HTTP_MAX_HEAD;
	int rc;

	r->body.n = 0;
	r->status = 0;
	r->keep_alive = 0;
	r->date = 0;
	r->retry_after = -1;
	do {
		rc = parse_head(&d, &h, &budget);
		r->received = d.received;
		if (rc != FN_OK)
			return rc;
	} while (h.status >= 100 && h.status < 200 && h.status != 101);
	r->status = h.status;
	r->msgpack = h.msgpack;
	r->date = h.date;
	r->retry_after = h.retry_after;
	if (h.retry_after < 0 && h.retry_at > 0) {
		int64_t now = h.date ? h.date : (int64_t)time(NULL);
		r->retry_after = h.retry_at > now ? h.retry_at - now : 0;
	}
	int no_body = strcmp(method, "HEAD") == 0 || h.status == 204 || h.status == 304 || h.status < 200;
	if (no_body) {
		rc = FN_OK;
	} else if (h.chunked) {
		rc = read_chunked(&d, &r->body, max_body, &budget);
	} else if (h.length >= 0) {
		if ((unsigned long long)h.length > max_body) {
			snprintf(detail, 256, "the reply body is %lld bytes; the cap is %zu", h.length, max_body);
			return FN_PAYLOAD_TOO_LARGE;
		}
		rc = read_exact(&d, &r->body, (size_t)h.length);
	} else {
		/* Framed by the end of the stream: read to EOF under the cap. */
		h.close = 1;
		for (;;) {
			if (d.pos == d.len && (rc = fill(&d)) != FN_OK)
				break;
			if (d.eof) {
				rc = FN_OK;
				break;
			}
			if (d.len - d.pos > max_body - r->body.n) {
				snprintf(detail, 256, "the reply body exceeds %zu bytes", max_body);
				rc = FN_PAYLOAD_TOO_LARGE;
				break;
			}
			if (sc_buf_append(&r->body, d.buf + d.pos, d.len - d.pos) != 0) {
				rc = FN_NO_MEMORY;
				break;
			}
			d.pos = d.len;
		}
	}
	r->received = d.received;
	if (rc == FN_OK && r->body.oom)
		rc = FN_NO_MEMORY;
	r->gzipped = h.gzip && !no_body;
	if (rc == FN_OK && r->gzipped)
		rc = inflate_body(&r->body, max_body, detail);
	/* Bytes after the reply mean we and the server disagree on framing:
	 * the connection is not reused. */
	r->keep_alive = rc == FN_OK && !h.close && (h.minor >= 1 || h.keep_alive_header) && d.pos == d.len &&
	                !d.eof;
	return rc;
}

static int net_src_read(void *arg, void *buf, size_t cap, size_t *got, char *detail)
{
	return fni_net_read(arg, buf, cap, got, detail);
}

/* extra: header lines ("Name: value\r\n"...) that replace the msgpack
 * Content-Type (they carry their own), or NULL. */
static int send_request(struct net *net, const char *method, const char *path, const char *token,
                        const char *extra, const void *body, size_t n, int accept_gzip, char *detail)
{
	struct sc_buf b = {0};
	char head[2048];
	int hn = snprintf(head, sizeof head,
	                  "%s %s HTTP/1.1\r\n"
	                  "Host: %s\r\n"
	                  "User-Agent: libfieldnote/" FN_VERSION_STRING "\r\n"
	                  "Accept: application/msgpack\r\n"
	                  "%s%s"
	                  "Content-Length: %zu\r\n",
	                  method, path, net->hostport, accept_gzip ? "Accept-Encoding: gzip\r\n" : "",
	                  extra ? extra : n ? "Content-Type: application/msgpack\r\n" : "", n);
	if (hn < 0 || (size_t)hn >= sizeof head) {
		snprintf(detail, 256, "request line too long");
		return FN_BAD_ARGUMENT;
	}
	sc_buf_append(&b, head, (size_t)hn);
	if (token) {
		sc_buf_append(&b, "Authorization: Bearer ", 22);
		sc_buf_append(&b, token, strlen(token));
		sc_buf_append(&b, "\r\n", 2);
	}
	sc_buf_append(&b, "\r\n", 2);
	/* Small bodies go with the head: one TLS record, one segment. */
	if (n && n <= 16384)
		sc_buf_append(&b, body, n);
	int rc = b.oom ? FN_NO_MEMORY : fni_net_write(net, b.p, b.n, detail);
	if (rc == FN_OK && n > 16384)
		rc = fni_net_write(net, body, n, detail);
	fni_cr_wipe(b.p, b.n); /* the token was in there */
	sc_buf_free(&b);
	return rc;
}

int fni_http_request(struct net *net, const char *method, const char *path, const char *token,
                     const void *body, size_t n, int accept_gzip, size_t max_body, struct http_reply *r,
                     char *detail)
{
	return fni_http_request_ex(net, method, path, token, NULL, body, n, accept_gzip, max_body, r, detail);
}

int fni_http_request_ex(struct net *net, const char *method, const char *path, const char *token,
                        const char *extra, const void *body, size_t n, int accept_gzip, size_t max_body,
                        struct http_reply *r, char *detail)
{
	struct http_src src = {net_src_read, net};
	int rc;

	for (int attempt = 0;; attempt++) {
		int reused = net->up;
		if (!net->up && (rc = fni_net_connect(net, detail)) != FN_OK)
			return rc;
		r->received = 0;
		rc = send_request(net, method, path, token, extra, body, n, accept_gzip, detail);
		if (rc == FN_OK && net->on_sent)
			net->on_sent(net->on_sent_arg);
		if (rc == FN_OK)
			rc = fni_http_read_reply(&src, method, max_body, r, detail);
		if (rc == FN_OK) {
			if (!r->keep_alive)
				fni_net_close(net, 1);
			return FN_OK;
		}
		fni_net_close(net, 0);
		/* A kept-alive connection may have been closed by the server while
		 * idle: nothing came back, so send once more on a fresh one. */
		if (!(reused && attempt == 0 && rc == FN_NETWORK_ERROR && r->received == 0))
			return rc;
	}
}
