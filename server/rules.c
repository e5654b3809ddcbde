/* rules.c - note validation beyond the schema, and the computed flags. */
#include "rules.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "status.h"

const char *const rules_flag_names[FLAG_COUNT] = {
	"mash_enquiry_due",
	"seen_alone_unknown",
	"no_sharing_decision",
	"no_next_steps",
	"s136_consultation_missing",
	"referral_without_outcome",
	"review_overdue",
	"escalation_overdue",
	"referral_unacknowledged",
};

#define DAY 86400
#define EARLIEST 946684800 /* 2000-01-01: older times are a device error */

void rules_defaults(struct rules_config *c)
{
	c->max_skew = 600;
	c->mash_short_days = 183;
	c->mash_short_count = 2;
	c->mash_long_days = 365;
	c->mash_long_count = 3;
	c->referral_outcome_days = 14;
	c->review_hours = 72;
	c->review_hours_risk = 24;
	c->max_due_days = 730;
	c->escalation_stage1_hours = 72;
	c->escalation_stage2_hours = 120;
	c->escalation_stage3_hours = 168;
}

static void add(struct rules_errors *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(struct rules_errors *e, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	e->found++;
	struct sc_field_error *v = sc_arena_grow(e->arena, e->v, e->n, &e->cap, sizeof *v, 8);
	if (!v) {
		e->nomem = 1; /* counted in found: the note still fails */
		return;
	}
	e->v = v;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *m = sc_arena_strndup(e->arena, msg, strlen(msg));
	if (!m) {
		e->nomem = 1;
		return;
	}
	struct sc_field_error *fe = &e->v[e->n++];
	memset(fe, 0, sizeof *fe);
	fe->field = (struct sc_str){field, strlen(field)};
	fe->message = (struct sc_str){m, strlen(m)};
	SC_SET(field_error, fe, field);
	SC_SET(field_error, fe, message);
}

int rules_child_ref_ok(struct sc_str ref)
{
	int digits = 0;
	if (ref.n < 4 || ref.n > 64)
		return 0;
	for (size_t i = 0; i < ref.n; i++) {
		unsigned char ch = (unsigned char)ref.p[i];
		if (isdigit(ch))
			digits++;
		else if (!isalpha(ch) && !memchr("._:-", ch, 4)) /* strchr matches NUL */
			return 0;
	}
	return digits > 0;
}

/* Parses YYYY-MM-DD, exactly and a real calendar date, into a UTC
 * midnight time; 0, or -1 when malformed. */
static int parse_date(struct sc_str s, int64_t *out)
{
	static const char shape[] = "dddd-dd-dd";
	struct tm tm = {0};
	char buf[11];
	if (s.n != 10)
		return -1;
	for (size_t i = 0; i < 10; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s.p[i]) : s.p[i] != '-')
			return -1;
	memcpy(buf, s.p, 10);
	buf[10] = 0;
	const char *end = strptime(buf, "%Y-%m-%d", &tm);
	if (!end || *end)
		return -1;
	/* timegm moves 30 February to March: a date that moves is no date */
	struct tm want = tm, got;
	time_t t = timegm(&tm);
	if (!gmtime_r(&t, &got) || got.tm_year != want.tm_year || got.tm_mon != want.tm_mon ||
	    got.tm_mday != want.tm_mday)
		return -1;
	*out = (int64_t)t;
	return 0;
}

/* Whole years at `at` of a child born at UTC midnight `born`. */
static int age_at(int64_t born, int64_t at)
{
	time_t t = (time_t)born, u = (time_t)at;
	struct tm b, then;
	gmtime_r(&t, &b);
	gmtime_r(&u, &then);
	int age = then.tm_year - b.tm_year;
	if (then.tm_mon < b.tm_mon || (then.tm_mon == b.tm_mon && then.tm_mday < b.tm_mday))
		age--;
	return age;
}

int rules_under_18(const struct sc_note *n)
{
	int band = -1, dob = -1;
	int64_t born;
	if (SC_HAS(note, n, age_band))
		band = !sc_str_eq(n->age_band, "18_plus");
	if (SC_HAS(note, n, child_dob) && parse_date(n->child_dob, &born) == 0)
		dob = age_at(born, n->occurred_at) < 18;
	/* the band and the date may disagree: a child if either says so, so
	 * that the police-station rule fails safe */
	if (band == 1 || dob == 1)
		return 1;
	return band == 0 || dob == 0 ? 0 : -1;
}

static int blank(struct sc_str s)
{
	for (size_t i = 0; i < s.n; i++)
		if (!isspace((unsigned char)s.p[i]))
			return 0;
	return 1;
}

static int has_text(const struct sc_note *n, int field, struct sc_str s)
{
	return ((n->has >> field) & 1u) && !blank(s);
}

