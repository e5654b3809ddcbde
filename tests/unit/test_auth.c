/* test_auth.c - sign-in against a real store: the token and its audit entry
 * commit together or not at all (issue 9 item 14), and so do sign-out and
 * its entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "config.h"
#include "status.h"
#include "store.h"
#include "unit.h"

struct fixture {
	char dir[64];
	struct store *store;
	struct audit *audit;
	struct auth *auth;
	store_db tokens, log, head;
};

static int fixture_open(struct fixture *f)
{
	struct config d;
	config_defaults(&d);
	struct auth_config cfg = d.auth;
	cfg.argon_m_kib = 64; /* fast hashing; the defaults are tested through the CLI */
	cfg.argon_t = 1;
	cfg.argon_p = 1;
	struct sc_user_record u = {0};

	memset(f, 0, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/fn-auth-test.XXXXXX");
	if (!mkdtemp(f->dir) || store_open(&f->store, f->dir, 1, NULL, NULL) != FN_OK ||
	    audit_open(&f->audit, f->store) != FN_OK ||
	    auth_open(&f->auth, f->store, &cfg, f->audit) != FN_OK ||
	    store_db_open(f->store, "auth.tokens", &f->tokens) != FN_OK ||
	    store_db_open(f->store, "audit.log", &f->log) != FN_OK ||
	    store_db_open(f->store, "audit.head", &f->head) != FN_OK)
		return 1;
	u.username = SC_STR_LIT("officer1");
	u.role = SC_STR_LIT("officer");
	SC_SET(user_record, &u, username);
	SC_SET(user_record, &u, role);
	return auth_user_add(f->auth, &u, "right-pass-1", 12, 0, NULL) != FN_OK;
}

static void fixture_close(struct fixture *f)
{
	char cmd[128];
	auth_close(f->auth);
	audit_close(f->audit);
	store_close(f->store);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
}

static int count_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	(void)key;
	(void)val;
	++*(size_t *)arg;
	return 0;
}

static size_t count(struct fixture *f, store_db db)
{
	struct store_txn *t;
	size_t n = 0;
	if (store_read_begin(f->store, &t) != FN_OK)
		return (size_t)-1;
	store_scan(t, db, NULL, 0, 0, count_one, &n);
	store_read_end(t);
	return n;
}

/* An audit log whose end cannot be read: the next append fails. */
static int break_audit(struct store_txn *t, void *arg)
{
	struct fixture *f = arg;
	unsigned char k[8];
	store_u64_key(1000, k);
	int rc = store_put(t, f->log, k, 8, "not msgpack", 11, 0, NULL);
	return rc ? rc : store_put(t, f->head, "last", 4, "bad", 3, 0, NULL);
}

static int login(struct fixture *f, const char *pw, struct sc_arena *ar, struct sc_session_reply *reply)
{
	struct sc_session_request req = {0};
	req.username = SC_STR_LIT("officer1");
	req.password = (struct sc_str){pw, strlen(pw)};
	req.device_id = SC_STR_LIT("dev-1");
	req.has = ~0ull;
	return auth_login(f->auth, &req, NULL, "127.0.0.9", ar, reply);
}

static int test_login_and_its_audit_entry_commit_together(void)
{
	struct fixture f;
	struct sc_session_reply reply;
	struct sc_arena *ar = sc_arena_new(0);
	CHECK(ar && fixture_open(&f) == 0);
	size_t audited = count(&f, f.log);
	CHECK_EQ_INT(login(&f, "right-pass-1", ar, &reply), FN_OK);
	CHECK_EQ_INT(count(&f, f.tokens), 1);
	CHECK_EQ_INT(count(&f, f.log), audited + 1); /* session.login, same commit */
	CHECK_EQ_INT(store_write(f.store, break_audit, &f), FN_OK);
	audited = count(&f, f.log);
	CHECK(login(&f, "right-pass-1", ar, &reply) != FN_OK);
	CHECK_EQ_INT(count(&f, f.tokens), 1); /* no token without its entry */
	CHECK_EQ_INT(count(&f, f.log), audited);
	fixture_close(&f);
	sc_arena_free(ar);
	return 0;
}

