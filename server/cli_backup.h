/* cli_backup.h - the backup, restore and migrate commands. Each takes its
 * own arguments (argv[0] is the command's name), prints what it did on
 * stdout and why it failed on stderr, and returns the process exit status:
 * 0 success, 1 failure, 2 usage error. */
#ifndef FN_CLI_BACKUP_H
#define FN_CLI_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "backup.h"
#include "migrate.h"
#include "store.h"

/* fieldnote backup [keygen] ... */
int cli_backup(int argc, char **argv);
/* fieldnote restore ... */
int cli_restore(int argc, char **argv);
/* fieldnote migrate ... */
int cli_migrate(int argc, char **argv);

/* What a store holds, as checked after a copy or a restore. */
struct cli_store_summary {
	int schema_version;
	uint64_t audit_entries, audit_head;
	char audit_hash[65];
	char counts[1024]; /* "name entries, ..." for every named database */
};

/* Checks an opened store: schema version known to this build, the audit
 * chain verifies and its recorded head is the last entry. FN_OK, or an
 * error with detail (256 bytes). */
int cli_store_check(struct store *s, struct cli_store_summary *out, char *detail);

/* Writes a verified backup of the open store `s` to `out` (through a
 * temporary file beside it, renamed once verified). Prints progress on
 * stderr when it is a terminal. chunk_size 0: the default. */
int cli_backup_write(struct store *s, const char *out, const struct backup_key *key,
                     uint32_t chunk_size, struct cli_store_summary *sum, char *detail);

/* cli_migrate with a given table and target version (tests pass a table
 * of their own; the command passes migrate_table). */
int cli_migrate_with(int argc, char **argv, const struct migration *table,
                     size_t n, int target);

#endif
