/* api_metrics.c - GET /metrics: the metrics module's own series, then the
 * gauges read from other modules (connections, the store, the work waiting
 * for people), as Prometheus text. */
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "app.h"
#include "buf.h"
#include "clock.h"
#include "connlimit.h"
#include "enquiries.h"
#include "http.h"
#include "metrics.h"
#include "notes_gauges.h"
#include "status.h"

static void render_store(struct app *app, struct sc_buf *b, int *failed)
{
	struct store_stats st;
	store_stats(app->store, &st);
	metrics_put(b, failed, "# HELP fieldnote_store_commits_total Write transactions committed.\n# TYPE fieldnote_store_commits_total counter\n"
	               "fieldnote_store_commits_total %" PRIu64 "\n", st.commits);
	metrics_put(b, failed, "# TYPE fieldnote_store_writes_total counter\nfieldnote_store_writes_total %" PRIu64 "\n", st.writes);
	metrics_put(b, failed, "# TYPE fieldnote_store_map_grows_total counter\nfieldnote_store_map_grows_total %" PRIu64 "\n", st.map_grows);
	metrics_put(b, failed, "# TYPE fieldnote_store_full_refusals_total counter\nfieldnote_store_full_refusals_total %" PRIu64 "\n",
	    st.full_refusals);
	metrics_put(b, failed, "# HELP fieldnote_store_disk_full 1 while the disk is full or under store_reserve.\n"
	               "# TYPE fieldnote_store_disk_full gauge\nfieldnote_store_disk_full %d\n", st.disk_full);
	metrics_put(b, failed, "# HELP fieldnote_store_map_bytes The store's map size.\n# TYPE fieldnote_store_map_bytes gauge\n"
	               "fieldnote_store_map_bytes %zu\n", st.map_size);
	metrics_put(b, failed, "# HELP fieldnote_store_used_bytes Bytes of the map in use.\n# TYPE fieldnote_store_used_bytes gauge\n"
	               "fieldnote_store_used_bytes %zu\n", st.used_bytes);
}

/* The work waiting for people, from one read transaction: the review
 * queue's "submitted" range only (notes_gauges.h: O(teams + depth), never
 * the notes in other statuses) and the open enquiries' entry count (O(1)).
 * A store error leaves the three series out rather than answering 0. */
static void render_work(struct app *app, struct sc_buf *b, int *failed)
{
	struct store_txn *t;
	uint64_t depth = 0, overdue = 0, open = 0;
	if (!app->notes || store_read_begin(app->store, &t) != FN_OK)
		return;
	int rc = notes_review_gauges(app->notes, t, clock_now(), &depth, &overdue);
	if (rc == FN_OK && app->enquiries)
		rc = enquiries_count_open(app->enquiries, t, &open);
	store_read_end(t);
	if (rc != FN_OK)
		return;
	metrics_put(b, failed, "# HELP fieldnote_review_queue_depth Notes waiting for a supervisor's review.\n"
	               "# TYPE fieldnote_review_queue_depth gauge\nfieldnote_review_queue_depth %" PRIu64 "\n", depth);
	metrics_put(b, failed, "# HELP fieldnote_reviews_overdue Notes waiting for review past their due time.\n"
	               "# TYPE fieldnote_reviews_overdue gauge\nfieldnote_reviews_overdue %" PRIu64 "\n", overdue);
	metrics_put(b, failed, "# HELP fieldnote_mash_enquiries_open MASH enquiries open now.\n"
	               "# TYPE fieldnote_mash_enquiries_open gauge\nfieldnote_mash_enquiries_open %" PRIu64 "\n", open);
}

/* Compares in time independent of where the first difference is. */
static int token_equal(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;
	for (size_t i = 0; i < na; i++)
		d |= (unsigned char)(a[i] ^ b[i < nb ? i : 0]);
	return d == 0;
}

int api_get_metrics(struct http_req *r)
{
	const char *want = r->app->cfg->metrics_token;
	if (!want[0])
		return http_send_error(r, FN_NOT_FOUND, NULL, "metrics are off (set metrics_token)");
	const char *h = http_header(r, "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !token_equal(h + 7, want))
		return http_send_error(r, FN_UNAUTHORIZED, NULL, "GET /metrics needs the metrics_token as a bearer token");
	if (!r->app->metrics)
		return http_send_error(r, FN_INTERNAL, NULL, "metrics could not be set up");
	struct sc_buf b = {0};
	int failed = 0;
	metrics_render(r->app->metrics, &b, &failed);
	metrics_put(&b, &failed, "# HELP fieldnote_open_connections Client connections open now.\n"
	                         "# TYPE fieldnote_open_connections gauge\nfieldnote_open_connections %zu\n",
	            r->app->conns ? connlimit_total(r->app->conns) : (size_t)0);
	render_store(r->app, &b, &failed);
	render_work(r->app, &b, &failed);
	int rc = failed ? http_send_error(r, FN_NO_MEMORY, NULL, "out of memory")
	                : http_send_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.p, b.n,
	                                  "Cache-Control: no-store\r\n");
	sc_buf_free(&b);
	return rc;
}
