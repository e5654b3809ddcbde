/* review_queue.c - the review queue: a page of a supervisor's teams'
 * notes waiting in one status, overdue first, read through the notes
 * module's queue index. */
#include "review_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escalations.h"
#include "status.h"

#define MAX_EXAMINED 4000 /* queue entries looked at per team and page */

struct cand {
	int pass;            /* 0 overdue, 1 not yet due */
	int64_t updated;
	struct sc_str id;
	int64_t due;
};

struct queue_scan {
	struct review *rv;
	struct store_txn *t;
	const struct review_queue_query *q;
	struct sc_arena *a;
	int64_t now;
	int pass;
	int have_cursor;      /* skip entries <= the cursor in this pass */
	int64_t cur_updated;
	struct sc_str cur_id;
	struct cand *out;
	size_t n, cap;
	size_t examined;
	int truncated;        /* stopped at MAX_EXAMINED */
};

static int flag_matches(struct queue_scan *s, struct sc_str id)
{
	struct sc_note_head h;
	struct sc_note *n;
	struct sc_strs flags;
	struct notes *ns = s->rv->notes;
	if (notes_head_get(ns, s->t, id, s->a, &h) != FN_OK || notes_latest_get(ns, s->t, &h, s->a, &n) != FN_OK ||
	    notes_flags(ns, s->t, n, &h, s->now, s->a, &flags) != FN_OK)
		return 0;
	for (size_t i = 0; i < flags.n; i++)
		if (sc_str_eq(flags.v[i], s->q->flag))
			return 1;
	return 0;
}

static int after_cursor(const struct queue_scan *s, int64_t updated, struct sc_str id)
{
	int cmp = updated < s->cur_updated ? -1 : updated > s->cur_updated ? 1 : 0;
	if (cmp == 0) {
		size_t m = id.n < s->cur_id.n ? id.n : s->cur_id.n;
		cmp = memcmp(id.p, s->cur_id.p, m);
		if (cmp == 0)
			cmp = id.n < s->cur_id.n ? -1 : id.n > s->cur_id.n ? 1 : 0;
	}
	return cmp > 0;
}

static int queue_one(int64_t updated, struct sc_str id, int64_t due, void *arg)
{
	struct queue_scan *s = arg;
	if (++s->examined > MAX_EXAMINED) {
		s->truncated = 1;
		return STORE_SCAN_STOP;
	}
	if (s->have_cursor && !after_cursor(s, updated, id))
		return STORE_SCAN_CONTINUE;
	int overdue = due < s->now;
	if ((s->pass == 0) != overdue)
		return STORE_SCAN_CONTINUE;
	char *idc = sc_arena_strndup(s->a, id.p, id.n);
	if (!idc)
		return FN_NO_MEMORY;
	struct sc_str ids = {idc, id.n};
	if (s->q->flag && !flag_matches(s, ids))
		return STORE_SCAN_CONTINUE;
	s->out[s->n++] = (struct cand){s->pass, updated, ids, due};
	return s->n == s->cap ? STORE_SCAN_STOP : STORE_SCAN_CONTINUE;
}

static int cand_cmp(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	if (a->pass != b->pass)
		return a->pass - b->pass;
	if (a->updated != b->updated)
		return a->updated < b->updated ? -1 : 1;
	size_t m = a->id.n < b->id.n ? a->id.n : b->id.n;
	int c = memcmp(a->id.p, b->id.p, m);
	return c ? c : (a->id.n < b->id.n ? -1 : a->id.n > b->id.n);
}

static int parse_cursor(const char *c, int *pass, int64_t *updated, struct sc_str *id)
{
	char *end;
	if (!c || (c[0] != '0' && c[0] != '1') || c[1] != ':')
		return -1;
	*pass = c[0] - '0';
	long long u = strtoll(c + 2, &end, 10);
	if (*end != ':' || u < 0)
		return -1;
	*updated = u;
	*id = (struct sc_str){end + 1, strlen(end + 1)};
	return id->n > 0 && id->n <= 64 ? 0 : -1;
}

static int fill_item(struct review *rv, struct store_txn *t, const struct cand *c, int64_t now,
                     struct sc_arena *a, struct sc_queue_item *it)
{
	struct sc_note_head h;
	struct sc_note *n;
	int rc;
	if ((rc = notes_head_get(rv->notes, t, c->id, a, &h)) != FN_OK ||
	    (rc = notes_latest_get(rv->notes, t, &h, a, &n)) != FN_OK)
		return rc;
	memset(it, 0, sizeof *it);
	sc_project(&sc_rec_note_head, &h, &sc_rec_queue_item, it); /* id .. latest, occurred_at */
	it->context = n->context;
	it->waiting_since = h.updated_at;
	it->age = now - h.updated_at;
	it->due = c->due;
	it->overdue = c->due < now && sc_str_eq(h.status, "submitted");
	SC_SET_ALL(queue_item, it);
	return notes_flags(rv->notes, t, n, &h, now, a, &it->flags);
}

