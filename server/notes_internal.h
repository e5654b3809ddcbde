/* notes_internal.h - the notes module's private parts, shared by its files
 * (notes.c, notes_keys.c, notes_enquiry.c, notes_erase.c, notes_index.c).
 * Nothing outside the module includes this. */
#ifndef FN_NOTES_INTERNAL_H
#define FN_NOTES_INTERNAL_H

#include "audit.h"
#include "dbkey.h"
#include "escalations.h"
#include "notes.h"
#include "quota.h"
#include "stored.h"

#define NOTES_DAY 86400

struct notes {
	struct store *store;
	struct rules_config rc;
	struct audit *audit;
	struct auth *auth;
	struct quota *quota; /* NULL: no daily write quota */
	struct escalations *esc; /* NULL: escalations not kept (tools) */
	struct referrals *referrals; /* NULL: referrals are not tracked */
	struct enquiries *enquiries; /* NULL: no MASH enquiries are opened */
	struct notes_review_hooks review; /* all NULL: no review module */
	store_db revs;      /* id 0 rev(4) -> canonical msgpack note */
	store_db heads;     /* id -> note_head */
	store_db recv;      /* id 0 rev(4) -> received_at(8) */
	store_db by_author; /* author 0 received(8) id -> "" */
	store_db queue;     /* team 0 status(1) updated(8) id -> due(8) */
	store_db by_child;  /* child_ref 0 occurred(8) id -> "" */
};

struct dbkey notes_rev_key(struct sc_str id, int64_t rev);
struct dbkey notes_queue_key(const struct sc_note_head *h);
struct dbkey notes_child_key(struct sc_str child_ref, int64_t occurred, struct sc_str id);

int notes_put_head(struct notes *ns, struct store_txn *t, const struct sc_note_head *h);
/* Moves a note in the queue index from `old` to `h` (old NULL: new). */
int notes_requeue(struct notes *ns, struct store_txn *t, const struct sc_note_head *old,
                  const struct sc_note_head *h, int64_t due);
int notes_count_contacts(struct notes *ns, struct store_txn *t, struct sc_str child_ref, int64_t at,
                         int64_t *n_short, int64_t *n_long);
/* notes_enquiry.c: opens or extends the child's MASH enquiry when the
 * contact `h` (just stored) meets the threshold. */
int notes_enquiry_check(struct notes *ns, struct store_txn *t, const struct sc_note_head *h, int64_t now,
                        struct sc_arena *a);
/* notes_enquiry.c: the note view's escalations, referral and enquiry. */
int notes_view_sharing(struct notes *ns, struct store_txn *t, struct sc_str id, int64_t now, struct sc_arena *a,
                       struct sc_note_view *out);

#endif
