/* audit.h - the append-only, hash-chained audit log. Owns "audit.log". */
#ifndef FN_AUDIT_H
#define FN_AUDIT_H

#include <stdint.h>

#include "arena.h"
#include "records.h"
#include "store.h"

struct audit;

/* What happened. Never put a password, a token or note text here. */
struct audit_event {
	const char *action;   /* e.g. "note.read", "session.login_failed" */
	struct sc_str actor;  /* username, or "cli" for admin commands */
	const char *role;     /* NULL when unknown */
	struct sc_str device; /* device id, may be empty */
	struct sc_str record; /* the record acted on (note id#rev, user, ...) */
	const char *outcome;  /* "ok", "denied", ... */
	const char *address;  /* client address, may be NULL */
};

int audit_open(struct audit **out, struct store *s);
void audit_close(struct audit *a);

/* Appends inside the caller's write transaction, so the entry commits with
 * the change it records (or not at all). */
int audit_append(struct audit *a, struct store_txn *t, const struct audit_event *e, int64_t now);

/* Appends in a durable write of its own: for reads and refusals. */
int audit_record(struct audit *a, const struct audit_event *e, int64_t now);

/* Entries after `since`, at most `limit`. */
int audit_page(struct audit *a, struct store_txn *t, uint64_t since, size_t limit,
               struct sc_arena *arena, struct sc_audit_page *out);

/* Recomputes the chain. *checked: entries verified. Returns FN_OK, or
 * FN_CONFLICT with *first_bad the first entry whose hash or link is wrong
 * (*err, which may be NULL, says which and how). */
int audit_verify(struct audit *a, uint64_t *checked, uint64_t *first_bad, struct sc_error *err);

/* The chain's end: *seq (0 when the log is empty) and its hash (64 hex
 * digits and a NUL; the genesis hash when empty), from a read txn. */
int audit_head(struct audit *a, uint64_t *seq, char hash[65]);

#endif
