/* referrals.c - referral records, the agencies' feeds, receipts and outcomes. */
#include "referrals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "status.h"

#define HOUR 3600
#define DAY 86400

struct route {
	char type[16];
	char agency[65];
};

struct referrals {
	struct store *store;
	struct audit *audit;
	struct referrals_config cfg;
	struct route routes[REFERRAL_ROUTES_MAX];
	size_t nroutes;
	store_db recs;     /* note id -> referral_record (without note) */
	store_db feed;     /* agency 0 seq(8) -> note id: one entry per referral, its latest change */
	store_db feedback; /* author 0 seq(8) -> referral_record: what the author's device pulls */
};

/* A composite key: strings end with a 0 byte, numbers big-endian. */
struct rkey {
	unsigned char b[160];
	size_t n;
};

static void rkey_str(struct rkey *k, struct sc_str s)
{
	size_t n = s.n < sizeof k->b - k->n - 9 ? s.n : sizeof k->b - k->n - 9;
	memcpy(k->b + k->n, s.p, n);
	k->n += n;
	k->b[k->n++] = 0;
}

static void rkey_u64(struct rkey *k, uint64_t v)
{
	store_u64_key(v, k->b + k->n);
	k->n += 8;
}

static int parse_routes(struct referrals *rf, struct sc_error *err)
{
	const char *p = rf->cfg.routes;
	while (*p) {
		const char *colon = strchr(p, ':'), *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		struct sc_str type = {p, colon && colon < end ? (size_t)(colon - p) : 0};
		struct sc_str agency = {colon + 1, colon && colon < end ? (size_t)(end - colon - 1) : 0};
		if (!type.n || rf->nroutes == REFERRAL_ROUTES_MAX || type.n >= 16 ||
		    sc_enum_index(sc_enum_referral_type, type) < 0 || !auth_agency_valid(agency))
			return sc_error_set(err, FN_BAD_ARGUMENT, "referral_routes", "referral_routes: \"%.*s\" is not "
			                    "TYPE:AGENCY (a referral type, then lower case letters, digits and _)",
			                    (int)(end - p), p);
		struct route *r = &rf->routes[rf->nroutes++];
		memcpy(r->type, type.p, type.n);
		memcpy(r->agency, agency.p, agency.n);
		p = *end ? end + 1 : end;
	}
	for (size_t i = 1; sc_enum_referral_type[i]; i++) {
		const char *t = sc_enum_referral_type[i];
		if (!referrals_route(rf, (struct sc_str){t, strlen(t)}))
			return sc_error_set(err, FN_BAD_ARGUMENT, "referral_routes",
			                    "referral_routes: no agency for referral type %s", t);
	}
	return FN_OK;
}

int referrals_open(struct referrals **out, struct store *s, struct audit *audit,
                   const struct referrals_config *cfg, struct sc_error *err)
{
	struct referrals *rf = calloc(1, sizeof *rf);
	int rc;

	*out = NULL;
	if (!rf)
		return FN_NO_MEMORY;
	rf->store = s;
	rf->audit = audit;
	rf->cfg = *cfg;
	if ((rc = parse_routes(rf, err)) != FN_OK ||
	    (rc = store_db_open(s, "referrals.recs", &rf->recs)) != FN_OK ||
	    (rc = store_db_open(s, "referrals.feed", &rf->feed)) != FN_OK ||
	    (rc = store_db_open(s, "referrals.feedback", &rf->feedback)) != FN_OK) {
		free(rf);
		return rc;
	}
	*out = rf;
	return FN_OK;
}

void referrals_close(struct referrals *rf)
{
	free(rf);
}

const char *referrals_route(const struct referrals *rf, struct sc_str type)
{
	for (size_t i = 0; i < rf->nroutes; i++)
		if (sc_str_eq(type, rf->routes[i].type))
			return rf->routes[i].agency;
	return NULL;
}

int referrals_unacknowledged(const struct sc_referral_record *r, int64_t now)
{
	return sc_str_eq(r->state, "sent") && now > r->ack_due;
}

int referrals_without_outcome(const struct sc_referral_record *r, int64_t now)
{
	return (sc_str_eq(r->state, "sent") || sc_str_eq(r->state, "received")) && now > r->outcome_due;
}

