/* test_rules.c - rules.c's pure functions: child references, age at the events, each note rule alone, review deadlines, the supervisor's flags. */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "records.h"
#include "rules.h"
#include "status.h"
#include "test_schema_util.h"
#include "unit.h"

#define DAY INT64_C(86400)

/* An hour after the example note was written: it shows no flag then. */
#define NOW(n) ((n)->created_at + 3600)
#define STR(s) ((struct sc_str){ (s), strlen(s) })

/* A fresh example note in the test's arena a. */
#define FRESH(n) CHECK(((n) = tu_example_note(a)) != NULL)

static int64_t utc(int y, int mon, int d, int h, int min, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d,
	                 .tm_hour = h, .tm_min = min, .tm_sec = s };
	return (int64_t)timegm(&tm);
}

/* ------------------------------------------------------- child_ref --- */

static int test_child_ref(void)
{
#define REF(s, ok) { s, sizeof(s) - 1, ok }
	static const struct { const char *p; size_t n; int ok; } refs[] = {
		REF("", 0), REF("a1b", 0), REF("a1bc", 1), REF("1234", 1),
		REF("abcd", 0), REF("Jane-Smith", 0),                 /* no digit: a name */
		REF("ab 12", 0), REF(" ab12", 0), REF("ab12\n", 0), REF("ab\t12", 0),
		REF("A.b_c:d-1", 1), REF("C-7Q2M-91XK", 1),
		REF("ab/12", 0), REF("ab,12", 0), REF("ab@12", 0), REF("ab'12", 0),
		REF("Zo\xc3\xab" "12", 0),    /* UTF-8 e with diaeresis */
		REF("\xd9\xa1\xd9\xa2" "ab", 0), /* Arabic-Indic digits are not digits here */
		REF("ab12\xff", 0), REF("ab12\x80", 0),
		REF("ab12\0", 0), REF("ab\0" "12", 0), /* the decoders refuse NUL; this must too */
	};
#undef REF
	for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
		int got = rules_child_ref_ok((struct sc_str){ refs[i].p, refs[i].n });
		if (got != refs[i].ok)
			fprintf(stderr, "child_ref %zu \"%.*s\": got %d\n", i, (int)refs[i].n, refs[i].p, got);
		CHECK_EQ_INT(got, refs[i].ok);
	}
	char buf[65];
	memset(buf, 'x', sizeof buf);
	buf[0] = '7';
	CHECK_EQ_INT(rules_child_ref_ok((struct sc_str){ buf, 64 }), 1);
	CHECK_EQ_INT(rules_child_ref_ok((struct sc_str){ buf, 65 }), 0);
	return 0;
}

/* -------------------------------------------------------- under 18 --- */

/* rules_under_18 for a note with only these (NULL: absent) set. */
static int under_18(const char *band, const char *dob, int64_t at)
{
	struct sc_note n;
	memset(&n, 0, sizeof n);
	if (band) {
		n.age_band = STR(band);
		SC_SET(note, &n, age_band);
	}
	if (dob) {
		n.child_dob = STR(dob);
		SC_SET(note, &n, child_dob);
	}
	n.occurred_at = at;
	return rules_under_18(&n);
}

static int test_under_18_age_band(void)
{
	static const char *const young[] = { "under_5", "5_to_9", "10_to_12", "13_to_15", "16_to_17" };
	int64_t at = utc(2026, 11, 25, 9, 0, 0);
	for (size_t i = 0; i < sizeof young / sizeof young[0]; i++)
		CHECK_EQ_INT(under_18(young[i], NULL, at), 1);
	CHECK_EQ_INT(under_18("18_plus", NULL, at), 0);
	CHECK_EQ_INT(under_18(NULL, NULL, at), -1);
	return 0;
}

/* The 18th birthday of a child born 2008-06-15 begins at 2026-06-15
 * 00:00 UTC: the age is the one at occurred_at, not at upload. */
static int test_under_18_birthday(void)
{
	const char *dob = "2008-06-15";
	CHECK_EQ_INT(under_18(NULL, dob, utc(2026, 6, 14, 0, 0, 0)), 1);
	CHECK_EQ_INT(under_18(NULL, dob, utc(2026, 6, 14, 23, 59, 59)), 1);
	CHECK_EQ_INT(under_18(NULL, dob, utc(2026, 6, 15, 0, 0, 0)), 0);
	CHECK_EQ_INT(under_18(NULL, dob, utc(2026, 6, 15, 23, 59, 59)), 0);
	CHECK_EQ_INT(under_18(NULL, dob, utc(2026, 6, 16, 0, 0, 0)), 0);
	CHECK_EQ_INT(under_18(NULL, dob, utc(2025, 6, 16, 0, 0, 0)), 1);
	CHECK_EQ_INT(under_18(NULL, dob, utc(2027, 1, 1, 0, 0, 0)), 0);
	/* a month later in the year but an earlier day still counts as past */
	CHECK_EQ_INT(under_18(NULL, dob, utc(2026, 7, 1, 0, 0, 0)), 0);
	CHECK_EQ_INT(under_18(NULL, dob, utc(2026, 5, 31, 0, 0, 0)), 1);
	return 0;
}

