/* cli_backup.c - fieldnote backup and backup keygen: an online copy of the
 * store, sealed, fsynced and verified before it replaces the target. */
#include "cli_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "audit.h"
#include "status.h"

static const char backup_usage[] =
	"Usage:\n"
	"  fieldnote backup --data DIR --out FILE --key-file KEY\n"
	"  fieldnote backup --data DIR --out FILE --unencrypted\n"
	"      Copy the store while the server runs (one consistent, compacted\n"
	"      snapshot), encrypt it with AES-256-GCM under KEY, write FILE with\n"
	"      mode 600 and fsync it, then decrypt it again, open it, check its\n"
	"      schema version and verify its audit chain. Only then does FILE\n"
	"      appear (an older FILE is replaced). --unencrypted writes a backup\n"
	"      anyone can read; it still detects damage and truncation.\n"
	"  fieldnote backup keygen --out KEY\n"
	"      Make a new random key file (mode 600). Keep a copy away from the\n"
	"      backups: without it they cannot be restored.\n"
	"Restore with: fieldnote restore --in FILE --data NEWDIR --key-file KEY\n";

static int count_one(const char *name, uint64_t entries, void *arg)
{
	struct cli_store_summary *s = arg;
	size_t len = strlen(s->counts);
	snprintf(s->counts + len, sizeof s->counts - len, "%s%s %" PRIu64, len ? ", " : "", name, entries);
	return 0;
}

int cli_store_check(struct store *s, struct cli_store_summary *out, struct sc_error *err)
{
	struct audit *a;
	uint64_t bad;
	struct sc_error why = {0};

	memset(out, 0, sizeof *out);
	int rc = migrate_version(s, &out->schema_version);
	if (rc != FN_OK)
		return sc_error_set(err, rc == FN_NOT_FOUND ? FN_BAD_ARGUMENT : rc, NULL,
		                    "no schema version in the store: %s", sc_status_message(rc));
	if (out->schema_version > STORE_SCHEMA_VERSION)
		return sc_error_set(err, FN_BAD_ARGUMENT, NULL, "the store is at schema version %d, newer than this "
		                    "program's %d", out->schema_version, STORE_SCHEMA_VERSION);
	if ((rc = audit_open(&a, s)) != FN_OK)
		return sc_error_set(err, rc, NULL, "cannot open the audit log: %s", sc_status_message(rc));
	rc = audit_verify(a, &out->audit_entries, &bad, &why);
	if (rc == FN_CONFLICT)
		sc_error_set(err, rc, NULL, "audit chain broken at entry %" PRIu64 ": %s", bad, why.message);
	else if (rc != FN_OK)
		sc_error_set(err, rc, NULL, "cannot verify the audit chain: %s", sc_status_message(rc));
	if (rc == FN_OK && (rc = audit_head(a, &out->audit_head, out->audit_hash)) != FN_OK)
		sc_error_set(err, rc, NULL, "cannot read the audit head: %s", sc_status_message(rc));
	if (rc == FN_OK && out->audit_head != out->audit_entries) {
		rc = sc_error_set(err, FN_CONFLICT, NULL, "the audit head names entry %" PRIu64 " but the chain has %"
		                  PRIu64, out->audit_head, out->audit_entries);
	}
	audit_close(a);
	if (rc == FN_OK && (rc = store_db_entries(s, count_one, out)) != FN_OK)
		sc_error_set(err, rc, NULL, "cannot count the store's records: %s", sc_status_message(rc));
	return rc;
}

/* Progress on a terminal only: logs and cron mail get the summary. */
struct progress {
	int tty;
	const char *what;
	uint64_t expect, last;
};

static void show_progress(uint64_t bytes, void *arg)
{
	struct progress *p = arg;
	if (!p->tty || bytes - p->last < (4u << 20))
		return;
	p->last = bytes;
	if (p->expect)
		fprintf(stderr, "\r%s: %.1f MiB (store holds about %.1f MiB)   ", p->what,
		        bytes / 1048576.0, p->expect / 1048576.0);
	else
		fprintf(stderr, "\r%s: %.1f MiB   ", p->what, bytes / 1048576.0);
}