static int load(struct referrals *rf, struct store_txn *t, struct sc_str id, int64_t now, struct sc_arena *a,
                struct sc_referral_record **out)
{
	struct sc_str v;
	int rc = store_get(t, rf->recs, id.p, id.n, &v);
	if (rc != FN_OK)
		return rc;
	struct sc_referral_record *r = sc_arena_alloc(a, sizeof *r);
	if (!r)
		return FN_NO_MEMORY;
	memset(r, 0, sizeof *r);
	if (sc_decode(&sc_rec_referral_record, SC_MSGPACK, v.p, v.n, NULL, a, r, NULL) != FN_OK)
		return FN_INTERNAL;
	r->overdue = referrals_unacknowledged(r, now) || referrals_without_outcome(r, now);
	SC_SET(referral_record, r, overdue);
	*out = r;
	return FN_OK;
}

int referrals_get(struct referrals *rf, struct store_txn *t, struct sc_str note_id, int64_t now,
                  struct sc_arena *a, struct sc_referral_record **out)
{
	return load(rf, t, note_id, now, a, out);
}

/* Stores `r` under a new feed position (the old one is dropped, so a feed
 * holds each referral once) and, when `to_author`, as feedback too. */
static int save(struct referrals *rf, struct store_txn *t, struct sc_referral_record *r, int had,
                struct sc_str old_agency, int to_author)
{
	struct rkey fk = {.n = 0};
	uint64_t seq;
	int rc;

	if (had) {
		rkey_str(&fk, old_agency);
		rkey_u64(&fk, (uint64_t)r->seq);
		if ((rc = store_del(t, rf->feed, fk.b, fk.n)) != FN_OK && rc != FN_NOT_FOUND)
			return rc;
	}
	if ((rc = store_counter_next(t, "referral.seq", &seq)) != FN_OK)
		return rc;
	r->seq = (int64_t)seq;
	SC_CLEAR(referral_record, r, overdue);
	SC_CLEAR(referral_record, r, note);
	struct sc_buf b = {0};
	if ((rc = sc_encode(&sc_rec_referral_record, SC_MSGPACK, r, &b)) != FN_OK)
		return rc;
	fk.n = 0;
	rkey_str(&fk, r->agency);
	rkey_u64(&fk, seq);
	if ((rc = store_put(t, rf->recs, r->id.p, r->id.n, b.p, b.n, 0, NULL)) == FN_OK)
		rc = store_put(t, rf->feed, fk.b, fk.n, r->id.p, r->id.n, 0, NULL);
	if (rc == FN_OK && to_author) {
		/* the author's cursor is the feedback one, shared with reviews */
		struct rkey ak = {.n = 0};
		if ((rc = store_counter_next(t, "review.seq", &seq)) == FN_OK) {
			rkey_str(&ak, r->author);
			rkey_u64(&ak, seq);
			rc = store_put(t, rf->feedback, ak.b, ak.n, b.p, b.n, 0, NULL);
		}
	}
	sc_buf_free(&b);
	return rc;
}

#define SETR(r, f) SC_SET(referral_record, r, f)

static void fill_new(struct referrals *rf, struct sc_referral_record *r, const struct sc_note *n, int64_t now)
{
	memset(r, 0, sizeof *r);
	r->id = r->note_id = n->id;
	r->author = n->author;
	r->team = n->team;
	r->child_ref = n->child_ref;
	/* The outcome is owed from when the officer made the referral (the
	 * device may have been offline since); the receipt from when the
	 * server, and so the agency, could first see it. */
	int64_t sent = n->referral && SC_HAS(referral, n->referral, sent_at) && n->referral->sent_at <= now
	                       ? n->referral->sent_at
	                       : now;
	r->state = SC_STR_LIT("sent");
	r->sent_at = sent;
	r->ack_due = now + rf->cfg.ack_hours * HOUR;
	r->outcome_due = sent + rf->cfg.outcome_days * DAY;
	SETR(r, id), SETR(r, note_id), SETR(r, author), SETR(r, team), SETR(r, child_ref);
	SETR(r, state), SETR(r, sent_at), SETR(r, ack_due), SETR(r, outcome_due), SETR(r, seq);
}

