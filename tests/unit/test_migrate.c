/* test_migrate.c - numbered migrations (a test-only step: the schema has
 * no real migration yet), the migrate and restore commands on stores of
 * a newer schema, and the store's copy and in-use checks. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backup.h"
#include "cli_backup.h"
#include "migrate.h"
#include "status.h"
#include "store.h"
#include "unit.h"
#include "unit_dir.h"

/* The test-only step: counts its runs in the meta database. */
static int put_marker(struct store_txn *t)
{
	uint64_t runs;
	return store_counter_next(t, "test.migrated", &runs);
}

static int put_then_fail(struct store_txn *t)
{
	int rc = put_marker(t);
	return rc == FN_OK ? FN_INTERNAL : rc;
}

static const struct migration to2[] = {{2, "test step: count the run", put_marker}};
static const struct migration to2_fails[] = {{2, "test step that fails", put_then_fail}};
static const struct migration gap[] = {{3, "a step from 2 to 3 only", put_marker}};

static uint64_t marker(struct store *s)
{
	struct store_txn *t;
	uint64_t v = 99;
	if (store_read_begin(s, &t) == FN_OK) {
		store_counter_get(t, "test.migrated", &v);
		store_read_end(t);
	}
	return v;
}

static int test_migrate_steps_are_atomic_and_idempotent(void)
{
	char *dir = unit_tmpdir("migrate");
	struct sc_error err = {0};
	struct store *s;
	int v, done;
	CHECK(dir);
	CHECK_EQ_INT(store_open(&s, dir, 1, NULL, NULL), FN_OK);
	CHECK_EQ_INT(migrate_version(s, &v), FN_OK);
	CHECK_EQ_INT(v, STORE_SCHEMA_VERSION);
	/* Today's store with the real table: nothing to do. */
	CHECK_EQ_INT(migrate_run(s, migrate_table, migrate_table_len, STORE_SCHEMA_VERSION, NULL, NULL, &done, &err), FN_OK);
	CHECK_EQ_INT(done, 0);
	/* A failing step leaves neither its writes nor a new version. */
	CHECK(migrate_run(s, to2_fails, 1, 2, NULL, NULL, &done, &err) != FN_OK);
	CHECK(strstr(err.message, "stays at version 1"));
	CHECK_EQ_INT(migrate_version(s, &v), FN_OK);
	CHECK_EQ_INT(v, 1);
	CHECK_EQ_INT(marker(s), 0);
	/* No path to the target: refused before any change. */
	CHECK_EQ_INT(migrate_run(s, gap, 1, 3, NULL, NULL, &done, &err), FN_BAD_ARGUMENT);
	CHECK_EQ_INT(marker(s), 0);
	/* The step runs once; running again does nothing. */
	CHECK_EQ_INT(migrate_run(s, to2, 1, 2, NULL, NULL, &done, &err), FN_OK);
	CHECK_EQ_INT(done, 1);
	CHECK_EQ_INT(migrate_run(s, to2, 1, 2, NULL, NULL, &done, &err), FN_OK);
	CHECK_EQ_INT(done, 0);
	CHECK_EQ_INT(marker(s), 1);
	CHECK_EQ_INT(migrate_version(s, &v), FN_OK);
	CHECK_EQ_INT(v, 2);
	/* A program whose target is older refuses the store. */
	CHECK_EQ_INT(migrate_run(s, to2, 1, 1, NULL, NULL, &done, &err), FN_BAD_ARGUMENT);
	store_close(s);
	/* ... and so does this build's store_open, at version 1. */
	CHECK_EQ_INT(store_open(&s, dir, 0, NULL, NULL), FN_BAD_ARGUMENT);
	unit_rmtree(dir);
	free(dir);
	return 0;
}

/* Runs a command with its stdout and stderr discarded (the runner's
 * output is PASS/FAIL lines; a failed CHECK afterwards still prints). */
static int quiet_run(int (*fn)(int, char **), int argc, char **argv)
{
	fflush(stdout);
	fflush(stderr);
	int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	dup2(null, 2);
	close(null);
	int rc = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	return rc;
}

static int migrate_v2(int argc, char **argv)
{
	return cli_migrate_with(argc, argv, to2, 1, 2);
}

/* The command: refuses to change a store without a backup; with one,
 * writes a verified backup first (restorable, at the old version), then
 * migrates; afterwards this build's migrate and restore refuse the newer
 * store. */