/* A time no earlier than 2000 and no later than `latest`. Written so that
 * no value, INT64_MIN included, overflows. */
static int time_ok(int64_t t, int64_t latest)
{
	return t >= EARLIEST && t <= latest;
}

static void check_referral(const struct sc_referral *r, int64_t now, const struct rules_config *c,
                           struct rules_errors *e)
{
	if (SC_HAS(referral, r, sent_at) && !time_ok(r->sent_at, now + c->max_skew))
		add(e, "referral.sent_at", "is not a plausible time (Unix seconds from 2000, not in the future)");
	if (SC_HAS(referral, r, outcome_at) && !time_ok(r->outcome_at, now + c->max_skew))
		add(e, "referral.outcome_at", "is not a plausible time (Unix seconds from 2000, not in the future)");
	if (!sc_str_eq(r->type, "none") && SC_HAS(referral, r, outcome_at) && !SC_HAS(referral, r, outcome))
		add(e, "referral.outcome", "an outcome time needs the outcome");
}

static void check_actions(const struct sc_next_steps *ns, int64_t now, const struct rules_config *c,
                          struct rules_errors *e)
{
	for (size_t i = 0; i < ns->actions.n; i++) {
		const struct sc_action *a = &ns->actions.v[i];
		if (!SC_HAS(action, a, due) || time_ok(a->due, now + c->max_due_days * DAY))
			continue;
		/* the path as the decoder names it, in the arena: the error
		 * keeps a pointer to its field name */
		const char *field = sc_arena_printf(e->arena, "next_steps.actions[%zu].due", i);
		if (!field) {
			e->found++;
			e->nomem = 1;
			continue;
		}
		add(e, field, "is not a plausible due time (Unix seconds from 2000, at most %lld days ahead)",
		    (long long)c->max_due_days);
	}
}

size_t rules_check_note(const struct sc_note *n, int64_t now,
                        const struct rules_config *c, struct rules_errors *e)
{
	size_t before = e->found;

	if (n->revision < 1)
		add(e, "revision", "revision starts at 1");
	else if (n->revision > SC_POS31_MAX)
		add(e, "revision", "must be at most %lld", (long long)SC_POS31_MAX);
	if (n->revision == 1 && SC_HAS(note, n, replaces))
		add(e, "replaces", "the first revision replaces nothing");
	if (n->revision > 1 && !SC_HAS(note, n, replaces))
		add(e, "replaces", "an amendment must name the revision it replaces");
	if (SC_HAS(note, n, replaces) && (n->replaces < 1 || n->replaces >= n->revision))
		add(e, "replaces", "must be an earlier revision of this note");
	if (!rules_child_ref_ok(n->child_ref))
		add(e, "child_ref", "must be a pseudonymous reference (4-64 letters, digits and ._:-, with at least "
		    "one digit), never a name");
	int64_t dob;
	if (SC_HAS(note, n, child_dob) && parse_date(n->child_dob, &dob) < 0)
		add(e, "child_dob", "must be a date YYYY-MM-DD");
	if (!SC_HAS(note, n, child_dob) && !SC_HAS(note, n, age_band))
		add(e, "age_band", "give the child's date of birth or age band");
	if (n->occurred_at < EARLIEST)
		add(e, "occurred_at", "is not a plausible time (Unix seconds)");
	else if (n->occurred_at > now + c->max_skew)
		add(e, "occurred_at", "is in the future (more than %lld s after the server's clock)",
		    (long long)c->max_skew);
	if (n->created_at < EARLIEST || n->created_at > now + c->max_skew)
		add(e, "created_at", "is not a plausible time (Unix seconds, not in the future)");
	else if (n->occurred_at > n->created_at + c->max_skew)
		add(e, "occurred_at", "is after the note was created");
	if (!has_text(n, SC_F_note_child_words, n->child_words) &&
	    !has_text(n, SC_F_note_not_spoken_reason, n->not_spoken_reason))
		add(e, "child_words", "record the child's own words, or why they did not speak (not_spoken_reason)");
	if (SC_HAS(note, n, seen_alone) && !n->seen_alone &&
	    !has_text(n, SC_F_note_not_alone_reason, n->not_alone_reason))
		add(e, "not_alone_reason", "say why the child was not seen alone");
	if (SC_HAS(note, n, level_of_need) && (n->level_of_need < 1 || n->level_of_need > 4))
		add(e, "level_of_need", "must be 1 to 4");
	if (SC_HAS(note, n, mental_health)) {
		const struct sc_mental_health *mh = n->mental_health;
		if (SC_HAS(mental_health, mh, s136_used) && mh->s136_used && !SC_HAS(mental_health, mh, consulted))
			add(e, "mental_health.consulted",
			    "section 136 was used: say whether a professional was consulted (yes, no or impracticable)");
		if (SC_HAS(mental_health, mh, place_of_safety) && sc_str_eq(mh->place_of_safety, "police_station") &&
		    rules_under_18(n) != 0)
			add(e, "mental_health.place_of_safety",
			    "a child (under 18) may never be taken to a police station as a place of safety "
			    "(Mental Health Act 1983 s136 as amended in 2017); record the real place of safety%s",
			    rules_under_18(n) < 0 ? ", and the age band" : "");
	}
	if (SC_HAS(note, n, sharing)) {
		const struct sc_sharing *sh = n->sharing;
		if (!sc_str_eq(sh->consent, "given") &&
		    !(SC_HAS(sharing, sh, consent_reason) && !blank(sh->consent_reason)))
			add(e, "sharing.consent_reason", "say why consent was refused or not sought");
	}
	if (SC_HAS(note, n, referral))
		check_referral(n->referral, now, c, e);
	if (SC_HAS(note, n, next_steps))
		check_actions(n->next_steps, now, c, e);
	return e->found - before;
}