int referrals_on_note(struct referrals *rf, struct store_txn *t, const struct sc_note *n, int64_t now,
                      struct sc_arena *a)
{
	struct sc_referral_record *r = NULL;
	int referred = n->referral && !sc_str_eq(n->referral->type, "none");
	int rc = load(rf, t, n->id, now, a, &r);
	if (rc != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	int had = rc == FN_OK;
	if (had && r->revision > n->revision)
		return FN_OK; /* an older revision arriving late changes nothing */
	if (!had && !referred)
		return FN_OK;
	struct sc_str old_agency = had ? r->agency : SC_STR_LIT("");
	if (!had) {
		if (!(r = sc_arena_alloc(a, sizeof *r)))
			return FN_NO_MEMORY;
		fill_new(rf, r, n, now);
	}
	int to_author = 0;
	if (!referred) {
		if (sc_str_eq(r->state, "withdrawn"))
			return FN_OK;
		r->state = SC_STR_LIT("withdrawn");
		to_author = 1;
	} else {
		const char *agency = referrals_route(rf, n->referral->type);
		if (!agency)
			return FN_INTERNAL; /* referrals_open made sure every type has one */
		struct sc_str nt = n->referral->type;
		if (had && (r->type.n != nt.n || memcmp(r->type.p, nt.p, nt.n) != 0 || sc_str_eq(r->state, "withdrawn")))
			fill_new(rf, r, n, now); /* a new referral: sent again, maybe elsewhere */
		r->type = n->referral->type;
		r->agency = (struct sc_str){agency, strlen(agency)};
		SETR(r, type), SETR(r, agency);
	}
	r->revision = n->revision;
	SETR(r, revision);
	if (n->sharing && SC_HAS(sharing, n->sharing, lawful_basis)) {
		r->lawful_basis = n->sharing->lawful_basis;
		SETR(r, lawful_basis);
	} else {
		SC_CLEAR(referral_record, r, lawful_basis);
	}
	return save(rf, t, r, had, old_agency, to_author);
}

struct page_scan {
	struct referrals *rf;
	struct store_txn *t;
	struct sc_str prefix;
	size_t limit;
	int64_t now;
	struct sc_arena *a;
	struct sc_referral_record *v;
	size_t n, cap;
	int more;
	int rc;
};

static int push(struct page_scan *p, struct sc_referral_record *r)
{
	struct sc_referral_record *v = sc_arena_grow(p->a, p->v, p->n, &p->cap, sizeof *v, 16);
	if (!v)
		return FN_NO_MEMORY;
	p->v = v;
	p->v[p->n++] = *r;
	return FN_OK;
}

static int feed_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct page_scan *p = arg;
	struct sc_referral_record *r;
	if (key->n != p->prefix.n + 8 || memcmp(key->p, p->prefix.p, p->prefix.n) != 0)
		return STORE_SCAN_STOP;
	if (p->n == p->limit) {
		p->more = 1;
		return STORE_SCAN_STOP;
	}
	int rc = load(p->rf, p->t, *val, p->now, p->a, &r);
	return rc != FN_OK ? rc : push(p, r) != FN_OK ? FN_NO_MEMORY : STORE_SCAN_CONTINUE;
}

static void page_out(struct page_scan *p, uint64_t since, struct sc_referral_page *out)
{
	memset(out, 0, sizeof *out);
	out->items = (struct sc_list_referral_record){p->v, p->n};
	out->next = p->n ? p->v[p->n - 1].seq : (int64_t)since;
	out->more = p->more;
	SC_SET_ALL(referral_page, out);
}

/* Scans db from (owner, since + 1) with step, which stops at the first key
 * past owner's (p->prefix, kept in the arena; NULL when that allocation
 * failed, FN_NO_MEMORY). p is set up here. */
static int page_scan_run(struct referrals *rf, struct store_txn *t, store_db db, struct sc_str owner,
                         uint64_t since, size_t limit, int64_t now, struct sc_arena *a, store_scan_fn step,
                         struct page_scan *p)
{
	struct rkey k = {.n = 0};
	*p = (struct page_scan){rf, t, {NULL, 0}, limit, now, a, NULL, 0, 0, 0, FN_OK};
	rkey_str(&k, owner);
	char *pre = sc_arena_alloc(a, k.n);
	if (!pre)
		return FN_NO_MEMORY;
	memcpy(pre, k.b, k.n);
	p->prefix = (struct sc_str){pre, k.n};
	rkey_u64(&k, since + 1);
	return store_scan(t, db, k.b, k.n, 0, step, p);
}

