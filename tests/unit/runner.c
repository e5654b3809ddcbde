/* runner.c - the one unit-test runner: runs every suite's table, prints a
 * line per test (PASS/FAIL name) and a closing "N passed, N failed" line.
 * Arguments, if any, are substrings: only tests whose name contains one run. */
#include <stdio.h>
#include <string.h>

#include "unit.h"

/* The same runner serves two programs: unit-tests (server and schema) and,
 * compiled with -DUNIT_CLIENT, client-unit-tests (libfieldnote's internals,
 * tests/unit/client/). */
#ifdef UNIT_CLIENT
#define SUITES(X) X(client) X(client_api) X(client_app)
#else
#define SUITES(X) X(schema) X(schema_vector) X(limits) X(items) X(items_batch) X(store) X(net) X(input) X(backup) X(migrate) X(throttle) X(auth) X(tls) X(rules) X(rules_check) X(retention) X(config) X(attach) X(review) X(project)
#endif

#define DECLARE(s) extern const struct unit_case s##_cases[];
SUITES(DECLARE)
#undef DECLARE

static const struct unit_case *const suites[] = {
#define LIST(s) s##_cases,
	SUITES(LIST)
#undef LIST
};

static int wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
		for (const struct unit_case *c = suites[s]; c->name; c++) {
			if (!wanted(c->name, argc, argv))
				continue;
			fflush(stderr);
			int rc = c->fn();
			printf("%s %s\n", rc == 0 ? "PASS" : "FAIL", c->name);
			fflush(stdout);
			if (rc == 0)
				passed++;
			else
				failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
