/* rules.h - what the server checks and computes about a note: validation
 * beyond the schema (DOMAIN.md's rules) and the flags a supervisor sees. */
#ifndef FN_RULES_H
#define FN_RULES_H

#include <stdint.h>

#include "arena.h"
#include "records.h"

struct rules_config {
	int64_t max_skew;           /* seconds a device clock may run ahead; default 600 */
	int64_t mash_short_days;    /* default 183 (6 months) */
	int64_t mash_short_count;   /* default 2 */
	int64_t mash_long_days;     /* default 365 (12 months) */
	int64_t mash_long_count;    /* default 3 */
	int64_t referral_outcome_days; /* default 14 */
	int64_t review_hours;       /* review deadline; default 72 */
	int64_t review_hours_risk;  /* when the note shows risk; default 24 */
	int64_t max_due_days;       /* an action may fall due this far ahead; default 730 */
	int64_t escalation_stage1_hours; /* with the team's manager; default 72 */
	int64_t escalation_stage2_hours; /* with the head of service; default 120 */
	int64_t escalation_stage3_hours; /* with the safeguarding partnership; default 168 */
	int admin_reads_notes;      /* policy, not a rule: default no */
};

void rules_defaults(struct rules_config *c);

/* A list of field errors being collected for one note. nomem is set when
 * an error was found but could not be recorded (the arena ran out). */
struct rules_errors {
	struct sc_field_error *v;
	size_t n, cap;
	struct sc_arena *arena;
	int nomem;
	size_t found; /* errors found, recorded or not */
};

/* Checks a schema-valid note against DOMAIN.md's rules at time `now`;
 * appends one error per failing field. Returns the number of errors found,
 * which fails closed: an error that could not be recorded still counts
 * (e->nomem says so, and e->n may then be less than the return), so a note
 * is never taken as valid because memory ran out. */
size_t rules_check_note(const struct sc_note *n, int64_t now,
                        const struct rules_config *c, struct rules_errors *e);

/* child_ref must be pseudonymous: 4 to 64 of [A-Za-z0-9._:-], at least one
 * digit (a name has none), no whitespace. */
int rules_child_ref_ok(struct sc_str ref);

/* 1 when the child is known to be under 18 when the note's events took
 * place (age band below 18_plus, or date of birth), 0 when 18 or over, -1
 * when unknown. */
int rules_under_18(const struct sc_note *n);

/* Flags a supervisor sees. contacts_short/long: notes for this child in the
 * short and long windows ending at this note (itself included). */
enum {
	FLAG_MASH_ENQUIRY_DUE,
	FLAG_SEEN_ALONE_UNKNOWN,
	FLAG_NO_SHARING_DECISION,
	FLAG_NO_NEXT_STEPS,
	FLAG_S136_CONSULTATION_MISSING,
	FLAG_REFERRAL_WITHOUT_OUTCOME,
	FLAG_REVIEW_OVERDUE,
	FLAG_ESCALATION_OVERDUE,
	FLAG_REFERRAL_UNACKNOWLEDGED,
	FLAG_COUNT
};
extern const char *const rules_flag_names[FLAG_COUNT];

/* Deadline for the review of a note received at `received_at`. */
int64_t rules_review_due(const struct sc_note *n, int64_t received_at,
                         const struct rules_config *c);

/* Deadline of escalation stage 1 to 3 begun at `at`. */
int64_t rules_escalation_due(int64_t stage, int64_t at, const struct rules_config *c);

/* The tracked referral's deadlines (referrals.c), when the note has one:
 * the referral flags then follow what the receiving agency did, not what
 * the author typed into the note. */
struct rules_referral {
	int unacknowledged;  /* still "sent" after referral_ack_hours */
	int without_outcome; /* no partner's outcome after referral_outcome_days */
};

/* What the server knows about a note beyond its content: its flags depend
 * on these as well as on the note. */
struct rules_facts {
	int64_t now;
	int64_t review_due;
	int reviewed;
	int64_t contacts_short; /* notes for this child in the short and long */
	int64_t contacts_long;  /* windows ending at this note (itself included) */
	int64_t escalation_due; /* deadline of the note's open escalation, 0 if none */
	/* NULL when the note's referral is not tracked (none, or stored before
	 * referrals were): then the note's own referral block decides. */
	const struct rules_referral *referral;
};

/* Fills out (arena strings) with the flags that hold for this note. */
int rules_flags(const struct sc_note *n, const struct rules_facts *f, const struct rules_config *c,
                struct sc_arena *a, struct sc_strs *out);

#endif