int referrals_feed(struct referrals *rf, struct store_txn *t, struct sc_str agency, uint64_t since,
                   size_t limit, int64_t now, struct sc_arena *a, struct sc_referral_page *out)
{
	struct page_scan p;
	int rc = page_scan_run(rf, t, rf->feed, agency, since, limit, now, a, feed_one, &p);
	if (rc != FN_OK)
		return rc;
	page_out(&p, since, out);
	return FN_OK;
}

struct team_scan {
	struct page_scan p;
	const struct sc_user_record *u;
	int overdue_only;
};

static int team_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct team_scan *s = arg;
	struct sc_referral_record *r = sc_arena_alloc(s->p.a, sizeof *r);
	int in = 0;
	if (!r)
		return FN_NO_MEMORY;
	memset(r, 0, sizeof *r);
	if (sc_decode(&sc_rec_referral_record, SC_MSGPACK, val->p, val->n, NULL, s->p.a, r, NULL) != FN_OK)
		return FN_INTERNAL;
	(void)key;
	for (size_t i = 0; i < s->u->teams.n && !in; i++)
		in = s->u->teams.v[i].n == r->team.n && memcmp(s->u->teams.v[i].p, r->team.p, r->team.n) == 0;
	r->overdue = referrals_unacknowledged(r, s->p.now) || referrals_without_outcome(r, s->p.now);
	SETR(r, overdue);
	if (!in || (s->overdue_only && !r->overdue))
		return STORE_SCAN_CONTINUE;
	if (s->p.n == s->p.limit) {
		s->p.more = 1;
		return STORE_SCAN_STOP;
	}
	return push(&s->p, r) != FN_OK ? FN_NO_MEMORY : STORE_SCAN_CONTINUE;
}

int referrals_of_teams(struct referrals *rf, struct store_txn *t, const struct sc_user_record *u,
                       int overdue_only, int64_t now, struct sc_arena *a, struct sc_referral_page *out)
{
	struct team_scan s = {{rf, t, {NULL, 0}, 1000, now, a, NULL, 0, 0, 0, FN_OK}, u, overdue_only};
	int rc = store_scan(t, rf->recs, NULL, 0, 0, team_one, &s);
	if (rc != FN_OK)
		return rc;
	page_out(&s.p, 0, out);
	out->next = 0;
	return FN_OK;
}

static int audit_change(struct referrals *rf, struct store_txn *t, const struct auth_principal *who,
                        const char *action, const struct sc_referral_record *r, int64_t now,
                        struct sc_arena *a)
{
	char *rec = sc_arena_printf(a, "%.*s#%lld", (int)r->note_id.n, r->note_id.p, (long long)r->revision);
	if (!rec)
		return FN_NO_MEMORY;
	struct audit_event ev = {action, who->user->username, auth_role_name(who->role), who->device_id,
	                         {rec, strlen(rec)}, "ok", NULL};
	return audit_append(rf->audit, t, &ev, now);
}

/* The referral `id` if the caller's agency receives it, else FN_NOT_FOUND
 * (another agency's referral does not even show that it exists). */
static int load_own(struct referrals *rf, struct store_txn *t, const struct auth_principal *who,
                    struct sc_str id, int64_t now, struct sc_arena *a, struct sc_referral_record **out)
{
	int rc = load(rf, t, id, now, a, out);
	if (rc != FN_OK)
		return rc;
	const struct sc_user_record *u = who->user;
	if (!SC_HAS(user_record, u, agency) || u->agency.n != (*out)->agency.n ||
	    memcmp(u->agency.p, (*out)->agency.p, u->agency.n) != 0)
		return FN_NOT_FOUND;
	return FN_OK;
}

/* The referral id as the receiving agency sees it (load_own), and not
 * withdrawn: what receipt and outcome both check before they change
 * anything. *out is set once loaded, withdrawn or not. */
static int load_open(struct referrals *rf, struct store_txn *t, const struct auth_principal *who,
                     struct sc_str id, int64_t now, struct sc_arena *a, struct sc_error *err,
                     struct sc_referral_record **out)
{
	struct sc_referral_record *r;
	int rc = load_own(rf, t, who, id, now, a, &r);
	if (rc != FN_OK)
		return rc;
	*out = r;
	if (sc_str_eq(r->state, "withdrawn"))
		return sc_error_set(err, FN_CONFLICT, "outcome", "the referral was withdrawn by an amendment");
	return FN_OK;
}

