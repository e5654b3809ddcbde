/* metrics.c - request, note, sign-in and commit metrics in Prometheus text. */
#include "metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "status.h"

/* Upper bounds in seconds; the last bucket is +Inf. */
static const double dur_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NDUR (sizeof dur_bounds / sizeof dur_bounds[0] + 1)
static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
#define NBATCH (sizeof batch_bounds / sizeof batch_bounds[0] + 1)
#define NCLASS 5 /* 1xx..5xx */

/* Bucket counts are per bucket (not cumulative) so that an update touches
 * one of them; the render adds them up. The sum is kept in microseconds. */
struct hist {
	atomic_uint_fast64_t bucket[NDUR], count, sum_us;
};

struct metrics {
	const char **methods, **patterns; /* per route, from the static route table */
	size_t nroutes;
	char **templates;       /* nroutes + 1, the last "unmatched" */
	struct hist *requests;  /* (nroutes + 1) * NCLASS */
	atomic_uint_fast64_t *syncs; /* per route: answered device syncs */
	struct hist commit_seconds;
	atomic_uint_fast64_t batch[NBATCH], batch_count, batch_sum;
	atomic_uint_fast64_t counters[METRICS_NCOUNTERS];
	atomic_int_fast64_t busy;
};

static const char *const counter_names[METRICS_NCOUNTERS][2] = {
	{"fieldnote_notes_total{result=\"stored\"}", NULL},
	{"fieldnote_notes_total{result=\"duplicate\"}", NULL},
	{"fieldnote_notes_total{result=\"conflict\"}", NULL},
	{"fieldnote_notes_total{result=\"invalid\"}", NULL},
	{"fieldnote_signin_failures_total", "sign-ins refused for a wrong password, an unknown user or a revoked device"},
	{"fieldnote_signin_throttled_total", "sign-ins refused with 429 by the throttle before any check"},
};

/* "/v1/children/ * /contacts" -> "/v1/children/{ref}/contacts": the name
 * of a "*" comes from the segment before it. */
static char *make_template(const char *pattern)
{
	static const char *const names[][2] = {
		{"children", "{ref}"}, {"users", "{username}"}, {"review", "{file}"}, {"guidance", "{id}"},
	};
	size_t cap = strlen(pattern) * 2 + 32, n = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	for (const char *p = pattern; *p && n + 16 < cap; p++) {
		if (*p != '*') {
			out[n++] = *p;
			continue;
		}
		const char *name = "{id}", *seg_end = p - 1, *seg = seg_end;
		while (seg > pattern && seg[-1] != '/')
			seg--;
		for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
			if (seg < seg_end && strlen(names[k][0]) == (size_t)(seg_end - seg) &&
			    !strncmp(seg, names[k][0], (size_t)(seg_end - seg)))
				name = names[k][1];
		n += (size_t)snprintf(out + n, cap - n, "%s", name);
	}
	out[n] = 0;
	return out;
}

int metrics_create(struct metrics **out, size_t nroutes)
{
	struct metrics *m = calloc(1, sizeof *m);
	*out = NULL;
	if (!m)
		return FN_NO_MEMORY;
	m->nroutes = nroutes;
	m->methods = calloc(nroutes + 1, sizeof *m->methods);
	m->patterns = calloc(nroutes + 1, sizeof *m->patterns);
	m->templates = calloc(nroutes + 1, sizeof *m->templates);
	m->requests = calloc((nroutes + 1) * NCLASS, sizeof *m->requests);
	m->syncs = calloc(nroutes + 1, sizeof *m->syncs);
	if (!m->methods || !m->patterns || !m->templates || !m->requests || !m->syncs ||
	    !(m->templates[nroutes] = strdup("unmatched"))) {
		metrics_destroy(m);
		return FN_NO_MEMORY;
	}
	m->methods[nroutes] = "-"; /* the last row: paths no route matched */
	m->patterns[nroutes] = "";
	*out = m;
	return FN_OK;
}

