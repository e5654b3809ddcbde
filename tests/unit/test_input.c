/* test_input.c - bad input past the decoders: the value cap, integer ranges, rules that fail closed, and allocation failure at every step of the note path. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "notes.h"
#include "records.h"
#include "rules.h"
#include "status.h"
#include "store.h"
#include "test_schema_util.h"
#include "unit.h"
#include "unit_dir.h"

/* -------------------------------------------------------- value cap --- */

static int decode_status(int fmt, const char *p, size_t n, size_t max_values, struct sc_error *err)
{
	struct sc_limits lim = { .max_values = max_values };
	return tu_decode_raw(&sc_rec_error_reply, fmt, p, n, &lim, err);
}

/* Every value counts, keys included: {"a":[1,2,3]} is 6 (map, key, list,
 * three numbers), in either format. */
static int test_value_count_is_capped(void)
{
	struct sc_error err;
	static const char js6[] = "{\"a\": [1, true ,\"s\"]}", js7[] = "{\"a\":[-1,null,2.5,4]}";
	static const char mp6[] = "\x81\xa1" "a" "\x93\x01\xc3\xa1" "s";
	static const char mp7[] = "\x81\xa1" "a" "\x94\x01\x02\x03\x04";

	CHECK(decode_status(SC_JSON, js6, strlen(js6), 6, &err) == FN_VALIDATION_FAILED);
	CHECK_EQ_INT(decode_status(SC_JSON, js7, strlen(js7), 6, &err), FN_LIMIT_EXCEEDED);
	CHECK(strstr(err.message, "values"));
	CHECK(decode_status(SC_MSGPACK, mp6, sizeof mp6 - 1, 6, &err) == FN_VALIDATION_FAILED);
	CHECK_EQ_INT(decode_status(SC_MSGPACK, mp7, sizeof mp7 - 1, 6, &err), FN_LIMIT_EXCEEDED);

	/* The default: 11 lists of 5,000 (each under max_count) is 55,000 values. */
	size_t cap = 11 * (5000 * 2 + 2) + 16, n = 0;
	char *big = malloc(cap);
	CHECK(big);
	n += (size_t)sprintf(big, "{\"a\":[");
	for (int l = 0; l < 11; l++) {
		big[n++] = l ? ',' : '[';
		if (l)
			big[n++] = '[';
		for (int i = 0; i < 5000; i++) {
			big[n++] = '0';
			big[n++] = i < 4999 ? ',' : ']';
		}
	}
	big[n++] = ']';
	big[n++] = '}';
	int rc = decode_status(SC_JSON, big, n, 0, &err);
	free(big);
	CHECK_EQ_INT(rc, FN_LIMIT_EXCEEDED);
	CHECK(strstr(err.message, "more than 50000 values"));
	return 0;
}

/* ---------------------------------------------------- integer ranges --- */

static int test_integer_ranges(void)
{
	EXPECT_BOTH(guidance_ref, "{\"id\":\"a\",\"version\":2147483647}", FN_OK, NULL);
	EXPECT_BOTH(guidance_ref, "{\"id\":\"a\",\"version\":2147483648}", FN_VALIDATION_FAILED, "version");
	EXPECT_BOTH(guidance_ref, "{\"id\":\"a\",\"version\":0}", FN_VALIDATION_FAILED, "version");
	EXPECT_BOTH(action, "{\"what\":\"x\",\"owner\":\"y\",\"due\":946684800}", FN_OK, NULL);
	EXPECT_BOTH(action, "{\"what\":\"x\",\"owner\":\"y\",\"due\":946684799}", FN_VALIDATION_FAILED, "due");
	EXPECT_BOTH(action, "{\"what\":\"x\",\"owner\":\"y\",\"due\":4102444800}", FN_VALIDATION_FAILED, "due");
	EXPECT_BOTH(action, "{\"what\":\"x\",\"owner\":\"y\",\"due\":-9223372036854775808}",
	            FN_VALIDATION_FAILED, "due");
	EXPECT_BOTH(referral, "{\"type\":\"mash\",\"sent_at\":4102444800}", FN_VALIDATION_FAILED, "sent_at");
	EXPECT_BOTH(referral, "{\"type\":\"mash\",\"outcome_at\":-1}", FN_VALIDATION_FAILED, "outcome_at");
	EXPECT_BOTH(review_request, "{\"revision\":4294967298,\"decision\":\"accepted\"}",
	            FN_VALIDATION_FAILED, "revision");

	/* validate applies the same ranges to records built in memory */
	struct sc_guidance_ref g = {0};
	struct sc_error err;
	g.id = SC_STR_LIT("a");
	g.version = (INT64_C(1) << 32) + 2;
	SC_SET(guidance_ref, &g, id);
	SC_SET(guidance_ref, &g, version);
	CHECK_EQ_INT(sc_validate(&sc_rec_guidance_ref, &g, &err), FN_VALIDATION_FAILED);
	CHECK(strcmp(err.field, "version") == 0);
	return 0;
}

