/* notes_review.c - the review queue, supervisors' decisions, feedback to
 * authors and the contacts about one child. Part of the notes module. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notes_internal.h"
#include "status.h"

#define MAX_EXAMINED 4000 /* queue entries looked at per team and page */

/* --- queue -------------------------------------------------------------- */

struct cand {
	int pass;            /* 0 overdue, 1 not yet due */
	int64_t updated;
	struct sc_str id;
	int64_t due;
};

struct queue_scan {
	struct notes *ns;
	struct store_txn *t;
	const struct auth_principal *who;
	const struct notes_queue_query *q;
	struct sc_arena *a;
	int64_t now;
	struct sc_str prefix; /* team 0 status */
	int pass;
	int have_cursor;      /* skip keys <= the cursor in this pass */
	int64_t cur_updated;
	struct sc_str cur_id;
	struct cand *out;
	size_t n, cap;
	size_t examined;
	int truncated;        /* stopped at MAX_EXAMINED */
	int rc;
};

static int flag_matches(struct queue_scan *s, struct sc_str id)
{
	struct sc_note_head h;
	struct sc_note *n;
	struct sc_strs flags;
	if (notes_load_head(s->ns, s->t, id, s->a, &h) != FN_OK ||
	    notes_load_latest(s->ns, s->t, &h, s->a, &n) != FN_OK ||
	    notes_flags_of(s->ns, s->t, n, &h, s->now, s->a, &flags) != FN_OK)
		return 0;
	for (size_t i = 0; i < flags.n; i++)
		if (sc_str_eq(flags.v[i], s->q->flag))
			return 1;
	return 0;
}

static int queue_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct queue_scan *s = arg;
	if (key->n < s->prefix.n + 8 || memcmp(key->p, s->prefix.p, s->prefix.n) != 0)
		return STORE_SCAN_STOP;
	if (++s->examined > MAX_EXAMINED) {
		s->truncated = 1;
		return STORE_SCAN_STOP;
	}
	int64_t updated = (int64_t)store_key_u64(key->p + s->prefix.n);
	struct sc_str id = {key->p + s->prefix.n + 8, key->n - s->prefix.n - 8};
	if (s->have_cursor) {
		int cmp = updated < s->cur_updated ? -1 : updated > s->cur_updated ? 1 : 0;
		if (cmp == 0) {
			size_t m = id.n < s->cur_id.n ? id.n : s->cur_id.n;
			cmp = memcmp(id.p, s->cur_id.p, m);
			if (cmp == 0)
				cmp = id.n < s->cur_id.n ? -1 : id.n > s->cur_id.n ? 1 : 0;
		}
		if (cmp <= 0)
			return STORE_SCAN_CONTINUE;
	}
	int64_t due = val->n == 8 ? (int64_t)store_key_u64(val->p) : 0;
	int overdue = due < s->now;
	if ((s->pass == 0) != overdue)
		return STORE_SCAN_CONTINUE;
	char *idc = sc_arena_strndup(s->a, id.p, id.n);
	if (!idc) {
		s->rc = FN_NO_MEMORY;
		return STORE_SCAN_STOP;
	}
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

static int fill_item(struct notes *ns, struct store_txn *t, const struct cand *c, int64_t now,
                     struct sc_arena *a, struct sc_queue_item *it)
{
	struct sc_note_head h;
	struct sc_note *n;
	int rc;
	if ((rc = notes_load_head(ns, t, c->id, a, &h)) != FN_OK ||
	    (rc = notes_load_latest(ns, t, &h, a, &n)) != FN_OK)
		return rc;
	memset(it, 0, sizeof *it);
	it->id = h.id;
	it->author = h.author;
	it->team = h.team;
	it->child_ref = h.child_ref;
	it->status = h.status;
	it->latest = h.latest;
	it->context = n->context;
	it->occurred_at = h.occurred_at;
	it->waiting_since = h.updated_at;
	it->age = now - h.updated_at;
	it->due = c->due;
	it->overdue = c->due < now && sc_str_eq(h.status, "submitted");
	it->has = ~0ull >> (64 - SC_NF_queue_item);
	return notes_flags_of(ns, t, n, &h, now, a, &it->flags);
}

int notes_queue(struct notes *ns, struct store_txn *t, const struct auth_principal *who,
                const struct notes_queue_query *q, int64_t now, struct sc_arena *a,
                struct sc_queue_page *out, char *detail)
{
	const struct sc_user_record *u = who->user;
	const char *status = q->status ? q->status : "submitted";
	int st = sc_enum_index(sc_enum_note_status, (struct sc_str){status, strlen(status)});
	int pass0 = 0;
	int64_t cur_updated = 0;
	struct sc_str cur_id = {NULL, 0};
	int rc;

