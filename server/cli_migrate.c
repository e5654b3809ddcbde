/* cli_migrate.c - fieldnote migrate: a verified backup, then the numbered
 * migrations, on a store no other process has open. */
#include "cli_backup.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "status.h"

static const char migrate_usage[] =
	"Usage:\n"
	"  fieldnote migrate --data DIR --backup FILE (--key-file KEY | --unencrypted)\n"
	"      Bring the store up to this program's schema version. Stop the\n"
	"      server first. A verified backup is written to FILE before any\n"
	"      change; then each numbered migration runs in one transaction\n"
	"      that also records the new version, so an interrupted migration\n"
	"      leaves the store at the last completed step and running it again\n"
	"      carries on from there. A store already current is left alone.\n";

static void report_step(const struct migration *m, void *arg)
{
	(void)arg;
	printf("migrating to schema version %d: %s\n", m->to, m->what);
	fflush(stdout);
}

struct migrate_args {
	const char *data, *backup, *key_file;
	int unencrypted;
};

static int parse_migrate(int argc, char **argv, struct migrate_args *a)
{
	memset(a, 0, sizeof *a);
	const struct cli_opt opts[] = {{"--unencrypted", NULL, &a->unencrypted}, {"--data", &a->data, NULL},
	                               {"--backup", &a->backup, NULL}, {"--key-file", &a->key_file, NULL}, {0}};
	int rc = cli_parse_opts(argc, argv, opts, migrate_usage, "migrate");
	if (rc >= 0)
		return rc;
	if (!a->data)
		return cli_usage_error("migrate needs --data DIR", migrate_usage);
	if (a->key_file && a->unencrypted)
		return cli_usage_error("give --key-file or --unencrypted, not both", migrate_usage);
	return -1;
}

/* The backup before any change; its options are checked only when there
 * is something to migrate. */
static int backup_first(struct store *s, const struct migrate_args *a)
{
	struct backup_key key;
	struct cli_store_summary sum;
	struct sc_error err = {0};

	if (!a->backup || (!a->key_file && !a->unencrypted)) {
		cli_usage_error("migrate changes the store: give --backup FILE and --key-file KEY "
		                "(or --unencrypted) for the backup taken first", migrate_usage);
		return 2;
	}
	if (a->unencrypted)
		backup_key_none(&key);
	else if (backup_key_load(&key, a->key_file, &err) != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return 1;
	}
	int rc = cli_backup_write(s, a->backup, &key, 0, &sum, &err);
	backup_key_wipe(&key);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: backup before migrating failed, nothing changed: %s\n", err.message);
		return 1;
	}
	printf("backup written to %s and verified (audit head %" PRIu64 ")\n", a->backup, sum.audit_head);
	return 0;
}

int cli_migrate_with(int argc, char **argv, const struct migration *table,
                     size_t n, int target)
{
	struct migrate_args a;
	struct store *s;
	struct sc_error err = {0};
	long pid;
	int rc = parse_migrate(argc, argv, &a), version, done;

	if (rc >= 0)
		return rc;
	if (store_in_use(a.data, &pid) != 0) {
		fprintf(stderr, "fieldnote: the store in %s is open in another process (pid %ld): "
		        "stop the server before migrating\n", a.data, pid);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (store_open(&s, a.data, 0, NULL, &err) != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return 1;
	}
	if ((rc = migrate_version(s, &version)) != FN_OK || version >= target) {
		if (rc != FN_OK)
			fprintf(stderr, "fieldnote: cannot read the schema version: %s\n", sc_status_message(rc));
		else if (version > target)
			fprintf(stderr, "fieldnote: the store is at schema version %d, newer than this program's %d\n",
			        version, target);
		else
			printf("store %s is at schema version %d, the current one: nothing to do\n", a.data, version);
		store_close(s);
		return rc != FN_OK || version > target ? 1 : 0;
	}
	if ((rc = backup_first(s, &a)) != 0) {
		store_close(s);
		return rc;
	}
	rc = migrate_run(s, table, n, target, report_step, NULL, &done, &err);
	store_close(s);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return 1;
	}
	printf("store %s migrated from schema version %d to %d (%d step%s)\n", a.data, version, target,
	       done, done == 1 ? "" : "s");
	return 0;
}

int cli_migrate(int argc, char **argv)
{
	return cli_migrate_with(argc, argv, migrate_table, migrate_table_len, STORE_SCHEMA_VERSION);
}