int metrics_route(struct metrics *m, size_t i, const char *method, const char *pattern)
{
	if (i >= m->nroutes)
		return FN_INTERNAL;
	char *t = make_template(pattern);
	if (!t)
		return FN_NO_MEMORY;
	free(m->templates[i]);
	m->templates[i] = t;
	m->methods[i] = method;
	m->patterns[i] = pattern;
	return FN_OK;
}

void metrics_destroy(struct metrics *m)
{
	if (!m)
		return;
	if (m->templates)
		for (size_t i = 0; i <= m->nroutes; i++)
			free(m->templates[i]);
	free(m->templates);
	free(m->methods);
	free(m->patterns);
	free(m->requests);
	free((void *)m->syncs);
	free(m);
}

const char *metrics_route_template(const struct metrics *m, size_t route)
{
	return m->templates[route <= m->nroutes ? route : m->nroutes];
}

static void hist_add(struct hist *h, const double *bounds, size_t nb, double v, double scale)
{
	size_t b = 0;
	while (b < nb && v > bounds[b])
		b++;
	atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, (uint_fast64_t)(v * scale), memory_order_relaxed);
}

void metrics_request(struct metrics *m, size_t route, int status, double seconds)
{
	if (!m)
		return;
	int cls = status / 100;
	if (cls < 1 || cls > NCLASS)
		cls = 5;
	if (route > m->nroutes)
		route = m->nroutes;
	if (cls == 2 && route < m->nroutes && !strncmp(m->patterns[route], "/v1/sync/", 9))
		atomic_fetch_add_explicit(&m->syncs[route], 1, memory_order_relaxed);
	hist_add(&m->requests[route * NCLASS + (size_t)(cls - 1)], dur_bounds, NDUR - 1, seconds, 1e6);
}

void metrics_count(struct metrics *m, enum metrics_counter c, uint64_t n)
{
	if (m && c < METRICS_NCOUNTERS)
		atomic_fetch_add_explicit(&m->counters[c], n, memory_order_relaxed);
}

void metrics_busy(struct metrics *m, int delta)
{
	if (m)
		atomic_fetch_add_explicit(&m->busy, delta, memory_order_relaxed);
}

void metrics_commit(void *ctx, size_t batch, double seconds)
{
	struct metrics *m = ctx;
	size_t b = 0;
	while (b < NBATCH - 1 && (double)batch > batch_bounds[b])
		b++;
	atomic_fetch_add_explicit(&m->batch[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->batch_count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->batch_sum, batch, memory_order_relaxed);
	hist_add(&m->commit_seconds, dur_bounds, NDUR - 1, seconds, 1e6);
}

void metrics_note_result(struct metrics *m, const char *result, size_t len)
{
	static const char *const names[] = {"stored", "duplicate", "conflict", "invalid"};
	for (size_t i = 0; i < 4; i++)
		if (strlen(names[i]) == len && !memcmp(result, names[i], len))
			metrics_count(m, (enum metrics_counter)(METRICS_NOTES_STORED + i), 1);
}

/* ------------------------------------------------------------ render --- */

void metrics_put(struct sc_buf *b, int *failed, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line || sc_buf_append(b, line, (size_t)n) != 0)
		*failed = 1;
}

/* One histogram's _bucket, _sum and _count lines; `labels` is "" or
 * "k=\"v\"," (a trailing comma, the le label follows). */
static void put_hist(struct sc_buf *b, int *failed, const char *name, const char *labels,
                     const double *bounds, size_t nb, atomic_uint_fast64_t *bucket,
                     uint64_t count, double sum)
{
	uint64_t cum = 0;
	for (size_t i = 0; i <= nb; i++) {
		cum += atomic_load_explicit(&bucket[i], memory_order_relaxed);
		if (i < nb)
			metrics_put(b, failed, "%s_bucket{%sle=\"%g\"} %" PRIu64 "\n", name, labels, bounds[i], cum);
		else
			metrics_put(b, failed, "%s_bucket{%sle=\"+Inf\"} %" PRIu64 "\n", name, labels, cum);
	}
	size_t ln = strlen(labels);
	metrics_put(b, failed, "%s_sum%s%.*s%s %.6f\n", name, ln ? "{" : "", ln ? (int)ln - 1 : 0, labels, ln ? "}" : "", sum);
	metrics_put(b, failed, "%s_count%s%.*s%s %" PRIu64 "\n", name, ln ? "{" : "", ln ? (int)ln - 1 : 0, labels, ln ? "}" : "", count);
}

