/* session.c - sign-in and sign-out, and the session kept (sealed) in the store. */
#include "session.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "crypto.h"
#include "net.h"
#include "records.h"
#include "rpc.h"
#include "store.h"

int fni_meta_user(fn_client *c, MDB_txn *t, struct sc_arena *a, struct sc_user_summary *out)
{
	struct sc_buf b = {0};
	int rc = fni_st_get_sealed(&c->st, t, DB_META, "user", 4, &b);
	if (rc == FN_OK) {
		rc = sc_decode(&sc_rec_user_summary, SC_MSGPACK, b.p, b.n, NULL, a, out, NULL);
		if (rc != FN_OK && rc != FN_NO_MEMORY)
			rc = FN_WRONG_KEY;
	}
	sc_buf_free(&b);
	return rc;
}

int fni_user_cached(fn_client *c, struct sc_arena *a, struct sc_user_summary *out)
{
	if (!c->user_loaded) {
		MDB_txn *t;
		int rc = fni_st_read(&c->st, &t);
		if (rc != FN_OK)
			return rc;
		c->user_mp.n = 0;
		rc = fni_st_get_sealed(&c->st, t, DB_META, "user", 4, &c->user_mp);
		fni_st_read_end(t);
		if (rc != FN_OK && rc != FN_NOT_FOUND)
			return rc;
		c->user_loaded = 1;
	}
	if (!c->user_mp.n)
		return FN_NOT_FOUND;
	int rc = sc_decode(&sc_rec_user_summary, SC_MSGPACK, c->user_mp.p, c->user_mp.n, NULL, a, out, NULL);
	return rc == FN_OK || rc == FN_NO_MEMORY ? rc : FN_WRONG_KEY;
}

int fni_meta_token(fn_client *c, MDB_txn *t, char *token, size_t cap)
{
	struct sc_buf b = {0};
	struct sc_arena *a = sc_arena_new(4096);
	struct sc_session_reply s;
	if (!a)
		return FN_NO_MEMORY;
	int rc = fni_st_get_sealed(&c->st, t, DB_META, "session", 7, &b);
	if (rc == FN_NOT_FOUND)
		rc = FN_UNAUTHORIZED;
	if (rc == FN_OK && sc_decode(&sc_rec_session_reply, SC_MSGPACK, b.p, b.n, NULL, a, &s, NULL) != FN_OK)
		rc = FN_WRONG_KEY;
	if (rc == FN_OK && s.token.n >= cap)
		rc = FN_WRONG_KEY;
	if (rc == FN_OK)
		memcpy(token, s.token.p, s.token.n + 1);
	if (b.p)
		fni_cr_wipe(b.p, b.n);
	sc_buf_free(&b);
	sc_arena_free(a);
	return rc;
}

struct login_job {
	fn_client *c;
	const struct sc_session_reply *reply;
	struct sc_buf sess, user, tls;
};

static int login_txn(MDB_txn *t, void *arg)
{
	struct login_job *j = arg;
	struct st *s = &j->c->st;
	int rc = fni_st_put_sealed(s, t, DB_META, "session", 7, j->sess.p, j->sess.n);
	if (rc == FN_OK)
		rc = fni_st_put_sealed(s, t, DB_META, "user", 4, j->user.p, j->user.n);
	if (rc == FN_OK && j->tls.n)
		rc = fni_st_put_sealed(s, t, DB_META, "tls", 3, j->tls.p, j->tls.n);
	if (rc == FN_OK)
		rc = fni_st_put_u64(s, t, "clock_offset", (uint64_t)j->c->clock_offset);
	if (rc == FN_OK && (rc = fni_st_del(s, t, DB_META, "revoked", 7)) == FN_NOT_FOUND)
		rc = FN_OK; /* the server let this identity in again */
	return rc;
}

