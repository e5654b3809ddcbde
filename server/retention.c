/* retention.c - fieldnote retention run: notes past retention and not
 * held are erased in batches, each erasure audited in its transaction. */
#include "retention.h"

#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "audit.h"
#include "holds.h"
#include "notes_erase.h"
#include "status.h"
#include "store.h"

#define DAY 86400
#define DAYS_MAX 3650000 /* 10,000 years: beyond it a period means never */
#define SCAN_PER_PASS 2000 /* heads looked at per read transaction */

int retention_expired(const struct retention_config *cfg, struct sc_str status, int64_t updated_at,
                      int64_t now)
{
	int64_t days = sc_str_eq(status, "submitted") ? cfg->days_unreviewed : cfg->days;
	if (days <= 0 || days > DAYS_MAX)
		return 0;
	return updated_at <= now - days * DAY;
}

struct run {
	struct store *s;
	struct notes *ns;
	struct holds *holds;
	struct attach *att;
	struct audit *audit;
	const struct retention_config *cfg;
	int dry;
	struct sc_str actor;
	int64_t now;
	struct retention_report *rep;
	struct sc_arena *a;
	struct store_txn *t; /* the pass's read transaction */
	/* one pass */
	struct sc_str *ids;
	size_t n, max, looked;
	char last[65];
	size_t last_n;
	int more;
};

/* 1 held, 0 not, or an error status (negative never: statuses are > 0). */
static int held(struct holds *holds, struct store_txn *t, struct sc_str ref, struct sc_arena *a)
{
	struct sc_hold h;
	int rc = holds_get(holds, t, ref, a, &h);
	return rc == FN_OK ? 1 : rc == FN_NOT_FOUND ? 0 : -rc;
}

static int pick(const struct sc_note_head *h, void *arg)
{
	struct run *r = arg;
	memcpy(r->last, h->id.p, h->id.n < 64 ? h->id.n : 64);
	r->last_n = h->id.n < 64 ? h->id.n : 64;
	r->rep->scanned++;
	r->looked++;
	if (retention_expired(r->cfg, h->status, h->updated_at, r->now)) {
		int hd = held(r->holds, r->t, h->child_ref, r->a);
		r->rep->expired++;
		if (hd < 0)
			return -hd;
		if (hd) {
			r->rep->held++;
		} else if (r->dry) {
			struct notes_erased e = {0};
			int rc = notes_erase(r->ns, r->t, h, 1, &e);
			if (rc != FN_OK)
				return rc;
			r->rep->notes++;
			r->rep->revisions += e.revisions;
			r->rep->reviews += e.reviews;
			r->rep->index_entries += e.index_entries;
		} else {
			char *id = sc_arena_strndup(r->a, h->id.p, h->id.n);
			if (!id)
				return FN_NO_MEMORY;
			r->ids[r->n++] = (struct sc_str){id, h->id.n};
		}
	}
	if (r->n == r->max || r->looked == SCAN_PER_PASS) {
		r->more = 1;
		return STORE_SCAN_STOP;
	}
	return STORE_SCAN_CONTINUE;
}

/* The batch's write: may run more than once (store_write), so it counts
 * into a fresh report each time. */
struct batch {
	struct run *r;
	struct retention_report got;
};

static int erase_one(struct batch *b, struct store_txn *t, struct sc_str id)
{
	struct run *r = b->r;
	struct sc_note_head h;
	struct notes_erased e = {0};
	int rc = notes_head(r->ns, t, id, r->a, &h);
	if (rc == FN_NOT_FOUND)
		return FN_OK; /* gone meanwhile */
	if (rc != FN_OK)
		return rc;
	if (!retention_expired(r->cfg, h.status, h.updated_at, r->now))
		return FN_OK; /* a new revision or review arrived meanwhile */
	int hd = held(r->holds, t, h.child_ref, r->a);
	if (hd != 0)
		return hd < 0 ? -hd : FN_OK; /* a hold was placed meanwhile */
	if ((rc = notes_erase(r->ns, t, &h, 0, &e)) != FN_OK)
		return rc;
	size_t attachments = 0;
	if (r->att && (rc = attach_delete_note(r->att, t, h.id, &attachments)) != FN_OK)
		return rc;
	b->got.attachments += attachments;
	char *rec = sc_arena_printf(r->a, "%.*s#%lld sha256:%s", (int)h.id.n, h.id.p, (long long)h.latest, e.hash);
	if (!rec)
		return FN_NO_MEMORY;
	struct audit_event ev = {"note.erased", r->actor, "admin", {"", 0}, {rec, strlen(rec)}, "retention", NULL};
	if ((rc = audit_append(r->audit, t, &ev, r->now)) != FN_OK)
		return rc;
	b->got.notes++;
	b->got.revisions += e.revisions;
	b->got.reviews += e.reviews;
	b->got.index_entries += e.index_entries;
	b->got.audit_entries++;
	return FN_OK;
}

