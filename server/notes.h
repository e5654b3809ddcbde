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

int notes_open(struct notes **out, struct store *s, const struct rules_config *rc);
void notes_close(struct notes *ns);

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
 * its result, or the store's failure (nothing acknowledged). */
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

#endif