FN_API int fn_login(fn_client *c, const char *username, const char *password)
{
	struct rpc x;
	struct sc_session_request req = {0};
	struct sc_session_reply reply;
	struct sc_buf body = {0};
	int rc;

	if (!c)
		return FN_BAD_ARGUMENT;
	pthread_mutex_lock(&c->netmu);
	pthread_mutex_lock(&c->mu);
	if (!username || !password || !*username || !*password) {
		rc = fni_fail(c, FN_BAD_ARGUMENT, "username and password are required");
		goto out_locked;
	}
	if (!c->online) {
		rc = fni_fail(c, FN_BAD_ARGUMENT, "no server URL was given to fn_client_open");
		goto out_locked;
	}
	pthread_mutex_unlock(&c->mu);

	if ((rc = fni_rpc_init(&x, c)) != FN_OK) {
		pthread_mutex_lock(&c->mu);
		rc = fni_fail(c, rc, "out of memory");
		goto out_locked;
	}
	req.username = (struct sc_str){username, strlen(username)};
	req.password = (struct sc_str){password, strlen(password)};
	req.device_id = (struct sc_str){c->device_id, strlen(c->device_id)};
	SC_SET_ALL(session_request, &req);
	rc = sc_encode(&sc_rec_session_request, SC_MSGPACK, &req, &body);
	if (rc == FN_OK)
		rc = fni_rpc_call(&x, "POST", "/v1/session", body.p, body.n, 0);
	if (body.p)
		fni_cr_wipe(body.p, body.n);
	sc_buf_free(&body);
	if (rc == FN_OK)
		rc = fni_rpc_decode(&x, &sc_rec_session_reply, &reply);

	struct login_job j = {c, &reply, {0}, {0}, {0}};
	if (rc == FN_OK) {
		rc = sc_encode(&sc_rec_session_reply, SC_MSGPACK, &reply, &j.sess);
		if (rc == FN_OK)
			rc = sc_encode(&sc_rec_user_summary, SC_MSGPACK, reply.user, &j.user);
		fni_net_session_take(c->net, &j.tls);
	}
	fni_net_close(c->net, 1);
	pthread_mutex_lock(&c->mu);
	if (rc == FN_OK && (rc = fni_st_write(&c->st, login_txn, &j)) != FN_OK)
		fni_fail_store(c, rc);
	else if (rc == FN_OK)
		c->user_loaded = 0; /* read again on next use */
	else if (rc == FN_UNAUTHORIZED)
		fni_fail(c, rc, "wrong username or password");
	else if (rc == FN_DEVICE_REVOKED && fni_session_revoked(c) != FN_OK)
		fni_fail_store(c, rc);
	else if (rc != FN_OK)
		fni_fail(c, rc, "%s", x.detail[0] ? x.detail : sc_status_message(rc));
	if (j.sess.p)
		fni_cr_wipe(j.sess.p, j.sess.n);
	sc_buf_free(&j.sess);
	sc_buf_free(&j.user);
	sc_buf_free(&j.tls);
	fni_rpc_end(&x);
out_locked:
	pthread_mutex_unlock(&c->mu);
	pthread_mutex_unlock(&c->netmu);
	return rc;
}

static int forget_txn(MDB_txn *t, void *arg)
{
	fn_client *c = arg;
	int rc = fni_st_del(&c->st, t, DB_META, "session", 7);
	return rc == FN_NOT_FOUND ? FN_OK : rc;
}

/* Forgets the token (the user's details stay, for offline capture). */
int fni_session_forget(fn_client *c)
{
	return fni_st_write(&c->st, forget_txn, c);
}

static int revoked_txn(MDB_txn *t, void *arg)
{
	fn_client *c = arg;
	int rc = forget_txn(t, arg);
	return rc ? rc : fni_st_put(&c->st, t, DB_META, "revoked", 7, c->device_id, strlen(c->device_id));
}

int fni_session_revoked(fn_client *c)
{
	return fni_st_write(&c->st, revoked_txn, c);
}

int fni_session_is_revoked(fn_client *c, MDB_txn *t)
{
	MDB_val v;
	size_t n = strlen(c->device_id);
	/* Revocation belongs to the identity: a new device id (re-enrolment)
	 * starts clean. */
	return fni_st_get(&c->st, t, DB_META, "revoked", 7, &v) == FN_OK && v.mv_size == n &&
	       memcmp(v.mv_data, c->device_id, n) == 0;
}

