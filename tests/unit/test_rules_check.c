/* test_rules_check.c - rules_check_note one rule at a time: each case changes one thing in the valid example note and expects exactly that field's error. */
#include <stdint.h>
#include <string.h>

#include "records.h"
#include "rules.h"
#include "status.h"
#include "test_schema_util.h"
#include "unit.h"

#define DAY INT64_C(86400)
#define EARLIEST INT64_C(946684800) /* 2000-01-01, rules.c's oldest plausible time */

/* The example note passes every rule an hour after it was written; each
 * case below starts from a fresh copy of it and changes one thing. */
#define NOW(n) ((n)->created_at + 3600)
#define STR(s) ((struct sc_str){ (s), strlen(s) })

/* A fresh example note in the test's arena a. */
#define FRESH(n) CHECK(((n) = tu_example_note(a)) != NULL)
#define ONLY(n, now, field) CHECK(tu_only_error(n, now, NULL, field, NULL))
#define ONLY_SAYING(n, now, field, part) CHECK(tu_only_error(n, now, NULL, field, part))
#define NONE(n, now) CHECK_EQ_INT(errors(n, now, NULL), 0)

static size_t errors(const struct sc_note *n, int64_t now, const struct rules_config *c)
{
	int match;
	size_t found = tu_rule_errors(n, now, c, "", NULL, &match, 1);
	if (found)
		tu_rule_errors(n, now, c, "", NULL, &match, 0);
	return found;
}

static int test_check_example_passes(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	for (int64_t now = n->created_at - 600; now <= n->created_at + 400 * DAY; now += DAY / 2)
		NONE(n, now);
	sc_arena_free(a);
	return 0;
}

static int test_check_revision(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	int64_t now = NOW(n);
	n->revision = 0;
	ONLY_SAYING(n, now, "revision", "starts at 1");
	n->revision = 2;
	ONLY_SAYING(n, now, "replaces", "must name the revision");
	n->replaces = 1;
	SC_SET(note, n, replaces);
	NONE(n, now);
	n->replaces = 2;
	ONLY_SAYING(n, now, "replaces", "earlier revision");
	n->replaces = 0;
	ONLY_SAYING(n, now, "replaces", "earlier revision");
	n->revision = SC_POS31_MAX;
	n->replaces = SC_POS31_MAX - 1;
	NONE(n, now);
	n->revision = SC_POS31_MAX + 1;
	ONLY_SAYING(n, now, "revision", "at most");

	/* a first revision that names one: both replaces rules apply */
	FRESH(n);
	n->replaces = 1;
	SC_SET(note, n, replaces);
	int match;
	CHECK(tu_rule_errors(n, now, NULL, "replaces", "replaces nothing", &match, 1) >= 1);
	CHECK(match);
	tu_rule_errors(n, now, NULL, "revision", NULL, &match, 1);
	CHECK(!match);
	sc_arena_free(a);
	return 0;
}

static int test_check_child(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	int64_t now = NOW(n);
	n->child_ref = STR("Jane Smith");
	ONLY_SAYING(n, now, "child_ref", "never a name");

	FRESH(n);
	n->child_dob = STR("14/03/2012");
	ONLY(n, now, "child_dob");
	n->child_dob = STR("2012-3-14");
	ONLY(n, now, "child_dob");

	FRESH(n);
	SC_CLEAR(note, n, child_dob);
	NONE(n, now);
	SC_CLEAR(note, n, age_band);
	ONLY(n, now, "age_band");
	n->child_dob = STR("2012-03-14");
	SC_SET(note, n, child_dob);
	NONE(n, now);
	sc_arena_free(a);
	return 0;
}

static int test_check_times(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	int64_t now = NOW(n);
	n->occurred_at = EARLIEST - 1;
	ONLY_SAYING(n, now, "occurred_at", "plausible");
	n->occurred_at = EARLIEST;
	NONE(n, now);
	n->occurred_at = INT64_MIN;
	ONLY_SAYING(n, now, "occurred_at", "plausible");

	/* a device clock may run max_skew (600 s) ahead of the server's */
	FRESH(n);
	n->created_at = now + 600;
	n->occurred_at = now + 600;
	NONE(n, now);
	n->occurred_at = now + 601;
	ONLY_SAYING(n, now, "occurred_at", "in the future");

	FRESH(n);
	n->occurred_at = n->created_at + 600;
	NONE(n, now);
	n->occurred_at = n->created_at + 601;
	ONLY_SAYING(n, now, "occurred_at", "after the note was created");

	FRESH(n);
	n->created_at = EARLIEST - 1;
	ONLY(n, now, "created_at");
	n->created_at = now + 601;
	ONLY(n, now, "created_at");
	n->created_at = now + 600;
	NONE(n, now);
	n->created_at = INT64_MAX;
	ONLY(n, now, "created_at");
	sc_arena_free(a);
	return 0;
}

