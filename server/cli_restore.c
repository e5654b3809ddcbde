/* cli_restore.c - fieldnote restore: a backup into a new store directory,
 * built beside it and moved into place only once it checks out. */
#include "cli_backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "status.h"

static const char restore_usage[] =
	"Usage:\n"
	"  fieldnote restore --in FILE --data NEWDIR [--key-file KEY]\n"
	"      Decrypt and check a backup made by fieldnote backup, then make it\n"
	"      the store in NEWDIR, which must not exist or be empty. Refuses a\n"
	"      wrong key, a damaged or truncated file and a store newer than\n"
	"      this program; prints the records and the audit head restored.\n"
	"      Omit --key-file only for a backup made with --unencrypted.\n";

/* 0: absent or an empty directory; 1: something is there; -1: error. */
static int occupied(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return errno == ENOENT ? 0 : errno == ENOTDIR ? 1 : -1;
	int found = 0;
	while (!found && (e = readdir(d)))
		found = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return found;
}

static void remove_staging(const char *dir)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}

/* Decrypts into dir/data.mdb; each chunk authenticates before it is
 * written, and the file is fsynced. */
static int unseal_into(int in, const struct backup_key *key, struct backup_info *info,
                       const char *dir, struct sc_error *err)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return sc_error_set(err, FN_IO_ERROR, NULL, "%s: %s", path, strerror(errno));
	int rc = backup_body_read(in, key, info, out, NULL, NULL, err);
	return cli_file_sync_close(out, path, rc, err);
}

static int check_staging(const char *dir, struct cli_store_summary *sum, struct sc_error *err)
{
	struct store *s;
	/* store_open refuses a schema newer than this build's. */
	int rc = store_open(&s, dir, 0, NULL, err);
	if (rc != FN_OK)
		return rc;
	rc = cli_store_check(s, sum, err);
	store_close(s);
	return rc;
}

static int restore(int in, const struct backup_key *key, const char *data,
                   struct backup_info *info, struct cli_store_summary *sum, struct sc_error *err)
{
	char staging[4200];
	int rc = backup_header_read(in, key, info, err);
	if (rc != FN_OK)
		return rc;
	if (info->schema_version > STORE_SCHEMA_VERSION)
		return sc_error_set(err, FN_BAD_ARGUMENT, NULL, "the backup holds schema version %d, newer than this "
		                    "program's %d: restore it with a newer fieldnote", info->schema_version,
		                    STORE_SCHEMA_VERSION);
	/* Beside the target, so that the final rename stays on one file system. */
	snprintf(staging, sizeof staging, "%s.restore-XXXXXX", data);
	if (!mkdtemp(staging))
		return sc_error_set(err, FN_IO_ERROR, NULL, "cannot create a directory beside %s: %s", data,
		                    strerror(errno));
	rc = unseal_into(in, key, info, staging, err);
	if (rc == FN_OK)
		rc = check_staging(staging, sum, err);
	/* rename replaces only an absent target or an empty directory. */
	if (rc == FN_OK && rename(staging, data) != 0)
		rc = sc_error_set(err, FN_IO_ERROR, NULL, "cannot move the restored store to %s: %s", data,
		                  strerror(errno));
	if (rc == FN_OK && cli_fsync_parent(data) != 0)
		fprintf(stderr, "fieldnote: warning: fsync of the directory holding %s: %s\n", data, strerror(errno));
	if (rc != FN_OK)
		remove_staging(staging);
	return rc;
}

int cli_restore(int argc, char **argv)
{
	const char *in_path = NULL, *data = NULL, *key_file = NULL;
	struct sc_error err = {0};
	const struct cli_opt opts[] = {{"--in", &in_path, NULL}, {"--data", &data, NULL},
	                               {"--key-file", &key_file, NULL}, {0}};
	int parsed = cli_parse_opts(argc, argv, opts, restore_usage, "restore");

	if (parsed >= 0)
		return parsed;
	if (!in_path || !data)
		return cli_usage_error("restore needs --in FILE and --data NEWDIR", restore_usage);
	int there = occupied(data);
	if (there != 0) {
		fprintf(stderr, "fieldnote: %s %s: restore into a new or empty directory\n", data,
		        there < 0 ? strerror(errno) : "already exists and is not empty");
		return 1;
	}
	struct backup_key key;
	if (!key_file)
		backup_key_none(&key);
	else if (backup_key_load(&key, key_file, &err) != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return 1;
	}
	int in = open(in_path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "fieldnote: %s: %s\n", in_path, strerror(errno));
		backup_key_wipe(&key);
		return 1;
	}
	struct backup_info info;
	struct cli_store_summary sum;
	int rc = restore(in, &key, data, &info, &sum, &err);
	close(in);
	backup_key_wipe(&key);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: restore refused: %s\n", err.message);
		return 1;
	}
	char when[32];
	time_t t = (time_t)info.created;
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	printf("restored %s into %s (backup made %s, %" PRIu64 " bytes, schema version %d)\n"
	       "audit chain intact: %" PRIu64 " entries, head %" PRIu64 " %s\n"
	       "records: %s\n",
	       in_path, data, when, info.bytes, sum.schema_version,
	       sum.audit_entries, sum.audit_head, sum.audit_hash, sum.counts);
	return 0;
}
