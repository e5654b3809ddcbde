/* notes_index.c - the notes module's indexes as the review module reads
 * them (the queue, a child's contacts), and a decision's status change. */
#include "notes_internal.h"

#include <string.h>

#include "status.h"

void notes_set_review_hooks(struct notes *ns, const struct notes_review_hooks *hooks)
{
	ns->review = *hooks;
}

int notes_set_status(struct notes *ns, struct store_txn *t, const struct sc_note_head *h,
                     const struct sc_note *n, struct sc_str status, int64_t now)
{
	struct sc_note_head nh = *h;
	int rc;
	nh.status = status;
	nh.updated_at = now;
	if ((rc = notes_put_head(ns, t, &nh)) != FN_OK)
		return rc;
	return notes_requeue(ns, t, h, &nh, rules_review_due(n, now, &ns->rc));
}

struct queue_ctx {
	struct sc_str prefix; /* team 0 status */
	notes_queue_fn fn;
	void *arg;
};

static int queue_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct queue_ctx *c = arg;
	if (key->n < c->prefix.n + 8 || memcmp(key->p, c->prefix.p, c->prefix.n) != 0)
		return STORE_SCAN_STOP;
	int64_t updated = (int64_t)store_key_u64(key->p + c->prefix.n);
	struct sc_str id = {key->p + c->prefix.n + 8, key->n - c->prefix.n - 8};
	int64_t due = val->n == 8 ? (int64_t)store_key_u64(val->p) : 0;
	return c->fn(updated, id, due, c->arg);
}

int notes_queue_scan(struct notes *ns, struct store_txn *t, struct sc_str team, unsigned status,
                     int64_t from_updated, struct sc_str from_id, notes_queue_fn fn, void *arg)
{
	struct dbkey start = {.n = 0};
	dbkey_str(&start, team);
	dbkey_u8(&start, status);
	struct dbkey pfx = start; /* what every key must start with */
	if (from_id.n) {
		dbkey_u64(&start, (uint64_t)from_updated);
		dbkey_raw(&start, from_id);
	}
	struct queue_ctx c = {{(const char *)pfx.b, pfx.n}, fn, arg};
	return store_scan(t, ns->queue, start.b, start.n, 0, queue_one, &c);
}

struct contact_ctx {
	struct sc_str prefix; /* child_ref 0 */
	notes_contact_fn fn;
	void *arg;
};

static int contact_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct contact_ctx *c = arg;
	(void)val;
	if (key->n <= c->prefix.n + 8 || memcmp(key->p, c->prefix.p, c->prefix.n) != 0)
		return STORE_SCAN_STOP;
	int64_t when = (int64_t)store_key_u64(key->p + c->prefix.n);
	struct sc_str id = {key->p + c->prefix.n + 8, key->n - c->prefix.n - 8};
	return c->fn(when, id, c->arg);
}

int notes_contacts_scan(struct notes *ns, struct store_txn *t, struct sc_str child_ref,
                        notes_contact_fn fn, void *arg)
{
	struct dbkey start = {.n = 0};
	dbkey_str(&start, child_ref);
	struct dbkey pfx = start;
	dbkey_u64(&start, UINT64_MAX);
	struct contact_ctx c = {{(const char *)pfx.b, pfx.n}, fn, arg};
	return store_scan(t, ns->by_child, start.b, start.n, 1, contact_one, &c);
}