/* The child's words, or why there are none: a blank text is no text. */
static int test_check_child_words(void)
{
	static const char *const blanks[] = { "", " ", "\t\n  \r" };
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	int64_t now = NOW(n);
	SC_CLEAR(note, n, child_words);
	NONE(n, now);
	SC_CLEAR(note, n, not_spoken_reason);
	ONLY_SAYING(n, now, "child_words", "not_spoken_reason");
	for (size_t i = 0; i < sizeof blanks / sizeof blanks[0]; i++) {
		FRESH(n);
		n->child_words = STR(blanks[i]);
		SC_CLEAR(note, n, not_spoken_reason);
		ONLY(n, now, "child_words");
		n->not_spoken_reason = STR(blanks[i]);
		SC_SET(note, n, not_spoken_reason);
		ONLY(n, now, "child_words");
		n->not_spoken_reason = STR(" would not talk ");
		NONE(n, now);
	}
	/* a text left in the struct but not marked present does not count */
	FRESH(n);
	SC_CLEAR(note, n, child_words);
	SC_CLEAR(note, n, not_spoken_reason);
	CHECK(n->child_words.n > 0);
	ONLY(n, now, "child_words");
	sc_arena_free(a);
	return 0;
}

static int test_check_not_alone_reason(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	int64_t now = NOW(n);
	n->seen_alone = 0;
	NONE(n, now);
	n->not_alone_reason = STR(" \n");
	ONLY_SAYING(n, now, "not_alone_reason", "not seen alone");
	SC_CLEAR(note, n, not_alone_reason);
	ONLY(n, now, "not_alone_reason");
	SC_CLEAR(note, n, seen_alone); /* unknown: a flag, not an error */
	NONE(n, now);
	n->seen_alone = 1;
	SC_SET(note, n, seen_alone);
	NONE(n, now);
	sc_arena_free(a);
	return 0;
}

static int test_check_level_of_need(void)
{
	static const struct { int64_t level; int ok; } levels[] = {
		{ INT64_MIN, 0 }, { -1, 0 }, { 0, 0 }, { 1, 1 }, { 2, 1 }, { 4, 1 }, { 5, 0 }, { INT64_MAX, 0 },
	};
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	int64_t now = NOW(n);
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		n->level_of_need = levels[i].level;
		if (levels[i].ok)
			NONE(n, now);
		else
			ONLY_SAYING(n, now, "level_of_need", "1 to 4");
	}
	n->level_of_need = 0;
	SC_CLEAR(note, n, level_of_need);
	NONE(n, now);
	sc_arena_free(a);
	return 0;
}

static int test_check_s136_consulted(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	int64_t now = NOW(n);
	struct sc_mental_health *mh = n->mental_health;
	mh->s136_used = 1;
	ONLY_SAYING(n, now, "mental_health.consulted", "section 136");
	mh->consulted = STR("no"); /* the rule asks for an answer, whichever */
	SC_SET(mental_health, mh, consulted);
	NONE(n, now);
	SC_CLEAR(mental_health, mh, consulted);
	mh->s136_used = 0;
	NONE(n, now);
	SC_CLEAR(mental_health, mh, s136_used);
	NONE(n, now);
	sc_arena_free(a);
	return 0;
}

static void police_station(struct sc_note *n)
{
	n->mental_health->place_of_safety = STR("police_station");
	SC_SET(mental_health, n->mental_health, place_of_safety);
}

/* Never a police station for a child; nor when the age is not known,
 * and the message then asks for the age band too. */
static int test_check_police_station(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	int match;
	FRESH(n);
	int64_t now = NOW(n);
	police_station(n);
	ONLY_SAYING(n, now, "mental_health.place_of_safety", "police station");
	tu_rule_errors(n, now, NULL, "mental_health.place_of_safety", "age band", &match, 1);
	CHECK(!match);
	n->mental_health->place_of_safety = STR("hospital");
	NONE(n, now);

	FRESH(n); /* under 18 by date of birth alone */
	police_station(n);
	SC_CLEAR(note, n, age_band);
	ONLY(n, now, "mental_health.place_of_safety");
	n->child_dob = STR("2000-01-01");
	NONE(n, now);

	FRESH(n); /* the band says adult, the date of birth (2012) a child */
	police_station(n);
	n->age_band = STR("18_plus");
	ONLY(n, now, "mental_health.place_of_safety");

	FRESH(n);
	police_station(n);
	n->age_band = STR("18_plus");
	SC_CLEAR(note, n, child_dob);
	NONE(n, now);

	/* unknown age: missing, or a date of birth that is no date */
	SC_CLEAR(note, n, age_band);
	CHECK_EQ_INT(tu_rule_errors(n, now, NULL, "mental_health.place_of_safety", ", and the age band",
	                            &match, 1), 2);
	CHECK(match);
	n->child_dob = STR("01/01/2000");
	SC_SET(note, n, child_dob);
	CHECK_EQ_INT(tu_rule_errors(n, now, NULL, "mental_health.place_of_safety", ", and the age band",
	                            &match, 1), 2);
	CHECK(match);
	sc_arena_free(a);
	return 0;
}

