/* test_retention.c - retention periods at their edges, and legal holds
 * stored, listed, audited and lifted in a real store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "holds.h"
#include "retention.h"
#include "status.h"
#include "store.h"
#include "unit.h"

static int test_retention_periods(void)
{
	struct retention_config c = {30, 0, 0};
	int64_t now = 2000000000, day = 86400;
	struct sc_str accepted = SC_STR_LIT("accepted"), submitted = SC_STR_LIT("submitted");
	CHECK_EQ_INT(retention_expired(&c, accepted, now - 30 * day, now), 1);
	CHECK_EQ_INT(retention_expired(&c, accepted, now - 30 * day + 1, now), 0);
	CHECK_EQ_INT(retention_expired(&c, SC_STR_LIT("escalated"), now - 31 * day, now), 1);
	/* unreviewed notes: 0 means kept until reviewed, however old */
	CHECK_EQ_INT(retention_expired(&c, submitted, 0, now), 0);
	c.days_unreviewed = 60;
	CHECK_EQ_INT(retention_expired(&c, submitted, now - 59 * day, now), 0);
	CHECK_EQ_INT(retention_expired(&c, submitted, now - 60 * day, now), 1);
	/* 0 and absurd periods never delete (no overflow into the past) */
	c.days = 0;
	CHECK_EQ_INT(retention_expired(&c, accepted, 0, now), 0);
	c.days = INT64_MAX / 2;
	CHECK_EQ_INT(retention_expired(&c, accepted, 0, now), 0);
	return 0;
}

static int test_holds_stored_audited_and_lifted(void)
{
	char dir[] = "/tmp/fn-retention-test.XXXXXX";
	struct sc_error err = {0};
	struct store *s;
	struct audit *a;
	struct holds *h;
	struct store_txn *t;
	struct sc_hold got;
	struct sc_hold_list l;
	const struct holds_actor who = {SC_STR_INIT("admin1"), "admin", "127.0.0.1"};
	CHECK(mkdtemp(dir) != NULL);
	CHECK_EQ_INT(store_open(&s, dir, 1, NULL, NULL), FN_OK);
	CHECK_EQ_INT(audit_open(&a, s), FN_OK);
	CHECK_EQ_INT(holds_open(&h, s, a), FN_OK);
	struct sc_arena *ar = sc_arena_new(0);
	CHECK(ar != NULL);
	CHECK_EQ_INT(holds_add(h, SC_STR_LIT("C-1-A"), SC_STR_LIT("inquiry"), &who, 100, &err), FN_OK);
	CHECK_EQ_INT(holds_add(h, SC_STR_LIT(""), SC_STR_LIT(""), &who, 100, &err), FN_VALIDATION_FAILED);
	/* a name is refused before it can reach the audit log */
	CHECK_EQ_INT(holds_add(h, SC_STR_LIT("Jane Smith"), SC_STR_LIT(""), &who, 100, &err), FN_VALIDATION_FAILED);
	CHECK(err.status == FN_VALIDATION_FAILED && strcmp(err.field, "child_ref") == 0);
	CHECK_EQ_INT(holds_remove(h, SC_STR_LIT("C-2-B"), &who, 101, &err), FN_NOT_FOUND);
	CHECK_EQ_INT(store_read_begin(s, &t), FN_OK);
	CHECK_EQ_INT(holds_get(h, t, SC_STR_LIT("C-1-A"), ar, &got), FN_OK);
	CHECK(sc_str_eq(got.reason, "inquiry") && sc_str_eq(got.by, "admin1") && got.at == 100);
	CHECK_EQ_INT(holds_list(h, t, ar, &l), FN_OK);
	CHECK_EQ_INT(l.items.n, 1);
	store_read_end(t);
	CHECK_EQ_INT(holds_remove(h, SC_STR_LIT("C-1-A"), &who, 102, &err), FN_OK);
	CHECK_EQ_INT(store_read_begin(s, &t), FN_OK);
	CHECK_EQ_INT(holds_get(h, t, SC_STR_LIT("C-1-A"), ar, &got), FN_NOT_FOUND);
	store_read_end(t);
	/* the add and the remove are on record (the refused ones are not) */
	uint64_t seq, checked, bad;
	char hash[65];
	CHECK_EQ_INT(audit_head(a, &seq, hash), FN_OK);
	CHECK_EQ_INT(seq, 2);
	CHECK_EQ_INT(audit_verify(a, &checked, &bad, &err), FN_OK);
	sc_arena_free(ar);
	holds_close(h);
	audit_close(a);
	store_close(s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	return 0;
}

const struct unit_case retention_cases[] = {
	{"retention_periods", test_retention_periods},
	{"holds_stored_audited_and_lifted", test_holds_stored_audited_and_lifted},
	{NULL, NULL},
};
