/* test_store.c - the server store: map growth instead of MDB_MAP_FULL,
 * group commit, nested-transaction isolation, stale reader slots. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "status.h"
#include "store.h"
#include "unit.h"

static char *tmpdir(void)
{
	char *d = strdup("/tmp/fn-store-test.XXXXXX");
	return d && mkdtemp(d) ? d : NULL;
}

static void rmtree(const char *d)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d);
}

struct put_arg {
	store_db db;
	unsigned id;
	size_t size;
};

static int put_one(struct store_txn *t, void *arg)
{
	struct put_arg *p = arg;
	unsigned char key[8];
	char *val = malloc(p->size);
	if (!val)
		return FN_NO_MEMORY;
	memset(val, (int)(p->id & 0xff), p->size);
	store_u64_key(p->id, key);
	int rc = store_put(t, p->db, key, 8, val, p->size, STORE_NOOVERWRITE, NULL);
	free(val);
	return rc;
}

struct writer {
	struct store *s;
	store_db db;
	unsigned first, count;
	int failures;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	for (unsigned i = 0; i < w->count; i++) {
		struct put_arg p = {w->db, w->first + i, 2000};
		if (store_write(w->s, put_one, &p) != FN_OK)
			w->failures++;
	}
	return NULL;
}

/* A 256 KiB map must grow to hold 4 x 300 records of 2 KB written by four
 * threads at once; every write succeeds, and commits are shared. */
static int test_store_map_grows_and_group_commits(void)
{
	char *dir = tmpdir();
	struct store *s;
	struct store_options opt = {256 * 1024, 0, 0};
	store_db db;
	char detail[256];
	CHECK(dir);
	CHECK_EQ_INT(store_open(&s, dir, 1, &opt, detail), FN_OK);
	CHECK_EQ_INT(store_db_open(s, "t", &db), FN_OK);
	struct writer w[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (struct writer){s, db, (unsigned)i * 1000, 300, 0};
		CHECK(pthread_create(&th[i], NULL, writer_main, &w[i]) == 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ_INT(w[i].failures, 0);
	}
	struct store_stats st;
	store_stats(s, &st);
	CHECK(st.map_grows > 0);
	CHECK_EQ_INT(st.writes, 1200);
	CHECK(st.commits < st.writes); /* some commits carried several writes */
	store_close(s);

	/* Reopened: everything is there. */
	CHECK_EQ_INT(store_open(&s, dir, 0, NULL, detail), FN_OK);
	CHECK_EQ_INT(store_db_open(s, "t", &db), FN_OK);
	struct store_txn *t;
	CHECK_EQ_INT(store_read_begin(s, &t), FN_OK);
	for (unsigned i = 0; i < 4; i++)
		for (unsigned k = 0; k < 300; k++) {
			unsigned char key[8];
			struct sc_str v;
			store_u64_key(i * 1000 + k, key);
			CHECK_EQ_INT(store_get(t, db, key, 8, &v), FN_OK);
			CHECK_EQ_INT(v.n, 2000);
			CHECK_EQ_INT((unsigned char)v.p[1999], (i * 1000 + k) & 0xff);
		}
	store_read_end(t);
	store_close(s);
	rmtree(dir);
	free(dir);
	return 0;
}

static int fail_after_put(struct store_txn *t, void *arg)
{
	put_one(t, arg);
	return FN_VALIDATION_FAILED;
}

/* A write that fails leaves nothing behind, and does not undo others. */
static int test_store_failed_write_is_undone(void)
{
	char *dir = tmpdir();
	struct store *s;
	store_db db;
	char detail[256];
	CHECK(dir);
	CHECK_EQ_INT(store_open(&s, dir, 1, NULL, detail), FN_OK);
	CHECK_EQ_INT(store_db_open(s, "t", &db), FN_OK);
	struct put_arg good = {db, 1, 10}, bad = {db, 2, 10};
	CHECK_EQ_INT(store_write(s, put_one, &good), FN_OK);
	CHECK_EQ_INT(store_write(s, fail_after_put, &bad), FN_VALIDATION_FAILED);
	CHECK_EQ_INT(store_write(s, put_one, &good), FN_CONFLICT);
	struct store_txn *t;
	struct sc_str v;
	unsigned char key[8];
	CHECK_EQ_INT(store_read_begin(s, &t), FN_OK);
	store_u64_key(2, key);
	CHECK_EQ_INT(store_get(t, db, key, 8, &v), FN_NOT_FOUND);
	store_u64_key(1, key);
	CHECK_EQ_INT(store_get(t, db, key, 8, &v), FN_OK);
	store_read_end(t);
	store_close(s);
	rmtree(dir);
	free(dir);
	return 0;
}

/* A process killed inside a read transaction leaves a reader slot. While
 * another process keeps the environment open (a running server) the slot
 * stays taken; the next store_open clears it. (When nobody has the store
 * open, LMDB resets the whole reader table itself.) */
static int test_store_clears_stale_readers(void)
{
	char *dir = tmpdir();
	struct store *s;
	char detail[256];
	int holder_pipe[2];
	CHECK(dir);
	CHECK_EQ_INT(store_open(&s, dir, 1, NULL, detail), FN_OK);
	store_close(s);
	CHECK(pipe(holder_pipe) == 0);
	pid_t holder = fork();
	CHECK(holder >= 0);
	if (holder == 0) { /* keeps the store open until told to go */
		char c;
		close(holder_pipe[1]);
		if (store_open(&s, dir, 0, NULL, detail) != FN_OK)
			_exit(1);
		if (read(holder_pipe[0], &c, 1) < 0)
			_exit(1);
		store_close(s);
		_exit(0);
	}
	close(holder_pipe[0]);
	usleep(200 * 1000);
	pid_t victim = fork();
	CHECK(victim >= 0);
	if (victim == 0) {
		struct store_txn *t;
		if (store_open(&s, dir, 0, NULL, detail) != FN_OK || store_read_begin(s, &t) != FN_OK)
			_exit(1);
		_exit(0); /* dies holding the read transaction */
	}
	int status;
	waitpid(victim, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ_INT(store_open(&s, dir, 0, NULL, detail), FN_OK);
	struct store_stats st;
	store_stats(s, &st);
	store_close(s);
	CHECK_EQ_INT(store_open(&s, dir, 0, NULL, detail), FN_OK);
	struct store_stats again;
	store_stats(s, &again);
	store_close(s);
	CHECK(write(holder_pipe[1], "x", 1) == 1);
	close(holder_pipe[1]);
	waitpid(holder, &status, 0);
	rmtree(dir);
	free(dir);
	CHECK_EQ_INT(st.stale_readers_cleared, 1);
	CHECK_EQ_INT(again.stale_readers_cleared, 0);
	return 0;
}

const struct unit_case store_cases[] = {
	{"store_map_grows_and_group_commits", test_store_map_grows_and_group_commits},
	{"store_failed_write_is_undone", test_store_failed_write_is_undone},
	{"store_clears_stale_readers", test_store_clears_stale_readers},
	{NULL, NULL},
};