/* ------------------------------------------------------------- rules --- */

static int test_rules_time_windows(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n = tu_example_note(a);
	CHECK(n);
	int64_t now = n->created_at + 3600, day = 86400;
	struct sc_referral *r = n->referral;
	struct sc_action *act = &n->next_steps->actions.v[1];
	struct rules_config rc;
	struct rules_errors e = { NULL, 0, 0, a, 0, 0 };
	rules_defaults(&rc);
	CHECK_EQ_INT(rules_check_note(n, now, &rc, &e), 0);

	r->sent_at = now + day;
	CHECK(tu_only_error(n, now, NULL, "referral.sent_at", NULL));
	r->sent_at = INT64_MIN;
	CHECK(tu_only_error(n, now, NULL, "referral.sent_at", NULL));
	r->sent_at = now - day;
	r->outcome_at = now + day;
	r->outcome = SC_STR_LIT("seen by early help");
	SC_SET(referral, r, outcome_at);
	SC_SET(referral, r, outcome);
	CHECK(tu_only_error(n, now, NULL, "referral.outcome_at", NULL));
	SC_CLEAR(referral, r, outcome_at);
	SC_CLEAR(referral, r, outcome);
	act->due = now + 731 * day;
	CHECK(tu_only_error(n, now, NULL, "next_steps.actions[1].due", NULL));
	act->due = now + 700 * day;
	n->revision = (INT64_C(1) << 32) + 2;
	n->replaces = 1;
	SC_SET(note, n, replaces);
	CHECK(tu_only_error(n, now, NULL, "revision", NULL));
	sc_arena_free(a);
	return 0;
}

/* What the flag tests start from: the example note in its own arena (the
 * caller frees it) and the default rules. Returns the note, NULL when it
 * cannot be made. */
struct flags_fx {
	struct sc_arena *a;
	struct rules_config rc;
	struct sc_strs flags;
};

static struct sc_note *flags_fx_open(struct flags_fx *x)
{
	x->a = sc_arena_new(0);
	rules_defaults(&x->rc);
	return tu_example_note(x->a);
}

static int has_flag(const struct sc_strs *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (sc_str_eq(f->v[i], name))
			return 1;
	return 0;
}

/* A stored note from before the range checks: sent_at INT64_MIN must not
 * overflow `now - since` (UBSan) nor hide the missing-outcome flag. */
static int test_rules_flags_extreme_sent_at(void)
{
	struct flags_fx x;
	struct sc_note *n = flags_fx_open(&x);
	CHECK(n);
	n->referral->sent_at = INT64_MIN;
	struct rules_facts f = {n->created_at, n->created_at + 86400, 0, 1, 1, 0, NULL};
	CHECK_EQ_INT(rules_flags(n, &f, &x.rc, x.a, &x.flags), FN_OK);
	int on = has_flag(&x.flags, "referral_without_outcome");
	sc_arena_free(x.a);
	CHECK(on);
	return 0;
}

/* A tracked referral's flags follow the receiving agency: an outcome the
 * author typed no longer clears referral_without_outcome, a partner's does. */
static int test_rules_flags_tracked_referral(void)
{
	struct flags_fx x;
	struct sc_note *n = flags_fx_open(&x);
	CHECK(n);
	n->referral->outcome = SC_STR_LIT("typed by the author");
	SC_SET(referral, n->referral, outcome);
	struct rules_referral late = {1, 1}, done = {0, 0};
	int64_t now = n->created_at;
	struct rules_facts f = {now, now + 86400, 0, 1, 1, 0, &late};
	CHECK_EQ_INT(rules_flags(n, &f, &x.rc, x.a, &x.flags), FN_OK);
	CHECK(has_flag(&x.flags, "referral_without_outcome"));
	CHECK(has_flag(&x.flags, "referral_unacknowledged"));
	f.referral = &done;
	CHECK_EQ_INT(rules_flags(n, &f, &x.rc, x.a, &x.flags), FN_OK);
	CHECK(!has_flag(&x.flags, "referral_without_outcome"));
	CHECK(!has_flag(&x.flags, "referral_unacknowledged"));
	sc_arena_free(x.a);
	return 0;
}