int referrals_receipt(struct referrals *rf, struct store_txn *t, const struct auth_principal *who,
                      struct sc_str id, int64_t now, struct sc_arena *a, struct sc_error *err,
                      struct sc_referral_record **out)
{
	struct sc_referral_record *r;
	int rc = load_open(rf, t, who, id, now, a, err, out);
	if (rc != FN_OK)
		return rc;
	r = *out;
	if (SC_HAS(referral_record, r, received_at))
		return FN_OK; /* acknowledged before: nothing changes */
	r->state = SC_STR_LIT("received");
	r->received_at = now;
	SETR(r, received_at);
	if ((rc = save(rf, t, r, 1, r->agency, 1)) != FN_OK)
		return rc;
	return audit_change(rf, t, who, "referral.received", r, now, a);
}

int referrals_outcome(struct referrals *rf, struct store_txn *t, const struct auth_principal *who,
                      struct sc_str id, const struct sc_outcome_request *req, int64_t now,
                      struct sc_arena *a, struct sc_error *err, struct sc_referral_record **out)
{
	struct sc_referral_record *r;
	int rc = load_open(rf, t, who, id, now, a, err, out);
	if (rc != FN_OK)
		return rc;
	r = *out;
	struct sc_str ref = SC_HAS(outcome_request, req, reference) ? req->reference : SC_STR_LIT("");
	if (SC_HAS(referral_record, r, outcome)) {
		struct sc_str had = SC_HAS(referral_record, r, reference) ? r->reference : SC_STR_LIT("");
		if (r->outcome.n == req->outcome.n && memcmp(r->outcome.p, req->outcome.p, r->outcome.n) == 0 &&
		    had.n == ref.n && memcmp(had.p, ref.p, ref.n) == 0)
			return FN_OK; /* the same outcome again: a retry */
		return sc_error_set(err, FN_CONFLICT, "outcome", "an outcome (%.*s) is already recorded",
		                    (int)r->outcome.n, r->outcome.p);
	}
	if (!SC_HAS(referral_record, r, received_at)) {
		r->received_at = now; /* an outcome implies receipt */
		SETR(r, received_at);
	}
	r->state = SC_STR_LIT("outcome_recorded");
	r->outcome = req->outcome;
	r->outcome_at = now;
	r->by = who->user->username;
	SETR(r, outcome), SETR(r, outcome_at), SETR(r, by);
	if (ref.n) {
		r->reference = ref;
		SETR(r, reference);
	}
	if (SC_HAS(outcome_request, req, comment)) {
		r->comment = req->comment;
		SETR(r, comment);
	}
	if ((rc = save(rf, t, r, 1, r->agency, 1)) != FN_OK)
		return rc;
	return audit_change(rf, t, who, "referral.outcome", r, now, a);
}

static int fb_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct page_scan *p = arg;
	if (key->n != p->prefix.n + 8 || memcmp(key->p, p->prefix.p, p->prefix.n) != 0)
		return STORE_SCAN_STOP;
	if (p->n == p->limit) {
		p->more = 1;
		return STORE_SCAN_STOP;
	}
	struct sc_referral_record r = {0};
	if (sc_decode(&sc_rec_referral_record, SC_MSGPACK, val->p, val->n, NULL, p->a, &r, NULL) != FN_OK)
		return FN_INTERNAL;
	/* the feedback cursor is the key's seq, not the agency feed's */
	r.seq = (int64_t)store_key_u64(key->p + p->prefix.n);
	return push(p, &r) != FN_OK ? FN_NO_MEMORY : STORE_SCAN_CONTINUE;
}

int referrals_feedback(struct referrals *rf, struct store_txn *t, struct sc_str author, uint64_t since,
                       size_t limit, struct sc_arena *a, struct sc_list_referral_record *out, int *more)
{
	struct page_scan p;
	int rc = page_scan_run(rf, t, rf->feedback, author, since, limit, 0, a, fb_one, &p);
	if (!p.prefix.p)
		return rc; /* nothing scanned */
	*out = (struct sc_list_referral_record){p.v, p.n};
	*more = p.more;
	return rc;
}
