/* notes.c - note revisions stored once, with their indexes and flags. */
#include "notes_internal.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "enquiries.h"
#include "referrals.h"
#include "status.h"

/* Revisions are 1..2^31-1 (SC_POS31; rules_check_note refuses others), so
 * 4-byte keys hold them untruncated; one read from the store is checked. */
static int rev_in_range(int64_t rev)
{
	return rev >= 1 && rev <= SC_POS31_MAX;
}

int notes_open(struct notes **out, struct store *s, const struct rules_config *rc,
               struct audit *audit, struct auth *auth)
{
	struct notes *ns = calloc(1, sizeof *ns);
	int rc2;

	*out = NULL;
	if (!ns)
		return FN_NO_MEMORY;
	ns->store = s;
	ns->audit = audit;
	ns->auth = auth;
	if (rc)
		ns->rc = *rc;
	else
		rules_defaults(&ns->rc);
	if ((rc2 = store_db_open(s, "notes.revs", &ns->revs)) != FN_OK ||
	    (rc2 = store_db_open(s, "notes.heads", &ns->heads)) != FN_OK ||
	    (rc2 = store_db_open(s, "notes.recv", &ns->recv)) != FN_OK ||
	    (rc2 = store_db_open(s, "notes.by_author", &ns->by_author)) != FN_OK ||
	    (rc2 = store_db_open(s, "notes.queue", &ns->queue)) != FN_OK ||
	    (rc2 = store_db_open(s, "notes.by_child", &ns->by_child)) != FN_OK) {
		free(ns);
		return rc2;
	}
	*out = ns;
	return FN_OK;
}

void notes_close(struct notes *ns)
{
	if (ns)
		quota_close(ns->quota);
	free(ns);
}

int notes_set_write_quota(struct notes *ns, uint64_t daily_bytes)
{
	quota_close(ns->quota);
	ns->quota = NULL;
	return daily_bytes ? quota_open(&ns->quota, ns->store, daily_bytes) : FN_OK;
}

void notes_set_escalations(struct notes *ns, struct escalations *es)
{
	ns->esc = es;
}

static void set_result(struct sc_note_result *r, const struct sc_note *n, const char *result, int code,
                       const char *message)
{
	struct sc_strs flags = r->flags;
	struct sc_list_field_error errors = r->errors;
	uint64_t keep = r->has & (SC_BIT(note_result, flags) | SC_BIT(note_result, errors));

	memset(r, 0, sizeof *r);
	r->has = keep;
	r->flags = flags;
	r->errors = errors;
	if (n)
		sc_project(&sc_rec_note, n, &sc_rec_note_result, r); /* id, revision */
	if (!SC_HAS(note_result, r, id)) {
		r->id = SC_STR_LIT("");
		SC_SET(note_result, r, id);
	}
	r->result = (struct sc_str){result, strlen(result)};
	SC_SET(note_result, r, result);
	r->code = code;
	SC_SET(note_result, r, code);
	r->name = (struct sc_str){sc_status_name(code), strlen(sc_status_name(code))};
	SC_SET(note_result, r, name);
	if (message) {
		r->message = (struct sc_str){message, strlen(message)};
		SC_SET(note_result, r, message);
	}
}

static void invalid(struct sc_note_result *r, const struct sc_note *n, struct sc_arena *a,
                    const char *field, const char *message)
{
	struct sc_field_error *fe = sc_arena_alloc(a, sizeof *fe);
	if (fe) {
		fe->field = (struct sc_str){field, strlen(field)};
		fe->message = (struct sc_str){message, strlen(message)};
		SC_SET(field_error, fe, field);
		SC_SET(field_error, fe, message);
		r->errors.v = fe;
		r->errors.n = 1;
		SC_SET(note_result, r, errors);
	}
	set_result(r, n, "invalid", FN_VALIDATION_FAILED, message);
}

/* --- the write transaction ---------------------------------------------- */