static int shows_risk(const struct sc_note *n)
{
	if (SC_HAS(note, n, mental_health)) {
		const struct sc_mental_health *mh = n->mental_health;
		if ((SC_HAS(mental_health, mh, self_harm) && mh->self_harm) ||
		    (SC_HAS(mental_health, mh, s136_used) && mh->s136_used))
			return 1;
	}
	return SC_HAS(note, n, referral) && !sc_str_eq(n->referral->type, "none");
}

int64_t rules_review_due(const struct sc_note *n, int64_t received_at,
                         const struct rules_config *c)
{
	return received_at + 3600 * (shows_risk(n) ? c->review_hours_risk : c->review_hours);
}

int64_t rules_escalation_due(int64_t stage, int64_t at, const struct rules_config *c)
{
	int64_t hours = stage <= 1 ? c->escalation_stage1_hours
	              : stage == 2 ? c->escalation_stage2_hours : c->escalation_stage3_hours;
	return at + 3600 * hours;
}

int rules_flags(const struct sc_note *n, const struct rules_facts *f, const struct rules_config *c,
                struct sc_arena *a, struct sc_strs *out)
{
	int on[FLAG_COUNT] = {0};

	on[FLAG_MASH_ENQUIRY_DUE] = f->contacts_short >= c->mash_short_count || f->contacts_long >= c->mash_long_count;
	on[FLAG_SEEN_ALONE_UNKNOWN] = !SC_HAS(note, n, seen_alone);
	on[FLAG_NO_SHARING_DECISION] = !SC_HAS(note, n, sharing);
	on[FLAG_NO_NEXT_STEPS] = !SC_HAS(note, n, next_steps) ||
	                         (!SC_HAS(next_steps, n->next_steps, told_child) && n->next_steps->actions.n == 0);
	if (SC_HAS(note, n, mental_health)) {
		const struct sc_mental_health *mh = n->mental_health;
		on[FLAG_S136_CONSULTATION_MISSING] =
			SC_HAS(mental_health, mh, s136_used) && mh->s136_used &&
			(!SC_HAS(mental_health, mh, consulted) || !sc_str_eq(mh->consulted, "yes")) &&
			(!SC_HAS(mental_health, mh, consulted_with) || blank(mh->consulted_with));
	}
	if (f->referral) {
		on[FLAG_REFERRAL_UNACKNOWLEDGED] = f->referral->unacknowledged;
		on[FLAG_REFERRAL_WITHOUT_OUTCOME] = f->referral->without_outcome;
	} else if (SC_HAS(note, n, referral)) {
		const struct sc_referral *r = n->referral;
		int64_t since = SC_HAS(referral, r, sent_at) ? r->sent_at : n->occurred_at;
		/* since < now - days, not now - since > days: a stored time
		 * from before the range checks (INT64_MIN) must not overflow */
		on[FLAG_REFERRAL_WITHOUT_OUTCOME] = !sc_str_eq(r->type, "none") && !SC_HAS(referral, r, outcome) &&
		                                    since < f->now - c->referral_outcome_days * DAY;
	}
	on[FLAG_REVIEW_OVERDUE] = !f->reviewed && f->now > f->review_due;
	on[FLAG_ESCALATION_OVERDUE] = f->escalation_due != 0 && f->now > f->escalation_due;

	size_t count = 0;
	for (int i = 0; i < FLAG_COUNT; i++)
		count += on[i] != 0;
	out->n = 0;
	out->v = sc_arena_alloc(a, (count ? count : 1) * sizeof *out->v);
	if (!out->v)
		return FN_NO_MEMORY;
	for (int i = 0; i < FLAG_COUNT; i++)
		if (on[i])
			out->v[out->n++] = (struct sc_str){rules_flag_names[i], strlen(rules_flag_names[i])};
	return FN_OK;
}
