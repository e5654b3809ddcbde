/* notes_gauges.c - review queue depth and overdue reviews for /metrics. */
#include "notes_gauges.h"

#include <string.h>

#include "notes_internal.h"
#include "status.h"

struct gauge_walk {
	unsigned char prefix[DBKEY_MAX]; /* team 0 status(1) */
	size_t n;
	int64_t now;
	uint64_t depth, overdue;
	int found; /* next_team: a key was seen */
};

/* The first key at or after the start: its team is the next one. */
static int next_team(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct gauge_walk *w = arg;
	(void)val;
	const unsigned char *end = memchr(key->p, 0, key->n);
	if (!end || (size_t)(end - (const unsigned char *)key->p) + 2 > DBKEY_MAX)
		return FN_INTERNAL; /* a queue key always has a team and a status */
	w->n = (size_t)(end - (const unsigned char *)key->p) + 1;
	memcpy(w->prefix, key->p, w->n);
	w->found = 1;
	return STORE_SCAN_STOP;
}

/* One entry of a team's "submitted" range; the value is the due time. */
static int count_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct gauge_walk *w = arg;
	if (key->n < w->n || memcmp(key->p, w->prefix, w->n) != 0)
		return STORE_SCAN_STOP;
	w->depth++;
	if (val->n == 8 && (int64_t)store_key_u64(val->p) < w->now)
		w->overdue++;
	return STORE_SCAN_CONTINUE;
}

int notes_review_gauges(struct notes *ns, struct store_txn *t, int64_t now, uint64_t *depth, uint64_t *overdue)
{
	struct gauge_walk w = {.now = now};
	unsigned submitted = (unsigned)sc_enum_index(sc_enum_note_status, SC_STR_LIT("submitted"));
	int rc = FN_OK, first = 1;

	for (;;) {
		w.found = 0;
		rc = store_scan(t, ns->queue, first ? NULL : w.prefix, first ? 0 : w.n, 0, next_team, &w);
		if (rc != FN_OK || !w.found)
			break;
		first = 0;
		/* prefix is now "team 0": walk "team 0 submitted", then seek past
		 * the team ("team 0 0xff" sorts after every status byte). */
		w.prefix[w.n++] = (unsigned char)submitted;
		if ((rc = store_scan(t, ns->queue, w.prefix, w.n, 0, count_one, &w)) != FN_OK)
			break;
		w.prefix[w.n - 1] = 0xff;
	}
	*depth = w.depth;
	*overdue = w.overdue;
	return rc;
}