static int test_logout_and_its_audit_entry_commit_together(void)
{
	struct fixture f;
	struct sc_session_reply first, second;
	struct auth_principal who;
	struct sc_arena *ar = sc_arena_new(0);
	CHECK(ar && fixture_open(&f) == 0);
	CHECK_EQ_INT(login(&f, "right-pass-1", ar, &first), FN_OK);
	CHECK_EQ_INT(login(&f, "right-pass-1", ar, &second), FN_OK);
	CHECK_EQ_INT(auth_check(f.auth, second.token.p, second.token.n, NULL, ar, &who), FN_OK);
	size_t audited = count(&f, f.log);
	CHECK_EQ_INT(auth_logout(f.auth, &who, "127.0.0.9"), FN_OK);
	CHECK_EQ_INT(count(&f, f.tokens), 1);
	CHECK_EQ_INT(count(&f, f.log), audited + 1); /* session.logout, same commit */
	CHECK_EQ_INT(auth_check(f.auth, first.token.p, first.token.n, NULL, ar, &who), FN_OK);
	CHECK_EQ_INT(store_write(f.store, break_audit, &f), FN_OK);
	CHECK(auth_logout(f.auth, &who, "127.0.0.9") != FN_OK);
	CHECK_EQ_INT(count(&f, f.tokens), 1); /* not ended without its entry */
	fixture_close(&f);
	sc_arena_free(ar);
	return 0;
}

/* Regression (CI, release build): two unlocks in the same second were
 * stored as the same time, so a running server took the second for one it
 * had already applied and the account stayed locked. Every unlock must
 * read as new. */
static int test_each_unlock_is_seen_as_new(void)
{
	struct fixture f;
	struct auth_signin_facts before, once, twice;
	struct sc_error err = {0};
	struct sc_str user = SC_STR_LIT("officer1"), device = SC_STR_LIT("dev-1");
	CHECK(fixture_open(&f) == 0);
	CHECK_EQ_INT(auth_signin_facts(f.auth, user, device, &before), FN_OK);
	CHECK_EQ_INT(auth_user_unlock(f.auth, "officer1", SC_STR_LIT("cli"), &err), FN_OK);
	CHECK_EQ_INT(auth_signin_facts(f.auth, user, device, &once), FN_OK);
	CHECK_EQ_INT(auth_user_unlock(f.auth, "officer1", SC_STR_LIT("cli"), &err), FN_OK);
	CHECK_EQ_INT(auth_signin_facts(f.auth, user, device, &twice), FN_OK);
	CHECK(once.unlocks > before.unlocks);
	CHECK(twice.unlocks > once.unlocks);
	fixture_close(&f);
	return 0;
}

/* The role names are schema's SC_ENUM_role: every wire name parses to the
 * role whose name it is, and nothing else parses. */
static int test_role_names_are_the_schema_list(void)
{
	for (int r = 0; r < ROLE_NONE; r++) {
		const char *name = sc_enum_role[r];
		CHECK_EQ_INT(auth_role_parse(name, strlen(name)), r);
		CHECK(strcmp(auth_role_name((enum auth_role)r), name) == 0);
	}
	CHECK(sc_enum_role[ROLE_NONE] == NULL);
	CHECK_EQ_INT(auth_role_parse("supervisor", 10), ROLE_SUPERVISOR);
	CHECK_EQ_INT(auth_role_parse("supervisors", 11), ROLE_NONE);
	CHECK_EQ_INT(auth_role_parse("super", 5), ROLE_NONE);
	CHECK(strcmp(AUTH_ROLES_TEXT, " officer worker supervisor admin partner") == 0);
	return 0;
}

const struct unit_case auth_cases[] = {
	{"auth/role_names_are_the_schema_list", test_role_names_are_the_schema_list},
	{"auth/each_unlock_is_seen_as_new", test_each_unlock_is_seen_as_new},
	{"auth/logout_and_its_audit_entry_commit_together", test_logout_and_its_audit_entry_commit_together},
	{"auth/login_and_its_audit_entry_commit_together", test_login_and_its_audit_entry_commit_together},
	{NULL, NULL},
};
