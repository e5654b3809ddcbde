/* api_guidance.c - the HTTP handlers for one guidance document and the
 * guidance change feed, with gzip content coding when the reader accepts it
 * (handheld readers pay for every byte on mobile networks). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "app.h"
#include "guidance.h"
#include "status.h"

#define FEED_DEFAULT_LIMIT 100
#define FEED_MAX_LIMIT 500
/* A feed page smaller than this goes plain: gzip's 18 bytes of framing
 * would eat what it saves. */
#define FEED_GZIP_MIN 256
/* Feed pages are compressed per request: zlib's default level, most of
 * level 9's saving for a fraction of its time. */
#define FEED_GZIP_LEVEL 6

/* A qvalue (RFC 9110 12.4.2) in thousandths; -1 when malformed. */
static int qvalue(const char *p, size_t n)
{
	if (n == 0 || (p[0] != '0' && p[0] != '1') || (n > 1 && p[1] != '.') || n > 5)
		return -1;
	int q = (p[0] - '0') * 1000, scale = 100;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		q += (p[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

int guidance_accepts_gzip(const char *v)
{
	int named = -1, star = -1; /* the q of "gzip" and of "*"; -1 unseen */
	const char *p = v;

	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		size_t tn = strcspn(p, " \t,;");
		if (tn == 0 && *p != ';')
			break;
		const char *tok = p;
		int q = 1000;
		p += tn;
		/* parameters: only q counts; a malformed q refuses the coding */
		for (;;) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != ';')
				break;
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
			size_t pn = strcspn(p, " \t,;");
			if (pn >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
				q = qvalue(p + 2, pn - 2);
			p += pn;
		}
		if (q < 0)
			q = 0;
		if ((tn == 4 && strncasecmp(tok, "gzip", 4) == 0) || (tn == 6 && strncasecmp(tok, "x-gzip", 6) == 0))
			named = q;
		else if (tn == 1 && *tok == '*')
			star = q;
		while (*p && *p != ',')
			p++;
	}
	return named >= 0 ? named > 0 : star > 0;
}

static const char *reply_ctype(const struct http_req *r)
{
	return r->fmt == SC_MSGPACK ? "application/msgpack" : "application/json";
}

/* The gzip copy has its own ETag (the plain one with "-gz"): a cache must
 * not answer a plain request with gzip bytes nor the other way round. */
int api_get_guidance_doc(struct http_req *r)
{
	struct store_txn *t;
	struct sc_str bytes;
	int64_t version;
	int gzip = guidance_accepts_gzip(http_header(r, "Accept-Encoding"));
	char headers[256], etag[128];

	if (http_read_begin(r, &t) != FN_OK)
		return r->status;
	int rc = guidance_get(r->app->guidance, t, auth_role_name(r->who.role), r->params[0].p, r->params[0].n,
	                      r->fmt, &gzip, r->arena, &bytes, &version);
	store_read_end(t);
	if (rc == FN_NOT_FOUND)
		return http_send_error(r, rc, NULL, "no guidance document with that id");
	if (rc != FN_OK)
		return http_send_error(r, rc, NULL, "cannot read guidance");
	snprintf(etag, sizeof etag, "\"%.*s-v%" PRId64 "-%s%s\"", (int)r->params[0].n, r->params[0].p,
	         version, r->fmt == SC_MSGPACK ? "mp" : "js", gzip ? "-gz" : "");
	snprintf(headers, sizeof headers,
	         "ETag: %s\r\nCache-Control: private, no-cache\r\nVary: Accept, Accept-Encoding\r\n%s", etag,
	         gzip ? "Content-Encoding: gzip\r\n" : "");
	if (http_not_modified(r, etag))
		return http_send_bytes(r, 304, reply_ctype(r), NULL, 0, headers);
	return http_send_bytes(r, 200, reply_ctype(r), bytes.p, bytes.n, headers);
}

/* A page is built per reader (roles, cursor), so it is compressed here,
 * per request, when the reader accepts gzip. */
static int send_page(struct http_req *r, const struct sc_change_page *page)
{
	struct sc_buf b = {0};
	struct sc_str z = {b.p, 0};
	int rc = sc_encode(&sc_rec_change_page, r->fmt ? r->fmt : SC_JSON, page, &b);
	int gzip = rc == FN_OK && b.n >= FEED_GZIP_MIN && guidance_accepts_gzip(http_header(r, "Accept-Encoding"));

	if (gzip)
		rc = guidance_gzip(b.p, b.n, FEED_GZIP_LEVEL, r->arena, &z);
	if (rc != FN_OK) {
		sc_buf_free(&b);
		return http_send_error(r, rc, NULL, "cannot encode the reply");
	}
	if (!gzip)
		z = (struct sc_str){b.p, b.n};
	rc = http_send_bytes(r, 200, reply_ctype(r), z.p, z.n,
	                     gzip ? "Cache-Control: no-store\r\nVary: Accept, Accept-Encoding\r\n"
	                            "Content-Encoding: gzip\r\n"
	                          : "Cache-Control: no-store\r\nVary: Accept, Accept-Encoding\r\n");
	sc_buf_free(&b);
	return rc;
}

int api_get_guidance_sync(struct http_req *r)
{
	struct sc_change_page page;
	struct store_txn *t;
	uint64_t since, limit;

	if (http_query_u64(r, "since", 0, INT64_MAX, &since) != FN_OK)
		return http_send_error(r, FN_VALIDATION_FAILED, "since", "since must be a sequence number");
	if (http_query_u64(r, "limit", FEED_DEFAULT_LIMIT, FEED_MAX_LIMIT, &limit) != FN_OK || limit == 0)
		return http_send_error(r, FN_VALIDATION_FAILED, "limit", "limit must be 1 to %d", FEED_MAX_LIMIT);
	if (http_read_begin(r, &t) != FN_OK)
		return r->status;
	int rc = guidance_changes(r->app->guidance, t, auth_role_name(r->who.role), since, (size_t)limit,
	                          r->arena, &page);
	store_read_end(t);
	if (rc == FN_OK)
		return send_page(r, &page);
	return http_send_error(r, rc, NULL, "cannot read the change feed");
}
