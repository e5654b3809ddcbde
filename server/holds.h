/* holds.h - legal holds per child reference: while one stands, fieldnote
 * retention run deletes nothing about the child. Owns the "holds" database. */
#ifndef FN_HOLDS_H
#define FN_HOLDS_H

#include <stdint.h>

#include "arena.h"
#include "records.h"
#include "store.h"

struct holds;
struct audit;

/* Who acts, for the audit entry: a user name ("cli" for the command line),
 * a role name, and the client address (NULL for the command line). */
struct holds_actor {
	struct sc_str name;
	const char *role;
	const char *address;
};

/* Opens the "holds" database (at start-up, before serving). Changes are
 * audited in `audit`, in the transaction that makes them. *out is the
 * caller's: holds_close(NULL) is a no-op. */
int holds_open(struct holds **out, struct store *s, struct audit *audit);
void holds_close(struct holds *h);

/* Places (or, with a new reason, replaces) the hold on child_ref, audited
 * "hold.added". FN_VALIDATION_FAILED for a reference that is not
 * pseudonymous (rules_child_ref_ok: a name would reach the audit log) or
 * an over-long reason (field "reason"); *err (may be NULL) says which, and
 * why a store failure happened. */
int holds_add(struct holds *h, struct sc_str child_ref, struct sc_str reason,
              const struct holds_actor *who, int64_t now, struct sc_error *err);

/* Lifts the hold, audited "hold.removed"; FN_NOT_FOUND when there is none;
 * FN_VALIDATION_FAILED as holds_add. *err (may be NULL) says why. */
int holds_remove(struct holds *h, struct sc_str child_ref, const struct holds_actor *who,
                 int64_t now, struct sc_error *err);

/* The hold on child_ref inside any transaction: FN_OK with *out decoded
 * into `a`, or FN_NOT_FOUND. */
int holds_get(struct holds *h, struct store_txn *t, struct sc_str child_ref, struct sc_arena *a,
              struct sc_hold *out);

/* Every hold, in child reference order, decoded into `a`. */
int holds_list(struct holds *h, struct store_txn *t, struct sc_arena *a, struct sc_hold_list *out);

#endif
