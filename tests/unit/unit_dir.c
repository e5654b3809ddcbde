/* unit_dir.c - scratch directories for unit tests (see unit_dir.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_dir.h"

char *unit_tmpdir(const char *name)
{
	char path[256];
	char *d;
	snprintf(path, sizeof path, "/tmp/fn-%s-test.XXXXXX", name);
	d = strdup(path);
	return d && mkdtemp(d) ? d : NULL;
}

void unit_rmtree(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}