static void render_requests(struct metrics *m, struct sc_buf *b, int *failed)
{
	metrics_put(b, failed, "# HELP fieldnote_request_duration_seconds Time from a request's dispatch to its reply, by route template and status class.\n"
	               "# TYPE fieldnote_request_duration_seconds histogram\n");
	for (size_t r = 0; r <= m->nroutes; r++)
		for (int c = 0; c < NCLASS; c++) {
			struct hist *h = &m->requests[r * NCLASS + (size_t)c];
			uint64_t count = atomic_load_explicit(&h->count, memory_order_relaxed);
			if (!count)
				continue; /* series appear once used: the table has ~25 routes */
			char labels[300];
			snprintf(labels, sizeof labels, "method=\"%s\",route=\"%s\",status=\"%dxx\",",
			         m->methods[r], m->templates[r], c + 1);
			put_hist(b, failed, "fieldnote_request_duration_seconds", labels, dur_bounds, NDUR - 1,
			         h->bucket, count, (double)atomic_load(&h->sum_us) / 1e6);
		}
}

static void render_counters(struct metrics *m, struct sc_buf *b, int *failed)
{
	metrics_put(b, failed, "# HELP fieldnote_notes_total Uploaded notes by result.\n# TYPE fieldnote_notes_total counter\n");
	for (int i = 0; i < METRICS_NCOUNTERS; i++) {
		if (counter_names[i][1]) {
			char base[80];
			snprintf(base, sizeof base, "%s", counter_names[i][0]);
			metrics_put(b, failed, "# HELP %s %s\n# TYPE %s counter\n", base, counter_names[i][1], base);
		}
		metrics_put(b, failed, "%s %" PRIu64 "\n", counter_names[i][0], (uint64_t)atomic_load(&m->counters[i]));
	}
	metrics_put(b, failed, "# HELP fieldnote_device_syncs_total Sync feed requests answered 2xx, by feed.\n"
	               "# TYPE fieldnote_device_syncs_total counter\n");
	for (size_t r = 0; r < m->nroutes; r++)
		if (!strncmp(m->patterns[r], "/v1/sync/", 9))
			metrics_put(b, failed, "fieldnote_device_syncs_total{feed=\"%s\"} %" PRIu64 "\n", m->patterns[r] + 9,
			    (uint64_t)atomic_load(&m->syncs[r]));
	metrics_put(b, failed, "# HELP fieldnote_busy_workers Workers serving a request now.\n# TYPE fieldnote_busy_workers gauge\n"
	               "fieldnote_busy_workers %" PRIdFAST64 "\n", (int_fast64_t)atomic_load(&m->busy));
	metrics_put(b, failed, "# HELP fieldnote_commit_batch_size Writes committed in one group commit.\n"
	               "# TYPE fieldnote_commit_batch_size histogram\n");
	put_hist(b, failed, "fieldnote_commit_batch_size", "", batch_bounds, NBATCH - 1, m->batch,
	         atomic_load(&m->batch_count), (double)atomic_load(&m->batch_sum));
	metrics_put(b, failed, "# HELP fieldnote_commit_duration_seconds Time of one group commit, fsync included.\n"
	               "# TYPE fieldnote_commit_duration_seconds histogram\n");
	put_hist(b, failed, "fieldnote_commit_duration_seconds", "", dur_bounds, NDUR - 1, m->commit_seconds.bucket,
	         atomic_load(&m->commit_seconds.count), (double)atomic_load(&m->commit_seconds.sum_us) / 1e6);
}

void metrics_render(struct metrics *m, struct sc_buf *b, int *failed)
{
	render_requests(m, b, failed);
	render_counters(m, b, failed);
}
