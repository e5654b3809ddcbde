/* auth_list.c - walks the users and known devices for `user list` and `device list`. */
#include "auth_list.h"

#include <string.h>

#include "arena.h"
#include "auth_internal.h"
#include "status.h"
#include "store.h"

/* A walk over users or devices: the caller's function (one of the two)
 * and its argument, and the read transaction the steps look things up in. */
struct walk {
	struct auth *a;
	struct store_txn *t;
	auth_user_fn user_fn;
	auth_device_fn device_fn;
	void *arg;
};

/* Runs step over every key of db in one read transaction. */
static int walk(struct walk *w, store_db db, store_scan_fn step)
{
	int rc = store_read_begin(w->a->store, &w->t);
	if (rc != FN_OK)
		return rc;
	rc = store_scan(w->t, db, NULL, 0, 0, step, w);
	store_read_end(w->t);
	return rc;
}

static int user_step(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct walk *w = arg;
	struct sc_arena *ar = sc_arena_new(0);
	struct sc_user_record u;
	(void)key;
	if (!ar)
		return FN_NO_MEMORY;
	int rc = sc_decode(&sc_rec_user_record, SC_MSGPACK, val->p, val->n, &sc_limits_default, ar, &u, NULL);
	if (rc == FN_OK)
		rc = w->user_fn(&u, w->arg) ? STORE_SCAN_STOP : STORE_SCAN_CONTINUE;
	sc_arena_free(ar);
	return rc == FN_OK ? STORE_SCAN_CONTINUE : rc;
}

int auth_user_each(struct auth *a, auth_user_fn fn, void *arg)
{
	struct walk w = {a, NULL, fn, NULL, arg};
	return walk(&w, a->users, user_step);
}

/* auth.known: username NUL device_id -> last sign-in (8 bytes, big-endian). */
static int device_step(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct walk *w = arg;
	const char *nul = memchr(key->p, 0, key->n);
	char user[128], device[160];
	if (!nul || (size_t)(nul - key->p) >= sizeof user || key->n - (size_t)(nul - key->p) - 1 >= sizeof device)
		return STORE_SCAN_CONTINUE;
	size_t un = (size_t)(nul - key->p), dn = key->n - un - 1;
	memcpy(user, key->p, un);
	user[un] = 0;
	memcpy(device, nul + 1, dn);
	device[dn] = 0;
	int64_t last = 0;
	for (size_t i = 0; i < 8 && i < val->n; i++)
		last = (int64_t)((uint64_t)last << 8 | (unsigned char)val->p[i]);
	struct sc_str d = {device, dn};
	int revoked = auth_device_revoked(w->a, w->t, d);
	return w->device_fn(user, device, last, revoked, w->arg) ? STORE_SCAN_STOP : STORE_SCAN_CONTINUE;
}

int auth_device_each(struct auth *a, auth_device_fn fn, void *arg)
{
	struct walk w = {a, NULL, NULL, fn, arg};
	return walk(&w, a->known, device_step);
}