/* Born on 29 February: in a common year the 18th birthday is 1 March
 * (as in English law), not 28 February. */
static int test_under_18_leap_day(void)
{
	const char *dob = "2008-02-29";
	CHECK_EQ_INT(under_18(NULL, dob, utc(2026, 2, 28, 23, 59, 59)), 1);
	CHECK_EQ_INT(under_18(NULL, dob, utc(2026, 3, 1, 0, 0, 0)), 0);
	CHECK_EQ_INT(under_18(NULL, dob, utc(2024, 2, 29, 12, 0, 0)), 1);
	return 0;
}

static int test_under_18_malformed_dob(void)
{
	static const char *const bad[] = { "", "2008-6-15", "2008-06-15x", "15/06/2008", "2008-13-01",
	                                   "2008-06-1x", "20080615", "yyyy-mm-dd", "2008-06-32" };
	int64_t at = utc(2026, 11, 25, 9, 0, 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (under_18(NULL, bad[i], at) != -1)
			fprintf(stderr, "dob \"%s\" was taken as a date\n", bad[i]);
		CHECK_EQ_INT(under_18(NULL, bad[i], at), -1);
	}
	return 0;
}


/* ------------------------------------------------------ review due --- */

static int test_review_due(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	struct rules_config rc;
	const int64_t at = 1795600400;
	rules_defaults(&rc);
	CHECK_EQ_INT(rc.review_hours, 72);
	CHECK_EQ_INT(rc.review_hours_risk, 24);

	FRESH(n); /* a referral (early help) is a risk */
	CHECK_EQ_INT(rules_review_due(n, at, &rc), at + 24 * 3600);
	n->referral->type = STR("none");
	CHECK_EQ_INT(rules_review_due(n, at, &rc), at + 72 * 3600);
	SC_CLEAR(note, n, referral);
	CHECK_EQ_INT(rules_review_due(n, at, &rc), at + 72 * 3600);
	n->mental_health->self_harm = 1;
	CHECK_EQ_INT(rules_review_due(n, at, &rc), at + 24 * 3600);
	SC_CLEAR(mental_health, n->mental_health, self_harm); /* the value alone is not the answer */
	CHECK_EQ_INT(rules_review_due(n, at, &rc), at + 72 * 3600);
	n->mental_health->s136_used = 1;
	CHECK_EQ_INT(rules_review_due(n, at, &rc), at + 24 * 3600);
	SC_CLEAR(note, n, mental_health);
	CHECK_EQ_INT(rules_review_due(n, at, &rc), at + 72 * 3600);

	rc.review_hours = 5; /* the settings, not constants */
	rc.review_hours_risk = 2;
	CHECK_EQ_INT(rules_review_due(n, at, &rc), at + 5 * 3600);
	FRESH(n);
	CHECK_EQ_INT(rules_review_due(n, at, &rc), at + 2 * 3600);
	sc_arena_free(a);
	return 0;
}

/* ----------------------------------------------------------- flags --- */

/* When rules_flags is asked: the clock, the review deadline, whether the
 * note was reviewed, and the child's note counts in the short and long
 * MASH windows. */
struct flag_args {
	int64_t now, due;
	int reviewed;
	int64_t in_short, in_long;
};

/* The example note, an hour on, its review a day away, its child's only note. */
static struct flag_args quiet(const struct sc_note *n)
{
	return (struct flag_args){ NOW(n), NOW(n) + DAY, 0, 1, 1 };
}

/* 1 when rules_flags lists `name`, 0 when not, -1 when it fails. */
static int flag_on(const struct sc_note *n, struct flag_args f, const char *name)
{
	struct rules_config rc;
	struct sc_strs out;
	struct sc_arena *a = sc_arena_new(0);
	int on = 0;
	rules_defaults(&rc);
	if (!a || rules_flags(n, &(struct rules_facts){f.now, f.due, f.reviewed, f.in_short, f.in_long, 0, NULL}, &rc, a, &out) != FN_OK)
		on = -1;
	for (size_t i = 0; on == 0 && i < out.n; i++)
		on = sc_str_eq(out.v[i], name);
	sc_arena_free(a);
	return on;
}

/* The example shows none; a note missing every optional part shows each
 * that depends on the note alone, in rules_flag_names' order. */
