/* holds.c - legal holds per child reference, stored and audited. */
#include "holds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "rules.h"
#include "status.h"

#define REF_MAX 64
#define REASON_MAX 500

struct holds {
	struct store *store;
	struct audit *audit;
	store_db db; /* child_ref -> hold */
};

int holds_open(struct holds **out, struct store *s, struct audit *audit)
{
	struct holds *h = calloc(1, sizeof *h);
	int rc;
	*out = NULL;
	if (!h)
		return FN_NO_MEMORY;
	h->store = s;
	h->audit = audit;
	if ((rc = store_db_open(s, "holds", &h->db)) != FN_OK) {
		free(h);
		return rc;
	}
	*out = h;
	return FN_OK;
}

void holds_close(struct holds *h)
{
	free(h);
}

struct hold_job {
	struct holds *h;
	const struct sc_hold *hold; /* NULL: remove */
	struct sc_str child_ref;
	const struct holds_actor *who;
	int64_t now;
};

static int hold_txn(struct store_txn *t, void *arg)
{
	struct hold_job *j = arg;
	int rc;
	if (j->hold) {
		struct sc_buf b = {0};
		rc = sc_encode(&sc_rec_hold, SC_MSGPACK, j->hold, &b);
		if (rc == FN_OK)
			rc = store_put(t, j->h->db, j->child_ref.p, j->child_ref.n, b.p, b.n, 0, NULL);
		sc_buf_free(&b);
	} else {
		rc = store_del(t, j->h->db, j->child_ref.p, j->child_ref.n);
	}
	if (rc != FN_OK)
		return rc;
	/* A hold names the child by its pseudonymous reference, as the
	 * contacts read does: the audit holds no note content. */
	struct audit_event ev = {j->hold ? "hold.added" : "hold.removed", j->who->name, j->who->role,
	                         {"", 0}, j->child_ref, "ok", j->who->address};
	return audit_append(j->h->audit, t, &ev, j->now);
}

/* The notes' own rule: a name typed here would land in the audit log. */
static int ref_ok(struct sc_str ref, struct sc_error *err)
{
	if (!rules_child_ref_ok(ref))
		return sc_error_set(err, FN_VALIDATION_FAILED, "child_ref", "child_ref: must be a pseudonymous "
		                    "reference (4-%d letters, digits and ._:-, with at least one digit), never a name",
		                    REF_MAX);
	return FN_OK;
}

int holds_add(struct holds *h, struct sc_str child_ref, struct sc_str reason,
              const struct holds_actor *who, int64_t now, struct sc_error *err)
{
	if (ref_ok(child_ref, err) != FN_OK)
		return FN_VALIDATION_FAILED;
	if (reason.n > REASON_MAX)
		return sc_error_set(err, FN_VALIDATION_FAILED, "reason", "reason: at most %d bytes", REASON_MAX);
	struct sc_hold hold = {0};
	hold.child_ref = child_ref;
	hold.by = who->name;
	hold.at = now;
	SC_SET(hold, &hold, child_ref);
	SC_SET(hold, &hold, by);
	SC_SET(hold, &hold, at);
	if (reason.n) {
		hold.reason = reason;
		SC_SET(hold, &hold, reason);
	}
	struct hold_job j = {h, &hold, child_ref, who, now};
	int rc = store_write(h->store, hold_txn, &j);
	if (rc != FN_OK)
		sc_error_set(err, rc, NULL, "cannot store the hold: %s", sc_status_message(rc));
	return rc;
}

int holds_remove(struct holds *h, struct sc_str child_ref, const struct holds_actor *who,
                 int64_t now, struct sc_error *err)
{
	if (ref_ok(child_ref, err) != FN_OK)
		return FN_VALIDATION_FAILED;
	struct hold_job j = {h, NULL, child_ref, who, now};
	int rc = store_write(h->store, hold_txn, &j);
	if (rc == FN_NOT_FOUND)
		sc_error_set(err, rc, NULL, "no hold on that child reference");
	else if (rc != FN_OK)
		sc_error_set(err, rc, NULL, "cannot remove the hold: %s", sc_status_message(rc));
	return rc;
}

int holds_get(struct holds *h, struct store_txn *t, struct sc_str child_ref, struct sc_arena *a,
              struct sc_hold *out)
{
	struct sc_str v;
	if (child_ref.n == 0 || child_ref.n > REF_MAX)
		return FN_NOT_FOUND;
	int rc = store_get(t, h->db, child_ref.p, child_ref.n, &v);
	if (rc != FN_OK)
		return rc;
	memset(out, 0, sizeof *out);
	return sc_decode(&sc_rec_hold, SC_MSGPACK, v.p, v.n, NULL, a, out, NULL) == FN_OK ? FN_OK : FN_INTERNAL;
}

struct list_ctx {
	struct sc_arena *a;
	struct sc_hold_list *out;
	size_t cap;
	int rc;
};

static int list_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct list_ctx *c = arg;
	(void)key;
	struct sc_hold *v = sc_arena_grow(c->a, c->out->items.v, c->out->items.n, &c->cap, sizeof *v, 16);
	if (!v) {
		c->rc = FN_NO_MEMORY;
		return STORE_SCAN_STOP;
	}
	c->out->items.v = v;
	memset(&v[c->out->items.n], 0, sizeof *v);
	if (sc_decode(&sc_rec_hold, SC_MSGPACK, val->p, val->n, NULL, c->a, &v[c->out->items.n], NULL) != FN_OK) {
		c->rc = FN_INTERNAL;
		return STORE_SCAN_STOP;
	}
	c->out->items.n++;
	return STORE_SCAN_CONTINUE;
}

int holds_list(struct holds *h, struct store_txn *t, struct sc_arena *a, struct sc_hold_list *out)
{
	struct list_ctx c = {a, out, 0, FN_OK};
	memset(out, 0, sizeof *out);
	int rc = store_scan(t, h->db, NULL, 0, 0, list_one, &c);
	SC_SET_ALL(hold_list, out);
	return rc != FN_OK ? rc : c.rc;
}
