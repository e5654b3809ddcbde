/* test_review.c - the review module through its seam with notes: decisions
 * and their errors (err->field filled by the callee), a note view's reviews
 * and erasure reaching review's databases through the hooks review_open
 * registers (and review_close removes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "notes.h"
#include "notes_erase.h"
#include "records.h"
#include "review.h"
#include "rules.h"
#include "status.h"
#include "store.h"
#include "test_schema_util.h"
#include "unit.h"

#define NOTE_ID "rv-note-1"

struct env {
	char dir[64];
	struct store *s;
	struct audit *au;
	struct notes *ns;
	struct review *rv;
	struct rules_config rc;
	struct sc_user_record officer, sup;
	struct sc_str teams[1];
	struct auth_principal author, supervisor;
	int64_t now;
	struct sc_arena *a;
};

static int env_open(struct env *e)
{
	struct store_options opt = { 0, 0, 0 };
	memset(e, 0, sizeof *e);
	snprintf(e->dir, sizeof e->dir, "/tmp/fn-review-test.XXXXXX");
	CHECK(mkdtemp(e->dir) != NULL);
	rules_defaults(&e->rc);
	CHECK_EQ_INT(store_open(&e->s, e->dir, 1, &opt, NULL), FN_OK);
	CHECK_EQ_INT(audit_open(&e->au, e->s), FN_OK);
	CHECK_EQ_INT(notes_open(&e->ns, e->s, &e->rc, e->au, NULL), FN_OK);
	CHECK_EQ_INT(review_open(&e->rv, e->s, &e->rc, e->au, e->ns), FN_OK);
	e->teams[0] = SC_STR_LIT("north");
	e->officer.username = SC_STR_LIT("officer1");
	e->officer.teams = (struct sc_strs){ e->teams, 1 };
	e->sup.username = SC_STR_LIT("sup1");
	e->sup.teams = (struct sc_strs){ e->teams, 1 };
	e->author = (struct auth_principal){ &e->officer, ROLE_OFFICER, SC_STR_INIT("dev-test-1"), { 0 }, 0 };
	e->supervisor = (struct auth_principal){ &e->sup, ROLE_SUPERVISOR, SC_STR_INIT("dev-sup-1"), { 0 }, 0 };
	e->now = 1795600300 + 3600; /* the example note's created_at, an hour on */
	e->a = sc_arena_new(0);
	CHECK(e->a != NULL);
	return 0;
}

static void env_close(struct env *e)
{
	char cmd[128];
	review_close(e->rv);
	notes_close(e->ns);
	audit_close(e->au);
	store_close(e->s);
	sc_arena_free(e->a);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", e->dir);
}

/* The example note, stored under NOTE_ID by its author. */
static int submit_example(struct env *e)
{
	size_t len = 0;
	char *body = tu_read_file(EXAMPLE_DIR "note.json", &len);
	struct sc_note *n = sc_arena_alloc(e->a, sizeof *n);
	struct notes_item it = { n, sc_arena_alloc(e->a, sizeof *it.result), { 0 } };
	CHECK(body && n && it.result);
	memset(it.result, 0, sizeof *it.result);
	CHECK_EQ_INT(sc_decode(&sc_rec_note, SC_JSON, body, len, NULL, e->a, n, NULL), FN_OK);
	free(body);
	n->id = SC_STR_LIT(NOTE_ID);
	CHECK_EQ_INT(notes_submit(e->ns, &e->author, &it, 1, e->now, e->a), FN_OK);
	CHECK(sc_str_eq(it.result->result, "stored"));
	return 0;
}

static int decide(struct env *e, const char *decision, int64_t rev, const char *comment, int64_t stage,
                  struct sc_error *err)
{
	struct sc_review_request req = { 0 };
	struct sc_review out;
	req.decision = (struct sc_str){ decision, strlen(decision) };
	req.revision = rev;
	SC_SET(review_request, &req, decision);
	SC_SET(review_request, &req, revision);
	if (comment) {
		req.comment = (struct sc_str){ comment, strlen(comment) };
		SC_SET(review_request, &req, comment);
	}
	if (stage) {
		req.stage = stage;
		SC_SET(review_request, &req, stage);
	}
	return review_decide(e->rv, &e->supervisor, SC_STR_LIT(NOTE_ID), &req, e->now, e->a, &out, err);
}

/* How many reviews the note view shows; -1 when the view fails. */
static long view_reviews(struct env *e)
{
	struct store_txn *t;
	struct sc_note_view v;
	if (store_read_begin(e->s, &t) != FN_OK)
		return -1;
	int rc = notes_get(e->ns, t, &e->supervisor, SC_STR_LIT(NOTE_ID), e->now, e->a, &v);
	store_read_end(t);
	return rc == FN_OK ? (long)v.reviews.n : -1;
}