static int test_flags_none_and_order(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	struct rules_config rc;
	struct sc_strs out;
	rules_defaults(&rc);
	FRESH(n);
	struct flag_args f = quiet(n);
	CHECK_EQ_INT(rules_flags(n, &(struct rules_facts){f.now, f.due, 0, 1, 1, 0, NULL}, &rc, a, &out), FN_OK);
	CHECK_EQ_INT(out.n, 0);
	SC_CLEAR(note, n, seen_alone);
	SC_CLEAR(note, n, sharing);
	SC_CLEAR(note, n, next_steps);
	CHECK_EQ_INT(rules_flags(n, &(struct rules_facts){f.now, f.now - 1, 0, 2, 1, 0, NULL}, &rc, a, &out), FN_OK);
	static const int want[] = { FLAG_MASH_ENQUIRY_DUE, FLAG_SEEN_ALONE_UNKNOWN, FLAG_NO_SHARING_DECISION,
	                            FLAG_NO_NEXT_STEPS, FLAG_REVIEW_OVERDUE };
	CHECK_EQ_INT(out.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < out.n; i++)
		CHECK(sc_str_eq(out.v[i], rules_flag_names[want[i]]));
	sc_arena_free(a);
	return 0;
}

/* The counts include the note itself: two in six months, or three in a
 * year, call for a MASH enquiry. */
static int test_flags_mash(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	struct flag_args f = quiet(n);
	const char *mash = "mash_enquiry_due";
	CHECK_EQ_INT(flag_on(n, f, mash), 0);
	f.in_short = 2, f.in_long = 2;
	CHECK_EQ_INT(flag_on(n, f, mash), 1);
	f.in_short = 1, f.in_long = 2;
	CHECK_EQ_INT(flag_on(n, f, mash), 0);
	f.in_short = 1, f.in_long = 3;
	CHECK_EQ_INT(flag_on(n, f, mash), 1);
	f.in_short = 0, f.in_long = 0;
	CHECK_EQ_INT(flag_on(n, f, mash), 0);
	sc_arena_free(a);
	return 0;
}

static int test_flags_note_parts(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	struct flag_args f = quiet(n);
	n->seen_alone = 0; /* known, if not alone */
	CHECK_EQ_INT(flag_on(n, f, "seen_alone_unknown"), 0);
	SC_CLEAR(note, n, seen_alone);
	CHECK_EQ_INT(flag_on(n, f, "seen_alone_unknown"), 1);

	CHECK_EQ_INT(flag_on(n, f, "no_sharing_decision"), 0);
	SC_CLEAR(note, n, sharing);
	CHECK_EQ_INT(flag_on(n, f, "no_sharing_decision"), 1);

	/* next steps: what the child was told, or an action, is enough */
	struct sc_next_steps *ns = n->next_steps;
	CHECK_EQ_INT(flag_on(n, f, "no_next_steps"), 0);
	SC_CLEAR(next_steps, ns, told_child);
	CHECK_EQ_INT(flag_on(n, f, "no_next_steps"), 0);
	ns->actions.n = 1;
	CHECK_EQ_INT(flag_on(n, f, "no_next_steps"), 0);
	ns->actions.n = 0;
	CHECK_EQ_INT(flag_on(n, f, "no_next_steps"), 1);
	SC_SET(next_steps, ns, told_child);
	CHECK_EQ_INT(flag_on(n, f, "no_next_steps"), 0);
	SC_CLEAR(note, n, next_steps);
	CHECK_EQ_INT(flag_on(n, f, "no_next_steps"), 1);
	sc_arena_free(a);
	return 0;
}

/* s136 used: missing unless a professional was consulted (yes) or named. */
static int test_flags_s136(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	struct flag_args f = quiet(n);
	struct sc_mental_health *mh = n->mental_health;
	const char *s136 = "s136_consultation_missing";
	CHECK_EQ_INT(flag_on(n, f, s136), 0);
	mh->s136_used = 1;
	CHECK_EQ_INT(flag_on(n, f, s136), 1);
	SC_SET(mental_health, mh, consulted);
	mh->consulted = STR("yes");
	CHECK_EQ_INT(flag_on(n, f, s136), 0);
	mh->consulted = STR("no");
	CHECK_EQ_INT(flag_on(n, f, s136), 1);
	mh->consulted = STR("impracticable");
	CHECK_EQ_INT(flag_on(n, f, s136), 1);
	mh->consulted_with = STR(" \t ");
	SC_SET(mental_health, mh, consulted_with);
	CHECK_EQ_INT(flag_on(n, f, s136), 1);
	mh->consulted_with = STR("duty AMHP by phone");
	CHECK_EQ_INT(flag_on(n, f, s136), 0);
	SC_CLEAR(mental_health, mh, consulted);
	CHECK_EQ_INT(flag_on(n, f, s136), 0);
	SC_CLEAR(mental_health, mh, consulted_with);
	CHECK_EQ_INT(flag_on(n, f, s136), 1);
	SC_CLEAR(mental_health, mh, s136_used); /* unanswered is not "used" */
	CHECK_EQ_INT(flag_on(n, f, s136), 0);
	sc_arena_free(a);
	return 0;
}

