/* http.c - routing, content negotiation, body caps, sign-in check, replies. */
#include "http.h"

#include <civetweb.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "app.h"
#include "buf.h"
#include "civet_hooks.h"
#include "clock.h"
#include "hex.h"
#include "log.h"
#include "metrics.h"
#include "quota.h"
#include "status.h"
#include "tls.h"

const char *http_header(struct http_req *r, const char *name)
{
	return mg_get_header(r->conn, name);
}

/* Matches a path against a pattern, capturing "*" segments. */
static int match(const char *pattern, const char *path, struct sc_str *params)
{
	int np = 0;
	while (*pattern && *path) {
		if (*pattern == '*') {
			const char *end = strchr(path, '/');
			size_t n = end ? (size_t)(end - path) : strlen(path);
			if (n == 0 || np == HTTP_MAX_PARAMS)
				return 0;
			params[np++] = (struct sc_str){path, n};
			path += n;
			pattern++;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	return *pattern == 0 && *path == 0;
}

static int format_of(const char *ctype)
{
	if (!ctype)
		return 0;
	size_t n = strcspn(ctype, ";");
	while (n && ctype[n - 1] == ' ')
		n--;
	if ((n == 16 && strncasecmp(ctype, "application/json", 16) == 0))
		return SC_JSON;
	if ((n == 19 && strncasecmp(ctype, "application/msgpack", 19) == 0) ||
	    (n == 21 && strncasecmp(ctype, "application/x-msgpack", 21) == 0))
		return SC_MSGPACK;
	return 0;
}

/* The reply format from Accept (then Content-Type); 0 when nothing we
 * speak is acceptable. */
static int negotiate(struct http_req *r)
{
	const char *accept = http_header(r, "Accept");
	if (!accept || !*accept) {
		int f = format_of(http_header(r, "Content-Type"));
		return f ? f : SC_JSON;
	}
	if (strcasestr(accept, "application/msgpack") || strcasestr(accept, "application/x-msgpack"))
		return SC_MSGPACK;
	if (strcasestr(accept, "application/json") || strstr(accept, "*/*") ||
	    strcasestr(accept, "application/*"))
		return SC_JSON;
	return 0;
}

int http_send_bytes(struct http_req *r, int http_status, const char *ctype,
                    const void *body, size_t n, const char *extra_headers)
{
	char head[1024];
	int close = http_status == 413;
	char length[40] = "", date[48];
	time_t now = clock_now();
	struct tm tm;
	/* Date lets a device whose clock is off correct its times (RFC 9110). */
	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
	/* 204 and 304 carry no body and so no Content-Length (RFC 9110). */
	if (http_status != 204 && http_status != 304)
		snprintf(length, sizeof length, "Content-Length: %zu\r\n", n);
	int hn = snprintf(head, sizeof head,
	                  "HTTP/1.1 %d %s\r\n"
	                  "%s"
	                  "Content-Type: %s\r\n"
	                  "%s"
	                  "X-Content-Type-Options: nosniff\r\n"
	                  "Strict-Transport-Security: max-age=31536000\r\n"
	                  "%s%s%s%s%s\r\n",
	                  http_status, mg_get_response_code_text(r->conn, http_status), date,
	                  ctype ? ctype : "application/json", length,
	                  extra_headers ? extra_headers : "",
	                  r->req_id[0] ? "X-Request-Id: " : "", r->req_id, r->req_id[0] ? "\r\n" : "",
	                  close ? "Connection: close\r\n" : "");
	if (hn < 0 || (size_t)hn >= sizeof head)
		return http_send_error(r, FN_INTERNAL, NULL, "reply header too long");
	if (close)
		http_conn_must_close(r->conn);
	/* HEAD: the headers GET would send, Content-Length included, and no
	 * body (RFC 9110 9.3.2). */
	if (r->head)
		n = 0;
	/* One write for small replies: one TLS record, one segment. */
	if (n <= 16384) {
		char *all = sc_arena_alloc(r->arena, (size_t)hn + n);
		if (all) {
			memcpy(all, head, (size_t)hn);
			if (n)
				memcpy(all + hn, body, n);
			mg_write(r->conn, all, (size_t)hn + n);
			r->status = http_status;
			return http_status;
		}
	}
	mg_write(r->conn, head, (size_t)hn);
	if (n)
		mg_write(r->conn, body, n);
	r->status = http_status;
	return http_status;
}

static const char *ctype_of(int fmt)
{
	return fmt == SC_MSGPACK ? "application/msgpack" : "application/json";
}

int http_send_record(struct http_req *r, int http_status,
                     const struct sc_record *rec, const void *obj)
{
	struct sc_buf b = {0};
	int rc = sc_encode(rec, r->fmt ? r->fmt : SC_JSON, obj, &b);
	if (rc != FN_OK) {
		sc_buf_free(&b);
		return http_send_error(r, rc, NULL, "cannot encode the reply");
	}
	rc = http_send_bytes(r, http_status, ctype_of(r->fmt), b.p, b.n,
	                     "Cache-Control: no-store\r\n");
	sc_buf_free(&b);
	return rc;
}

int http_send_error(struct http_req *r, int status, const char *field,
                    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = http_send_error_v(r, status, field, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int http_send_error_hdr(struct http_req *r, int status, const char *field,
                        const char *headers, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = http_send_error_v(r, status, field, headers, fmt, ap);
	va_end(ap);
	return rc;
}

int http_send_sc_error(struct http_req *r, const struct sc_error *e, const char *fallback)
{
	return http_send_error(r, e->status, e->field, "%s", e->message[0] || !fallback ? e->message : fallback);
}

/* A refusal that clears with time says when to come back. */
static void retry_after(int status, const char *headers, char *out, size_t n)
{
	long long wait = 0;
	if (status == FN_STORE_FULL)
		wait = STORE_FULL_RETRY_AFTER;
	else if (status == FN_QUOTA_EXCEEDED)
		wait = (long long)quota_retry_after(clock_now());
	if (wait && !(headers && strcasestr(headers, "Retry-After:")))
		snprintf(out, n, "Retry-After: %lld\r\n", wait);
	else
		out[0] = 0;
}

int http_send_error_v(struct http_req *r, int status, const char *field,
                      const char *headers, const char *fmt, va_list ap)
{
	struct sc_error_reply e = {0};
	struct sc_buf b = {0};
	char msg[512], extra[512], retry[48];

	vsnprintf(msg, sizeof msg, fmt, ap);
	e.code = status;
	e.name = (struct sc_str){sc_status_name(status), strlen(sc_status_name(status))};
	e.message = (struct sc_str){msg, strlen(msg)};
	SC_SET(error_reply, &e, code);
	SC_SET(error_reply, &e, name);
	SC_SET(error_reply, &e, message);
	if (field && *field) {
		e.field = (struct sc_str){field, strlen(field)};
		SC_SET(error_reply, &e, field);
	}
	int fmt_out = r->fmt ? r->fmt : SC_JSON;
	int auth = status == FN_UNAUTHORIZED || status == FN_TOKEN_EXPIRED || status == FN_TOKEN_REVOKED ||
	           status == FN_DEVICE_REVOKED;
	retry_after(status, headers, retry, sizeof retry);
	snprintf(extra, sizeof extra, "Cache-Control: no-store\r\n%s%s%s",
	         auth ? "WWW-Authenticate: Bearer realm=\"fieldnote\"\r\n" : "", retry, headers ? headers : "");
	int http_status = sc_status_http(status);
	if (sc_encode(&sc_rec_error_reply, fmt_out, &e, &b) != FN_OK) {
		sc_buf_free(&b);
		static const char oom[] = "{\"code\":16,\"name\":\"NO_MEMORY\",\"message\":\"out of memory\"}";
		return http_send_bytes(r, 500, "application/json", oom, sizeof oom - 1, extra);
	}
	int rc = http_send_bytes(r, http_status, ctype_of(fmt_out), b.p, b.n, extra);
	sc_buf_free(&b);
	return rc;
}

int http_read_body(struct http_req *r, struct sc_str *body, int *fmt)
{
	size_t cap = r->max_body;
	long long declared = r->ri->content_length;
	int in_fmt = format_of(http_header(r, "Content-Type"));

	if (!in_fmt)
		return http_send_error(r, FN_UNSUPPORTED_MEDIA_TYPE, NULL,
		                       "Content-Type must be application/json or application/msgpack"),
		       FN_UNSUPPORTED_MEDIA_TYPE;
	if (declared > (long long)cap)
		return http_send_error(r, FN_PAYLOAD_TOO_LARGE, NULL,
		                       "the body is %lld bytes; the limit is %zu", declared, cap),
		       FN_PAYLOAD_TOO_LARGE;
	size_t want = declared >= 0 ? (size_t)declared : cap + 1;
	char *buf = sc_arena_alloc_raw(r->arena, want + 1);
	if (!buf)
		return http_send_error(r, FN_NO_MEMORY, NULL, "out of memory"), FN_NO_MEMORY;
	size_t got = 0;
	while (got < want) {
		int n = mg_read(r->conn, buf + got, want - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got > cap)
		return http_send_error(r, FN_PAYLOAD_TOO_LARGE, NULL, "the body exceeds %zu bytes", cap),
		       FN_PAYLOAD_TOO_LARGE;
	if (declared >= 0 && got < (size_t)declared && http_conn_deadline_passed(r->conn)) {
		/* A body trickled in too slowly: the connection ends with the reply. */
		http_conn_must_close(r->conn);
		return http_send_error(r, FN_BAD_REQUEST, NULL, "the request took longer than %u ms to arrive",
		                       r->app->cfg->request_deadline_ms), FN_BAD_REQUEST;
	}
	if (declared >= 0 && got < (size_t)declared)
		return http_send_error(r, FN_BAD_REQUEST, NULL, "the body ended early"), FN_BAD_REQUEST;
	buf[got <= want ? got : want] = '\0'; /* the buffer is not zeroed */
	*body = (struct sc_str){buf, got};
	*fmt = in_fmt;
	return FN_OK;
}

struct sc_limits http_body_limits(const struct http_req *r)
{
	struct sc_limits lim = sc_limits_default;
	lim.max_body = r->max_body;
	lim.max_values = r->app->cfg->max_values; /* 0: the default */
	return lim;
}

int http_read_record(struct http_req *r, const struct sc_record *rec, void *out)
{
	struct sc_str body;
	struct sc_error err;
	int fmt, rc;

	if ((rc = http_read_body(r, &body, &fmt)) != FN_OK)
		return rc;
	struct sc_limits lim = http_body_limits(r);
	rc = sc_decode(rec, fmt, body.p, body.n, &lim, r->arena, out, &err);
	if (rc != FN_OK)
		return http_send_error(r, rc, err.field, "%s", err.message), rc;
	return FN_OK;
}

const char *http_query(struct http_req *r, const char *name)
{
	const char *q = r->ri->query_string;
	size_t nl = strlen(name);
	while (q && *q) {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		if (len > nl && q[nl] == '=' && strncmp(q, name, nl) == 0) {
			const char *v = q + nl + 1;
			size_t vn = len - nl - 1;
			char *out = sc_arena_alloc(r->arena, vn + 1), *o = out;
			if (!out)
				return NULL;
			for (size_t i = 0; i < vn; i++) {
				if (v[i] == '+') {
					*o++ = ' ';
				} else if (v[i] == '%' && i + 2 < vn && sc_hex_digit(v[i + 1]) >= 0 && sc_hex_digit(v[i + 2]) >= 0) {
					int c = sc_hex_digit(v[i + 1]) * 16 + sc_hex_digit(v[i + 2]);
					if (c == 0)
						return NULL; /* a NUL in a parameter is refused */
					*o++ = (char)c;
					i += 2;
				} else {
					*o++ = v[i];
				}
			}
			*o = 0;
			return out;
		}
		q = amp ? amp + 1 : NULL;
	}
	return NULL;
}

static int authenticate(struct http_req *r)
{
	const char *h = http_header(r, "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return FN_UNAUTHORIZED;
	h += 7;
	while (*h == ' ')
		h++;
	int rc = auth_check(r->app->auth, h, strlen(h), r->peer, r->arena, &r->who);
	r->who.admin_reads_notes = r->app->cfg->rules.admin_reads_notes;
	return rc;
}

/* After requests with a large body, hand freed memory back to the system.
 * The parsers' nodes and the body buffer are freed into malloc's per-thread
 * arenas, which keep them: 64 workers that each once decoded a big body
 * would otherwise stay as large as at their peak. malloc_trim walks every
 * arena, so only bodies above 64 KiB (or of unknown length) ask for it; and
 * its madvise calls make every CPU flush its TLB, which after each 100-note
 * batch took a third of the server's CPU (issue 12's profile). So one
 * thread trims, at once when asked after a quiet second, and at most once a
 * second while big bodies keep coming: memory still goes back within a
 * second of a burst. */
#define TRIM_AFTER_BODY (64 * 1024)
static pthread_mutex_t trim_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t trim_cv = PTHREAD_COND_INITIALIZER;
static int trim_wanted;
static int trim_thread_failed;
static pthread_once_t trim_once = PTHREAD_ONCE_INIT;

static void *trimmer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&trim_mu);
	for (;;) {
		while (!trim_wanted)
			pthread_cond_wait(&trim_cv, &trim_mu);
		trim_wanted = 0;
		pthread_mutex_unlock(&trim_mu);
		malloc_trim(0);
		/* bodies ending meanwhile are covered by the next round */
		nanosleep(&(struct timespec){1, 0}, NULL);
		pthread_mutex_lock(&trim_mu);
	}
	return NULL;
}

static void start_trimmer(void)
{
	pthread_attr_t at;
	pthread_t t;
	trim_thread_failed = pthread_attr_init(&at) != 0 ||
	                     pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED) != 0 ||
	                     pthread_create(&t, &at, trimmer, NULL) != 0;
	pthread_attr_destroy(&at);
}

static void give_back_memory(struct mg_connection *conn, const struct mg_request_info *ri)
{
	if (!(ri->content_length > TRIM_AFTER_BODY ||
	      (ri->content_length < 0 && mg_get_header(conn, "Transfer-Encoding"))))
		return;
	pthread_once(&trim_once, start_trimmer);
	if (trim_thread_failed) {
		malloc_trim(0);
		return;
	}
	pthread_mutex_lock(&trim_mu);
	trim_wanted = 1;
	pthread_cond_signal(&trim_cv);
	pthread_mutex_unlock(&trim_mu);
}

/* The client's X-Request-Id when it is short and plain (it is logged and
 * echoed, so nothing that could break a log line or a header), else a new
 * random one. */
static void request_id(struct http_req *r)
{
	const char *h = http_header(r, "X-Request-Id");
	size_t n = h ? strlen(h) : 0;
	if (n > 0 && n <= HTTP_REQ_ID_MAX && strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                                           "0123456789._:-") == n) {
		memcpy(r->req_id, h, n + 1);
		return;
	}
	unsigned char b[8] = {0};
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		static atomic_uint_fast64_t fallback;
		uint64_t x = atomic_fetch_add(&fallback, 1) ^ (uint64_t)time(NULL) << 20;
		memcpy(b, &x, sizeof b);
	}
	for (int i = 0; i < 8; i++)
		snprintf(r->req_id + 2 * i, 3, "%02x", b[i]);
}

/* One JSON object per request on stderr (journald keeps each line as one
 * entry). The route template, never the path: paths carry note ids and
 * child references. No body, no query string, no header but the id. */
static void log_request(const struct http_req *r, const char *route, double ms)
{
	int level = r->status >= 500 ? LOG_ERROR : LOG_INFO;
	if (!r->app->cfg->access_log || level > r->app->cfg->log_level)
		return;
	char line[1024], ts[40];
	size_t n;
	log_time(ts, sizeof ts);
	n = (size_t)snprintf(line, sizeof line,
	                     "{\"time\":\"%s\",\"level\":\"%s\",\"event\":\"request\",\"request_id\":\"%s\","
	                     "\"method\":\"%s\",\"route\":\"%s\",\"status\":%d,\"duration_ms\":%.3f,\"user\":",
	                     ts, log_level_names[level], r->req_id,
	                     r->head ? "HEAD" : route ? r->method : "-", route ? route : "-", r->status, ms);
	if (r->who.user)
		log_json_str(line, sizeof line, &n, r->who.user->username.p, r->who.user->username.n);
	else
		n += (size_t)snprintf(line + n, sizeof line - n, "null");
	if (n < sizeof line - 16) {
		n += (size_t)snprintf(line + n, sizeof line - n, ",\"device\":");
		if (r->who.user && r->who.device_id.n)
			log_json_str(line, sizeof line, &n, r->who.device_id.p, r->who.device_id.n);
		else
			n += (size_t)snprintf(line + n, sizeof line - n, "null");
	}
	if (n < sizeof line - 80)
		snprintf(line + n, sizeof line - n, ",\"client\":\"%s\"}\n", r->ri->remote_addr);
	fputs(line, stderr);
}

static int dispatch(struct mg_connection *conn, void *cbdata)
{
	struct app *m = cbdata;
	struct http_req r = {0};
	const struct http_route *route = NULL;
	int path_known = 0, rc;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	metrics_busy(m->metrics, 1);
	r.conn = conn;
	r.ri = mg_get_request_info(conn);
	r.app = m;
	r.peer = tls_peer_identity();
	r.arena = sc_arena_new(0);
	r.fmt = SC_JSON;
	request_id(&r);
	if (!r.arena) {
		static const char oom[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		http_conn_must_close(conn);
		mg_write(conn, oom, sizeof oom - 1);
		metrics_busy(m->metrics, -1);
		return 503;
	}
	const char *path = r.ri->local_uri ? r.ri->local_uri : "";
	/* HEAD is GET without the body (http_send_bytes leaves it out). */
	r.head = strcmp(r.ri->request_method, "HEAD") == 0;
	const char *method = r.head ? "GET" : r.ri->request_method;
	for (size_t i = 0; i < m->nroutes; i++) {
		struct sc_str params[HTTP_MAX_PARAMS];
		if (!match(m->routes[i].pattern, path, params))
			continue;
		path_known = 1;
		if (strcmp(m->routes[i].method, method) == 0) {
			route = &m->routes[i];
			memcpy(r.params, params, sizeof params);
			break;
		}
	}
	r.max_body = route && (route->flags & HTTP_SMALL_BODY) ? m->cfg->max_body_session : m->cfg->max_body;
	int fmt = negotiate(&r);
	if (fmt)
		r.fmt = fmt;
	if (!route) {
		if (path_known)
			rc = http_send_error(&r, FN_METHOD_NOT_ALLOWED, NULL, "%s is not allowed here",
			                     r.ri->request_method);
		else
			rc = http_send_error(&r, FN_NOT_FOUND, NULL, "no such path");
	} else if (!fmt && !(route->flags & HTTP_PAGE)) {
		rc = http_send_error(&r, FN_NOT_ACCEPTABLE, NULL,
		                     "Accept application/json or application/msgpack");
	} else if (route->who != HTTP_PUBLIC && (rc = authenticate(&r)) != FN_OK) {
		rc = http_send_error(&r, rc, NULL, "%s", sc_status_message(rc));
	} else if (route->who != HTTP_PUBLIC && !(route->who & HTTP_ROLE(r.who.role))) {
		rc = http_send_error(&r, FN_FORBIDDEN, NULL, "a %s may not do this",
		                     auth_role_name(r.who.role));
	} else {
		rc = route->fn(&r);
	}
	if (r.status == 0)
		rc = http_send_error(&r, FN_INTERNAL, NULL, "no reply was produced");

	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	r.method = method;
	size_t ri = route ? (size_t)(route - m->routes) : m->nroutes;
	log_request(&r, route && m->metrics ? metrics_route_template(m->metrics, ri) : route ? route->pattern : NULL, ms);
	metrics_request(m->metrics, ri, r.status, ms / 1e3);
	metrics_busy(m->metrics, -1);
	sc_arena_free(r.arena);
	give_back_memory(conn, r.ri);
	return r.status ? r.status : rc;
}

void http_mount(struct mg_context *ctx, struct app *app,
                const struct http_route *routes, size_t nroutes)
{
	app->routes = routes;
	app->nroutes = nroutes;
	/* Without metrics the server still serves; /metrics then answers 500. */
	if (!app->metrics && metrics_create(&app->metrics, nroutes) == FN_OK) {
		int rc = FN_OK;
		for (size_t i = 0; i < nroutes && rc == FN_OK; i++)
			rc = metrics_route(app->metrics, i, routes[i].method, routes[i].pattern);
		if (rc == FN_OK) {
			store_set_commit_observer(app->store, metrics_commit, app->metrics);
		} else {
			metrics_destroy(app->metrics);
			app->metrics = NULL;
		}
	}
	mg_set_request_handler(ctx, "/", dispatch, app);
}

/* civetweb's own refusals (oversized headers, malformed request lines)
 * answered with the project's error reply instead of its text page. */
int http_civetweb_error(struct mg_connection *conn, int status, const char *msg)
{
	struct http_req r = {0};
	int code;

	(void)msg; /* may echo request text; not repeated to the client */
	if (status == 400 && http_conn_headers_overflowed(conn))
		status = 431;
	switch (status) {
	case 413: case 431: code = FN_HEADERS_TOO_LARGE; break;
	case 404: code = FN_NOT_FOUND; break;
	case 405: code = FN_METHOD_NOT_ALLOWED; break;
	case 500: code = FN_INTERNAL; break;
	case 503: code = FN_UNAVAILABLE; break;
	default: code = FN_BAD_REQUEST; break;
	}
	r.conn = conn;
	r.arena = sc_arena_new(4096);
	r.fmt = SC_JSON;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	r.head = ri && ri->request_method && strcmp(ri->request_method, "HEAD") == 0;
	if (!r.arena)
		return 1; /* let civetweb send its own page */
	http_conn_must_close(conn);
	http_send_error(&r, code, NULL, "%s", code == FN_HEADERS_TOO_LARGE
	                ? "the request headers are too large (limit 16 KiB)" : "the request could not be parsed");
	sc_arena_free(r.arena);
	return 0;
}
