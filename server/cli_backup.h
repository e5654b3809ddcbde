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
 * error with *err (may be NULL) saying why. */
int cli_store_check(struct store *s, struct cli_store_summary *out, struct sc_error *err);

/* Writes a verified backup of the open store `s` to `out` (through a
 * temporary file beside it, renamed once verified). Prints progress on
 * stderr when it is a terminal. chunk_size 0: the default. */
int cli_backup_write(struct store *s, const char *out, const struct backup_key *key,
                     uint32_t chunk_size, struct cli_store_summary *sum, struct sc_error *err);

/* One option of a command: "--name VALUE" stores VALUE in *value; a flag
 * (value NULL) sets *flag to 1. A table ends with a zeroed entry. */
struct cli_opt {
	const char *name;
	const char **value;
	int *flag;
};

/* Parses argv[1..] against opts. -1 when every argument was an option;
 * 0 after printing usage for --help; 2 after printing a usage error
 * (a missing value, or an option unknown to `cmd`). */
int cli_parse_opts(int argc, char **argv, const struct cli_opt *opts, const char *usage, const char *cmd);

/* Prints "fieldnote: msg" and the command's usage on stderr; returns 2,
 * the exit code of a usage error. */
int cli_usage_error(const char *msg, const char *usage);

/* Ends writing a new file: fsync (only while rc is FN_OK) and close,
 * returning rc or the first failure, with *err (may be NULL) naming path. */
int cli_file_sync_close(int fd, const char *path, int rc, struct sc_error *err);

/* Makes a rename durable: fsyncs the directory holding `path`; 0 or -1. */
int cli_fsync_parent(const char *path);

/* cli_migrate with a given table and target version (tests pass a table
 * of their own; the command passes migrate_table). */
int cli_migrate_with(int argc, char **argv, const struct migration *table,
                     size_t n, int target);

#endif
