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

struct metrics;
struct sc_buf;

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

/* Makes the metrics of a server with nroutes routes: one request histogram
 * per route template and status class; name each route with metrics_route.
 * FN_OK or FN_NO_MEMORY. */
int metrics_create(struct metrics **out, size_t nroutes);
/* Names route i (< nroutes) by its method and pattern, which must outlive
 * the metrics (a static route table). FN_OK or FN_NO_MEMORY. */
int metrics_route(struct metrics *m, size_t i, const char *method, const char *pattern);
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

/* Appends this module's series (requests, counters, commits) in
 * Prometheus text to b; sets *failed when memory runs out. */
void metrics_render(struct metrics *m, struct sc_buf *b, int *failed);
/* Appends one printf-formatted piece (under 512 bytes) to b, or sets *failed. */
void metrics_put(struct sc_buf *b, int *failed, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