struct submit_job {
	struct notes *ns;
	const struct auth_principal *who;
	struct notes_item *items;
	size_t n;
	int64_t now;
	struct sc_arena *arena;
};

int notes_head_get(struct notes *ns, struct store_txn *t, struct sc_str id, struct sc_arena *a,
                     struct sc_note_head *h)
{
	struct sc_str v;
	int rc = store_get(t, ns->heads, id.p, id.n, &v);
	if (rc != FN_OK)
		return rc;
	memset(h, 0, sizeof *h);
	rc = sc_decode(&sc_rec_note_head, SC_MSGPACK, v.p, v.n, NULL, a, h, NULL);
	return rc == FN_OK ? FN_OK : FN_INTERNAL;
}

int notes_put_head(struct notes *ns, struct store_txn *t, const struct sc_note_head *h)
{
	struct sc_buf b = {0};
	int rc = sc_encode(&sc_rec_note_head, SC_MSGPACK, h, &b);
	if (rc == FN_OK)
		rc = store_put(t, ns->heads, h->id.p, h->id.n, b.p, b.n, 0, NULL);
	sc_buf_free(&b);
	return rc;
}

int notes_requeue(struct notes *ns, struct store_txn *t, const struct sc_note_head *old,
                  const struct sc_note_head *h, int64_t due)
{
	int rc;
	if (old) {
		struct dbkey ok = notes_queue_key(old);
		rc = store_del(t, ns->queue, ok.b, ok.n);
		if (rc != FN_OK && rc != FN_NOT_FOUND)
			return rc;
	}
	struct dbkey nk = notes_queue_key(h);
	unsigned char v[8];
	store_u64_key((uint64_t)due, v);
	return store_put(t, ns->queue, nk.b, nk.n, v, 8, 0, NULL);
}

int notes_latest_get(struct notes *ns, struct store_txn *t, const struct sc_note_head *h,
                      struct sc_arena *a, struct sc_note **out)
{
	if (!rev_in_range(h->latest))
		return FN_INTERNAL; /* stored before revisions were range-checked */
	int rc = notes_revision(ns, t, h->id, h->latest, a, out);
	return rc == FN_NOT_FOUND ? FN_INTERNAL : rc;
}

int notes_revision(struct notes *ns, struct store_txn *t, struct sc_str id, int64_t rev,
                   struct sc_arena *a, struct sc_note **out)
{
	if (!rev_in_range(rev) || id.n == 0 || id.n > 64)
		return FN_NOT_FOUND;
	struct dbkey k = notes_rev_key(id, rev);
	struct sc_str v;
	int rc = store_get(t, ns->revs, k.b, k.n, &v);
	if (rc != FN_OK)
		return rc;
	struct sc_note *n = sc_arena_alloc(a, sizeof *n);
	if (!n)
		return FN_NO_MEMORY;
	if (sc_decode(&sc_rec_note, SC_MSGPACK, v.p, v.n, NULL, a, n, NULL) != FN_OK)
		return FN_INTERNAL;
	*out = n;
	return FN_OK;
}

int notes_in_teams(const struct sc_user_record *u, struct sc_str team)
{
	for (size_t i = 0; i < u->teams.n; i++)
		if (u->teams.v[i].n == team.n && memcmp(u->teams.v[i].p, team.p, team.n) == 0)
			return 1;
	return 0;
}

static int put_index(struct store_txn *t, store_db db, const struct dbkey *k)
{
	return store_put(t, db, k->b, k->n, "", 0, 0, NULL);
}

static int del_index(struct store_txn *t, store_db db, const struct dbkey *k)
{
	int rc = store_del(t, db, k->b, k->n);
	return rc == FN_NOT_FOUND ? FN_OK : rc;
}

struct count_ctx {
	struct sc_str prefix; /* child_ref and its 0 byte */
	int64_t until, short_from;
	int64_t n_long, n_short;
};