/* A referral waits referral_outcome_days (14) for its outcome, counted
 * from sent_at, or from occurred_at when the sending time is unknown. */
static int test_flags_referral_without_outcome(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	struct flag_args f = quiet(n);
	struct sc_referral *r = n->referral;
	const char *rwo = "referral_without_outcome";
	f.now = r->sent_at + 14 * DAY;
	f.due = f.now + DAY;
	CHECK_EQ_INT(flag_on(n, f, rwo), 0);
	f.now++;
	CHECK_EQ_INT(flag_on(n, f, rwo), 1);
	r->outcome = STR("accepted");
	SC_SET(referral, r, outcome);
	CHECK_EQ_INT(flag_on(n, f, rwo), 0);
	SC_CLEAR(referral, r, outcome);
	r->type = STR("none");
	CHECK_EQ_INT(flag_on(n, f, rwo), 0);
	r->type = STR("mash");
	CHECK_EQ_INT(flag_on(n, f, rwo), 1);

	SC_CLEAR(referral, r, sent_at);
	f.now = n->occurred_at + 14 * DAY;
	CHECK_EQ_INT(flag_on(n, f, rwo), 0);
	f.now++;
	CHECK_EQ_INT(flag_on(n, f, rwo), 1);
	SC_CLEAR(note, n, referral);
	CHECK_EQ_INT(flag_on(n, f, rwo), 0);
	sc_arena_free(a);
	return 0;
}

/* Overdue only after the deadline second, and never once reviewed. */
static int test_flags_review_overdue(void)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note *n;
	FRESH(n);
	struct flag_args f = quiet(n);
	f.due = f.now;
	CHECK_EQ_INT(flag_on(n, f, "review_overdue"), 0);
	f.now = f.due + 1;
	CHECK_EQ_INT(flag_on(n, f, "review_overdue"), 1);
	f.reviewed = 1;
	CHECK_EQ_INT(flag_on(n, f, "review_overdue"), 0);
	sc_arena_free(a);
	return 0;
}

/* A date of birth that is no calendar date, or not in the one format,
 * leaves the age unknown (strptime alone takes 30 February, and spaces
 * or one-digit fields). */
static int test_under_18_impossible_dob(void)
{
	static const char *const bad[] = { "2008-02-30", "2008-02-31", "2009-02-29", "2008-04-31",
	                                   " 2008-2-01", "2008-02- 1", "2008- 2-01" };
	int64_t at = utc(2026, 11, 25, 9, 0, 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (under_18(NULL, bad[i], at) != -1)
			fprintf(stderr, "dob \"%s\" was taken as a date\n", bad[i]);
		CHECK_EQ_INT(under_18(NULL, bad[i], at), -1);
	}
	CHECK_EQ_INT(under_18(NULL, "2008-02-29", at), 0); /* a leap day is a date */
	CHECK_EQ_INT(under_18(NULL, "1969-12-31", at), 0); /* before 1970 is a date too */
	return 0;
}

/* The band and the date of birth disagree: a child if either says so. */
static int test_under_18_band_and_dob_disagree(void)
{
	int64_t at = utc(2026, 11, 25, 9, 0, 0);
	CHECK_EQ_INT(under_18("18_plus", "2012-03-14", at), 1);
	CHECK_EQ_INT(under_18("13_to_15", "1990-01-01", at), 1);
	CHECK_EQ_INT(under_18("18_plus", "1990-01-01", at), 0);
	return 0;
}

const struct unit_case rules_cases[] = {
	{ "rules_under_18_band_and_dob_disagree", test_under_18_band_and_dob_disagree },
	{ "rules_under_18_impossible_dob", test_under_18_impossible_dob },
	{ "rules_child_ref", test_child_ref },
	{ "rules_under_18_age_band", test_under_18_age_band },
	{ "rules_under_18_birthday", test_under_18_birthday },
	{ "rules_under_18_leap_day", test_under_18_leap_day },
	{ "rules_under_18_malformed_dob", test_under_18_malformed_dob },
	{ "rules_review_due", test_review_due },
	{ "rules_flags_none_and_order", test_flags_none_and_order },
	{ "rules_flags_mash", test_flags_mash },
	{ "rules_flags_note_parts", test_flags_note_parts },
	{ "rules_flags_s136", test_flags_s136 },
	{ "rules_flags_referral_without_outcome", test_flags_referral_without_outcome },
	{ "rules_flags_review_overdue", test_flags_review_overdue },
	{ NULL, NULL },
};
