/* review.h - supervisors' review of notes: the review queue, decisions on
 * a note's latest revision, authors' feedback and the contacts about one
 * child. Owns the "notes.reviews" and "notes.feedback" databases (named
 * when review lived in notes; the names stay so stores still open); reads
 * notes only through notes.h. Errors come back in a struct sc_error. */
#ifndef FN_REVIEW_H
#define FN_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "auth.h"
#include "records.h"
#include "rules.h"
#include "store.h"

struct review;
struct notes;
struct audit;
struct escalations;

/* Opens the review databases and registers with `ns` (which must outlive
 * the review) what a note view and an erasure need from review. Decisions
 * are audited in `audit`. rc NULL: the rules' defaults. */
int review_open(struct review **out, struct store *s, const struct rules_config *rc,
                struct audit *audit, struct notes *ns);
/* Also unregisters from the notes module. review_close(NULL) is a no-op. */
void review_close(struct review *rv);
/* Decisions `escalated` open escalations in `es` (not owned; it must
 * outlive rv), and the queue counts the overdue ones. Call at start-up. */
void review_set_escalations(struct review *rv, struct escalations *es);

struct review_queue_query {
	struct sc_str team;   /* one of the caller's teams, or empty for all */
	const char *status;   /* default "submitted" */
	const char *flag;     /* only notes with this flag, or NULL */
	int overdue_only;
	size_t limit;         /* 1..200 */
	const char *cursor;   /* from the previous page's `next`, or NULL */
};

/* A page of the review queue for the caller's teams: overdue notes first,
 * then oldest first. FN_FORBIDDEN for a team that is not the caller's
 * (err->field "team"), FN_VALIDATION_FAILED for a bad status, flag or
 * cursor (err->field names the parameter). err->status is the value
 * returned, whatever it is. The page points into `a` and `t`. */
int review_queue(struct review *rv, struct store_txn *t, const struct auth_principal *who,
                 const struct review_queue_query *q, int64_t now, struct sc_arena *a,
                 struct sc_queue_page *out, struct sc_error *err);

/* Appends a supervisor's decision on the latest revision, in its own write
 * transaction. FN_NOT_FOUND when the caller may not see the note,
 * FN_CONFLICT for an old revision, a note already decided or an open
 * escalation, FN_VALIDATION_FAILED; err->field names the field at fault
 * and err->status is the value returned. */
int review_decide(struct review *rv, const struct auth_principal *who, struct sc_str id,
                  const struct sc_review_request *req, int64_t now, struct sc_arena *a,
                  struct sc_review *out, struct sc_error *err);

/* Review outcomes on the caller's own notes after `since`. */
int review_feedback(struct review *rv, struct store_txn *t, const struct auth_principal *who,
                    uint64_t since, size_t limit, struct sc_arena *a, struct sc_feedback_page *out);

/* Every contact about a child the caller may see, newest first, and the
 * MASH-enquiry flag computed over all contacts about the child. */
int review_contacts(struct review *rv, struct store_txn *t, const struct auth_principal *who,
                    struct sc_str child_ref, struct sc_arena *a, struct sc_contacts_page *out);

#endif
