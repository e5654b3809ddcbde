/* status.h - the project's status codes, defined once: enum, names, messages, HTTP statuses. */
#ifndef FN_SCHEMA_STATUS_H
#define FN_SCHEMA_STATUS_H

/*
 * X(NAME, number, http_status, "message")
 *
 * Append-only: a number, once given out, never changes meaning and is never
 * reused; clients and stored audit entries keep them. http_status 0 marks a
 * code that only ever occurs on the client side (sc_status_http maps it to
 * 500 should a server ever answer with one).
 */
#define FN_STATUS_LIST(X) \
	X(OK,                     0, 200, "success") \
	X(BAD_REQUEST,            1, 400, "the request is malformed") \
	X(MALFORMED_BODY,         2, 400, "the body could not be decoded") \
	X(VALIDATION_FAILED,      3, 422, "a field failed validation") \
	X(UNAUTHORIZED,           4, 401, "sign in first") \
	X(FORBIDDEN,              5, 403, "not allowed for this user") \
	X(NOT_FOUND,              6, 404, "no such resource") \
	X(METHOD_NOT_ALLOWED,     7, 405, "method not allowed on this path") \
	X(NOT_ACCEPTABLE,         8, 406, "cannot answer in the requested format") \
	X(CONFLICT,               9, 409, "a different record already exists under this id and revision") \
	X(PAYLOAD_TOO_LARGE,     10, 413, "the body is too large") \
	X(UNSUPPORTED_MEDIA_TYPE,11, 415, "send application/json or application/msgpack") \
	X(TOO_MANY_REQUESTS,     12, 429, "too many attempts; wait and retry") \
	X(INTERNAL,              13, 500, "internal error") \
	X(UNAVAILABLE,           14, 503, "service unavailable; retry later") \
	X(STORE_FULL,            15, 507, "the store is full") \
	X(NO_MEMORY,             16, 500, "out of memory") \
	X(IO_ERROR,              17, 500, "input/output error") \
	X(LIMIT_EXCEEDED,        18, 400, "the body exceeds a structural limit (nesting, count or length)") \
	X(TOKEN_EXPIRED,         19, 401, "the session has expired; sign in again") \
	X(TOKEN_REVOKED,         20, 401, "the session was revoked; sign in again") \
	X(DEVICE_REVOKED,        21, 401, "this device has been revoked") \
	X(NOT_MODIFIED,          22, 304, "not modified") \
	X(TLS_ERROR,             23,   0, "TLS failure") \
	X(NETWORK_ERROR,         24,   0, "network failure") \
	X(WRONG_KEY,             25,   0, "the store key is wrong or the data is damaged") \
	X(CANCELLED,             26,   0, "cancelled") \
	X(TIMEOUT,               27,   0, "timed out") \
	X(BAD_ARGUMENT,          28,   0, "invalid argument") \
	X(HEADERS_TOO_LARGE,     29, 431, "the request headers are too large") \
	X(QUOTA_EXCEEDED,        30, 429, "the daily write quota is used up; retry when Retry-After says")

enum fn_status {
#define X(n, v, h, m) FN_##n = v,
	FN_STATUS_LIST(X)
#undef X
};

/* "VALIDATION_FAILED" for FN_VALIDATION_FAILED; "UNKNOWN" for a number not in
 * the list. Static storage, never allocates, safe from any thread. */
const char *sc_status_name(int status);

/* The human message for a code ("unknown status" if not in the list).
 * Static storage, never allocates. */
const char *sc_status_message(int status);

/* The HTTP status to answer with; 500 for an unknown code and for the
 * client-only codes (http_status 0 in the list). */
int sc_status_http(int status);

#endif
