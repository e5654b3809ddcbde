/* http.h - request plumbing over civetweb: routing, content negotiation,
 * body caps, authentication and error replies. Handlers know no TLS. */
#ifndef FN_HTTP_H
#define FN_HTTP_H

#include <stdarg.h>

#include "arena.h"
#include "auth.h"
#include "records.h"

struct app; /* app.h: the composition root, included by the files that need it */

struct mg_connection;
struct mg_request_info;

#define HTTP_MAX_PARAMS 2
/* A client's X-Request-Id is kept when it is 1 to 64 of [A-Za-z0-9._:-];
 * otherwise one is made: 16 random hex digits. */
#define HTTP_REQ_ID_MAX 64

/* One request. Everything allocated for it comes from `arena`, freed when
 * the request ends. */
struct http_req {
	struct mg_connection *conn;
	const struct mg_request_info *ri;
	struct app *app;
	struct sc_arena *arena;
	int fmt;                       /* reply format: SC_JSON or SC_MSGPACK */
	struct auth_principal who;     /* valid when the route needs sign-in */
	const char *peer;              /* the verified client certificate's subject
	                                  CN, or NULL when none was required: set
	                                  when the request starts, valid until it
	                                  ends (handlers know no TLS) */
	struct sc_str params[HTTP_MAX_PARAMS]; /* the path's "*" segments */
	int status;                    /* HTTP status sent, for the log */
	size_t max_body;               /* this route's body limit */
	int head;                      /* a HEAD request: replies send no body */
	const char *method;            /* for the log: GET for HEAD, set at the end */
	char req_id[HTTP_REQ_ID_MAX + 1]; /* echoed as X-Request-Id and logged */
};

typedef int (*http_handler)(struct http_req *r);

/* Who may call a route: a mask of 1 << enum auth_role, or HTTP_PUBLIC. */
#define HTTP_PUBLIC 0u
#define HTTP_SIGNED_IN ((1u << ROLE_NONE) - 1u) /* every role */
#define HTTP_ROLE(r) (1u << (r))

/* Route flags. HTTP_PAGE: serves its own content types (the review page),
 * so Accept is not negotiated into JSON or msgpack for it.
 * HTTP_SMALL_BODY: the body limit is the max_body_session setting (a few
 * KiB: a sign-in), not max_body. */
#define HTTP_PAGE 1u
#define HTTP_SMALL_BODY 2u

struct http_route {
	const char *method;
	const char *pattern; /* "/v1/guidance/ *": "*" matches one segment */
	unsigned who;
	http_handler fn;
	unsigned flags;
};

/* Registers the catch-all handler on a started civetweb context. */
struct mg_context;
void http_mount(struct mg_context *ctx, struct app *app,
                const struct http_route *routes, size_t nroutes);

/* civetweb's http_error callback: its own refusals as error replies. */
int http_civetweb_error(struct mg_connection *conn, int status, const char *msg);

/* Reads the request body (after the Content-Type and size checks against
 * the route's limit, r->max_body) into the arena, answering the request
 * itself on failure (415, 413, 400). */
int http_read_body(struct http_req *r, struct sc_str *body, int *fmt);

/* Reads and decodes the request body as `rec` into *out, answering the
 * request itself (415, 413, 400, 422) and returning non-FN_OK on failure. */
int http_read_record(struct http_req *r, const struct sc_record *rec, void *out);

/* Replies. Each returns the HTTP status sent. */
int http_send_record(struct http_req *r, int http_status,
                     const struct sc_record *rec, const void *obj);
int http_send_bytes(struct http_req *r, int http_status, const char *ctype,
                    const void *body, size_t n, const char *extra_headers);
int http_send_error(struct http_req *r, int status, const char *field,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same with extra header lines ("Name: value\r\n"...). */
int http_send_error_hdr(struct http_req *r, int status, const char *field,
                        const char *headers, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int http_send_error_v(struct http_req *r, int status, const char *field,
                      const char *headers, const char *fmt, va_list ap);

/* Sends e->status with e->field and e->message; `fallback` is the message
 * when e->message is empty. Returns the HTTP status sent. */
int http_send_sc_error(struct http_req *r, const struct sc_error *e, const char *fallback);

/* A query-string parameter, URL-decoded into the arena; NULL if absent. */
const char *http_query(struct http_req *r, const char *name);
/* The decode limits for this request's body: the route's max_body and the
 * max_values setting. */
struct sc_limits http_body_limits(const struct http_req *r);

/* A request header or NULL. */
const char *http_header(struct http_req *r, const char *name);

/* http_params.c. An unsigned decimal query parameter: `def` when absent,
 * FN_VALIDATION_FAILED when not all digits or above `max`. */
int http_query_u64(struct http_req *r, const char *name, uint64_t def, uint64_t max, uint64_t *out);
/* The path's "*" segment i copied into out (size bytes) as a C string for
 * the modules that take one: 0, or -1 (out untouched) when it does not fit,
 * which the caller answers as its route would a name that does not exist. */
int http_param_copy(const struct http_req *r, size_t i, char *out, size_t size);
struct store_txn; /* store.h */
/* A read transaction on the app's store for a handler: FN_OK, or on
 * failure the status, the answer ("the store is unavailable") already sent
 * (r->status). Handlers read into the request arena inside it and end it
 * (store_read_end) before the reply goes out: a slow client must not hold
 * up a map growth (store.h). */
int http_read_begin(struct http_req *r, struct store_txn **t);
/* 1 when the If-None-Match value `inm` lists `etag` (quoted, as sent in
 * ETag) or is "*"; weak comparison. */
int http_etag_listed(const char *inm, const char *etag);
/* 1 when the request's If-None-Match lists `etag`: answer 304. */
int http_not_modified(struct http_req *r, const char *etag);

#endif
