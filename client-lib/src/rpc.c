/* rpc.c - one API call: the request over http.c, the retry policy with backoff and jitter, error replies. */
#include "rpc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "crypto.h"
#include "http.h"
#include "net.h"
#include "records.h"

static const char *const step_names[] = {
	[FN_STEP_CONNECT] = "connect",
	[FN_STEP_PUSH_SEND] = "push_send",
	[FN_STEP_PUSH_SENT] = "push_sent",
	[FN_STEP_PUSH_REPLY] = "push_reply",
	[FN_STEP_PUSH_SAVED] = "push_saved",
	[FN_STEP_GUIDANCE_REPLY] = "guidance_reply",
	[FN_STEP_GUIDANCE_SAVED] = "guidance_saved",
	[FN_STEP_FEEDBACK_REPLY] = "feedback_reply",
	[FN_STEP_FEEDBACK_SAVED] = "feedback_saved",
	[FN_STEP_RETRY] = "retry",
	[FN_STEP_DONE] = "done",
	[FN_STEP_ATTACH_SENT] = "attach_sent",
};

int fni_rpc_init(struct rpc *x, fn_client *c)
{
	memset(x, 0, sizeof *x);
	x->c = c;
	x->attempts = c->opt.attempts;
	x->max_wait_ms = MAX_BACKOFF_MS;
	x->retry_after = -1;
	x->arena = sc_arena_new(0);
	return x->arena ? FN_OK : FN_NO_MEMORY;
}

void fni_rpc_end(struct rpc *x)
{
	/* Replies may hold a token (sign-in); requests held the password. */
	fni_cr_buf_free(&x->reply.body);
	fni_cr_wipe(x->token, sizeof x->token);
	sc_arena_free(x->arena);
	x->arena = NULL;
}

void fni_rpc_progress(struct rpc *x, int step, uint64_t done, uint64_t total, int status, unsigned delay)
{
	if (!x->progress)
		return;
	fn_progress p = {step, step_names[step], done, total, status, delay};
	x->progress(x->arg, &p);
}

static int cancelled(const struct rpc *x)
{
	return x->cancel && *x->cancel;
}

/* Whether a failure is worth another try: the network, the server's
 * temporary troubles. A refused certificate, a refused session, a bad
 * request are not. */
static int retriable(int rc)
{
	switch (rc) {
	case FN_NETWORK_ERROR:
	case FN_TIMEOUT:
	case FN_MALFORMED_BODY: /* garbled on the way: a fresh connection may do */
	case FN_INTERNAL:
	case FN_UNAVAILABLE:
	case FN_TOO_MANY_REQUESTS:
	case FN_STORE_FULL:
		return 1;
	}
	return 0;
}

static int status_of_http(int http)
{
	switch (http) {
	case 401: return FN_UNAUTHORIZED;
	case 403: return FN_FORBIDDEN;
	case 404: return FN_NOT_FOUND;
	case 405: return FN_METHOD_NOT_ALLOWED;
	case 406: return FN_NOT_ACCEPTABLE;
	case 409: return FN_CONFLICT;
	case 413: return FN_PAYLOAD_TOO_LARGE;
	case 415: return FN_UNSUPPORTED_MEDIA_TYPE;
	case 422: return FN_VALIDATION_FAILED;
	case 429: return FN_TOO_MANY_REQUESTS;
	case 431: return FN_HEADERS_TOO_LARGE;
	case 503: return FN_UNAVAILABLE;
	case 507: return FN_STORE_FULL;
	}
	return http >= 500 ? FN_INTERNAL : FN_BAD_REQUEST;
}

/* The status a non-2xx reply stands for: its error reply's code when it
 * decodes, else the HTTP status's. */
static int error_status(struct rpc *x)
{
	struct sc_error_reply *e = sc_arena_alloc(x->arena, sizeof *e);
	struct sc_limits lim = fni_limits(x->c);
	int fmt = x->reply.msgpack ? SC_MSGPACK : SC_JSON;

	x->last_error = NULL;
	if (e && sc_decode(&sc_rec_error_reply, fmt, x->reply.body.p, x->reply.body.n, &lim, x->arena, e,
	                   NULL) == FN_OK &&
	    e->code > 0 && e->code < 1000) {
		x->last_error = e;
		snprintf(x->detail, sizeof x->detail, "the server answered %d %s: %s%s%s", x->reply.status,
		         e->name.p, e->message.p, SC_HAS(error_reply, e, field) ? " (field " : "",
		         SC_HAS(error_reply, e, field) ? e->field.p : "");
		if (SC_HAS(error_reply, e, field))
			strncat(x->detail, ")", sizeof x->detail - strlen(x->detail) - 1);
		return (int)e->code;
	}
	int rc = status_of_http(x->reply.status);
	snprintf(x->detail, sizeof x->detail, "the server answered HTTP %d (%s)", x->reply.status,
	         sc_status_name(rc));
	return rc;
}

