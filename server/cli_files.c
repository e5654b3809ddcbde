/* cli_files.c - what the backup, migrate, restore and retention commands
 * share: their option loop and usage errors, and making a new file and its
 * name durable. */
#include "cli_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "status.h"

int cli_usage_error(const char *msg, const char *usage)
{
	fprintf(stderr, "fieldnote: %s\n%s", msg, usage);
	return 2;
}

int cli_parse_opts(int argc, char **argv, const struct cli_opt *opts, const char *usage, const char *cmd)
{
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		const struct cli_opt *o = opts;
		if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		while (o->name && strcmp(o->name, argv[i]) != 0)
			o++;
		if (o->flag) {
			*o->flag = 1;
			continue;
		}
		/* a missing value is named before an unknown option, as it always was */
		if (!v || !o->name) {
			fprintf(stderr, "fieldnote: %s%s\n%s", v ? "unknown option for " : "an option is missing its value",
			        v ? cmd : "", usage);
			return 2;
		}
		*o->value = v;
		i++;
	}
	return -1;
}

int cli_file_sync_close(int fd, const char *path, int rc, struct sc_error *err)
{
	if (rc == FN_OK && fsync(fd) != 0)
		rc = sc_error_set(err, FN_IO_ERROR, NULL, "fsync %s: %s", path, strerror(errno));
	if (close(fd) != 0 && rc == FN_OK)
		rc = sc_error_set(err, FN_IO_ERROR, NULL, "close %s: %s", path, strerror(errno));
	return rc;
}

int cli_fsync_parent(const char *path)
{
	char p[4200];
	snprintf(p, sizeof p, "%s", path);
	int fd = open(dirname(p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}
