/* auth_list.c - walks the users and known devices for `user list` and `device list`. */
#include "auth_list.h"

#include <string.h>

#include "arena.h"
#include "auth_internal.h"
#include "status.h"
#include "store.h"

struct user_walk {
	struct auth *a;
	struct store_txn *t;
	auth_user_fn fn;
	void *arg;
};

static int user_step(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct user_walk *w = arg;
	struct sc_arena *ar = sc_arena_new(0);
	struct sc_user_record u;
	(void)key;
	if (!ar)
		return FN_NO_MEMORY;
	int rc = sc_decode(&sc_rec_user_record, SC_MSGPACK, val->p, val->n, &sc_limits_default, ar, &u, NULL);
	if (rc == FN_OK)
		rc = w->fn(&u, w->arg) ? STORE_SCAN_STOP : STORE_SCAN_CONTINUE;
	sc_arena_free(ar);
	return rc == FN_OK ? STORE_SCAN_CONTINUE : rc;
}

int auth_user_each(struct auth *a, auth_user_fn fn, void *arg)
{
	struct user_walk w = {a, NULL, fn, arg};
	int rc = store_read_begin(a->store, &w.t);
	if (rc != FN_OK)
		return rc;
	rc = store_scan(w.t, a->users, NULL, 0, 0, user_step, &w);
	store_read_end(w.t);
	return rc;
}

struct device_walk {
	struct auth *a;
	struct store_txn *t;
	auth_device_fn fn;
	void *arg;
};

/* auth.known: username NUL device_id -> last sign-in (8 bytes, big-endian). */
static int device_step(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct device_walk *w = arg;
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
	return w->fn(user, device, last, revoked, w->arg) ? STORE_SCAN_STOP : STORE_SCAN_CONTINUE;
}

int auth_device_each(struct auth *a, auth_device_fn fn, void *arg)
{
	struct device_walk w = {a, NULL, fn, arg};
	int rc = store_read_begin(a->store, &w.t);
	if (rc != FN_OK)
		return rc;
	rc = store_scan(w.t, a->known, NULL, 0, 0, device_step, &w);
	store_read_end(w.t);
	return rc;
}
