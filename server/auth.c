/* auth.c - users, Argon2id passwords, random tokens stored as SHA-256 hashes. */
#include "auth.h"

#include <argon2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "audit.h"
#include "auth_internal.h"
#include "clock.h"
#include "mbedtls/sha256.h"
#include "status.h"

#define SALT_BYTES 16
#define HASH_BYTES 32

enum auth_role auth_role_parse(const char *s, size_t n)
{
	int r = sc_enum_index(sc_enum_role, (struct sc_str){s, n});
	return r < 0 ? ROLE_NONE : (enum auth_role)r;
}

const char *auth_role_name(enum auth_role r)
{
	return r < ROLE_NONE ? sc_enum_role[r] : "none";
}

int auth_fill_random(void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0)
			return FN_INTERNAL;
		p += got;
		n -= (size_t)got;
	}
	return FN_OK;
}

static int hash_password(const struct auth *a, const char *pw, size_t n,
                         char *out, size_t outlen)
{
	unsigned char salt[SALT_BYTES];
	if (auth_fill_random(salt, sizeof salt) != FN_OK)
		return FN_INTERNAL;
	int rc = argon2id_hash_encoded(a->cfg.argon_t, a->cfg.argon_m_kib, a->cfg.argon_p,
	                               pw, n, salt, sizeof salt, HASH_BYTES, out, outlen);
	return rc == ARGON2_OK ? FN_OK : (rc == ARGON2_MEMORY_ALLOCATION_ERROR ? FN_NO_MEMORY : FN_INTERNAL);
}

int auth_open(struct auth **out, struct store *s, const struct auth_config *cfg,
              struct audit *audit)
{
	struct auth *a = calloc(1, sizeof *a);
	int rc;

	*out = NULL;
	if (!a)
		return FN_NO_MEMORY;
	a->store = s;
	a->audit = audit;
	a->cfg = *cfg;
	if ((rc = store_db_open(s, "auth.users", &a->users)) != FN_OK ||
	    (rc = store_db_open(s, "auth.tokens", &a->tokens)) != FN_OK ||
	    (rc = store_db_open(s, "auth.devices", &a->devices)) != FN_OK ||
	    (rc = store_db_open(s, "auth.known", &a->known)) != FN_OK ||
	    (rc = store_db_open(s, "auth.unlocks", &a->unlocks)) != FN_OK ||
	    (rc = auth_fill_random(a->label_key, sizeof a->label_key)) != FN_OK ||
	    (rc = hash_password(a, "fieldnote-timing-equaliser", 26, a->dummy_hash,
	                        sizeof a->dummy_hash)) != FN_OK) {
		free(a);
		return rc;
	}
	*out = a;
	return FN_OK;
}

void auth_close(struct auth *a)
{
	if (a)
		explicit_bzero(a->label_key, sizeof a->label_key);
	free(a);
}

int auth_user_find(struct auth *a, struct store_txn *t, struct sc_str name, struct sc_arena *arena,
                   struct sc_user_record **out)
{
	if (name.n == 0 || name.n > 64)
		return FN_NOT_FOUND;
	return auth_load_user(a, t, name.p, name.n, arena, out);
}

void auth_user_summary(const struct sc_user_record *u, struct sc_user_summary *out)
{
	memset(out, 0, sizeof *out);
	sc_project(&sc_rec_user_record, u, &sc_rec_user_summary, out);
}

struct user_put {
	struct auth *a;
	struct sc_user_record *rec;
	int replace;
	int disable; /* -1: leave, 0/1: set (auth_user_set_disabled) */
};

/* Writes a user; any change of password or state moves the user's epoch on,
 * which ends every token issued before. */
