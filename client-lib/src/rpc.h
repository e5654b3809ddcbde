/* rpc.h - private to client-lib: one call to the server with the retry policy, deadline and progress (rpc.c). */
#ifndef FN_CLIENT_RPC_H
#define FN_CLIENT_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "http.h"
#include "records.h"

struct rpc {
	fn_client *c;
	const volatile int *cancel;
	fn_progress_fn progress;
	void *arg;
	unsigned attempts, retries;
	char token[160];
	struct http_reply reply;
	char detail[256];
	struct sc_error_reply *last_error; /* decoded error reply, if any */
	struct sc_arena *arena;
	int64_t deadline;     /* monotonic ms by which the whole operation ends; 0: none */
	unsigned max_wait_ms; /* longest Retry-After waited for; a longer one stops the call */
	int64_t retry_after;  /* the last Retry-After seen (seconds); -1: none */
	const char *stop;     /* why fni_rpc_call gave up, when not the status's own
	                         class: "deadline", "retry_after", "cancelled" */
	int accept_gzip;      /* ask for gzip replies (the guidance pulls) */
};

/* Sends a request with the retry policy; FN_OK for a 2xx reply (body in
 * x->reply), else the status (from the error reply when there is one) and
 * x->detail. */
int fni_rpc_call(struct rpc *x, const char *method, const char *path, const void *body, size_t n, int auth);
/* The same with extra request header lines (fni_http_request_ex). */
int fni_rpc_call_ex(struct rpc *x, const char *method, const char *path, const char *extra, const void *body,
                    size_t n, int auth);
/* Decodes the reply body (msgpack or JSON) as rec into out. */
int fni_rpc_decode(struct rpc *x, const struct sc_record *rec, void *out);
void fni_rpc_progress(struct rpc *x, int step, uint64_t done, uint64_t total, int status, unsigned delay);
int fni_rpc_init(struct rpc *x, fn_client *c);
void fni_rpc_end(struct rpc *x);

#endif
