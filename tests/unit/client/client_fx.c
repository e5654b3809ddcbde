/* client_fx.c - fixtures the client unit suites share (see client_fx.h). */
#include "client_fx.h"
#include "records.h"
#include "store.h"

struct session_bufs {
	fn_client *c;
	struct sc_buf sess, user;
};

static int session_txn(MDB_txn *t, void *arg)
{
	struct session_bufs *b = arg;
	int rc = fni_st_put_sealed(&b->c->st, t, DB_META, "session", 7, b->sess.p, b->sess.n);
	return rc ? rc : fni_st_put_sealed(&b->c->st, t, DB_META, "user", 4, b->user.p, b->user.n);
}

int cfx_write_session(fn_client *c)
{
	struct sc_user_summary u = {0};
	struct sc_session_reply r = {0};
	struct session_bufs b = {c, {0}, {0}};
	struct sc_str team = SC_STR_LIT("north");
	u.username = SC_STR_LIT("officer1");
	u.role = SC_STR_LIT("officer");
	u.teams = (struct sc_strs){&team, 1};
	u.has = SC_BIT(user_summary, username) | SC_BIT(user_summary, role) | SC_BIT(user_summary, teams);
	r.token = SC_STR_LIT("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	r.expires_at = 4000000000;
	r.user = &u;
	SC_SET_ALL(session_reply, &r);
	int rc = sc_encode(&sc_rec_session_reply, SC_MSGPACK, &r, &b.sess);
	if (rc == FN_OK)
		rc = sc_encode(&sc_rec_user_summary, SC_MSGPACK, &u, &b.user);
	if (rc == FN_OK)
		rc = fni_st_write(&c->st, session_txn, &b);
	sc_buf_free(&b.sess);
	sc_buf_free(&b.user);
	return rc;
}