/* ------------------------------------------------ allocation failure --- */

/* Fails the at-th allocation (counting from 1), and every later one when
 * persist; hit counts the failures it caused. */
struct fault {
	long n, at;
	int persist, hit;
};

static int fault_step(void *arg)
{
	struct fault *f = arg;
	f->n++;
	if (f->n == f->at || (f->persist && f->n > f->at)) {
		f->hit++;
		return 1;
	}
	return 0;
}

/* jansson's allocator takes no argument: the fault in force, set only
 * around the calls under test (the runner is single-threaded). */
static struct fault *jansson_fault;

static void *fault_malloc(size_t n)
{
	return jansson_fault && fault_step(jansson_fault) ? NULL : malloc(n);
}

/* A child under 18 taken to a police station: a rule must refuse it. */
static void make_bad(struct sc_note *n, struct sc_arena *a)
{
	struct sc_mental_health *mh = n->mental_health;
	n->id = SC_STR_LIT("bad-note-1");
	mh->place_of_safety = SC_STR_LIT("police_station");
	SC_SET(mental_health, mh, place_of_safety);
	(void)a;
}

static int test_rules_fail_closed_when_memory_runs_out(void)
{
	struct rules_config rc;
	rules_defaults(&rc);
	for (int persist = 0; persist <= 1; persist++) {
		for (long at = 1;; at++) {
			struct sc_arena *a = sc_arena_new(0);
			struct sc_note *n = tu_example_note(a);
			CHECK(n);
			make_bad(n, a);
			struct fault f = { 0, at, persist, 0 };
			struct rules_errors e = { NULL, 0, 0, a, 0, 0 };
			sc_arena_set_fault(a, fault_step, &f);
			size_t found = rules_check_note(n, n->created_at + 60, &rc, &e);
			sc_arena_free(a);
			if (found == 0)
				fprintf(stderr, "allocation %ld failed (persist %d): the rule was lost\n", at, persist);
			CHECK(found > 0);
			CHECK(f.hit || !e.nomem);
			if (!f.hit)
				break;
		}
	}
	return 0;
}

struct batch {
	struct notes_item items[2];
	size_t n;
	struct sc_arena *a;
};

static int take(size_t index, int status, void *item, const struct sc_error *err, void *arg)
{
	struct batch *b = arg;
	(void)err;
	if (index >= 2)
		return FN_LIMIT_EXCEEDED;
	struct notes_item *it = &b->items[b->n++];
	memset(it, 0, sizeof *it);
	it->result = sc_arena_alloc(b->a, sizeof *it->result);
	if (!it->result)
		return FN_NO_MEMORY;
	it->note = status == FN_OK ? item : NULL;
	return 0;
}

/* {"notes":[bad, good]} with the good note's id made unique by tag. */
static char *batch_body(long tag)
{
	json_error_t je;
	json_t *bad = json_load_file(EXAMPLE_DIR "note.json", 0, &je), *good = json_deep_copy(bad);
	char id[64];
	snprintf(id, sizeof id, "good-note-%ld", tag);
	json_object_set_new(bad, "id", json_string("bad-note-1"));
	json_object_set_new(json_object_get(bad, "mental_health"), "place_of_safety", json_string("police_station"));
	json_object_set_new(good, "id", json_string(id));
	json_t *root = json_pack("{s:[o,o]}", "notes", bad, good);
	char *s = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	return s;
}

struct path_env {
	struct store *s;
	struct notes *ns;
	struct auth_principal who;
	int64_t now;
};

static int stored(struct path_env *env, const char *id)
{
	struct store_txn *t;
	struct sc_note_view v;
	struct sc_arena *a = sc_arena_new(0);
	if (!a || store_read_begin(env->s, &t) != FN_OK)
		return -1;
	int rc = notes_get(env->ns, t, &env->who, (struct sc_str){ id, strlen(id) }, env->now, a, &v);
	store_read_end(t);
	sc_arena_free(a);
	return rc == FN_OK ? 1 : rc == FN_NOT_FOUND ? 0 : -1;
}

/* One upload with the at-th allocation failing (arena and jansson). *clean
 * is set when no failure was injected: the run then ended normally. */
