/* test_config.c - unit tests of the settings file reader: comments, quotes, repeated keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "status.h"
#include "unit.h"

/* Writes `text` to a temporary file and loads it into *c; returns the
 * status and leaves the reason in *err. */
static int load_text(struct config *c, const char *text, struct sc_error *err)
{
	char path[] = "/tmp/fn-config-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	config_defaults(c);
	int rc = config_load(c, path, err);
	unlink(path);
	return rc;
}

static int inline_comments(void)
{
	struct config c;
	struct sc_error err = {0};
	CHECK_EQ_INT(load_text(&c, "threads = 7   # fewer workers\n"
	                           "  # a whole-line comment\n"
	                           "data = /srv/fn#1 # unquoted: '#' starts the comment\n",
	                       &err), FN_OK);
	CHECK_EQ_INT(c.threads, 7);
	CHECK(strcmp(c.data_dir, "/srv/fn") == 0);
	return 0;
}

static int quoted_values(void)
{
	struct config c;
	struct sc_error err = {0};
	CHECK_EQ_INT(load_text(&c, "data = \"/srv/a dir # with hash\"  # comment\n"
	                           "cert = '/etc/fieldnote/server.crt'\n"
	                           "device_ca = \"\"\n",
	                       &err), FN_OK);
	CHECK(strcmp(c.data_dir, "/srv/a dir # with hash") == 0);
	CHECK(strcmp(c.cert, "/etc/fieldnote/server.crt") == 0);
	CHECK(strcmp(c.device_ca, "") == 0);
	return 0;
}

static int bad_quotes(void)
{
	struct config c;
	struct sc_error err = {0};
	CHECK_EQ_INT(load_text(&c, "\n\ndata = \"/srv/fn\n", &err), FN_BAD_ARGUMENT);
	CHECK(strstr(err.message, ":3:") != NULL);
	CHECK_EQ_INT(load_text(&c, "data = \"/srv/fn\" trailing\n", &err), FN_BAD_ARGUMENT);
	CHECK(strstr(err.message, ":1:") != NULL);
	return 0;
}

/* A key set twice is almost always a mistake (which one wins?): refused,
 * naming both lines so the operator can pick. */
static int repeated_key(void)
{
	struct config c;
	struct sc_error err = {0};
	CHECK_EQ_INT(load_text(&c, "threads = 4\n# x\nlisten = 127.0.0.1:9000\n\nthreads = 8\n", &err),
	             FN_BAD_ARGUMENT);
	CHECK(strstr(err.message, ":5:") != NULL);
	CHECK(strstr(err.message, "line 2") == NULL);
	CHECK(strstr(err.message, "line 1") != NULL);
	CHECK(strstr(err.message, "threads") != NULL);
	CHECK(strcmp(err.field, "threads") == 0); /* the setting, as structure: no parsing the text */
	return 0;
}

/* Run as fieldnote.service, the defaults are absolute paths under the
 * directories systemd names in the environment. */
static int service_paths(void)
{
	struct config c;
	setenv("STATE_DIRECTORY", "/var/lib/fieldnote:/var/lib/other", 1);
	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/fieldnote.service", 1);
	config_defaults(&c);
	unsetenv("STATE_DIRECTORY");
	unsetenv("CREDENTIALS_DIRECTORY");
	CHECK(strcmp(c.data_dir, "/var/lib/fieldnote/data") == 0);
	CHECK(strcmp(c.key, "/run/credentials/fieldnote.service/server.key") == 0);
	CHECK(strcmp(c.cert, "/run/credentials/fieldnote.service/server.crt") == 0);
	config_defaults(&c);
	CHECK(strcmp(c.data_dir, "var/data") == 0);
	return 0;
}

const struct unit_case config_cases[] = {
	{"config_service_paths", service_paths},
	{"config_inline_comments", inline_comments},
	{"config_quoted_values", quoted_values},
	{"config_bad_quotes", bad_quotes},
	{"config_repeated_key", repeated_key},
	{NULL, NULL},
};