static int count_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct count_ctx *c = arg;
	(void)val;
	if (key->n < c->prefix.n + 8 || memcmp(key->p, c->prefix.p, c->prefix.n) != 0)
		return STORE_SCAN_STOP;
	int64_t when = (int64_t)store_key_u64(key->p + c->prefix.n);
	if (when > c->until)
		return STORE_SCAN_STOP;
	c->n_long++;
	if (when >= c->short_from)
		c->n_short++;
	return STORE_SCAN_CONTINUE;
}

/* Contacts for the child in the short and long windows ending at `at`. */
int notes_count_contacts(struct notes *ns, struct store_txn *t, struct sc_str child_ref, int64_t at,
                          int64_t *n_short, int64_t *n_long)
{
	struct dbkey start = {.n = 0}, prefix = {.n = 0};
	dbkey_str(&prefix, child_ref);
	start = prefix;
	int64_t from = at - ns->rc.mash_long_days * NOTES_DAY;
	dbkey_u64(&start, (uint64_t)(from > 0 ? from : 0));
	struct count_ctx c = {{(const char *)prefix.b, prefix.n}, at, at - ns->rc.mash_short_days * NOTES_DAY, 0, 0};
	int rc = store_scan(t, ns->by_child, start.b, start.n, 0, count_one, &c);
	*n_short = c.n_short;
	*n_long = c.n_long;
	return rc;
}

