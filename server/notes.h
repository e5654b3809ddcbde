/* notes.h - voice-of-the-child notes: idempotent storage of revisions,
 * the indexes (author, review queue, child contacts) and the server view.
 * Owns the "notes.*" databases. */
#ifndef FN_NOTES_H
#define FN_NOTES_H

#include <stdint.h>

#include "arena.h"
#include "auth.h"
#include "records.h"
#include "rules.h"
#include "store.h"

struct notes;

struct audit;

/* Notes record what they store and decide in `audit` (same transaction). */
/* `auth` answers whether a note's device has signed in to its author's
 * account before (provenance; see notes_submit). */
int notes_open(struct notes **out, struct store *s, const struct rules_config *rc,
               struct audit *audit, struct auth *auth);
void notes_close(struct notes *ns);
/* Gives every author a quota of bytes of notes stored per UTC day (0: none),
 * beyond which notes_submit answers FN_QUOTA_EXCEEDED. Call at start-up. */
int notes_set_write_quota(struct notes *ns, uint64_t daily_bytes);
/* Review decisions `escalated` open escalations in `es` (not owned; it
 * must outlive ns), whose deadlines show in flags, the queue and the note
 * view. Call at start-up. */
struct escalations;
void notes_set_escalations(struct notes *ns, struct escalations *es);

/* Tracks every stored note's referral with `rf` (in the note's write
 * transaction) and shows it on the note. Call at start-up. */
struct referrals;
void notes_set_referrals(struct notes *ns, struct referrals *rf);
/* Opens MASH enquiries with `eq` as contacts reach the threshold (in the
 * note's write transaction) and shows them on the note. Call at start-up. */
struct enquiries;
void notes_set_enquiries(struct notes *ns, struct enquiries *eq);

/* Revision `rev` of note `id`, decoded into `a`: FN_OK or FN_NOT_FOUND. */
int notes_revision(struct notes *ns, struct store_txn *t, struct sc_str id, int64_t rev,
                   struct sc_arena *a, struct sc_note **out);

/* One uploaded note and the answer for it. A caller fills `note` (NULL when
 * the item did not decode) and, for such an item, `result` with the decode
 * error; notes_submit fills `result` for the others. */
struct notes_item {
	struct sc_note *note;
	struct sc_note_result *result;
	struct sc_buf enc; /* canonical bytes, internal */
};

/* Checks each note against the rules, then stores every valid one in one
 * durably committed write shared with concurrent requests. Each result says
 * stored, duplicate, conflict or invalid. Returns FN_OK when every item has
 * its result, or a failure with nothing stored: FN_QUOTA_EXCEEDED when the
 * new notes (duplicates cost nothing) would pass the author's daily quota,
 * FN_STORE_FULL (no room: see store.h), or another store failure. */
int notes_submit(struct notes *ns, const struct auth_principal *who,
                 struct notes_item *items, size_t n, int64_t now,
                 struct sc_arena *a);

/* The note with every revision, if `who` may see it (its author, or a
 * supervisor of its team); FN_NOT_FOUND otherwise, whether or not it exists.
 * The view points into `a` and into the read transaction `t`. */
int notes_get(struct notes *ns, struct store_txn *t,
              const struct auth_principal *who, struct sc_str id,
              int64_t now, struct sc_arena *a, struct sc_note_view *out);

/* HTTP status for a note result (201 stored, 200 duplicate, 409, 422). */
int notes_result_http(const struct sc_note_result *r);


/* --- review (notes_review.c) -------------------------------------------- */

struct notes_queue_query {
	struct sc_str team;   /* one of the caller's teams, or empty for all */
	const char *status;   /* default "submitted" */
	const char *flag;     /* only notes with this flag, or NULL */
	int overdue_only;
	size_t limit;         /* 1..200 */
	const char *cursor;   /* from the previous page's `next`, or NULL */
};

/* A page of the review queue for the caller's teams: overdue notes first,
 * then oldest first. FN_FORBIDDEN for a team that is not the caller's,
 * FN_VALIDATION_FAILED for a bad status, flag or cursor (detail says). */
int notes_queue(struct notes *ns, struct store_txn *t, const struct auth_principal *who,
                const struct notes_queue_query *q, int64_t now, struct sc_arena *a,
                struct sc_queue_page *out, char *detail);

/* Appends a supervisor's decision on the latest revision. FN_NOT_FOUND
 * when the caller may not see the note, FN_CONFLICT for an old revision or
 * a note already decided, FN_VALIDATION_FAILED (detail names the field). */
int notes_review(struct notes *ns, const struct auth_principal *who, struct sc_str id,
                 const struct sc_review_request *req, int64_t now, struct sc_arena *a,
                 struct sc_review *out, char *detail, size_t detail_len);

/* Review outcomes on the caller's own notes after `since`. */
int notes_feedback(struct notes *ns, struct store_txn *t, const struct auth_principal *who,
                   uint64_t since, size_t limit, struct sc_arena *a, struct sc_feedback_page *out);

/* Every contact about a child the caller may see, newest first, and the
 * MASH-enquiry flag computed over all contacts about the child. */
int notes_contacts(struct notes *ns, struct store_txn *t, const struct auth_principal *who,
                   struct sc_str child_ref, struct sc_arena *a, struct sc_contacts_page *out);

/* The reviews of one note, oldest first (for the note view). */
int notes_reviews_of(struct notes *ns, struct store_txn *t, struct sc_str id, struct sc_arena *a,
                     struct sc_list_review *out);

#endif
