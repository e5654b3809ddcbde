/* migrate.c - the table of store migrations and the runner. */
#include "migrate.h"

#include <stdio.h>

#include "status.h"

/* Append a step here, and raise STORE_SCHEMA_VERSION to its `to`, when a
 * change to a stored record or database needs existing stores rewritten.
 * Never renumber or remove a step once released. */
const struct migration migrate_table[] = {
	{0, NULL, NULL}, /* placeholder: C has no empty arrays */
};
const size_t migrate_table_len = 0;

static int read_version(struct store_txn *t, void *arg)
{
	return store_schema_version(t, arg);
}

int migrate_version(struct store *s, int *out)
{
	struct store_txn *t;
	int rc = store_read_begin(s, &t);
	if (rc != FN_OK)
		return rc;
	rc = read_version(t, out);
	store_read_end(t);
	return rc;
}

struct step_job {
	const struct migration *m;
	int from;
};

/* The step and its version in one transaction. The version is read again
 * inside it, so that two migrate runs at once cannot both apply a step. */
static int step_txn(struct store_txn *t, void *arg)
{
	struct step_job *j = arg;
	int have, rc = store_schema_version(t, &have);
	if (rc != FN_OK)
		return rc;
	if (have != j->from)
		return FN_CONFLICT;
	if ((rc = j->m->step(t)) != FN_OK)
		return rc;
	return store_schema_version_set(t, j->m->to);
}

int migrate_run(struct store *s, const struct migration *table, size_t n, int target,
                migrate_report_fn report, void *arg, int *done, struct sc_error *err)
{
	int have, rc = migrate_version(s, &have);

	if (done)
		*done = 0;
	if (rc != FN_OK)
		return sc_error_set(err, rc, NULL, "cannot read the store's schema version: %s",
		                    sc_status_message(rc));
	if (have > target)
		return sc_error_set(err, FN_BAD_ARGUMENT, NULL,
		                    "the store is at schema version %d, newer than this program's %d", have, target);
	for (size_t i = 0; i < n && have < target; i++) {
		const struct migration *m = &table[i];
		if (m->to <= have)
			continue; /* already applied */
		if (m->to != have + 1 || m->to > target)
			return sc_error_set(err, FN_BAD_ARGUMENT, NULL, "no migration from version %d to %d", have,
			                    have + 1);
		if (report)
			report(m, arg);
		struct step_job j = {m, have};
		if ((rc = store_write(s, step_txn, &j)) != FN_OK)
			return sc_error_set(err, rc, NULL, "migration to version %d (%s) failed: %s; the store stays at "
			                    "version %d", m->to, m->what, sc_status_message(rc), have);
		have = m->to;
		if (done)
			(*done)++;
	}
	if (have < target)
		return sc_error_set(err, FN_BAD_ARGUMENT, NULL, "no migration from version %d to %d", have, have + 1);
	return FN_OK;
}