static int one_path_run(struct path_env *env, long at, int persist, int *clean)
{
	char *body = batch_body(at * 2 + persist);
	struct sc_arena *a = sc_arena_new(0);
	struct batch b = { .n = 0, .a = a };
	struct fault f = { 0, at, persist, 0 };
	struct sc_error err;
	CHECK(body && a);
	sc_arena_set_fault(a, fault_step, &f);
	jansson_fault = &f;
	json_set_alloc_funcs(fault_malloc, free);
	int rc = sc_decode_items(&sc_rec_note, "notes", SC_JSON, body, strlen(body), NULL, 2, a, take, &b, &err);
	if (rc == FN_OK)
		rc = notes_submit(env->ns, &env->who, b.items, b.n, env->now, a);
	json_set_alloc_funcs(malloc, free);
	jansson_fault = NULL;
	sc_arena_set_fault(a, NULL, NULL);

	const struct sc_note_result *bad = b.n ? b.items[0].result : NULL;
	int bad_said_stored = bad && SC_HAS(note_result, bad, result) && sc_str_eq(bad->result, "stored");
	*clean = !f.hit;
	if (*clean) {
		CHECK_EQ_INT(rc, FN_OK);
		CHECK(b.n == 2 && sc_str_eq(b.items[0].result->result, "invalid"));
		CHECK(sc_str_eq(b.items[0].result->errors.v[0].field, "mental_health.place_of_safety"));
		CHECK(sc_str_eq(b.items[1].result->result, "stored"));
	}
	sc_arena_free(a);
	free(body);
	if (bad_said_stored)
		fprintf(stderr, "allocation %ld failed (persist %d): the bad note was answered stored\n", at, persist);
	CHECK(!bad_said_stored);
	CHECK_EQ_INT(stored(env, "bad-note-1"), 0);
	return 0;
}

/* Decode and submit with the Nth allocation failing, for every N, once
 * and from N on: no crash, no leak (ASan), never "stored" for a note a
 * rule refuses, and nothing of it in the store. */
static int test_note_path_allocation_failures(void)
{
	char *dir = unit_tmpdir("input");
	struct store_options opt = { 0, 0, 0 };
	struct audit *au = NULL;
	struct path_env env = { 0 };
	struct sc_user_record user = { 0 };
	struct sc_str teams[1] = { SC_STR_INIT("north") };
	struct rules_config rc;
	int failed = 0;

	CHECK(dir);
	rules_defaults(&rc);
	CHECK_EQ_INT(store_open(&env.s, dir, 1, &opt, NULL), FN_OK);
	CHECK_EQ_INT(audit_open(&au, env.s), FN_OK);
	CHECK_EQ_INT(notes_open(&env.ns, env.s, &rc, au, NULL), FN_OK);
	user.username = SC_STR_LIT("officer1");
	user.teams = (struct sc_strs){ teams, 1 };
	SC_SET(user_record, &user, username);
	SC_SET(user_record, &user, teams);
	env.who = (struct auth_principal){ &user, ROLE_OFFICER, SC_STR_INIT("dev-test-1"), { 0 }, 0 };
	env.now = 1795600300 + 3600; /* the example note's created_at, an hour on */

	for (int persist = 0; persist <= 1 && !failed; persist++) {
		for (long at = 1; !failed; at++) {
			int clean = 0;
			failed = one_path_run(&env, at, persist, &clean);
			if (failed)
				fprintf(stderr, "note path: allocation %ld (persist %d)\n", at, persist);
			if (clean) {
				if (getenv("FN_TEST_VERBOSE"))
					fprintf(stderr, "note path: %ld allocations (persist %d)\n", at, persist);
				break;
			}
		}
	}
	notes_close(env.ns);
	audit_close(au);
	store_close(env.s);
	unit_rmtree(dir);
	free(dir);
	return failed;
}

const struct unit_case input_cases[] = {
	{ "input_value_count_is_capped", test_value_count_is_capped },
	{ "input_integer_ranges", test_integer_ranges },
	{ "input_rules_time_windows", test_rules_time_windows },
	{ "input_rules_flags_extreme_sent_at", test_rules_flags_extreme_sent_at },
	{ "input_rules_flags_tracked_referral", test_rules_flags_tracked_referral },
	{ "input_rules_fail_closed_when_memory_runs_out", test_rules_fail_closed_when_memory_runs_out },
	{ "input_note_path_allocation_failures", test_note_path_allocation_failures },
	{ NULL, NULL },
};
