/* civet_hooks.h - per-connection facts civetweb 1.16 does not export,
 * defined in its translation unit (server/civetweb-unit.inc) and used by
 * http.c. Declared once, here; both sides include it, so a changed
 * signature fails to compile instead of misbehaving. */
#ifndef FN_CIVET_HOOKS_H
#define FN_CIVET_HOOKS_H

struct mg_connection;

/* The connection closes after this reply: a reply that refuses a body it
 * did not read (a 10 GB Content-Length), or ends a request cut off. */
void http_conn_must_close(struct mg_connection *conn);

/* 1 when civetweb refused the request because its headers overflowed the
 * buffer (it reports that as a malformed request, 400). */
int http_conn_headers_overflowed(const struct mg_connection *conn);

/* 1 when the request's read deadline (request_deadline_ms) has passed, so
 * a body that stopped short was cut off rather than ended by the client. */
int http_conn_deadline_passed(const struct mg_connection *conn);

#endif
