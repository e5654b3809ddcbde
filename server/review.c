/* review.c - the review module's databases, supervisors' decisions and the
 * reviews they leave (on the note view, in authors' feedback, erased with
 * the note). The queue and contacts are review_queue.c, review_contacts.c. */
#include "review_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "escalations.h"
#include "mbedtls/sha256.h"
#include "notes_erase.h"
#include "status.h"

static int reviews_of(void *arg, struct store_txn *t, struct sc_str id, struct sc_arena *a,
                      struct sc_list_review *out);
static int erase_reviews(void *arg, struct store_txn *t, const struct sc_note_head *h, int dry,
                         struct mbedtls_sha256_context *sha, struct notes_erased *out);

int review_open(struct review **out, struct store *s, const struct rules_config *rc,
                struct audit *audit, struct notes *ns)
{
	struct review *rv = calloc(1, sizeof *rv);
	int err;

	*out = NULL;
	if (!rv)
		return FN_NO_MEMORY;
	rv->store = s;
	rv->notes = ns;
	rv->audit = audit;
	if (rc)
		rv->rc = *rc;
	else
		rules_defaults(&rv->rc);
	if ((err = store_db_open(s, "notes.reviews", &rv->reviews)) != FN_OK ||
	    (err = store_db_open(s, "notes.feedback", &rv->feedback)) != FN_OK) {
		free(rv);
		return err;
	}
	struct notes_review_hooks hooks = {rv, reviews_of, erase_reviews};
	notes_set_review_hooks(ns, &hooks);
	*out = rv;
	return FN_OK;
}

void review_close(struct review *rv)
{
	if (!rv)
		return;
	struct notes_review_hooks none = {NULL, NULL, NULL};
	notes_set_review_hooks(rv->notes, &none);
	free(rv);
}

void review_set_escalations(struct review *rv, struct escalations *es)
{
	rv->esc = es;
}

/* --- decisions ---------------------------------------------------------- */

struct decide_job {
	struct review *rv;
	const struct auth_principal *who;
	struct sc_str id;
	const struct sc_review_request *req;
	int64_t now;
	struct sc_arena *a;
	struct sc_review *out;
	struct sc_error *err;
};

/* The escalation an `escalated` decision opens, in the review's
 * transaction: the reviewing supervisor holds it at the stage chosen. */
static int open_escalation(struct decide_job *j, struct store_txn *t, const struct sc_note_head *h,
                           struct sc_review *r)
{
	struct sc_escalation e;
	if (!j->rv->esc)
		return FN_OK;
	struct escalation_start st = {h, j->who, r->stage, r->target,
	                              SC_HAS(review, r, comment) ? r->comment : (struct sc_str){"", 0}};
	int rc = escalations_start(j->rv->esc, t, &st, j->now, j->a, &e);
	if (rc == FN_CONFLICT)
		return sc_error_set(j->err, rc, "revision", "this note has an open escalation: advance or "
		                    "resolve it (the escalations list)");
	if (rc != FN_OK)
		return rc;
	r->escalation = e.id;
	SC_SET(review, r, escalation);
	return FN_OK;
}

/* The review record for the decision on head `h`, sequence number `seq`. */
static void fill_review(const struct decide_job *j, const struct sc_note_head *h, uint64_t seq,
                        struct sc_review *r)
{
	memset(r, 0, sizeof *r);
	r->note_id = h->id;
	r->revision = h->latest;
	r->decision = j->req->decision;
	r->by = j->who->user->username;
	r->at = j->now;
	r->seq = (int64_t)seq;
	SC_SET(review, r, note_id);
	SC_SET(review, r, revision);
	SC_SET(review, r, decision);
	SC_SET(review, r, by);
	SC_SET(review, r, at);
	SC_SET(review, r, seq);
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
}

/* Stores the review under the note and in its author's feedback, and
 * audits it. */