	memset(out, 0, sizeof *out);
	if (st < 0) {
		snprintf(detail, 256, "status must be submitted, accepted, returned or escalated");
		return FN_VALIDATION_FAILED;
	}
	if (q->flag) {
		int known = 0;
		for (int i = 0; i < FLAG_COUNT; i++)
			known |= strcmp(q->flag, rules_flag_names[i]) == 0;
		if (!known) {
			snprintf(detail, 256, "unknown flag '%.40s'", q->flag);
			return FN_VALIDATION_FAILED;
		}
	}
	if (q->cursor && parse_cursor(q->cursor, &pass0, &cur_updated, &cur_id) != 0) {
		snprintf(detail, 256, "the cursor is not one this server gave");
		return FN_VALIDATION_FAILED;
	}
	if (q->team.n && !notes_in_teams(u, q->team)) {
		snprintf(detail, 256, "not one of your teams");
		return FN_FORBIDDEN;
	}
	size_t limit = q->limit, nteams = q->team.n ? 1 : u->teams.n;
	struct cand *all = sc_arena_alloc(a, (nteams * (limit + 1) + 1) * sizeof *all);
	if (!all)
		return FN_NO_MEMORY;
	size_t total = 0;
	int more = 0;
	for (int pass = pass0; pass <= 1 && total < limit + 1; pass++) {
		if (pass == 1 && q->overdue_only)
			break;
		for (size_t ti = 0; ti < nteams; ti++) {
			struct sc_str team = q->team.n ? q->team : u->teams.v[ti];
			struct key start = {.n = 0};
			key_str(&start, team);
			key_u8(&start, (unsigned)st);
			struct key pfx = start; /* team 0 status: what every key must start with */
			struct sc_str prefix = {(const char *)pfx.b, pfx.n};
			int have_cursor = q->cursor && pass == pass0;
			if (have_cursor) {
				key_u64(&start, (uint64_t)cur_updated);
				key_raw(&start, cur_id);
			}
			struct queue_scan s = {ns, t, who, q, a, now, prefix, pass, have_cursor, cur_updated, cur_id,
			                       all + total, 0, limit + 1, 0, 0, FN_OK};
			rc = store_scan(t, ns->queue, start.b, start.n, 0, queue_one, &s);
			if (rc != FN_OK)
				return rc;
			if (s.rc != FN_OK)
				return s.rc;
			more |= s.truncated;
			total += s.n;
		}
		/* Pass 0 results all sort before pass 1: stop once a page is full. */
		qsort(all, total, sizeof *all, cand_cmp);
		if (total > limit)
			break;
	}
	size_t take = total > limit ? limit : total;
	more |= total > limit;
	out->items.v = sc_arena_alloc(a, (take ? take : 1) * sizeof *out->items.v);
	if (!out->items.v)
		return FN_NO_MEMORY;
	for (size_t i = 0; i < take; i++)
		if ((rc = fill_item(ns, t, &all[i], now, a, &out->items.v[i])) != FN_OK)
			return rc;
	out->items.n = take;
	SC_SET(queue_page, out, items);
	out->more = more;
	SC_SET(queue_page, out, more);
	if (ns->esc)
		SC_SET(queue_page, out, escalations_overdue);
	for (size_t ti = 0; ns->esc && ti < nteams; ti++) {
		int64_t n;
		if ((rc = escalations_count_overdue(ns->esc, t, q->team.n ? q->team : u->teams.v[ti], now, &n)) != FN_OK)
			return rc;
		out->escalations_overdue += n;
	}
	if (more && take) {
		const struct cand *last = &all[take - 1];
		char *c = sc_arena_printf(a, "%d:%" PRId64 ":%.*s", last->pass, last->updated, (int)last->id.n,
		                          last->id.p);
		if (!c)
			return FN_NO_MEMORY;
		out->next = (struct sc_str){c, strlen(c)};
		SC_SET(queue_page, out, next);
	}
	return FN_OK;
}

/* --- decisions ---------------------------------------------------------- */

struct review_job {
	struct notes *ns;
	const struct auth_principal *who;
	struct sc_str id;
	const struct sc_review_request *req;
	int64_t now;
	struct sc_arena *a;
	struct sc_review *out;
	char *detail;
	size_t detail_len;
};

/* The escalation an `escalated` decision opens, in the review's
 * transaction: the reviewing supervisor holds it at the stage chosen. */
