/* retention.h - deleting notes past their retention period (fieldnote
 * retention run): in modest write transactions beside a serving server,
 * never a held child's notes, every deletion audited by id and hash. */
#ifndef FN_RETENTION_H
#define FN_RETENTION_H

#include <stdint.h>

#include "record.h" /* struct sc_str */

/* Settings (config.c): days after a note's last revision or review. */
struct retention_config {
	int64_t days;            /* reviewed notes (accepted, returned, escalated); 0: never */
	int64_t days_unreviewed; /* notes still "submitted"; 0: never (kept until reviewed) */
	unsigned batch;          /* notes per write transaction; 0: 100 */
};

struct retention_report {
	uint64_t scanned;   /* notes looked at */
	uint64_t expired;   /* past retention, held ones included */
	uint64_t held;      /* past retention but kept under a legal hold */
	uint64_t notes, revisions, reviews, index_entries; /* deleted (dry: would be) */
	uint64_t attachments; /* the deleted notes' attachment references */
	uint64_t audit_entries; /* written (0 on a dry run) */
};

struct store;
struct notes;
struct holds;
struct attach;
struct audit;

/* 1 when a note last changed at updated_at, with status `status`, is past
 * retention at `now` under cfg; 0 otherwise. */
int retention_expired(const struct retention_config *cfg, struct sc_str status, int64_t updated_at,
                      int64_t now);

/* Deletes (dry: only counts) every note past retention whose child has no
 * hold, batch by batch: each batch re-reads each note and its child's hold
 * in the write transaction that deletes it, so a revision or a hold that
 * arrives meanwhile keeps the note. Each deleted note gets one audit entry
 * "note.erased" (actor `actor`) naming it by id, latest revision and the
 * SHA-256 of what was deleted, in the same transaction; a real run ends
 * with a "retention.run" entry giving the count. Returns FN_OK or the
 * first store failure (batches committed before it stay; *out counts
 * them); *err (may be NULL) says what failed. A deleted note's
 * attachments go with it (att may be NULL: then there are none). */
int retention_run(struct store *s, struct notes *ns, struct holds *holds, struct attach *att, struct audit *audit,
                  const struct retention_config *cfg, int dry, struct sc_str actor, int64_t now,
                  struct retention_report *out, struct sc_error *err);

#endif
