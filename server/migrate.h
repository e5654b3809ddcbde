/* migrate.h - numbered store migrations: each step brings the store from
 * version to - 1 to `to` inside one write transaction that also records
 * the new version, so a step is applied whole or not at all, and running
 * the migrations again does nothing. */
#ifndef FN_MIGRATE_H
#define FN_MIGRATE_H

#include <stddef.h>

#include "store.h"

struct migration {
	int to;            /* the version the store has after this step */
	const char *what;  /* one line for the operator */
	/* Runs inside the write transaction; non-zero undoes it. May run more
	 * than once (store_write retries after a map growth). */
	int (*step)(struct store_txn *t);
};

/* The real migrations, in order; the last one's `to` is
 * STORE_SCHEMA_VERSION. Empty while the schema is at version 1. */
extern const struct migration migrate_table[];
extern const size_t migrate_table_len;

/* The store's recorded schema version. */
int migrate_version(struct store *s, int *out);

/* Called before each step that will run. */
typedef void (*migrate_report_fn)(const struct migration *m, void *arg);

/* Runs, in order, every step of `table` whose `to` is above the store's
 * version, up to `target`. FN_OK (nothing to do included); FN_BAD_ARGUMENT
 * when the store is newer than target or the table has a gap; a step's
 * failure stops there, with the store at the last completed version.
 * *done (may be NULL) gets the number of steps applied; *err (may be NULL)
 * says why it failed. */
int migrate_run(struct store *s, const struct migration *table, size_t n, int target,
                migrate_report_fn report, void *arg, int *done, struct sc_error *err);

#endif