static int test_migrate_command_backs_up_first(void)
{
	char *dir = unit_tmpdir("migrate"), data[256], bk[256], back[256];
	struct store *s;
	CHECK(dir);
	snprintf(data, sizeof data, "%s/data", dir);
	snprintf(bk, sizeof bk, "%s/before.fnb", dir);
	snprintf(back, sizeof back, "%s/back", dir);
	CHECK_EQ_INT(store_open(&s, data, 1, NULL, NULL), FN_OK);
	store_close(s);

	char *now[] = {"migrate", "--data", data};
	CHECK_EQ_INT(quiet_run(cli_migrate, 3, now), 0); /* current: no backup needed */
	CHECK_EQ_INT(quiet_run(migrate_v2, 3, now), 2);  /* work to do: backup required */
	char *with[] = {"migrate", "--data", data, "--backup", bk, "--unencrypted"};
	CHECK_EQ_INT(quiet_run(migrate_v2, 6, with), 0);
	CHECK(access(bk, R_OK) == 0);
	CHECK_EQ_INT(quiet_run(cli_migrate, 3, now), 1); /* newer than this build */

	char *restore[] = {"restore", "--in", bk, "--data", back};
	CHECK_EQ_INT(quiet_run(cli_restore, 5, restore), 0);
	CHECK_EQ_INT(store_open(&s, back, 0, NULL, NULL), FN_OK); /* version 1 again */
	store_close(s);
	CHECK_EQ_INT(quiet_run(cli_restore, 5, restore), 1); /* an existing store */
	unit_rmtree(dir);
	free(dir);
	return 0;
}

/* A backup of a store at version 2, sealed with header version `hv`. */
static int seal_v2(const char *store_dir, const char *out, int hv)
{
	char copy[300];
	struct store *s;
	struct backup_key none;
	if (store_open(&s, store_dir, 1, NULL, NULL) != FN_OK)
		return -1;
	int rc = migrate_run(s, to2, 1, 2, NULL, NULL, NULL, NULL);
	snprintf(copy, sizeof copy, "%s.copy", out);
	int cfd = open(copy, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (rc == FN_OK && cfd >= 0)
		rc = store_copy_fd(s, cfd);
	store_close(s);
	backup_key_none(&none);
	if (rc == FN_OK && ofd >= 0 && lseek(cfd, 0, SEEK_SET) == 0)
		rc = backup_seal(cfd, ofd, &none, hv, 0, NULL, NULL, NULL);
	close(cfd);
	close(ofd);
	unlink(copy);
	return rc;
}

static int test_restore_refuses_a_newer_schema(void)
{
	char *dir = unit_tmpdir("migrate"), src[256], bk[256], dst[256];
	CHECK(dir);
	snprintf(dst, sizeof dst, "%s/dst", dir);
	for (int hv = 1; hv <= 2; hv++) {
		snprintf(src, sizeof src, "%s/src%d", dir, hv);
		/* hv 2: the header says so; hv 1: only the store inside does. */
		snprintf(bk, sizeof bk, "%s/v2-%d.fnb", dir, hv);
		CHECK_EQ_INT(seal_v2(src, bk, hv), FN_OK);
		char *argv[] = {"restore", "--in", bk, "--data", dst};
		CHECK_EQ_INT(quiet_run(cli_restore, 5, argv), 1);
		CHECK(access(dst, F_OK) != 0);
	}
	unit_rmtree(dir);
	free(dir);
	return 0;
}

/* Another process holding the store open is seen; this one's own is not. */
static int test_store_in_use_sees_other_processes(void)
{
	char *dir = unit_tmpdir("migrate");
	struct store *s;
	int ready[2], stop[2];
	long pid;
	CHECK(dir);
	CHECK_EQ_INT(store_open(&s, dir, 1, NULL, NULL), FN_OK);
	store_close(s);
	CHECK_EQ_INT(store_in_use(dir, &pid), 0);
	CHECK(pipe(ready) == 0 && pipe(stop) == 0);
	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		char c = 1;
		alarm(30); /* never outlive a parent that failed a check */
		if (store_open(&s, dir, 0, NULL, NULL) != FN_OK)
			_exit(1);
		if (write(ready[1], &c, 1) != 1 || read(stop[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	char c;
	CHECK(read(ready[0], &c, 1) == 1);
	CHECK_EQ_INT(store_in_use(dir, &pid), 1);
	CHECK_EQ_INT(pid, child);
	char *argv[] = {"migrate", "--data", dir};
	CHECK_EQ_INT(quiet_run(cli_migrate, 3, argv), 1);
	CHECK(write(stop[1], &c, 1) == 1);
	int status;
	waitpid(child, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ_INT(store_in_use(dir, &pid), 0);
	close(ready[0]);
	close(ready[1]);
	close(stop[0]);
	close(stop[1]);
	unit_rmtree(dir);
	free(dir);
	return 0;
}

const struct unit_case migrate_cases[] = {
	{"migrate_steps_are_atomic_and_idempotent", test_migrate_steps_are_atomic_and_idempotent},
	{"migrate_command_backs_up_first", test_migrate_command_backs_up_first},
	{"restore_refuses_a_newer_schema", test_restore_refuses_a_newer_schema},
	{"store_in_use_sees_other_processes", test_store_in_use_sees_other_processes},
	{NULL, NULL},
};