static int put_review(struct decide_job *j, struct store_txn *t, const struct sc_note_head *h,
                      const struct sc_review *r, uint64_t seq)
{
	struct sc_buf b = {0};
	int rc = sc_encode(&sc_rec_review, SC_MSGPACK, r, &b);
	if (rc != FN_OK)
		return rc;
	struct dbkey rk = {.n = 0}, fk = {.n = 0};
	dbkey_str(&rk, h->id);
	dbkey_u64(&rk, seq);
	dbkey_str(&fk, h->author);
	dbkey_u64(&fk, seq);
	rc = store_put(t, j->rv->reviews, rk.b, rk.n, b.p, b.n, 0, NULL);
	if (rc == FN_OK)
		rc = store_put(t, j->rv->feedback, fk.b, fk.n, b.p, b.n, 0, NULL);
	sc_buf_free(&b);
	if (rc != FN_OK)
		return rc;
	char *rec = sc_arena_printf(j->a, "%.*s#%lld", (int)h->id.n, h->id.p, (long long)h->latest);
	if (!rec)
		return FN_NO_MEMORY;
	struct audit_event ev = {"note.reviewed", r->by, auth_role_name(ROLE_SUPERVISOR), j->who->device_id, {rec, strlen(rec)},
	                         j->req->decision.p, NULL};
	return audit_append(j->rv->audit, t, &ev, j->now);
}

static int decide_txn(struct store_txn *t, void *arg)
{
	struct decide_job *j = arg;
	struct review *rv = j->rv;
	struct sc_note_head h;
	struct sc_note *n;
	uint64_t seq;
	int rc;

	if ((rc = notes_head_get(rv->notes, t, j->id, j->a, &h)) != FN_OK)
		return rc;
	if (!notes_may_see(j->who, &h) || sc_str_eq(h.author, j->who->user->username.p))
		return FN_NOT_FOUND;
	if (j->req->revision != h.latest)
		return sc_error_set(j->err, FN_CONFLICT, "revision", "revision %" PRId64 " is not the latest (%"
		                    PRId64 "); review the latest revision", j->req->revision, h.latest);
	if (sc_str_eq(h.status, "accepted") || sc_str_eq(h.status, "returned"))
		return sc_error_set(j->err, FN_CONFLICT, "revision", "this revision was already %s", h.status.p);
	if ((rc = notes_latest_get(rv->notes, t, &h, j->a, &n)) != FN_OK)
		return rc;
	if ((rc = store_counter_next(t, "review.seq", &seq)) != FN_OK)
		return rc;
	struct sc_review *r = j->out;
	fill_review(j, &h, seq, r);
	if (sc_str_eq(r->decision, "escalated") && (rc = open_escalation(j, t, &h, r)) != FN_OK)
		return rc;
	if ((rc = put_review(j, t, &h, r, seq)) != FN_OK)
		return rc;
	return notes_set_status(rv->notes, t, &h, n, j->req->decision, j->now);
}

/* What a decision must say, before the note is looked at. */
static int check_request(const struct sc_review_request *req, struct sc_error *err)
{
	const struct sc_str *c = SC_HAS(review_request, req, comment) ? &req->comment : NULL;
	int blank = 1;
	for (size_t i = 0; c && i < c->n; i++)
		blank &= c->p[i] == ' ' || c->p[i] == '\n' || c->p[i] == '\t' || c->p[i] == '\r';
	if (sc_str_eq(req->decision, "returned") && blank)
		return sc_error_set(err, FN_VALIDATION_FAILED, "comment",
		                    "comment: say what the author should add or correct");
	if (sc_str_eq(req->decision, "escalated") &&
	    (!SC_HAS(review_request, req, target) || !SC_HAS(review_request, req, stage))) {
		const char *field = SC_HAS(review_request, req, target) ? "stage" : "target";
		return sc_error_set(err, FN_VALIDATION_FAILED, field, "%s: an escalation needs a target (mash, "
		                    "early_help, camhs, duty_manager) and a stage", field);
	}
	if (SC_HAS(review_request, req, stage) && (req->stage < 1 || req->stage > 10))
		return sc_error_set(err, FN_VALIDATION_FAILED, "stage", "stage: must be 1 to 10");
	if (sc_str_eq(req->decision, "escalated") && req->stage > ESCALATION_LAST_STAGE)
		return sc_error_set(err, FN_VALIDATION_FAILED, "stage", "stage: an escalation has stages 1 (team "
		                    "manager), 2 (head of service) and 3 (safeguarding partnership)");
	return FN_OK;
}

