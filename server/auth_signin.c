/* auth_signin.c - signing in: the facts throttling needs, the password
 * check, the token with its audit entry in one transaction, unlocks. */
#include <argon2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "auth_internal.h"
#include "clock.h"
#include "hex.h"
#include "mbedtls/md.h"
#include "status.h"

#define TOKEN_BYTES 32 /* 256 random bits */

static void b64url(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0, i = 0;
	for (; i + 2 < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
	} else if (n - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
	}
	out[o] = 0;
}

/* A known device's key: username NUL device_id. */
static size_t known_key(struct sc_str user, struct sc_str device, unsigned char *out, size_t cap)
{
	if (user.n + 1 + device.n > cap)
		return 0;
	memcpy(out, user.p, user.n);
	out[user.n] = 0;
	memcpy(out + user.n + 1, device.p, device.n);
	return user.n + 1 + device.n;
}

static void unknown_label(const struct auth *a, struct sc_str name, char out[80])
{
	unsigned char mac[32];
	mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), a->label_key, sizeof a->label_key,
	                (const unsigned char *)name.p, name.n, mac);
	memcpy(out, "unknown:", 8);
	sc_hex_encode(mac, 8, out + 8);
}

int auth_device_known(struct auth *a, struct sc_str username, struct sc_str device_id)
{
	struct auth_signin_facts f;
	return auth_signin_facts(a, username, device_id, &f) == FN_OK && f.known_device;
}

int auth_signin_facts(struct auth *a, struct sc_str username, struct sc_str device_id,
                      struct auth_signin_facts *out)
{
	struct store_txn *t;
	struct sc_str v;
	unsigned char k[64 + 1 + 128];
	size_t kn = known_key(username, device_id, k, sizeof k);
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = store_read_begin(a->store, &t)) != FN_OK)
		return rc;
	if ((rc = store_get(t, a->users, username.p, username.n, &v)) == FN_OK)
		out->user_exists = 1;
	if (rc == FN_OK && kn && (rc = store_get(t, a->known, k, kn, &v)) == FN_OK)
		out->known_device = 1;
	if ((rc == FN_OK || rc == FN_NOT_FOUND) && out->user_exists &&
	    (rc = store_get(t, a->unlocks, username.p, username.n, &v)) == FN_OK && v.n == 8)
		out->unlocks = (int64_t)store_key_u64(v.p);
	store_read_end(t);
	if (rc != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	if (out->user_exists)
		snprintf(out->label, sizeof out->label, "%.*s", (int)username.n, username.p);
	else
		unknown_label(a, username, out->label);
	return FN_OK;
}

/* Everything a successful sign-in writes, in one transaction. */
struct login_put {
	struct auth *a;
	unsigned char hash[32];
	struct sc_buf enc;
	struct sc_str user, device;
	const struct audit_event *ev;
	int64_t now;
};

static int put_login(struct store_txn *t, void *arg)
{
	struct login_put *lp = arg;
	unsigned char k[64 + 1 + 128], when[8];
	size_t kn = known_key(lp->user, lp->device, k, sizeof k);
	int rc = store_put(t, lp->a->tokens, lp->hash, sizeof lp->hash, lp->enc.p, lp->enc.n, 0, NULL);

	store_u64_key((uint64_t)lp->now, when);
	if (rc == FN_OK && kn)
		rc = store_put(t, lp->a->known, k, kn, when, sizeof when, 0, NULL);
	return rc == FN_OK ? audit_append(lp->a->audit, t, lp->ev, lp->now) : rc;
}

/* Verifies the password, also (against a dummy) for an unknown user.
 * *u is the user, NULL if unknown. */
static int check_password(struct auth *a, const struct sc_session_request *req, struct sc_arena *arena,
                          struct sc_user_record **u)
{
	struct store_txn *t;
	int rc, revoked;

	*u = NULL;
	if ((rc = store_read_begin(a->store, &t)) != FN_OK)
		return rc;
	rc = auth_load_user(a, t, req->username.p, req->username.n, arena, u);
	revoked = auth_device_revoked(a, t, req->device_id);
	store_read_end(t);
	if (rc != FN_OK && rc != FN_NOT_FOUND)
		return rc;

	const char *encoded = *u ? (*u)->password_hash.p : a->dummy_hash;
	int ok = argon2id_verify(encoded, req->password.p, req->password.n) == ARGON2_OK;
	if (!*u || !ok || (SC_HAS(user_record, *u, disabled) && (*u)->disabled))
		return FN_UNAUTHORIZED;
	return revoked ? FN_DEVICE_REVOKED : FN_OK;
}

