/* unit.h - the tiny unit-test vocabulary shared by every tests/unit file. */
#ifndef FN_UNIT_H
#define FN_UNIT_H

#include <stdio.h>

/* One test: returns 0 on pass, non-zero on failure (after printing why). */
struct unit_case {
	const char *name;
	int (*fn)(void);
};

/* Each tests/unit/test_X.c exports `const struct unit_case X_cases[]`,
 * terminated by {NULL, NULL}, and runner.c lists the suites in one table. */

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n",       \
			        __FILE__, __LINE__, #cond);                \
			return 1;                                          \
		}                                                          \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                 \
	do {                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);        \
		if (a_ != b_) {                                            \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", \
			        __FILE__, __LINE__, #a, a_, b_);           \
			return 1;                                          \
		}                                                          \
	} while (0)

#endif
