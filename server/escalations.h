/* escalations.h - escalations of a professional disagreement about a note:
 * opened by a review decision, moved through three stages (team manager,
 * head of service, safeguarding partnership) each with a deadline, then
 * resolved. Owns the "escalations.*" databases.
 *
 * Who may act: a supervisor of the note's team, or the user who holds the
 * escalation now. Anyone else is answered FN_NOT_FOUND, as for notes, so
 * that other teams' escalations do not show that they exist.
 *
 * Memory: records handed back point into the caller's arena and, for reads,
 * into the read transaction `t` (store.h): copy or send them before it ends. */
#ifndef FN_ESCALATIONS_H
#define FN_ESCALATIONS_H

#include <stdint.h>

#include "arena.h"
#include "auth.h"
#include "records.h"
#include "rules.h"
#include "store.h"

#define ESCALATION_LAST_STAGE 3

struct escalations;
struct audit;

/* Deadlines come from `rc` (escalation_stage{1,2,3}_hours); holders named
 * in an advance are checked against `auth`'s users; every change is
 * audited in `audit` in the transaction that makes it. */
int escalations_open(struct escalations **out, struct store *s, const struct rules_config *rc,
                     struct audit *audit, struct auth *auth);
void escalations_close(struct escalations *es); /* NULL: no-op */

/* What a review decision `escalated` opens. */
struct escalation_start {
	const struct sc_note_head *note; /* the note, at the reviewed revision */
	const struct auth_principal *by; /* the escalating supervisor: holds stage 1 */
	int64_t stage;                   /* 1..3: where it starts */
	struct sc_str agency;            /* the review's target, may be empty */
	struct sc_str reason;            /* the review's comment, may be empty */
};

/* Opens an escalation inside the review's write transaction `t` and audits
 * it there. FN_CONFLICT when the note already has an open escalation (it
 * is advanced, not opened twice). *out lives in `a`. */
int escalations_start(struct escalations *es, struct store_txn *t, const struct escalation_start *st,
                      int64_t now, struct sc_arena *a, struct sc_escalation *out);

/* The deadline of the note's open escalation, 0 when it has none (`a`
 * holds what was read on the way). */
int escalations_note_due(struct escalations *es, struct store_txn *t, struct sc_str note_id,
                         struct sc_arena *a, int64_t *due);

/* Every escalation of one note, oldest first (for the note view). */
int escalations_of_note(struct escalations *es, struct store_txn *t, struct sc_str note_id,
                        int64_t now, struct sc_arena *a, struct sc_list_escalation *out);

/* Open escalations of `team` past their stage's deadline at `now`. */
int escalations_count_overdue(struct escalations *es, struct store_txn *t, struct sc_str team,
                              int64_t now, int64_t *count);

/* The caller's teams' escalations and those it holds, oldest first;
 * open_only: leave out resolved ones. */
int escalations_list(struct escalations *es, struct store_txn *t, const struct auth_principal *who,
                     int open_only, int64_t now, struct sc_arena *a, struct sc_escalation_list *out);

/* Moves an escalation to its next stage, held by `req->to` (an enabled
 * supervisor). FN_CONFLICT when resolved or already at the last stage,
 * FN_VALIDATION_FAILED when `to` is no such supervisor, FN_NOT_FOUND when
 * the caller may not act on it. *err (may be NULL) says why for the
 * validation and conflict refusals; a store failure leaves it untouched. */
int escalations_advance(struct escalations *es, const struct auth_principal *who, struct sc_str id,
                        const struct sc_escalation_advance *req, int64_t now, struct sc_arena *a,
                        struct sc_escalation *out, struct sc_error *err);

/* Closes an escalation with its resolution. FN_CONFLICT when already
 * resolved, FN_NOT_FOUND when the caller may not act on it. */
int escalations_resolve(struct escalations *es, const struct auth_principal *who, struct sc_str id,
                        const struct sc_escalation_resolve *req, int64_t now, struct sc_arena *a,
                        struct sc_escalation *out, struct sc_error *err);

#endif