int review_decide(struct review *rv, const struct auth_principal *who, struct sc_str id,
                  const struct sc_review_request *req, int64_t now, struct sc_arena *a,
                  struct sc_review *out, struct sc_error *err)
{
	sc_error_set(err, FN_OK, NULL, NULL);
	int rc = check_request(req, err);
	struct decide_job j = {rv, who, id, req, now, a, out, err};
	if (rc == FN_OK)
		rc = id.n == 0 || id.n > 64 ? FN_NOT_FOUND : store_write_bulk(rv->store, decide_txn, &j);
	if (err)
		err->status = rc; /* also for failures that carry no message */
	return rc;
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
	struct dbkey start = {.n = 0};
	dbkey_str(&start, owner);
	*l = (struct review_list){{NULL, start.n}, a, NULL, 0, 0, limit, 0, FN_OK};
	char *p = sc_arena_alloc(a, start.n);
	if (!p)
		return FN_NO_MEMORY;
	memcpy(p, start.b, start.n);
	l->prefix.p = p;
	dbkey_u64(&start, after + 1);
	int rc = store_scan(t, db, start.b, start.n, 0, review_one, l);
	if (rc != FN_OK)
		return rc;
	return l->rc;
}

/* The notes module's hook: a note view's reviews, oldest first. */
static int reviews_of(void *arg, struct store_txn *t, struct sc_str id, struct sc_arena *a,
                      struct sc_list_review *out)
{
	struct review *rv = arg;
	struct review_list l;
	int rc = list_reviews(rv->reviews, t, id, 0, 1000, a, &l);
	out->v = l.v;
	out->n = l.n;
	return rc;
}

int review_feedback(struct review *rv, struct store_txn *t, const struct auth_principal *who,
                    uint64_t since, size_t limit, struct sc_arena *a, struct sc_feedback_page *out)
{
	struct review_list l;
	int rc = list_reviews(rv->feedback, t, who->user->username, since, limit, a, &l);
	if (rc != FN_OK)
		return rc;
	memset(out, 0, sizeof *out);
	out->items.v = l.v;
	out->items.n = l.n;
	out->next = l.n ? l.v[l.n - 1].seq : (int64_t)since;
	out->more = l.more;
	SC_SET_ALL(feedback_page, out);
	return FN_OK;
}

/* --- erasure (the notes module's hook) --------------------------------- */

static int erase_reviews(void *arg, struct store_txn *t, const struct sc_note_head *h, int dry,
                         struct mbedtls_sha256_context *sha, struct notes_erased *out)
{
	struct review *rv = arg;
	struct notes_erase_keys *c = malloc(sizeof *c);
	if (!c)
		return FN_NO_MEMORY;
	c->sha = sha;
	int rc = notes_erase_collect(t, rv->reviews, h->id, 8, c);
	if (rc == FN_OK && dry) {
		/* what erasing would count: each review and its feedback copy */
		out->reviews += c->n;
		out->index_entries += c->n;
	}
	for (size_t i = 0; rc == FN_OK && !dry && i < c->n; i++) {
		/* The author's feedback copy has the review's sequence number. */
		struct dbkey fk = {.n = 0};
		dbkey_str(&fk, h->author);
		dbkey_raw(&fk, (struct sc_str){(const char *)c->keys[i].b + c->prefix.n, 8});
		if ((rc = notes_erase_del(t, rv->reviews, c->keys[i].b, c->keys[i].n, &out->reviews)) == FN_OK)
			rc = notes_erase_del(t, rv->feedback, fk.b, fk.n, &out->index_entries);
	}
	free(c);
	return rc;
}
