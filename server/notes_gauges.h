/* notes_gauges.h - the review queue's size for /metrics: notes waiting for
 * a supervisor's review (status "submitted") and those past their due time.
 * Kept apart from notes.h so the gauges add no edit to the notes API. */
#ifndef FN_NOTES_GAUGES_H
#define FN_NOTES_GAUGES_H

#include <stdint.h>

#include "store.h"

struct notes;

/* Counts the notes waiting for review (*depth) and those among them whose
 * review was due before `now` (*overdue), in read transaction t. Cost:
 * O(teams + depth): per team a cursor seek to its "submitted" range of the
 * queue index and a walk of that range only; the notes in other statuses
 * (most of the store) are never read. FN_OK or the store's error. */
int notes_review_gauges(struct notes *ns, struct store_txn *t, int64_t now, uint64_t *depth, uint64_t *overdue);

#endif
