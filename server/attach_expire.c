/* attach_expire.c - how an unfinished upload ends without completing:
 * deleted by the device that made it (tus "termination") or swept once
 * abandoned (tus "expiration"). Either way its chunks, record, pending
 * index and quota reservation go in one transaction. */
#include "attach_internal.h"

#include <string.h>

#include "status.h"

int attach_expired(const struct attach *a, const struct sc_upload_record *u, int64_t now)
{
	return !u->done && a->lim.expiry_secs > 0 && now >= u->created + a->lim.expiry_secs;
}

int64_t attach_expires_at(const struct attach *a, const struct sc_upload_record *u)
{
	return u->done || a->lim.expiry_secs <= 0 ? 0 : u->created + a->lim.expiry_secs;
}

struct sweep_ids {
	struct sc_arena *ar;
	struct sc_str *v;
	size_t n, cap;
};

/* Collected first, dropped after: store_scan does not promise a cursor
 * that survives deletes under it. */
static int collect_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct sweep_ids *s = arg;
	(void)key;
	if (val->n != 32)
		return STORE_SCAN_CONTINUE;
	struct sc_str *v = sc_arena_grow(s->ar, s->v, s->n, &s->cap, sizeof *v, 16);
	char *p = sc_arena_strndup(s->ar, val->p, val->n);
	if (!v || !p)
		return FN_NO_MEMORY;
	s->v = v;
	v[s->n++] = (struct sc_str){p, 32};
	return STORE_SCAN_CONTINUE;
}

/* Why the pending index and not the uploads: it holds only the unfinished
 * uploads (a handful per device), while finished records stay for good,
 * so this is cheap enough to run inside every create. */
int attach_sweep_expired(struct attach *a, struct store_txn *t, int64_t now, size_t *dropped)
{
	struct sweep_ids s = {sc_arena_new(0), NULL, 0, 0};
	*dropped = 0;
	if (a->lim.expiry_secs <= 0)
		return FN_OK;
	if (!s.ar)
		return FN_NO_MEMORY;
	int rc = store_scan(t, a->pending, NULL, 0, 0, collect_one, &s);
	for (size_t i = 0; rc == FN_OK && i < s.n; i++) {
		struct sc_upload_record u;
		rc = attach_get_record(t, a->uploads, s.v[i].p, 32, &sc_rec_upload_record, s.ar, &u);
		if (rc == FN_NOT_FOUND) {
			rc = FN_OK;
			continue;
		}
		if (rc == FN_OK && attach_expired(a, &u, now) && (rc = attach_upload_drop(a, t, s.v[i], &u)) == FN_OK)
			(*dropped)++;
	}
	sc_arena_free(s.ar);
	return rc;
}

struct delete_job {
	struct attach *a;
	struct sc_str owner, device, id;
	struct sc_arena *ar;
};

static int same(struct sc_str x, struct sc_str y)
{
	return x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
}

static int delete_txn(struct store_txn *t, void *arg)
{
	struct delete_job *j = arg;
	struct sc_upload_record u;
	int rc = attach_get_record(t, j->a->uploads, j->id.p, 32, &sc_rec_upload_record, j->ar, &u);
	if (rc != FN_OK)
		return rc;
	/* another device of the same user is told nothing either: a shared or
	 * stolen session must not end a colleague's upload */
	if (!same(u.owner, j->owner) || (SC_HAS(upload_record, &u, device_id) && !same(u.device_id, j->device)))
		return FN_NOT_FOUND;
	if (u.done)
		return FN_CONFLICT;
	return attach_upload_drop(j->a, t, j->id, &u);
}

int attach_upload_delete(struct attach *a, struct sc_str owner, struct sc_str device, struct sc_str id)
{
	if (id.n != 32)
		return FN_NOT_FOUND;
	struct delete_job j = {a, owner, device, id, sc_arena_new(0)};
	if (!j.ar)
		return FN_NO_MEMORY;
	int rc = store_write(a->store, delete_txn, &j);
	sc_arena_free(j.ar);
	return rc;
}