static int open_escalation(struct review_job *j, struct store_txn *t, const struct sc_note_head *h,
                           struct sc_review *r)
{
	struct sc_escalation e;
	if (!j->ns->esc)
		return FN_OK;
	struct escalation_start st = {h, j->who, r->stage, r->target,
	                              SC_HAS(review, r, comment) ? r->comment : (struct sc_str){"", 0}};
	int rc = escalations_start(j->ns->esc, t, &st, j->now, j->a, &e);
	if (rc == FN_CONFLICT)
		snprintf(j->detail, j->detail_len, "this note has an open escalation: advance or resolve it "
		         "(GET /v1/escalations)");
	if (rc != FN_OK)
		return rc;
	r->escalation = e.id;
	SC_SET(review, r, escalation);
	return FN_OK;
}

static int review_txn(struct store_txn *t, void *arg)
{
	struct review_job *j = arg;
	struct notes *ns = j->ns;
	struct sc_note_head h, old;
	struct sc_note *n;
	uint64_t seq;
	int rc;

	if ((rc = notes_load_head(ns, t, j->id, j->a, &h)) != FN_OK)
		return rc;
	if (!notes_may_see(j->who, &h) || sc_str_eq(h.author, j->who->user->username.p))
		return FN_NOT_FOUND;
	if (j->req->revision != h.latest) {
		snprintf(j->detail, j->detail_len, "revision %" PRId64 " is not the latest (%" PRId64 "); "
		         "review the latest revision", j->req->revision, h.latest);
		return FN_CONFLICT;
	}
	if (sc_str_eq(h.status, "accepted") || sc_str_eq(h.status, "returned")) {
		snprintf(j->detail, j->detail_len, "this revision was already %s", h.status.p);
		return FN_CONFLICT;
	}
	if ((rc = notes_load_latest(ns, t, &h, j->a, &n)) != FN_OK)
		return rc;
	if ((rc = store_counter_next(t, "review.seq", &seq)) != FN_OK)
		return rc;
	struct sc_review *r = j->out;
	memset(r, 0, sizeof *r);
	r->note_id = h.id;
	r->revision = h.latest;
	r->decision = j->req->decision;
	r->by = j->who->user->username;
	r->at = j->now;
	r->seq = (int64_t)seq;
	r->has = (1ull << SC_F_review_note_id) | (1ull << SC_F_review_revision) | (1ull << SC_F_review_decision) |
	         (1ull << SC_F_review_by) | (1ull << SC_F_review_at) | (1ull << SC_F_review_seq);
	if (SC_HAS(review_request, j->req, comment)) {
		r->comment = j->req->comment;
		SC_SET(review, r, comment);
	}
	if (SC_HAS(review_request, j->req, target)) {
		r->target = j->req->target;
		SC_SET(review, r, target);
	}
	if (SC_HAS(review_request, j->req, stage)) {
		r->stage = j->req->stage;
		SC_SET(review, r, stage);
	}
	if (sc_str_eq(r->decision, "escalated") && (rc = open_escalation(j, t, &h, r)) != FN_OK)
		return rc;
	struct sc_buf b = {0};
	if ((rc = sc_encode(&sc_rec_review, SC_MSGPACK, r, &b)) != FN_OK)
		return rc;
	struct key rk = {.n = 0}, fk = {.n = 0};
	key_str(&rk, h.id);
	key_u64(&rk, seq);
	key_str(&fk, h.author);
	key_u64(&fk, seq);
	rc = store_put(t, ns->reviews, rk.b, rk.n, b.p, b.n, 0, NULL);
	if (rc == FN_OK)
		rc = store_put(t, ns->feedback, fk.b, fk.n, b.p, b.n, 0, NULL);
	sc_buf_free(&b);
	if (rc != FN_OK)
		return rc;
	char *rec = sc_arena_printf(j->a, "%.*s#%lld", (int)h.id.n, h.id.p, (long long)h.latest);
	if (!rec)
		return FN_NO_MEMORY;
	struct audit_event ev = {"note.reviewed", r->by, "supervisor", j->who->device_id, {rec, strlen(rec)},
	                         j->req->decision.p, NULL};
	if ((rc = audit_append(ns->audit, t, &ev, j->now)) != FN_OK)
		return rc;
	old = h;
	h.status = j->req->decision;
	h.updated_at = j->now;
	if ((rc = notes_put_head(ns, t, &h)) != FN_OK)
		return rc;
	return notes_requeue(ns, t, &old, &h, rules_review_due(n, j->now, &ns->rc));
}