static void end_progress(struct progress *p)
{
	if (p->tty && p->last)
		fputc('\n', stderr);
	p->last = 0;
}

struct copy_job {
	struct store *s;
	int fd;
	int rc;
};

static void *copy_main(void *arg)
{
	struct copy_job *j = arg;
	j->rc = store_copy_fd(j->s, j->fd);
	close(j->fd); /* end of file for the sealing side */
	return NULL;
}

/* The store's compacted copy goes through a pipe into the sealer, so that
 * no unencrypted copy ever reaches the disk. */
static int seal_store(struct store *s, int out_fd, const struct backup_key *key, int version,
                      uint32_t chunk_size, struct progress *prog, struct sc_error *err)
{
	int p[2];
	pthread_t th;
	if (pipe2(p, O_CLOEXEC) != 0)
		return sc_error_set(err, FN_IO_ERROR, NULL, "pipe: %s", strerror(errno));
	struct copy_job job = {s, p[1], FN_OK};
	if (pthread_create(&th, NULL, copy_main, &job) != 0) {
		close(p[0]);
		close(p[1]);
		return sc_error_set(err, FN_NO_MEMORY, NULL, "cannot start the copy thread");
	}
	int rc = backup_seal(p[0], out_fd, key, version, chunk_size, show_progress, prog, err);
	close(p[0]); /* a copy still writing now gets EPIPE and stops */
	pthread_join(th, NULL);
	end_progress(prog);
	if (rc == FN_OK && job.rc != FN_OK) {
		rc = sc_error_set(err, job.rc, NULL, "copying the store failed: %s", sc_status_message(job.rc));
	}
	return rc;
}

/* Decrypts the backup into memory (never to disk), opens that as a store
 * and checks it. */
static int verify_file(const char *path, const struct backup_key *key,
                       struct cli_store_summary *sum, struct progress *prog, struct sc_error *err)
{
	struct backup_info info;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int mem = memfd_create("fieldnote-backup-check", MFD_CLOEXEC);
	int rc = FN_IO_ERROR;

	if (fd < 0 || mem < 0) {
		sc_error_set(err, rc, NULL, "cannot check %s: %s", path, strerror(errno));
		goto out;
	}
	if ((rc = backup_header_read(fd, key, &info, err)) != FN_OK)
		goto out;
	prog->what = "verifying";
	rc = backup_body_read(fd, key, &info, mem, show_progress, prog, err);
	end_progress(prog);
	if (rc != FN_OK)
		goto out;
	char mpath[64];
	struct store *copy;
	snprintf(mpath, sizeof mpath, "/proc/self/fd/%d", mem);
	if ((rc = store_open_file(&copy, mpath, err)) != FN_OK)
		goto out;
	rc = cli_store_check(copy, sum, err);
	store_close(copy);
	if (rc == FN_OK && sum->schema_version != info.schema_version) {
		rc = sc_error_set(err, FN_INTERNAL, NULL, "the header says schema version %d, the copy holds %d",
		                  info.schema_version, sum->schema_version);
	}
out:
	if (fd >= 0)
		close(fd);
	if (mem >= 0)
		close(mem);
	return rc;
}