static long feedback_items(struct env *e)
{
	struct store_txn *t;
	struct sc_feedback_page p;
	if (store_read_begin(e->s, &t) != FN_OK)
		return -1;
	int rc = review_feedback(e->rv, t, &e->author, 0, 100, e->a, &p);
	store_read_end(t);
	return rc == FN_OK ? (long)p.items.n : -1;
}

static int decisions_name_their_field(void)
{
	struct env e;
	struct sc_error err;
	if (env_open(&e) || submit_example(&e))
		return 1;
	CHECK_EQ_INT(decide(&e, "returned", 1, "  ", 0, &err), FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "comment") == 0 && err.status == FN_VALIDATION_FAILED);
	CHECK_EQ_INT(decide(&e, "escalated", 1, NULL, 2, &err), FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "target") == 0);
	CHECK_EQ_INT(decide(&e, "accepted", 1, NULL, 11, &err), FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "stage") == 0);
	CHECK_EQ_INT(decide(&e, "accepted", 2, NULL, 0, &err), FN_CONFLICT);
	CHECK(strcmp(err.field, "revision") == 0 && strstr(err.message, "not the latest"));
	CHECK_EQ_INT(decide(&e, "accepted", 1, NULL, 0, &err), FN_OK);
	CHECK_EQ_INT(decide(&e, "accepted", 1, NULL, 0, &err), FN_CONFLICT);
	CHECK(strcmp(err.field, "revision") == 0 && strstr(err.message, "already accepted"));

	struct store_txn *t;
	struct sc_queue_page page;
	struct review_queue_query q = { SC_STR_LIT("north"), "accepted", NULL, 0, 50, NULL };
	CHECK_EQ_INT(store_read_begin(e.s, &t), FN_OK);
	CHECK_EQ_INT(review_queue(e.rv, t, &e.supervisor, &q, e.now, e.a, &page, &err), FN_OK);
	CHECK_EQ_INT(page.items.n, 1);
	q.flag = "no_such_flag";
	CHECK_EQ_INT(review_queue(e.rv, t, &e.supervisor, &q, e.now, e.a, &page, &err), FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "flag") == 0);
	q.flag = NULL;
	q.team = SC_STR_LIT("south");
	CHECK_EQ_INT(review_queue(e.rv, t, &e.supervisor, &q, e.now, e.a, &page, &err), FN_FORBIDDEN);
	CHECK(strcmp(err.field, "team") == 0);
	store_read_end(t);
	env_close(&e);
	return 0;
}

struct erase_job {
	struct env *e;
	int dry;
	struct notes_erased out;
};

static int erase_txn(struct store_txn *t, void *arg)
{
	struct erase_job *j = arg;
	struct sc_note_head h;
	int rc = notes_head(j->e->ns, t, SC_STR_LIT(NOTE_ID), j->e->a, &h);
	return rc == FN_OK ? notes_erase(j->e->ns, t, &h, j->dry, &j->out) : rc;
}

/* The note view and erasure reach review only through the hooks. */
static int notes_reach_review_through_hooks(void)
{
	struct env e;
	struct sc_error err;
	if (env_open(&e) || submit_example(&e))
		return 1;
	CHECK_EQ_INT(decide(&e, "accepted", 1, NULL, 0, &err), FN_OK);
	CHECK_EQ_INT(view_reviews(&e), 1);
	CHECK_EQ_INT(feedback_items(&e), 1);

	/* without review, notes shows no reviews (they stay stored) */
	review_close(e.rv);
	e.rv = NULL;
	CHECK_EQ_INT(view_reviews(&e), 0);
	CHECK_EQ_INT(review_open(&e.rv, e.s, &e.rc, e.au, e.ns), FN_OK);
	CHECK_EQ_INT(view_reviews(&e), 1);

	struct erase_job dry = { &e, 1, { 0 } }, real = { &e, 0, { 0 } };
	CHECK_EQ_INT(store_write_bulk(e.s, erase_txn, &dry), FN_OK);
	CHECK_EQ_INT(dry.out.revisions, 1);
	CHECK_EQ_INT(dry.out.reviews, 1);
	CHECK_EQ_INT(dry.out.index_entries, 1 + 4 + 1); /* receipt, 4 indexes, feedback copy */
	CHECK_EQ_INT(store_write_bulk(e.s, erase_txn, &real), FN_OK);
	CHECK_EQ_INT(real.out.revisions, 1);
	CHECK_EQ_INT(real.out.reviews, 1);
	CHECK_EQ_INT(real.out.index_entries, 1 + 4 + 1);
	CHECK(strcmp(dry.out.hash, real.out.hash) == 0);
	CHECK_EQ_INT(feedback_items(&e), 0);
	CHECK_EQ_INT(view_reviews(&e), -1);
	env_close(&e);
	return 0;
}

const struct unit_case review_cases[] = {
	{ "review_decisions_name_their_field", decisions_name_their_field },
	{ "review_notes_reach_review_through_hooks", notes_reach_review_through_hooks },
	{ NULL, NULL },
};