int notes_review(struct notes *ns, const struct auth_principal *who, struct sc_str id,
                 const struct sc_review_request *req, int64_t now, struct sc_arena *a,
                 struct sc_review *out, char *detail, size_t detail_len)
{
	const struct sc_str *c = SC_HAS(review_request, req, comment) ? &req->comment : NULL;
	int blank = 1;
	for (size_t i = 0; c && i < c->n; i++)
		blank &= c->p[i] == ' ' || c->p[i] == '\n' || c->p[i] == '\t' || c->p[i] == '\r';
	if (sc_str_eq(req->decision, "returned") && blank) {
		snprintf(detail, detail_len, "comment: say what the author should add or correct");
		return FN_VALIDATION_FAILED;
	}
	if (sc_str_eq(req->decision, "escalated") &&
	    (!SC_HAS(review_request, req, target) || !SC_HAS(review_request, req, stage))) {
		snprintf(detail, detail_len, "%s: an escalation needs a target (mash, early_help, camhs, duty_manager) "
		         "and a stage", SC_HAS(review_request, req, target) ? "stage" : "target");
		return FN_VALIDATION_FAILED;
	}
	if (SC_HAS(review_request, req, stage) && (req->stage < 1 || req->stage > 10)) {
		snprintf(detail, detail_len, "stage: must be 1 to 10");
		return FN_VALIDATION_FAILED;
	}
	if (sc_str_eq(req->decision, "escalated") && req->stage > ESCALATION_LAST_STAGE) {
		snprintf(detail, detail_len, "stage: an escalation has stages 1 (team manager), 2 (head of service) "
		         "and 3 (safeguarding partnership)");
		return FN_VALIDATION_FAILED;
	}
	if (id.n == 0 || id.n > 64)
		return FN_NOT_FOUND;
	struct review_job j = {ns, who, id, req, now, a, out, detail, detail_len};
	return store_write_bulk(ns->store, review_txn, &j);
}

/* --- reviews of a note, feedback --------------------------------------- */

struct review_list {
	struct sc_str prefix;
	struct sc_arena *a;
	struct sc_review *v;
	size_t n, cap, limit;
	int more;
	int rc;
};

static int review_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct review_list *l = arg;
	if (key->n != l->prefix.n + 8 || memcmp(key->p, l->prefix.p, l->prefix.n) != 0)
		return STORE_SCAN_STOP;
	if (l->n == l->limit) {
		l->more = 1;
		return STORE_SCAN_STOP;
	}
	struct sc_review *v = sc_arena_grow(l->a, l->v, l->n, &l->cap, sizeof *v, 8);
	if (!v) {
		l->rc = FN_NO_MEMORY;
		return STORE_SCAN_STOP;
	}
	l->v = v;
	memset(&l->v[l->n], 0, sizeof l->v[l->n]);
	if (sc_decode(&sc_rec_review, SC_MSGPACK, val->p, val->n, NULL, l->a, &l->v[l->n], NULL) != FN_OK) {
		l->rc = FN_INTERNAL;
		return STORE_SCAN_STOP;
	}
	l->n++;
	return STORE_SCAN_CONTINUE;
}

static int list_reviews(store_db db, struct store_txn *t, struct sc_str owner, uint64_t after, size_t limit,
                        struct sc_arena *a, struct review_list *l)
{
	struct key start = {.n = 0};
	key_str(&start, owner);
	*l = (struct review_list){{NULL, start.n}, a, NULL, 0, 0, limit, 0, FN_OK};
	char *p = sc_arena_alloc(a, start.n);
	if (!p)
		return FN_NO_MEMORY;
	memcpy(p, start.b, start.n);
	l->prefix.p = p;
	key_u64(&start, after + 1);
	int rc = store_scan(t, db, start.b, start.n, 0, review_one, l);
	if (rc != FN_OK)
		return rc;
	return l->rc;
}

int notes_reviews_of(struct notes *ns, struct store_txn *t, struct sc_str id, struct sc_arena *a,
                     struct sc_list_review *out)
{
	struct review_list l;
	int rc = list_reviews(ns->reviews, t, id, 0, 1000, a, &l);
	out->v = l.v;
	out->n = l.n;
	return rc;
}

int notes_feedback(struct notes *ns, struct store_txn *t, const struct auth_principal *who,
                   uint64_t since, size_t limit, struct sc_arena *a, struct sc_feedback_page *out)
{
	struct review_list l;
	int rc = list_reviews(ns->feedback, t, who->user->username, since, limit, a, &l);
	if (rc != FN_OK)
		return rc;
	memset(out, 0, sizeof *out);
	out->items.v = l.v;
	out->items.n = l.n;
	out->next = l.n ? l.v[l.n - 1].seq : (int64_t)since;
	out->more = l.more;
	out->has = ~0ull >> (64 - SC_NF_feedback_page);
	return FN_OK;
}

