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

/* --- reading and indexes, for the review module ------------------------
 * Heads, revisions and strings are decoded into `a` or point into the
 * transaction `t`: valid until `a` is reset or `t` ends. */

/* The head of note `id`: FN_OK, FN_NOT_FOUND, or FN_INTERNAL (undecodable). */
int notes_head_get(struct notes *ns, struct store_txn *t, struct sc_str id, struct sc_arena *a,
                   struct sc_note_head *h);
/* The latest stored revision of the note `h`: FN_OK or FN_INTERNAL. */
int notes_latest_get(struct notes *ns, struct store_txn *t, const struct sc_note_head *h,
                     struct sc_arena *a, struct sc_note **out);
/* The supervisor's flags on revision `n` of the note `h` at `now`. */
int notes_flags(struct notes *ns, struct store_txn *t, const struct sc_note *n,
                const struct sc_note_head *h, int64_t now, struct sc_arena *a, struct sc_strs *out);
/* Whether `who` may see the note (its author, a supervisor of its team,
 * an admin allowed to read notes). */
int notes_may_see(const struct auth_principal *who, const struct sc_note_head *h);
/* Whether `team` is one of the user's teams. */
int notes_in_teams(const struct sc_user_record *u, struct sc_str team);

/* Sets the note's review status (a decision on its latest revision `n`,
 * in the decision's write transaction `t`) and moves it in the queue, due
 * again as the rules say from `now`. */
int notes_set_status(struct notes *ns, struct store_txn *t, const struct sc_note_head *h,
                     const struct sc_note *n, struct sc_str status, int64_t now);

/* One queue entry: when its status last changed, its id (into `t`) and
 * when its review is due. Answers as a store_scan callback does. */
typedef int (*notes_queue_fn)(int64_t updated, struct sc_str id, int64_t due, void *arg);
/* Calls fn for the queue entries of `team` with status `status` (an index
 * of sc_enum_note_status), oldest change first, from the entry (from_updated,
 * from_id) on when from_id.n, else from the first. Returns FN_OK, a store
 * failure or fn's error. */
int notes_queue_scan(struct notes *ns, struct store_txn *t, struct sc_str team, unsigned status,
                     int64_t from_updated, struct sc_str from_id, notes_queue_fn fn, void *arg);

/* One contact about a child: when it happened and the note's id (into
 * `t`). Answers as a store_scan callback does. */
typedef int (*notes_contact_fn)(int64_t occurred, struct sc_str id, void *arg);
/* Calls fn for every note about child_ref, newest first. */
int notes_contacts_scan(struct notes *ns, struct store_txn *t, struct sc_str child_ref,
                        notes_contact_fn fn, void *arg);

/* What the review module keeps about a note, reached without notes knowing
 * review (review_open registers these; a tool without review leaves them
 * NULL and note views have no reviews). `arg` is handed to each. */
struct notes_erased;
struct mbedtls_sha256_context;
struct notes_review_hooks {
	void *arg;
	/* The note's reviews, oldest first, into `a` (for the note view). */
	int (*reviews_of)(void *arg, struct store_txn *t, struct sc_str id, struct sc_arena *a,
	                  struct sc_list_review *out);
	/* For notes_erase: hashes the note's stored reviews into `sha` in key
	 * order, then (not dry) deletes them and the author's feedback copies;
	 * adds to out->reviews and out->index_entries (dry: what it would). */
	int (*erase)(void *arg, struct store_txn *t, const struct sc_note_head *h, int dry,
	             struct mbedtls_sha256_context *sha, struct notes_erased *out);
};
/* Call at start-up; `hooks` is copied. */
void notes_set_review_hooks(struct notes *ns, const struct notes_review_hooks *hooks);

#endif
