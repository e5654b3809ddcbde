/* metrics.h - per-process counters, gauges and histograms, rendered as
 * Prometheus text for GET /metrics.
 *
 * Every update is a relaxed atomic add: handlers on any worker thread and
 * the store's commit leader call them without locks. Nothing here scans the
 * store: gauges are read from counters kept up to date by their writers
 * (store_stats, connlimit_total), from LMDB's entry counts (open MASH
 * enquiries) or from a walk of the review queue's "submitted" range only
 * (review depth and overdue: O(teams + depth) per scrape, not a scan of the
 * notes). Counters start at zero with the process. */
#ifndef FN_METRICS_H
#define FN_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct http_req;
struct http_route;
struct metrics;

/* Counters bumped by the modules that see the event. Append-only. */
enum metrics_counter {
	METRICS_NOTES_STORED,
	METRICS_NOTES_DUPLICATE,
	METRICS_NOTES_CONFLICT,
	METRICS_NOTES_INVALID,
	METRICS_SIGNIN_FAILED,    /* wrong password, unknown user, revoked device */
	METRICS_SIGNIN_THROTTLED, /* refused with 429 before trying */
	METRICS_NCOUNTERS
};

/* Makes the metrics of a server whose route table is routes[0..nroutes):
 * one request histogram per route template and status class. The route
 * table must outlive the metrics. FN_OK or FN_NO_MEMORY. */
int metrics_create(struct metrics **out, const struct http_route *routes, size_t nroutes);
void metrics_destroy(struct metrics *m); /* NULL: no-op */

/* The route's template for logs and labels ("/v1/notes/{id}"): a pattern's
 * "*" named after the segment before it. Valid while m lives. */
const char *metrics_route_template(const struct metrics *m, size_t route);

/* One finished request; route == nroutes for a path no route matched. */
void metrics_request(struct metrics *m, size_t route, int status, double seconds);
void metrics_count(struct metrics *m, enum metrics_counter c, uint64_t n);
/* A worker starts (+1) or ends (-1) a request. */
void metrics_busy(struct metrics *m, int delta);
/* The store's commit observer: `ctx` is the struct metrics. */
void metrics_commit(void *ctx, size_t batch, double seconds);
/* Adds one note result ("stored", "duplicate", "conflict", "invalid"). */
void metrics_note_result(struct metrics *m, const char *result, size_t len);

/* The GET /metrics handler: 404 unless the metrics_token setting is set,
 * 401 unless the request carries it as a bearer token. */
int metrics_http_get(struct http_req *r);

#endif
