/* enquiries.c - MASH enquiries: opening, the partners' feed, requests, contributions, decisions. */
#include "enquiries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "status.h"

#define MASH "mash"

struct enquiries {
	struct audit *audit;
	store_db recs;    /* id -> enquiry_record */
	store_db open;    /* child_ref -> id of its open enquiry */
	store_db feed;    /* seq(8) -> id: one entry per enquiry, its latest change */
	store_db by_note; /* note id -> id of the enquiry it is a contact of */
};

int enquiries_open(struct enquiries **out, struct store *s, struct audit *audit)
{
	struct enquiries *eq = calloc(1, sizeof *eq);
	int rc;

	*out = NULL;
	if (!eq)
		return FN_NO_MEMORY;
	eq->audit = audit;
	if ((rc = store_db_open(s, "enquiries.recs", &eq->recs)) != FN_OK ||
	    (rc = store_db_open(s, "enquiries.open", &eq->open)) != FN_OK ||
	    (rc = store_db_open(s, "enquiries.feed", &eq->feed)) != FN_OK ||
	    (rc = store_db_open(s, "enquiries.by_note", &eq->by_note)) != FN_OK) {
		free(eq);
		return rc;
	}
	*out = eq;
	return FN_OK;
}

void enquiries_close(struct enquiries *eq)
{
	free(eq);
}