/* The query's parameters checked; *st is the status's index. */
static int check_query(const struct auth_principal *who, const struct review_queue_query *q, int *st,
                       struct sc_error *err)
{
	const char *status = q->status ? q->status : "submitted";
	*st = sc_enum_index(sc_enum_note_status, (struct sc_str){status, strlen(status)});
	if (*st < 0)
		return sc_error_set(err, FN_VALIDATION_FAILED, "status",
		                    "status must be submitted, accepted, returned or escalated");
	if (q->flag) {
		int known = 0;
		for (int i = 0; i < FLAG_COUNT; i++)
			known |= strcmp(q->flag, rules_flag_names[i]) == 0;
		if (!known)
			return sc_error_set(err, FN_VALIDATION_FAILED, "flag", "unknown flag '%.40s'", q->flag);
	}
	int pass;
	int64_t updated;
	struct sc_str id;
	if (q->cursor && parse_cursor(q->cursor, &pass, &updated, &id) != 0)
		return sc_error_set(err, FN_VALIDATION_FAILED, "cursor", "the cursor is not one this server gave");
	if (q->team.n && !notes_in_teams(who->user, q->team))
		return sc_error_set(err, FN_FORBIDDEN, "team", "not one of your teams");
	return FN_OK;
}

/* Collects up to limit + 1 candidates, overdue first, into `all`. */
static int collect(struct review *rv, struct store_txn *t, const struct auth_principal *who,
                   const struct review_queue_query *q, int st, int64_t now, struct sc_arena *a,
                   struct cand *all, size_t *total, int *more)
{
	const struct sc_user_record *u = who->user;
	size_t limit = q->limit, nteams = q->team.n ? 1 : u->teams.n;
	int pass0 = 0;
	int64_t cur_updated = 0;
	struct sc_str cur_id = {NULL, 0};
	if (q->cursor)
		(void)parse_cursor(q->cursor, &pass0, &cur_updated, &cur_id); /* checked before */
	*total = 0;
	for (int pass = pass0; pass <= 1 && *total < limit + 1; pass++) {
		if (pass == 1 && q->overdue_only)
			break;
		for (size_t ti = 0; ti < nteams; ti++) {
			struct sc_str team = q->team.n ? q->team : u->teams.v[ti];
			int have_cursor = q->cursor && pass == pass0;
			struct queue_scan s = {rv, t, q, a, now, pass, have_cursor, cur_updated, cur_id,
			                       all + *total, 0, limit + 1, 0, 0};
			int rc = notes_queue_scan(rv->notes, t, team, (unsigned)st, cur_updated,
			                          have_cursor ? cur_id : (struct sc_str){NULL, 0}, queue_one, &s);
			if (rc != FN_OK)
				return rc;
			*more |= s.truncated;
			*total += s.n;
		}
		/* Pass 0 results all sort before pass 1: stop once a page is full. */
		qsort(all, *total, sizeof *all, cand_cmp);
		if (*total > limit)
			break;
	}
	return FN_OK;
}

/* The page's overdue escalations and its cursor. */
static int finish_page(struct review *rv, struct store_txn *t, const struct auth_principal *who,
                       const struct review_queue_query *q, int64_t now, struct sc_arena *a,
                       const struct cand *last, struct sc_queue_page *out)
{
	const struct sc_user_record *u = who->user;
	size_t nteams = q->team.n ? 1 : u->teams.n;
	int rc;
	if (rv->esc)
		SC_SET(queue_page, out, escalations_overdue);
	for (size_t ti = 0; rv->esc && ti < nteams; ti++) {
		int64_t n;
		if ((rc = escalations_count_overdue(rv->esc, t, q->team.n ? q->team : u->teams.v[ti], now, &n)) != FN_OK)
			return rc;
		out->escalations_overdue += n;
	}
	if (last) {
		char *c = sc_arena_printf(a, "%d:%" PRId64 ":%.*s", last->pass, last->updated, (int)last->id.n,
		                          last->id.p);
		if (!c)
			return FN_NO_MEMORY;
		out->next = (struct sc_str){c, strlen(c)};
		SC_SET(queue_page, out, next);
	}
	return FN_OK;
}

static int queue_page(struct review *rv, struct store_txn *t, const struct auth_principal *who,
                      const struct review_queue_query *q, int64_t now, struct sc_arena *a,
                      struct sc_queue_page *out, struct sc_error *err)
{
	int st, more = 0, rc;
	size_t total;

	memset(out, 0, sizeof *out);
	sc_error_set(err, FN_OK, NULL, NULL);
	if ((rc = check_query(who, q, &st, err)) != FN_OK)
		return rc;
	size_t limit = q->limit, nteams = q->team.n ? 1 : who->user->teams.n;
	struct cand *all = sc_arena_alloc(a, (nteams * (limit + 1) + 1) * sizeof *all);
	if (!all)
		return FN_NO_MEMORY;
	if ((rc = collect(rv, t, who, q, st, now, a, all, &total, &more)) != FN_OK)
		return rc;
	size_t take = total > limit ? limit : total;
	more |= total > limit;
	out->items.v = sc_arena_alloc(a, (take ? take : 1) * sizeof *out->items.v);
	if (!out->items.v)
		return FN_NO_MEMORY;
	for (size_t i = 0; i < take; i++)
		if ((rc = fill_item(rv, t, &all[i], now, a, &out->items.v[i])) != FN_OK)
			return rc;
	out->items.n = take;
	SC_SET(queue_page, out, items);
	out->more = more;
	SC_SET(queue_page, out, more);
	return finish_page(rv, t, who, q, now, a, more && take ? &all[take - 1] : NULL, out);
}

int review_queue(struct review *rv, struct store_txn *t, const struct auth_principal *who,
                 const struct review_queue_query *q, int64_t now, struct sc_arena *a,
                 struct sc_queue_page *out, struct sc_error *err)
{
	int rc = queue_page(rv, t, who, q, now, a, out, err);
	if (err)
		err->status = rc; /* also for failures that carry no message */
	return rc;
}