/* Sleeps ms, in slices, unless cancelled. */
static int pause_ms(struct rpc *x, unsigned ms)
{
	int64_t until = fni_net_now_ms() + ms;
	for (;;) {
		if (cancelled(x))
			return FN_CANCELLED;
		int64_t left = until - fni_net_now_ms();
		if (left <= 0)
			return FN_OK;
		struct timespec ts = {0, (long)(left > 100 ? 100 : left) * 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* Exponential backoff with jitter: half the delay fixed, half random, so
 * many devices coming back at once do not retry in step. */
static unsigned backoff(struct rpc *x, unsigned attempt)
{
	uint64_t d = x->c->opt.backoff_ms;
	for (unsigned i = 1; i < attempt && d < MAX_BACKOFF_MS; i++)
		d *= 2;
	if (d > MAX_BACKOFF_MS)
		d = MAX_BACKOFF_MS;
	uint32_t r = 0;
	fni_cr_random(&x->c->cr, &r, sizeof r);
	return (unsigned)(d / 2 + (d / 2 ? r % (d / 2 + 1) : 0));
}

/* Gives up with rc, saying why in x->stop and x->detail (kept when set). */
static int give_up(struct rpc *x, int rc, const char *stop, const char *fmt, long long v)
{
	x->stop = stop;
	size_t n = strlen(x->detail);
	if (fmt && n < sizeof x->detail - 1)
		snprintf(x->detail + n, sizeof x->detail - n, fmt, v);
	return rc;
}

/* How long to wait before the next try: the backoff, or longer when the
 * server said Retry-After. 0 with *rc changed when the call must stop. */
static unsigned next_wait(struct rpc *x, unsigned attempt, int *rc)
{
	uint64_t d = backoff(x, attempt);
	if (x->reply.retry_after >= 0) {
		x->retry_after = x->reply.retry_after;
		uint64_t want = (uint64_t)x->reply.retry_after * 1000;
		if (want > x->max_wait_ms) {
			*rc = give_up(x, *rc, "retry_after", "; the server asks to wait %lld s: try later",
			              (long long)x->reply.retry_after);
			return 0;
		}
		if (want > d)
			d = want;
	}
	if (x->deadline && fni_net_now_ms() + (int64_t)d > x->deadline) {
		*rc = give_up(x, *rc, "deadline", "; the next try (in %lld ms) would pass the deadline", (long long)d);
		return 0;
	}
	return (unsigned)d;
}

int fni_rpc_call(struct rpc *x, const char *method, const char *path, const void *body, size_t n, int auth)
{
	return fni_rpc_call_ex(x, method, path, NULL, body, n, auth);
}

int fni_rpc_call_ex(struct rpc *x, const char *method, const char *path, const char *extra, const void *body,
                    size_t n, int auth)
{
	fn_client *c = x->c;
	struct net *net = c->net;
	int rc;

	for (unsigned attempt = 1;; attempt++) {
		if (cancelled(x)) {
			snprintf(x->detail, sizeof x->detail, "cancelled");
			return give_up(x, FN_CANCELLED, "cancelled", NULL, 0);
		}
		int64_t now = fni_net_now_ms();
		if (x->deadline && now >= x->deadline) {
			snprintf(x->detail, sizeof x->detail, "the deadline passed");
			return give_up(x, FN_TIMEOUT, "deadline", NULL, 0);
		}
		net->connect_ms = c->opt.connect_timeout_ms;
		net->read_ms = c->opt.read_timeout_ms;
		net->deadline_ms = now + c->opt.request_timeout_ms;
		if (x->deadline && x->deadline < net->deadline_ms)
			net->deadline_ms = x->deadline;
		net->cancel = x->cancel;
		if (!net->up)
			fni_rpc_progress(x, FN_STEP_CONNECT, net->connections + 1, 0, FN_OK, 0);
		x->detail[0] = 0;
		x->reply.retry_after = -1;
		rc = fni_http_request_ex(net, method, path, auth ? x->token : NULL, extra, body, n, x->accept_gzip,
		                         c->opt.max_reply, &x->reply, x->detail);
		net->deadline_ms = 0;
		if (rc == FN_OK) {
			if (x->reply.date) {
				pthread_mutex_lock(&c->mu);
				c->clock_offset = x->reply.date - (int64_t)time(NULL);
				pthread_mutex_unlock(&c->mu);
			}
			if (x->reply.status >= 200 && x->reply.status < 300)
				return FN_OK;
			rc = error_status(x);
		}
		if (rc == FN_CANCELLED)
			return give_up(x, rc, "cancelled", NULL, 0);
		if (rc == FN_TIMEOUT && x->deadline && fni_net_now_ms() >= x->deadline)
			return give_up(x, rc, "deadline", "; the deadline passed", 0);
		if (!retriable(rc) || attempt >= x->attempts) {
			if (x->reply.retry_after >= 0)
				x->retry_after = x->reply.retry_after;
			return rc;
		}
		unsigned d = next_wait(x, attempt, &rc);
		if (x->stop)
			return rc;
		x->retries++;
		fni_rpc_progress(x, FN_STEP_RETRY, attempt, x->attempts, rc, d);
		if (pause_ms(x, d) != FN_OK) {
			snprintf(x->detail, sizeof x->detail, "cancelled");
			return give_up(x, FN_CANCELLED, "cancelled", NULL, 0);
		}
	}
}

int fni_rpc_decode(struct rpc *x, const struct sc_record *rec, void *out)
{
	struct sc_limits lim = fni_limits(x->c);
	struct sc_error err;
	int fmt = x->reply.msgpack ? SC_MSGPACK : SC_JSON;
	int rc = sc_decode(rec, fmt, x->reply.body.p, x->reply.body.n, &lim, x->arena, out, &err);
	if (rc == FN_NO_MEMORY)
		return rc;
	if (rc != FN_OK) {
		snprintf(x->detail, sizeof x->detail, "the server's %s reply does not decode: %s%s%s", rec->name,
		         err.field, err.field[0] ? ": " : "", err.message);
		return FN_MALFORMED_BODY;
	}
	return FN_OK;
}