int notes_flags(struct notes *ns, struct store_txn *t, const struct sc_note *n,
                      const struct sc_note_head *h, int64_t now, struct sc_arena *a, struct sc_strs *out)
{
	int64_t ns_short, ns_long;
	int rc = notes_count_contacts(ns, t, h->child_ref, h->occurred_at, &ns_short, &ns_long);
	if (rc != FN_OK)
		return rc;
	int reviewed = !sc_str_eq(h->status, "submitted");
	struct rules_facts f = {now, rules_review_due(n, h->updated_at, &ns->rc), reviewed, ns_short, ns_long, 0, NULL};
	if (ns->esc && (rc = escalations_note_due(ns->esc, t, h->id, a, &f.escalation_due)) != FN_OK)
		return rc;
	struct sc_referral_record *r = NULL;
	struct rules_referral ref = {0, 0};
	if (ns->referrals && (rc = referrals_get(ns->referrals, t, h->id, now, a, &r)) != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	if (r) {
		ref.unacknowledged = referrals_unacknowledged(r, now);
		ref.without_outcome = referrals_without_outcome(r, now);
		f.referral = &ref;
	}
	return rules_flags(n, &f, &ns->rc, a, out);
}

/* Stores one valid note inside the shared transaction. A note refused for
 * its content gets its result and FN_OK; store failures are returned. */
static int submit_one(struct submit_job *job, struct store_txn *t, struct notes_item *it)
{
	struct notes *ns = job->ns;
	const struct sc_note *n = it->note;
	struct sc_note_result *r = it->result;
	struct sc_note_head head = {0}, old;
	struct sc_str existing;
	int rc, have_head;

	rc = notes_head_get(ns, t, n->id, job->arena, &head);
	if (rc != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	have_head = rc == FN_OK;
	if (have_head && !sc_str_eq(head.author, job->who->user->username.p)) {
		/* Someone else's note id: answer as if it were a conflict on id. */
		set_result(r, n, "conflict", FN_CONFLICT, "this id belongs to another note");
		return FN_OK;
	}
	struct dbkey rk = notes_rev_key(n->id, n->revision);
	rc = store_put(t, ns->revs, rk.b, rk.n, it->enc.p, it->enc.n, STORE_NOOVERWRITE, &existing);
	if (rc == FN_CONFLICT) {
		if (existing.n == it->enc.n && memcmp(existing.p, it->enc.p, existing.n) == 0) {
			set_result(r, n, "duplicate", FN_OK, "already stored");
			if (have_head && notes_flags(ns, t, n, &head, job->now, job->arena, &r->flags) == FN_OK)
				SC_SET(note_result, r, flags);
		} else {
			set_result(r, n, "conflict", FN_CONFLICT,
			           "a different note is stored under this id and revision; it was not changed");
		}
		return FN_OK;
	}
	if (rc != FN_OK)
		return rc;
	if (n->revision > 1) {
		struct dbkey pk = notes_rev_key(n->id, n->replaces);
		struct sc_str prev;
		if (!have_head || store_get(t, ns->revs, pk.b, pk.n, &prev) != FN_OK) {
			/* Undo the put: the amendment names a revision we lack. */
			if ((rc = store_del(t, ns->revs, rk.b, rk.n)) != FN_OK)
				return rc;
			invalid(r, n, job->arena, "replaces", "the revision it replaces has not reached the server");
			return FN_OK;
		}
	}
	unsigned char when[8];
	store_u64_key((uint64_t)job->now, when);
	if ((rc = store_put(t, ns->recv, rk.b, rk.n, when, 8, 0, NULL)) != FN_OK)
		return rc;

	old = head;
	if (!have_head) {
		head.id = n->id;
		head.author = n->author;
		head.received_at = job->now;
		SC_SET(note_head, &head, id);
		SC_SET(note_head, &head, author);
		SC_SET(note_head, &head, received_at);
		struct dbkey ak = {.n = 0};
		dbkey_str(&ak, n->author);
		dbkey_u64(&ak, (uint64_t)job->now);
		dbkey_raw(&ak, n->id);
		if ((rc = put_index(t, ns->by_author, &ak)) != FN_OK)
			return rc;
	} else {
		struct dbkey oc = notes_child_key(old.child_ref, old.occurred_at, old.id);
		if ((rc = del_index(t, ns->by_child, &oc)) != FN_OK)
			return rc;
	}
	if (!have_head || n->revision >= head.latest) {
		head.team = n->team;
		head.child_ref = n->child_ref;
		head.occurred_at = n->occurred_at;
		head.latest = n->revision;
	}
	/* A new revision (re-)enters the review queue. */
	head.status = SC_STR_LIT("submitted");
	head.updated_at = job->now;
	SC_SET(note_head, &head, team);
	SC_SET(note_head, &head, child_ref);
	SC_SET(note_head, &head, status);
	SC_SET(note_head, &head, latest);
	SC_SET(note_head, &head, occurred_at);
	SC_SET(note_head, &head, updated_at);
	struct dbkey ck = notes_child_key(head.child_ref, head.occurred_at, head.id);
	if ((rc = notes_put_head(ns, t, &head)) != FN_OK ||
	    (rc = notes_requeue(ns, t, have_head ? &old : NULL, &head, rules_review_due(n, job->now, &ns->rc))) != FN_OK ||
	    (rc = put_index(t, ns->by_child, &ck)) != FN_OK)
		return rc;
	char *rec = sc_arena_printf(job->arena, "%.*s#%lld", (int)n->id.n, n->id.p, (long long)n->revision);
	struct audit_event ev = {"note.stored", n->author, auth_role_name(job->who->role), job->who->device_id,
	                         {rec, rec ? strlen(rec) : 0}, "ok", NULL};
	if (!rec)
		return FN_NO_MEMORY;
	if ((rc = audit_append(ns->audit, t, &ev, job->now)) != FN_OK)
		return rc;
	/* the referral is tracked from the moment its note is stored */
	if (ns->referrals && (rc = referrals_on_note(ns->referrals, t, n, job->now, job->arena)) != FN_OK)
		return rc;
	if ((rc = notes_enquiry_check(ns, t, &head, job->now, job->arena)) != FN_OK)
		return rc;
	set_result(r, n, "stored", FN_OK, NULL);
	if ((rc = notes_flags(ns, t, n, &head, job->now, job->arena, &r->flags)) != FN_OK)
		return rc;
	SC_SET(note_result, r, flags);
	return FN_OK;
}

static int submit_txn(struct store_txn *t, void *arg)
{
	struct submit_job *job = arg;
	uint64_t stored = 0;
	for (size_t i = 0; i < job->n; i++) {
		struct notes_item *it = &job->items[i];
		if (!it->note || !it->enc.n)
			continue;
		int rc = submit_one(job, t, it);
		if (rc != FN_OK)
			return rc;
		if (sc_str_eq(it->result->result, "stored"))
			stored += it->enc.n;
	}
	/* Counted after the fact, so that only what is new costs: over the
	 * quota, this job's transaction (every note in it) is undone. */
	return quota_charge(job->ns->quota, t, job->who->user->username, stored, job->now);
}

/* Provenance: the note says who wrote it, in which team, on which device;
 * each must be the session's own. A device the author signed in from before
 * is accepted too: that is re-enrolment (client-lib/README.md), where a
 * revoked handheld's kept notes travel under a new identity, unchanged. */
static int author_ok(struct notes *ns, const struct auth_principal *who, const struct sc_note *n,
                     struct sc_note_result *r, struct sc_arena *a)
{
	const struct sc_user_record *u = who->user;
	if (!sc_str_eq(n->author, u->username.p)) {
		invalid(r, n, a, "author", "must be the signed-in user");
		return 0;
	}
	if ((n->device_id.n != who->device_id.n ||
	     memcmp(n->device_id.p, who->device_id.p, n->device_id.n) != 0) &&
	    !(ns->auth && auth_device_known(ns->auth, u->username, n->device_id))) {
		invalid(r, n, a, "device_id", "must be the device this session signed in with, or one the author signed in from before");
		return 0;
	}
	if (notes_in_teams(u, n->team))
		return 1;
	invalid(r, n, a, "team", "must be one of the signed-in user's teams");
	return 0;
}

int notes_submit(struct notes *ns, const struct auth_principal *who,
                 struct notes_item *items, size_t n, int64_t now,
                 struct sc_arena *a)
{
	size_t valid = 0;
	int rc = FN_OK;

	/* every enc is freed below, also after a break */
	for (size_t i = 0; i < n; i++)
		memset(&items[i].enc, 0, sizeof items[i].enc);
	for (size_t i = 0; i < n; i++) {
		struct notes_item *it = &items[i];
		if (!it->note)
			continue;
		struct rules_errors errs = {NULL, 0, 0, a, 0, 0};
		size_t found = rules_check_note(it->note, now, &ns->rc, &errs);
		if (errs.nomem) {
			/* An error was found and lost: the note must not be stored,
			 * and an "invalid" without the reason would mislead. */
			rc = FN_NO_MEMORY;
			break;
		}
		if (found > 0) {
			it->result->errors = (struct sc_list_field_error){errs.v, errs.n};
			SC_SET(note_result, it->result, errors);
			set_result(it->result, it->note, "invalid", FN_VALIDATION_FAILED,
			           errs.n == 1 ? "a field failed validation" : "fields failed validation");
			continue;
		}
		if (!author_ok(ns, who, it->note, it->result, a))
			continue;
		if ((rc = sc_encode(&sc_rec_note, SC_MSGPACK, it->note, &it->enc)) != FN_OK)
			break;
		valid++;
	}
	if (rc == FN_OK && valid) {
		struct submit_job job = {ns, who, items, n, now, a};
		rc = store_write_bulk(ns->store, submit_txn, &job);
	}
	for (size_t i = 0; i < n; i++)
		sc_buf_free(&items[i].enc);
	return rc;
}

/* --- reading ------------------------------------------------------------ */

int notes_may_see(const struct auth_principal *who, const struct sc_note_head *h)
{
	const struct sc_user_record *u = who->user;
	/* partners see what a referral or an enquiry shares, never a note */
	if (who->role == ROLE_PARTNER)
		return 0;
	if (sc_str_eq(h->author, u->username.p))
		return 1;
	return (who->role == ROLE_SUPERVISOR && notes_in_teams(u, h->team)) ||
	       (who->role == ROLE_ADMIN && who->admin_reads_notes);
}

struct revs_ctx {
	struct notes *ns;
	struct store_txn *t;
	struct sc_str prefix;
	struct sc_arena *a;
	struct sc_note_view *out;
	size_t cap;
	int rc;
};

static int rev_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct revs_ctx *c = arg;
	if (key->n != c->prefix.n + 4 || memcmp(key->p, c->prefix.p, c->prefix.n) != 0)
		return STORE_SCAN_STOP;
	struct sc_note_revision *v = sc_arena_grow(c->a, c->out->revisions.v, c->out->revisions.n, &c->cap,
	                                           sizeof *v, 4);
	if (!v) {
		c->rc = FN_NO_MEMORY;
		return STORE_SCAN_STOP;
	}
	c->out->revisions.v = v;
	struct sc_note_revision *rv = &c->out->revisions.v[c->out->revisions.n];
	memset(rv, 0, sizeof *rv);
	rv->note = sc_arena_alloc(c->a, sizeof *rv->note);
	if (!rv->note) {
		c->rc = FN_NO_MEMORY;
		return STORE_SCAN_STOP;
	}
	if (sc_decode(&sc_rec_note, SC_MSGPACK, val->p, val->n, NULL, c->a, rv->note, NULL) != FN_OK) {
		c->rc = FN_INTERNAL;
		return STORE_SCAN_STOP;
	}
	struct sc_str when;
	if (store_get(c->t, c->ns->recv, key->p, key->n, &when) == FN_OK && when.n == 8)
		rv->received_at = (int64_t)store_key_u64(when.p);
	SC_SET(note_revision, rv, note);
	SC_SET(note_revision, rv, received_at);
	c->out->revisions.n++;
	return STORE_SCAN_CONTINUE;
}

int notes_get(struct notes *ns, struct store_txn *t,
              const struct auth_principal *who, struct sc_str id,
              int64_t now, struct sc_arena *a, struct sc_note_view *out)
{
	struct sc_note_head h;
	int rc;

	memset(out, 0, sizeof *out);
	if (id.n == 0 || id.n > 64)
		return FN_NOT_FOUND;
	if ((rc = notes_head_get(ns, t, id, a, &h)) != FN_OK)
		return rc;
	if (!notes_may_see(who, &h))
		return FN_NOT_FOUND;
	struct dbkey prefix = {.n = 0};
	dbkey_str(&prefix, id);
	struct revs_ctx c = {ns, t, {(const char *)prefix.b, prefix.n}, a, out, 0, FN_OK};
	rc = store_scan(t, ns->revs, prefix.b, prefix.n, 0, rev_one, &c);
	if (rc != FN_OK)
		return rc;
	if (c.rc != FN_OK)
		return c.rc;
	if (out->revisions.n == 0)
		return FN_INTERNAL;
	out->id = h.id;
	out->author = h.author;
	out->team = h.team;
	out->child_ref = h.child_ref;
	out->status = h.status;
	out->latest = h.latest;
	out->received_at = h.received_at;
	SC_SET(note_view, out, id);
	SC_SET(note_view, out, author);
	SC_SET(note_view, out, team);
	SC_SET(note_view, out, child_ref);
	SC_SET(note_view, out, status);
	SC_SET(note_view, out, latest);
	SC_SET(note_view, out, received_at);
	SC_SET(note_view, out, revisions);
	const struct sc_note *latest = out->revisions.v[out->revisions.n - 1].note;
	if ((rc = notes_flags(ns, t, latest, &h, now, a, &out->flags)) != FN_OK)
		return rc;
	SC_SET(note_view, out, flags);
	if (ns->review.reviews_of && (rc = ns->review.reviews_of(ns->review.arg, t, h.id, a, &out->reviews)) != FN_OK)
		return rc;
	SC_SET(note_view, out, reviews);
	out->review_due = rules_review_due(latest, h.updated_at, &ns->rc);
	SC_SET(note_view, out, review_due);
	return notes_view_sharing(ns, t, h.id, now, a, out);
}