FN_API int fn_logout(fn_client *c)
{
	struct rpc x;
	MDB_txn *t;
	int rc;

	if (!c)
		return FN_BAD_ARGUMENT;
	pthread_mutex_lock(&c->netmu);
	pthread_mutex_lock(&c->mu);
	if ((rc = fni_rpc_init(&x, c)) != FN_OK) {
		rc = fni_fail(c, rc, "out of memory");
		goto out;
	}
	rc = fni_st_read(&c->st, &t);
	if (rc == FN_OK) {
		rc = fni_meta_token(c, t, x.token, sizeof x.token);
		fni_st_read_end(t);
	}
	if (rc == FN_UNAUTHORIZED) { /* not signed in: nothing to do */
		rc = FN_OK;
		goto out_rpc;
	}
	if (rc != FN_OK) {
		fni_fail_store(c, rc);
		goto out_rpc;
	}
	int server = FN_NETWORK_ERROR; /* no server URL: the server is not told */
	if (c->online) {
		pthread_mutex_unlock(&c->mu);
		x.attempts = 2; /* signing out must not keep the user waiting, */
		x.max_wait_ms = 2000; /* nor wait long on Retry-After */
		server = fni_rpc_call(&x, "DELETE", "/v1/session", NULL, 0, 1);
		fni_net_close(c->net, 1);
		pthread_mutex_lock(&c->mu);
	}
	/* A token the server no longer knows is as good as ended. */
	if (server == FN_UNAUTHORIZED || server == FN_TOKEN_EXPIRED || server == FN_TOKEN_REVOKED ||
	    server == FN_DEVICE_REVOKED)
		server = FN_OK;
	if ((rc = fni_session_forget(c)) != FN_OK)
		fni_fail_store(c, rc);
	else if ((rc = server) != FN_OK)
		fni_fail(c, rc, "signed out on this device; the server was not told (%s): the token expires on its own",
		         x.detail[0] ? x.detail : "no server URL");
out_rpc:
	fni_rpc_end(&x);
out:
	pthread_mutex_unlock(&c->mu);
	pthread_mutex_unlock(&c->netmu);
	return rc;
}

FN_API int fn_session_get(fn_client *c, char **out)
{
	struct sc_arena *a;
	struct sc_user_summary u;
	struct sc_buf b = {0};
	struct sc_session_reply s;
	MDB_txn *t;
	int rc, signed_in = 0, have_user = 0, revoked;
	int64_t expires = 0;

	if (!c || !out)
		return FN_BAD_ARGUMENT;
	*out = NULL;
	pthread_mutex_lock(&c->mu);
	if ((rc = fni_read_start(c, &a, &t)) != FN_OK)
		goto out;
	revoked = fni_session_is_revoked(c, t);
	rc = fni_meta_user(c, t, a, &u);
	have_user = rc == FN_OK;
	if (rc == FN_NOT_FOUND)
		rc = FN_OK;
	if (rc == FN_OK) {
		rc = fni_st_get_sealed(&c->st, t, DB_META, "session", 7, &b);
		if (rc == FN_OK && sc_decode(&sc_rec_session_reply, SC_MSGPACK, b.p, b.n, NULL, a, &s, NULL) == FN_OK) {
			signed_in = 1;
			expires = s.expires_at;
		}
		if (rc == FN_NOT_FOUND)
			rc = FN_OK;
	}
	fni_st_read_end(t);
	if (b.p)
		fni_cr_wipe(b.p, b.n);
	sc_buf_free(&b);
	if (rc != FN_OK) {
		fni_fail_store(c, rc);
		goto out;
	}
	json_t *o = json_object();
	json_object_set_new(o, "signed_in", json_boolean(signed_in));
	json_object_set_new(o, "revoked", json_boolean(revoked));
	if (have_user) {
		json_object_set_new(o, "username", json_stringn(u.username.p, u.username.n));
		json_object_set_new(o, "role", json_stringn(u.role.p, u.role.n));
		if (SC_HAS(user_summary, &u, agency))
			json_object_set_new(o, "agency", json_stringn(u.agency.p, u.agency.n));
		json_t *teams = json_array();
		for (size_t i = 0; i < u.teams.n; i++)
			json_array_append_new(teams, json_stringn(u.teams.v[i].p, u.teams.v[i].n));
		json_object_set_new(o, "teams", teams);
	}
	if (signed_in)
		json_object_set_new(o, "expires_at", json_integer(expires));
	json_object_set_new(o, "device_id", json_string(c->device_id));
	*out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!*out)
		rc = fni_fail(c, FN_NO_MEMORY, "out of memory");
out:
	sc_arena_free(a);
	pthread_mutex_unlock(&c->mu);
	return rc;
}