/* --- contacts about one child ------------------------------------------ */

struct contacts_scan {
	struct notes *ns;
	struct store_txn *t;
	const struct auth_principal *who;
	struct sc_str prefix;
	struct sc_arena *a;
	int64_t *times;      /* every contact's occurred_at, newest first */
	size_t ntimes, cap;
	struct sc_contact *v;
	size_t n;
	int rc;
};

static int contact_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct contacts_scan *s = arg;
	(void)val;
	if (key->n <= s->prefix.n + 8 || memcmp(key->p, s->prefix.p, s->prefix.n) != 0)
		return STORE_SCAN_STOP;
	if (s->ntimes == s->cap)
		return STORE_SCAN_STOP; /* cap reached: the newest are kept */
	int64_t when = (int64_t)store_key_u64(key->p + s->prefix.n);
	struct sc_str id = {key->p + s->prefix.n + 8, key->n - s->prefix.n - 8};
	s->times[s->ntimes++] = when;
	struct sc_note_head h;
	struct sc_note *n;
	if ((s->rc = notes_load_head(s->ns, s->t, id, s->a, &h)) != FN_OK)
		return STORE_SCAN_STOP;
	if (!notes_may_see(s->who, &h))
		return STORE_SCAN_CONTINUE;
	if ((s->rc = notes_load_latest(s->ns, s->t, &h, s->a, &n)) != FN_OK)
		return STORE_SCAN_STOP;
	struct sc_contact *c = &s->v[s->n++];
	memset(c, 0, sizeof *c);
	c->id = h.id;
	c->revision = h.latest;
	c->occurred_at = h.occurred_at;
	c->context = n->context;
	c->author = h.author;
	c->team = h.team;
	c->status = h.status;
	c->has = ~0ull >> (64 - SC_NF_contact);
	return STORE_SCAN_CONTINUE;
}

int notes_contacts(struct notes *ns, struct store_txn *t, const struct auth_principal *who,
                   struct sc_str child_ref, struct sc_arena *a, struct sc_contacts_page *out)
{
	struct key start = {.n = 0};
	struct contacts_scan s = {ns, t, who, {NULL, 0}, a, NULL, 0, 10000, NULL, 0, FN_OK};
	int rc;

	memset(out, 0, sizeof *out);
	out->child_ref = child_ref;
	SC_SET(contacts_page, out, child_ref);
	SC_SET(contacts_page, out, contacts);
	SC_SET(contacts_page, out, mash_enquiry_due);
	if (child_ref.n == 0 || child_ref.n > 64)
		return FN_OK;
	key_str(&start, child_ref);
	char *p = sc_arena_alloc(a, start.n);
	s.times = sc_arena_alloc(a, s.cap * sizeof *s.times);
	s.v = sc_arena_alloc(a, s.cap * sizeof *s.v);
	if (!p || !s.times || !s.v)
		return FN_NO_MEMORY;
	memcpy(p, start.b, start.n);
	s.prefix = (struct sc_str){p, start.n};
	key_u64(&start, UINT64_MAX);
	rc = store_scan(t, ns->by_child, start.b, start.n, 1, contact_one, &s);
	if (rc != FN_OK)
		return rc;
	if (s.rc != FN_OK)
		return s.rc;
	out->contacts.v = s.v;
	out->contacts.n = s.n;
	/* The most recent window (ending at a contact) that meets a threshold. */
	for (size_t i = 0; i < s.ntimes; i++) {
		int64_t end = s.times[i];
		size_t in_short = 0, in_long = 0;
		for (size_t k = i; k < s.ntimes && end - s.times[k] <= ns->rc.mash_long_days * DAY; k++) {
			in_long++;
			if (end - s.times[k] <= ns->rc.mash_short_days * DAY)
				in_short++;
		}
		size_t hit = in_short >= (size_t)ns->rc.mash_short_count ? in_short
		           : in_long >= (size_t)ns->rc.mash_long_count ? in_long : 0;
		if (!hit)
			continue;
		out->mash_enquiry_due = 1;
		out->mash_dates.v = sc_arena_alloc(a, hit * sizeof *out->mash_dates.v);
		if (!out->mash_dates.v)
			return FN_NO_MEMORY;
		for (size_t k = 0; k < hit; k++) {
			char *d = sc_arena_printf(a, "%" PRId64, s.times[i + k]);
			if (!d)
				return FN_NO_MEMORY;
			out->mash_dates.v[k] = (struct sc_str){d, strlen(d)};
		}
		out->mash_dates.n = hit;
		SC_SET(contacts_page, out, mash_dates);
		break;
	}
	return FN_OK;
}