static int batch_txn(struct store_txn *t, void *arg)
{
	struct batch *b = arg;
	memset(&b->got, 0, sizeof b->got);
	for (size_t i = 0; i < b->r->n; i++) {
		int rc = erase_one(b, t, b->r->ids[i]);
		if (rc != FN_OK)
			return rc;
	}
	return FN_OK;
}

static int summary_txn(struct store_txn *t, void *arg)
{
	struct run *r = arg;
	char rec[96];
	snprintf(rec, sizeof rec, "%llu notes erased", (unsigned long long)r->rep->notes);
	struct audit_event ev = {"retention.run", r->actor, "admin", {"", 0}, {rec, strlen(rec)}, "ok", NULL};
	return audit_append(r->audit, t, &ev, r->now);
}

/* One pass: pick up to a batch of notes in a read transaction, then (not
 * dry) erase them in one write transaction. */
static int pass(struct run *r, struct sc_error *err)
{
	int rc = store_read_begin(r->s, &r->t);
	if (rc != FN_OK)
		return sc_error_set(err, rc, NULL, "cannot read the store: %s", sc_status_message(rc));
	r->n = 0;
	r->looked = 0;
	r->more = 0;
	char after[65];
	size_t after_n = r->last_n;
	memcpy(after, r->last, after_n);
	rc = notes_heads_scan(r->ns, r->t, after, after_n, r->a, pick, r);
	store_read_end(r->t);
	r->t = NULL;
	if (rc != FN_OK)
		return sc_error_set(err, rc, NULL, "cannot scan the notes: %s", sc_status_message(rc));
	if (r->dry || r->n == 0)
		return FN_OK;
	struct batch b = {r, {0}};
	if ((rc = store_write(r->s, batch_txn, &b)) != FN_OK)
		return sc_error_set(err, rc, NULL, "cannot delete a batch of %zu notes: %s", r->n,
		                    sc_status_message(rc));
	r->rep->notes += b.got.notes;
	r->rep->revisions += b.got.revisions;
	r->rep->reviews += b.got.reviews;
	r->rep->index_entries += b.got.index_entries;
	r->rep->attachments += b.got.attachments;
	r->rep->audit_entries += b.got.audit_entries;
	return FN_OK;
}

int retention_run(struct store *s, struct notes *ns, struct holds *holds, struct attach *att, struct audit *audit,
                  const struct retention_config *cfg, int dry, struct sc_str actor, int64_t now,
                  struct retention_report *out, struct sc_error *err)
{
	struct run r = {s, ns, holds, att, audit, cfg, dry, actor, now, out};
	int rc = FN_OK;

	memset(out, 0, sizeof *out);
	r.max = cfg->batch ? cfg->batch : 100;
	r.a = sc_arena_new(0);
	r.ids = r.a ? sc_arena_alloc(r.a, r.max * sizeof *r.ids) : NULL;
	if (!r.ids) {
		sc_arena_free(r.a);
		return sc_error_set(err, FN_NO_MEMORY, NULL, "out of memory");
	}
	do {
		sc_arena_reset(r.a);
		r.ids = sc_arena_alloc(r.a, r.max * sizeof *r.ids);
		rc = r.ids ? pass(&r, err) : FN_NO_MEMORY;
	} while (rc == FN_OK && r.more);
	if (rc == FN_OK && !dry) {
		if ((rc = store_write(s, summary_txn, &r)) == FN_OK)
			out->audit_entries++;
		else
			sc_error_set(err, rc, NULL, "cannot audit the run: %s", sc_status_message(rc));
	}
	sc_arena_free(r.a);
	return rc;
}