static int str_same(struct sc_str a, struct sc_str b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

static int load(struct enquiries *eq, struct store_txn *t, struct sc_str id, struct sc_arena *a,
                struct sc_enquiry_record **out)
{
	struct sc_str v;
	if (id.n == 0 || id.n > 64)
		return FN_NOT_FOUND;
	int rc = store_get(t, eq->recs, id.p, id.n, &v);
	if (rc != FN_OK)
		return rc;
	struct sc_enquiry_record *r = sc_arena_alloc(a, sizeof *r);
	if (!r)
		return FN_NO_MEMORY;
	memset(r, 0, sizeof *r);
	if (sc_decode(&sc_rec_enquiry_record, SC_MSGPACK, v.p, v.n, NULL, a, r, NULL) != FN_OK)
		return FN_INTERNAL;
	*out = r;
	return FN_OK;
}

/* Stores r under a new feed position (the old one is dropped). */
static int save(struct enquiries *eq, struct store_txn *t, struct sc_enquiry_record *r, int had)
{
	unsigned char k[8];
	uint64_t seq;
	int rc;
	if (had) {
		store_u64_key((uint64_t)r->seq, k);
		if ((rc = store_del(t, eq->feed, k, 8)) != FN_OK && rc != FN_NOT_FOUND)
			return rc;
	}
	if ((rc = store_counter_next(t, "enquiry.seq", &seq)) != FN_OK)
		return rc;
	r->seq = (int64_t)seq;
	SC_SET(enquiry_record, r, seq);
	struct sc_buf b = {0};
	if ((rc = sc_encode(&sc_rec_enquiry_record, SC_MSGPACK, r, &b)) != FN_OK)
		return rc;
	store_u64_key(seq, k);
	if ((rc = store_put(t, eq->recs, r->id.p, r->id.n, b.p, b.n, 0, NULL)) == FN_OK)
		rc = store_put(t, eq->feed, k, 8, r->id.p, r->id.n, 0, NULL);
	sc_buf_free(&b);
	return rc;
}

static int audit_it(struct enquiries *eq, struct store_txn *t, const struct auth_principal *who,
                    const char *action, const struct sc_enquiry_record *r, struct sc_str outcome, int64_t now,
                    struct sc_arena *a)
{
	char *o = sc_arena_printf(a, "%.*s", (int)(outcome.n < 64 ? outcome.n : 64), outcome.p);
	if (!o)
		return FN_NO_MEMORY;
	struct audit_event ev = {action, who->user->username, auth_role_name(who->role), who->device_id,
	                         r->id, o, NULL};
	return audit_append(eq->audit, t, &ev, now);
}

/* Adds the contacts r lacks; 1 when it added any, -1 when out of memory. */
static int add_contacts(struct sc_enquiry_record *r, const struct sc_enquiry_contact *v, size_t n,
                        struct sc_arena *a)
{
	size_t had = r->contacts.n, added = 0;
	struct sc_enquiry_contact *all = sc_arena_alloc(a, (had + n + 1) * sizeof *all);
	if (!all)
		return -1;
	if (had)
		memcpy(all, r->contacts.v, had * sizeof *all);
	for (size_t i = 0; i < n; i++) {
		int dup = 0;
		for (size_t j = 0; j < had + added && !dup; j++)
			dup = str_same(all[j].note_id, v[i].note_id);
		if (!dup && had + added < 1000)
			all[had + added++] = v[i];
	}
	r->contacts = (struct sc_list_enquiry_contact){all, had + added};
	SC_SET(enquiry_record, r, contacts);
	return added > 0;
}

int enquiries_on_contacts(struct enquiries *eq, struct store_txn *t, struct sc_str child_ref,
                          const struct sc_enquiry_contact *v, size_t n, int64_t now, struct sc_arena *a)
{
	struct sc_enquiry_record *r = NULL;
	struct sc_str id;
	int rc = store_get(t, eq->open, child_ref.p, child_ref.n, &id);
	if (rc != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	int had = rc == FN_OK;
	if (had && (rc = load(eq, t, id, a, &r)) != FN_OK)
		return rc == FN_NOT_FOUND ? FN_INTERNAL : rc;
	if (!had) {
		uint64_t num;
		if ((rc = store_counter_next(t, "enquiry.id", &num)) != FN_OK)
			return rc;
		char *s = sc_arena_printf(a, "mash-%llu", (unsigned long long)num);
		if (!s || !(r = sc_arena_alloc(a, sizeof *r)))
			return FN_NO_MEMORY;
		memset(r, 0, sizeof *r);
		r->id = (struct sc_str){s, strlen(s)};
		r->child_ref = child_ref;
		r->state = SC_STR_LIT("open");
		r->agency = SC_STR_LIT(MASH);
		r->opened_at = now;
		r->has = SC_BIT(enquiry_record, id) | SC_BIT(enquiry_record, child_ref) | SC_BIT(enquiry_record, state) |
		         SC_BIT(enquiry_record, agency) | SC_BIT(enquiry_record, opened_at);
		if ((rc = store_put(t, eq->open, child_ref.p, child_ref.n, r->id.p, r->id.n, 0, NULL)) != FN_OK)
			return rc;
	}
	int added = add_contacts(r, v, n, a);
	if (added < 0)
		return FN_NO_MEMORY;
	if (!added && had)
		return FN_OK; /* this contact is already part of it */
	for (size_t i = 0; i < r->contacts.n; i++) {
		struct sc_str nid = r->contacts.v[i].note_id;
		if ((rc = store_put(t, eq->by_note, nid.p, nid.n, r->id.p, r->id.n, 0, NULL)) != FN_OK)
			return rc;
	}
	return save(eq, t, r, had);
}

int enquiries_of_note(struct enquiries *eq, struct store_txn *t, struct sc_str note_id, struct sc_arena *a,
                      struct sc_enquiry_record **out)
{
	struct sc_str id;
	int rc = store_get(t, eq->by_note, note_id.p, note_id.n, &id);
	if (rc != FN_OK)
		return rc;
	return load(eq, t, id, a, out);
}

static int is_mash(const struct auth_principal *who, const struct sc_enquiry_record *r)
{
	return SC_HAS(user_record, who->user, agency) && str_same(who->user->agency, r->agency);
}

static int was_asked(const struct auth_principal *who, const struct sc_enquiry_record *r)
{
	if (!SC_HAS(user_record, who->user, agency))
		return 0;
	for (size_t i = 0; i < r->asked.n; i++)
		if (str_same(r->asked.v[i], who->user->agency))
			return 1;
	return 0;
}

struct feed_scan {
	struct enquiries *eq;
	struct store_txn *t;
	const struct auth_principal *who;
	size_t limit;
	int64_t now;
	struct sc_arena *a;
	struct sc_enquiry_record *v;
	size_t n, cap;
	int more;
};

static int feed_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct feed_scan *f = arg;
	struct sc_enquiry_record *r;
	(void)key;
	int rc = load(f->eq, f->t, *val, f->a, &r);
	if (rc != FN_OK)
		return rc;
	if (!is_mash(f->who, r) && !was_asked(f->who, r))
		return STORE_SCAN_CONTINUE;
	if (f->n == f->limit) {
		f->more = 1;
		return STORE_SCAN_STOP;
	}
	struct sc_enquiry_record *v = sc_arena_grow(f->a, f->v, f->n, &f->cap, sizeof *v, 16);
	if (!v)
		return FN_NO_MEMORY;
	f->v = v;
	f->v[f->n++] = *r;
	return audit_it(f->eq, f->t, f->who, "enquiry.disclosed", r, r->state, f->now, f->a);
}

int enquiries_feed(struct enquiries *eq, struct store_txn *t, const struct auth_principal *who, uint64_t since,
                   size_t limit, int64_t now, struct sc_arena *a, struct sc_enquiry_page *out)
{
	struct feed_scan f = {eq, t, who, limit, now, a, NULL, 0, 0, 0};
	unsigned char k[8];
	store_u64_key(since + 1, k);
	int rc = store_scan(t, eq->feed, k, 8, 0, feed_one, &f);
	if (rc != FN_OK)
		return rc;
	memset(out, 0, sizeof *out);
	out->items = (struct sc_list_enquiry_record){f.v, f.n};
	out->next = f.n ? f.v[f.n - 1].seq : (int64_t)since;
	out->more = f.more;
	SC_SET_ALL(enquiry_page, out);
	return FN_OK;
}

/* The enquiry, if the caller may see it; `mash_only`: and is the MASH. */
static int load_for(struct enquiries *eq, struct store_txn *t, const struct auth_principal *who, struct sc_str id,
                    int mash_only, struct sc_arena *a, struct sc_enquiry_record **out)
{
	int rc = load(eq, t, id, a, out);
	if (rc != FN_OK)
		return rc;
	if (!is_mash(who, *out) && !was_asked(who, *out))
		return FN_NOT_FOUND;
	return mash_only && !is_mash(who, *out) ? FN_FORBIDDEN : FN_OK;
}

int enquiries_request(struct enquiries *eq, struct store_txn *t, const struct auth_principal *who,
                      struct sc_str id, struct sc_str agency, int64_t now, struct sc_arena *a,
                      struct sc_error *err, struct sc_enquiry_record **out)
{
	struct sc_enquiry_record *r;
	int rc = load_for(eq, t, who, id, 1, a, &r);
	if (rc != FN_OK)
		return rc;
	*out = r;
	if (!auth_agency_valid(agency))
		return sc_error_set(err, FN_VALIDATION_FAILED, NULL, "agency: lower case letters, digits and _");
	for (size_t i = 0; i < r->asked.n; i++)
		if (str_same(r->asked.v[i], agency))
			return FN_OK; /* asked before */
	if (r->asked.n >= 32)
		return sc_error_set(err, FN_VALIDATION_FAILED, NULL, "at most 32 agencies may be asked");
	struct sc_str *v = sc_arena_alloc(a, (r->asked.n + 1) * sizeof *v);
	if (!v)
		return FN_NO_MEMORY;
	if (r->asked.n)
		memcpy(v, r->asked.v, r->asked.n * sizeof *v);
	v[r->asked.n] = agency;
	r->asked = (struct sc_strs){v, r->asked.n + 1};
	SC_SET(enquiry_record, r, asked);
	if ((rc = save(eq, t, r, 1)) != FN_OK)
		return rc;
	return audit_it(eq, t, who, "enquiry.requested", r, agency, now, a);
}

int enquiries_contribute(struct enquiries *eq, struct store_txn *t, const struct auth_principal *who,
                         struct sc_str id, struct sc_str text, int64_t now, struct sc_arena *a,
                         struct sc_error *err, struct sc_enquiry_record **out)
{
	struct sc_enquiry_record *r;
	int rc = load_for(eq, t, who, id, 0, a, &r);
	if (rc != FN_OK)
		return rc;
	*out = r;
	if (!was_asked(who, r))
		return FN_NOT_FOUND; /* the MASH itself is not asked: it decides */
	if (r->contributions.n >= 200)
		return sc_error_set(err, FN_VALIDATION_FAILED, NULL, "at most 200 contributions");
	struct sc_contribution *v = sc_arena_alloc(a, (r->contributions.n + 1) * sizeof *v);
	if (!v)
		return FN_NO_MEMORY;
	if (r->contributions.n)
		memcpy(v, r->contributions.v, r->contributions.n * sizeof *v);
	struct sc_contribution *c = &v[r->contributions.n];
	memset(c, 0, sizeof *c);
	c->agency = who->user->agency;
	c->by = who->user->username;
	c->text = text;
	c->at = now;
	SC_SET_ALL(contribution, c);
	r->contributions = (struct sc_list_contribution){v, r->contributions.n + 1};
	SC_SET(enquiry_record, r, contributions);
	if ((rc = save(eq, t, r, 1)) != FN_OK)
		return rc;
	return audit_it(eq, t, who, "enquiry.contributed", r, SC_STR_LIT("ok"), now, a);
}

int enquiries_decide(struct enquiries *eq, struct store_txn *t, const struct auth_principal *who,
                     struct sc_str id, const struct sc_outcome_request *req, int64_t now, struct sc_arena *a,
                     struct sc_error *err, struct sc_enquiry_record **out)
{
	struct sc_enquiry_record *r;
	int rc = load_for(eq, t, who, id, 1, a, &r);
	if (rc != FN_OK)
		return rc;
	*out = r;
	struct sc_str ref = SC_HAS(outcome_request, req, reference) ? req->reference : SC_STR_LIT("");
	if (SC_HAS(enquiry_record, r, outcome)) {
		struct sc_str had = SC_HAS(enquiry_record, r, reference) ? r->reference : SC_STR_LIT("");
		if (str_same(r->outcome, req->outcome) && str_same(had, ref))
			return FN_OK;
		return sc_error_set(err, FN_CONFLICT, NULL, "a decision (%.*s) is already recorded", (int)r->outcome.n,
		                    r->outcome.p);
	}
	r->state = SC_STR_LIT("decided");
	r->outcome = req->outcome;
	r->decided_at = now;
	r->decided_by = who->user->username;
	SC_SET(enquiry_record, r, outcome);
	SC_SET(enquiry_record, r, decided_at);
	SC_SET(enquiry_record, r, decided_by);
	if (ref.n) {
		r->reference = ref;
		SC_SET(enquiry_record, r, reference);
	}
	/* decided: a later contact that meets the threshold opens a new one */
	if ((rc = store_del(t, eq->open, r->child_ref.p, r->child_ref.n)) != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	if ((rc = save(eq, t, r, 1)) != FN_OK)
		return rc;
	return audit_it(eq, t, who, "enquiry.decided", r, r->outcome, now, a);
}

int enquiries_count_open(struct enquiries *eq, struct store_txn *t, uint64_t *out)
{
	return store_count(t, eq->open, out);
}