int cli_backup_write(struct store *s, const char *out, const struct backup_key *key,
                     uint32_t chunk_size, struct cli_store_summary *sum, struct sc_error *err)
{
	char tmp[4096];
	struct store_stats st;
	int version, rc;

	if ((rc = migrate_version(s, &version)) != FN_OK)
		return sc_error_set(err, rc, NULL, "cannot read the store's schema version: %s", sc_status_message(rc));
	store_stats(s, &st);
	struct progress prog = {isatty(STDERR_FILENO), "copying", st.used_bytes, 0};
	if (snprintf(tmp, sizeof tmp, "%s.partial-XXXXXX", out) >= (int)sizeof tmp)
		return FN_BAD_ARGUMENT;
	int fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0)
		return sc_error_set(err, FN_IO_ERROR, NULL, "cannot create a file beside %s: %s", out, strerror(errno));
	rc = seal_store(s, fd, key, version, chunk_size, &prog, err);
	rc = cli_file_sync_close(fd, tmp, rc, err);
	if (rc == FN_OK && (rc = verify_file(tmp, key, sum, &prog, err)) != FN_OK && err) {
		struct sc_error inner = *err;
		sc_error_set(err, rc, inner.field[0] ? inner.field : NULL, "the backup did not verify: %s",
		             inner.message);
	}
	if (rc == FN_OK && (rename(tmp, out) != 0 || cli_fsync_parent(out) != 0))
		rc = sc_error_set(err, FN_IO_ERROR, NULL, "cannot move the backup into place at %s: %s", out,
		                  strerror(errno));
	if (rc != FN_OK)
		unlink(tmp);
	return rc;
}

static int cmd_keygen(int argc, char **argv)
{
	const char *out = NULL;
	struct sc_error err = {0};
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			fputs(backup_usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else
			return cli_usage_error("backup keygen takes --out KEY", backup_usage);
	}
	if (!out)
		return cli_usage_error("backup keygen needs --out KEY", backup_usage);
	if (backup_key_generate(out, &err) != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return 1;
	}
	printf("key written to %s (mode 600); keep a copy apart from the backups\n", out);
	return 0;
}

struct backup_args {
	const char *data, *out, *key_file;
	int unencrypted;
};

static int parse_backup(int argc, char **argv, struct backup_args *a)
{
	memset(a, 0, sizeof *a);
	const struct cli_opt opts[] = {{"--unencrypted", NULL, &a->unencrypted}, {"--data", &a->data, NULL},
	                               {"--out", &a->out, NULL}, {"--key-file", &a->key_file, NULL}, {0}};
	int rc = cli_parse_opts(argc, argv, opts, backup_usage, "backup");
	if (rc >= 0)
		return rc;
	if (!a->data || !a->out)
		return cli_usage_error("backup needs --data DIR and --out FILE", backup_usage);
	if (a->key_file && a->unencrypted)
		return cli_usage_error("give --key-file or --unencrypted, not both", backup_usage);
	if (!a->key_file && !a->unencrypted)
		return cli_usage_error("refusing to write an unencrypted backup: give --key-file KEY "
		                       "(make one with: fieldnote backup keygen --out KEY) or --unencrypted",
		                       backup_usage);
	return -1;
}

int cli_backup(int argc, char **argv)
{
	struct backup_args a;
	struct backup_key key;
	struct cli_store_summary sum;
	struct store *s;
	struct sc_error err = {0};

	if (argc > 1 && !strcmp(argv[1], "keygen"))
		return cmd_keygen(argc, argv);
	int rc = parse_backup(argc, argv, &a);
	if (rc >= 0)
		return rc;
	signal(SIGPIPE, SIG_IGN); /* a failed sealer closes the copy's pipe */
	if (a.unencrypted)
		backup_key_none(&key);
	else if (backup_key_load(&key, a.key_file, &err) != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return 1;
	}
	if (store_open(&s, a.data, 0, NULL, &err) != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		backup_key_wipe(&key);
		return 1;
	}
	rc = cli_backup_write(s, a.out, &key, 0, &sum, &err);
	store_close(s);
	backup_key_wipe(&key);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: backup failed: %s\n", err.message);
		return 1;
	}
	printf("backup written to %s (%s, schema version %d) and verified\n"
	       "audit chain intact: %" PRIu64 " entries, head %" PRIu64 " %s\n"
	       "records: %s\n",
	       a.out, a.unencrypted ? "NOT encrypted" : "encrypted", sum.schema_version,
	       sum.audit_entries, sum.audit_head, sum.audit_hash, sum.counts);
	return 0;
}