static int test_check_consent_reason(void)
{
	static const char *const no_consent[] = { "refused", "not_sought" };
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	for (size_t i = 0; i < sizeof no_consent / sizeof no_consent[0]; i++) {
		FRESH(n);
		int64_t now = NOW(n);
		struct sc_sharing *sh = n->sharing;
		sh->consent = STR(no_consent[i]);
		ONLY_SAYING(n, now, "sharing.consent_reason", "why consent");
		sh->consent_reason = STR("  \t");
		SC_SET(sharing, sh, consent_reason);
		ONLY(n, now, "sharing.consent_reason");
		sh->consent_reason = STR("Telling the father would put the child at risk.");
		NONE(n, now);
	}
	FRESH(n);
	SC_CLEAR(note, n, sharing); /* no decision: a flag, not an error */
	NONE(n, NOW(n));
	sc_arena_free(a);
	return 0;
}

static int test_check_referral_times(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	int64_t now = NOW(n);
	struct sc_referral *r = n->referral;
	r->sent_at = now + 600;
	NONE(n, now);
	r->sent_at = now + 601;
	ONLY(n, now, "referral.sent_at");
	r->sent_at = EARLIEST - 1;
	ONLY(n, now, "referral.sent_at");
	r->sent_at = EARLIEST;
	NONE(n, now);

	r->outcome = STR("accepted by early help");
	SC_SET(referral, r, outcome);
	NONE(n, now); /* an outcome without its time is allowed */
	SC_SET(referral, r, outcome_at);
	for (int64_t t = EARLIEST - 1; t <= EARLIEST; t++) {
		r->outcome_at = t;
		if (t < EARLIEST)
			ONLY(n, now, "referral.outcome_at");
		else
			NONE(n, now);
	}
	r->outcome_at = now + 601;
	ONLY(n, now, "referral.outcome_at");
	r->outcome_at = now + 600;
	NONE(n, now);
	sc_arena_free(a);
	return 0;
}

static int test_check_referral_outcome(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	int64_t now = NOW(n);
	struct sc_referral *r = n->referral;
	r->outcome_at = now - 60;
	SC_SET(referral, r, outcome_at);
	ONLY_SAYING(n, now, "referral.outcome", "needs the outcome");
	r->outcome = STR("no further action");
	SC_SET(referral, r, outcome);
	NONE(n, now);
	SC_CLEAR(referral, r, outcome);
	r->type = STR("none"); /* no referral made: nothing to come back */
	NONE(n, now);
	sc_arena_free(a);
	return 0;
}

/* An action may fall due from 2000 up to max_due_days ahead of now. */
static int test_check_action_due(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	struct rules_config rc;
	FRESH(n);
	int64_t now = NOW(n);
	struct sc_action *act = &n->next_steps->actions.v[0];
	rules_defaults(&rc);
	CHECK_EQ_INT(rc.max_due_days, 730);
	act->due = now + 730 * DAY;
	NONE(n, now);
	act->due = now + 730 * DAY + 1;
	ONLY_SAYING(n, now, "next_steps.actions[0].due", "at most 730 days");
	act->due = EARLIEST;
	NONE(n, now);
	act->due = EARLIEST - 1;
	ONLY(n, now, "next_steps.actions[0].due");
	act->due = INT64_MIN;
	ONLY(n, now, "next_steps.actions[0].due");

	rc.max_due_days = 10; /* the setting, not a constant */
	act->due = now + 10 * DAY;
	CHECK_EQ_INT(errors(n, now, &rc), 0);
	act->due = now + 10 * DAY + 1;
	CHECK(tu_only_error(n, now, &rc, "next_steps.actions[0].due", "at most 10 days"));
	SC_CLEAR(action, act, due); /* no due time: nothing to check */
	CHECK_EQ_INT(errors(n, now, &rc), 0);
	sc_arena_free(a);
	return 0;
}

const struct unit_case rules_check_cases[] = {
	{ "rules_check_example_passes", test_check_example_passes },
	{ "rules_check_revision", test_check_revision },
	{ "rules_check_child", test_check_child },
	{ "rules_check_times", test_check_times },
	{ "rules_check_child_words", test_check_child_words },
	{ "rules_check_not_alone_reason", test_check_not_alone_reason },
	{ "rules_check_level_of_need", test_check_level_of_need },
	{ "rules_check_s136_consulted", test_check_s136_consulted },
	{ "rules_check_police_station", test_check_police_station },
	{ "rules_check_consent_reason", test_check_consent_reason },
	{ "rules_check_referral_times", test_check_referral_times },
	{ "rules_check_referral_outcome", test_check_referral_outcome },
	{ "rules_check_action_due", test_check_action_due },
	{ NULL, NULL },
};