static int put_user(struct store_txn *t, void *arg)
{
	struct user_put *up = arg;
	struct auth *a = up->a;
	struct sc_user_record *u = up->rec;
	struct sc_str old;
	struct sc_buf b = {0};
	int rc = store_get(t, a->users, u->username.p, u->username.n, &old);

	if (rc == FN_OK && !up->replace)
		return FN_CONFLICT;
	if (rc != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	if (rc == FN_OK) {
		struct sc_arena *ar = sc_arena_new(0);
		struct sc_user_record prev = {0};
		if (!ar)
			return FN_NO_MEMORY;
		rc = sc_decode(&sc_rec_user_record, SC_MSGPACK, old.p, old.n, NULL, ar, &prev, NULL);
		int64_t epoch = SC_HAS(user_record, &prev, epoch) ? prev.epoch : 0;
		sc_arena_free(ar);
		if (rc != FN_OK)
			return FN_INTERNAL;
		u->epoch = epoch + 1;
		SC_SET(user_record, u, epoch);
	}
	if ((rc = sc_encode(&sc_rec_user_record, SC_MSGPACK, u, &b)) == FN_OK)
		rc = store_put(t, a->users, u->username.p, u->username.n, b.p, b.n, 0, NULL);
	sc_buf_free(&b);
	if (rc != FN_OK)
		return rc;
	const char *what = up->disable == 1 ? "user.disabled" : up->disable == 0 ? "user.enabled"
	                 : up->replace ? "user.updated" : "user.added";
	struct audit_event ev = {what, SC_STR_LIT("cli"), "admin", {"", 0}, u->username, "ok", NULL};
	return audit_append(a->audit, t, &ev, clock_now());
}

int auth_agency_valid(struct sc_str agency)
{
	if (agency.n == 0 || agency.n > 64)
		return 0;
	for (size_t i = 0; i < agency.n; i++) {
		char c = agency.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

int auth_user_add(struct auth *a, const struct sc_user_record *u,
                  const char *password, size_t pwlen, int replace, struct sc_error *err)
{
	struct sc_user_record rec = *u;
	struct sc_error why;
	char hash[256];
	int rc;

	/* A partner without an agency would receive nothing, or (matched on an
	 * empty name) everything: refuse it here, whichever path adds users. */
	if (auth_role_parse(u->role.p, u->role.n) == ROLE_PARTNER &&
	    (!SC_HAS(user_record, u, agency) || !auth_agency_valid(u->agency)))
		return sc_error_set(err, FN_VALIDATION_FAILED, NULL, "a partner needs --agency (the receiving agency: "
		                    "mash, csc, early_help, camhs, yot...; lower case letters, digits and _)");
	if (pwlen < 8 || pwlen > 256)
		return sc_error_set(err, FN_VALIDATION_FAILED, NULL, "password must be 8 to 256 bytes");
	if ((rc = hash_password(a, password, pwlen, hash, sizeof hash)) != FN_OK)
		return sc_error_set(err, rc, NULL, "password hashing failed");
	rec.password_hash = (struct sc_str){hash, strlen(hash)};
	SC_SET(user_record, &rec, password_hash);
	rec.password_changed = clock_now();
	SC_SET(user_record, &rec, password_changed);
	if ((rc = sc_validate(&sc_rec_user_record, &rec, &why)) != FN_OK)
		return sc_error_set(err, rc, why.field, "%.100s: %.150s", why.field, why.message);
	struct user_put up = {a, &rec, replace, -1};
	rc = store_write(a->store, put_user, &up);
	explicit_bzero(hash, sizeof hash);
	if (rc == FN_CONFLICT)
		sc_error_set(err, rc, NULL, "user %.*s already exists (use --replace to change it)",
		             (int)rec.username.n, rec.username.p);
	else if (rc != FN_OK)
		sc_error_set(err, rc, NULL, "cannot store user: %s", sc_status_message(rc));
	return rc;
}

int auth_load_user(struct auth *a, struct store_txn *t, const char *name, size_t n,
                   struct sc_arena *arena, struct sc_user_record **out)
{
	struct sc_str val;
	int rc = store_get(t, a->users, name, n, &val);
	if (rc != FN_OK)
		return rc;
	struct sc_user_record *u = sc_arena_alloc(arena, sizeof *u);
	if (!u)
		return FN_NO_MEMORY;
	rc = sc_decode(&sc_rec_user_record, SC_MSGPACK, val.p, val.n, &sc_limits_default, arena, u, NULL);
	if (rc != FN_OK)
		return FN_INTERNAL; /* a stored record that does not decode */
	*out = u;
	return FN_OK;
}

int auth_user_set_disabled(struct auth *a, const char *username, int disabled, struct sc_error *err)
{
	struct store_txn *t;
	struct sc_user_record *u = NULL;
	struct sc_arena *ar = sc_arena_new(0);
	int rc;

	if (!ar)
		return FN_NO_MEMORY;
	if ((rc = store_read_begin(a->store, &t)) == FN_OK) {
		rc = auth_load_user(a, t, username, strlen(username), ar, &u);
		store_read_end(t);
	}
	if (rc == FN_OK) {
		u->disabled = disabled != 0;
		SC_SET(user_record, u, disabled);
		struct user_put up = {a, u, 1, disabled != 0};
		rc = store_write(a->store, put_user, &up);
	}
	if (rc == FN_NOT_FOUND)
		sc_error_set(err, rc, NULL, "no user %s", username);
	else if (rc != FN_OK)
		sc_error_set(err, rc, NULL, "cannot change user %s: %s", username, sc_status_message(rc));
	sc_arena_free(ar);
	return rc;
}

struct device_job {
	struct auth *a;
	struct sc_str device, actor;
};

static int revoke_txn(struct store_txn *t, void *arg)
{
	struct device_job *j = arg;
	unsigned char when[8];
	int64_t now = clock_now();
	store_u64_key((uint64_t)now, when);
	int rc = store_put(t, j->a->devices, j->device.p, j->device.n, when, 8, 0, NULL);
	if (rc != FN_OK)
		return rc;
	struct audit_event ev = {"device.revoked", j->actor, "admin", j->device, j->device, "ok", NULL};
	return audit_append(j->a->audit, t, &ev, now);
}

int auth_device_revoke(struct auth *a, const char *device_id, struct sc_str actor, struct sc_error *err)
{
	struct device_job j = {a, {device_id, strlen(device_id)}, actor};
	if (j.device.n == 0 || j.device.n > 128)
		return sc_error_set(err, FN_VALIDATION_FAILED, NULL, "a device id is 1 to 128 characters");
	int rc = store_write(a->store, revoke_txn, &j);
	if (rc != FN_OK)
		sc_error_set(err, rc, NULL, "cannot revoke device: %s", sc_status_message(rc));
	return rc;
}

int auth_device_revoked(struct auth *a, struct store_txn *t, struct sc_str device)
{
	struct sc_str v;
	return store_get(t, a->devices, device.p, device.n, &v) == FN_OK;
}

void auth_token_hash(const char *token, size_t n, unsigned char out[32])
{
	mbedtls_sha256((const unsigned char *)token, n, out, 0);
}

struct touch_job {
	struct auth *a;
	const unsigned char *hash;
	int64_t now;
};

/* Moves a token's last use on, if the token is still there. */
static int touch_txn(struct store_txn *t, void *arg)
{
	struct touch_job *j = arg;
	struct sc_str val;
	struct sc_token_record tr = {0};
	struct sc_buf b = {0};
	struct sc_arena *ar;
	int rc = store_get(t, j->a->tokens, j->hash, 32, &val);
	if (rc != FN_OK)
		return rc == FN_NOT_FOUND ? FN_OK : rc;
	if (!(ar = sc_arena_new(0)))
		return FN_NO_MEMORY;
	rc = sc_decode(&sc_rec_token_record, SC_MSGPACK, val.p, val.n, NULL, ar, &tr, NULL);
	if (rc == FN_OK) {
		tr.last_used = j->now;
		SC_SET(token_record, &tr, last_used);
		rc = sc_encode(&sc_rec_token_record, SC_MSGPACK, &tr, &b);
	}
	if (rc == FN_OK)
		rc = store_put(t, j->a->tokens, j->hash, 32, b.p, b.n, 0, NULL);
	sc_buf_free(&b);
	sc_arena_free(ar);
	return rc;
}

#define TOUCH_EVERY 60 /* seconds: last use is recorded this coarsely */

int auth_check(struct auth *a, const char *token, size_t n, const char *peer,
               struct sc_arena *arena, struct auth_principal *out)
{
	struct store_txn *t;
	struct sc_str val;
	struct sc_token_record tr = {0};
	struct sc_user_record *u = NULL;
	int rc, revoked = 0;
	int64_t now = clock_now();

	memset(out, 0, sizeof *out);
	if (n < 16 || n > 128)
		return FN_UNAUTHORIZED;
	auth_token_hash(token, n, out->token_hash);
	if ((rc = store_read_begin(a->store, &t)) != FN_OK)
		return rc;
	rc = store_get(t, a->tokens, out->token_hash, 32, &val);
	if (rc == FN_OK)
		rc = sc_decode(&sc_rec_token_record, SC_MSGPACK, val.p, val.n, &sc_limits_default, arena, &tr, NULL);
	if (rc == FN_OK)
		rc = auth_load_user(a, t, tr.username.p, tr.username.n, arena, &u);
	if (rc == FN_OK)
		revoked = auth_device_revoked(a, t, tr.device_id);
	store_read_end(t);
	if (rc == FN_NOT_FOUND)
		return FN_UNAUTHORIZED;
	if (rc != FN_OK)
		return rc;
	if (revoked)
		return FN_DEVICE_REVOKED;
	int64_t epoch = SC_HAS(user_record, u, epoch) ? u->epoch : 0;
	int64_t tepoch = SC_HAS(token_record, &tr, epoch) ? tr.epoch : 0;
	if ((SC_HAS(user_record, u, disabled) && u->disabled) || epoch != tepoch)
		return FN_TOKEN_REVOKED;
	/* A token bound to a device certificate works only over that device's
	 * connection; a token issued without one does not need one. */
	if (SC_HAS(token_record, &tr, peer) && (!peer || !sc_str_eq(tr.peer, peer)))
		return FN_UNAUTHORIZED;
	int64_t last = SC_HAS(token_record, &tr, last_used) ? tr.last_used : tr.created;
	if (tr.expires_at <= now || now - last > a->cfg.token_idle)
		return FN_TOKEN_EXPIRED;
	int64_t every = a->cfg.token_idle / 4 < TOUCH_EVERY ? a->cfg.token_idle / 4 : TOUCH_EVERY;
	if (now - last >= every) {
		struct touch_job j = {a, out->token_hash, now};
		/* On a full disk the token still works: its last use is only
		 * recorded late, and reads must go on (see store.h). */
		if ((rc = store_write(a->store, touch_txn, &j)) != FN_OK && rc != FN_STORE_FULL)
			return rc;
	}
	out->user = u;
	out->role = auth_role_parse(u->role.p, u->role.n);
	out->device_id = tr.device_id;
	return FN_OK;
}

struct token_del {
	struct auth *a;
	const struct auth_principal *p;
	const char *address;
};

/* Ends the token and audits it in one transaction. */
static int del_token(struct store_txn *t, void *arg)
{
	struct token_del *td = arg;
	const struct auth_principal *p = td->p;
	int rc = store_del(t, td->a->tokens, p->token_hash, 32);
	if (rc != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	struct audit_event ev = {"session.logout", p->user->username, auth_role_name(p->role), p->device_id,
	                         p->user->username, "ok", td->address};
	return audit_append(td->a->audit, t, &ev, clock_now());
}

int auth_logout(struct auth *a, const struct auth_principal *p, const char *address)
{
	struct token_del td = {a, p, address};
	return store_write(a->store, del_token, &td);
}