static int fill_reply(struct sc_user_record *u, char *token, int64_t expires_at, struct sc_arena *arena,
                      struct sc_session_reply *reply)
{
	struct sc_user_summary *sum = sc_arena_alloc(arena, sizeof *sum);
	if (!sum)
		return FN_NO_MEMORY;
	auth_user_summary(u, sum);
	memset(reply, 0, sizeof *reply);
	reply->token = (struct sc_str){token, strlen(token)};
	SC_SET(session_reply, reply, token);
	reply->expires_at = expires_at;
	SC_SET(session_reply, reply, expires_at);
	reply->user = sum;
	SC_SET(session_reply, reply, user);
	return FN_OK;
}

int auth_login(struct auth *a, const struct sc_session_request *req,
               const char *peer, const char *address, struct sc_arena *arena,
               struct sc_session_reply *reply)
{
	struct sc_user_record *u = NULL;
	int rc;

	if (peer && !sc_str_eq(req->device_id, peer))
		return FN_FORBIDDEN; /* device_id must be the certificate's device */
	if ((rc = check_password(a, req, arena, &u)) != FN_OK)
		return rc;

	unsigned char raw[TOKEN_BYTES];
	char *token = sc_arena_alloc(arena, TOKEN_BYTES * 2);
	if (!token)
		return FN_NO_MEMORY;
	if (auth_fill_random(raw, sizeof raw) != FN_OK)
		return FN_INTERNAL;
	b64url(raw, sizeof raw, token);

	int64_t now = clock_now();
	struct sc_token_record tr = {0};
	tr.username = u->username;
	SC_SET(token_record, &tr, username);
	tr.device_id = req->device_id;
	SC_SET(token_record, &tr, device_id);
	tr.created = now;
	SC_SET(token_record, &tr, created);
	tr.expires_at = now + a->cfg.token_ttl;
	SC_SET(token_record, &tr, expires_at);
	tr.epoch = SC_HAS(user_record, u, epoch) ? u->epoch : 0;
	SC_SET(token_record, &tr, epoch);
	tr.last_used = now;
	SC_SET(token_record, &tr, last_used);
	if (peer) {
		tr.peer = (struct sc_str){peer, strlen(peer)};
		SC_SET(token_record, &tr, peer);
	}

	struct audit_event ev = {"session.login", u->username, u->role.p, req->device_id, u->username, "ok", address};
	struct login_put lp = {.a = a, .user = u->username, .device = req->device_id, .ev = &ev, .now = now};
	auth_token_hash(token, strlen(token), lp.hash);
	if ((rc = sc_encode(&sc_rec_token_record, SC_MSGPACK, &tr, &lp.enc)) == FN_OK)
		rc = store_write(a->store, put_login, &lp);
	sc_buf_free(&lp.enc);
	return rc == FN_OK ? fill_reply(u, token, tr.expires_at, arena, reply) : rc;
}

struct unlock_job {
	struct auth *a;
	struct sc_str user, actor;
};

static int unlock_txn(struct store_txn *t, void *arg)
{
	struct unlock_job *j = arg;
	struct sc_str v;
	unsigned char count[8];
	uint64_t unlocks = 0;
	int64_t now = clock_now();
	int rc = store_get(t, j->a->users, j->user.p, j->user.n, &v);
	if (rc != FN_OK)
		return rc;
	/* A count, not a time: two unlocks in one second must both read as new. */
	if ((rc = store_get(t, j->a->unlocks, j->user.p, j->user.n, &v)) == FN_OK && v.n == 8)
		unlocks = store_key_u64(v.p);
	else if (rc != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	store_u64_key(unlocks + 1, count);
	if ((rc = store_put(t, j->a->unlocks, j->user.p, j->user.n, count, 8, 0, NULL)) != FN_OK)
		return rc;
	struct audit_event ev = {"user.unlocked", j->actor, "admin", {"", 0}, j->user, "ok", NULL};
	return audit_append(j->a->audit, t, &ev, now);
}

int auth_user_unlock(struct auth *a, const char *username, struct sc_str actor, struct sc_error *err)
{
	struct unlock_job j = {a, {username, strlen(username)}, actor};
	int rc = store_write(a->store, unlock_txn, &j);
	if (rc == FN_NOT_FOUND)
		sc_error_set(err, rc, NULL, "no user %s", username);
	else if (rc != FN_OK)
		sc_error_set(err, rc, NULL, "cannot unlock user %s: %s", username, sc_status_message(rc));
	return rc;
}

