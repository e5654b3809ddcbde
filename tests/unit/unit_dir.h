/* unit_dir.h - a scratch directory for unit tests that open a store. */
#ifndef FN_UNIT_DIR_H
#define FN_UNIT_DIR_H

/* Makes /tmp/fn-<name>-test.XXXXXX; returns its path (the caller frees it)
 * or NULL when it cannot. */
char *unit_tmpdir(const char *name);

/* Removes the directory and all below it; says so on stderr when it cannot
 * (a leftover directory is not a test failure). Does not free dir. */
void unit_rmtree(const char *dir);

#endif
