/* test_store.c - the server store: map growth instead of MDB_MAP_FULL,
 * group commit, nested-transaction isolation, stale reader slots, map_max,
 * a full disk told from a full map, store_scan's own stop value. */
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "status.h"
#include "store.h"
#include "unit.h"
#include "unit_dir.h"

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
	char *dir = unit_tmpdir("store");
	struct store *s;
	struct store_options opt = {256 * 1024, 0, 0, 0};
	store_db db;
	CHECK(dir);
	CHECK_EQ_INT(store_open(&s, dir, 1, &opt, NULL), FN_OK);
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
	CHECK_EQ_INT(store_open(&s, dir, 0, NULL, NULL), FN_OK);
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
	unit_rmtree(dir);
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
	char *dir = unit_tmpdir("store");
	struct store *s;
	store_db db;
	CHECK(dir);
	CHECK_EQ_INT(store_open(&s, dir, 1, NULL, NULL), FN_OK);
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
	unit_rmtree(dir);
	free(dir);
	return 0;
}

/* A process killed inside a read transaction leaves a reader slot. While
 * another process keeps the environment open (a running server) the slot
 * stays taken; the next store_open clears it. (When nobody has the store
 * open, LMDB resets the whole reader table itself.) */
static int test_store_clears_stale_readers(void)
{
	char *dir = unit_tmpdir("store");
	struct store *s;
	int holder_pipe[2];
	CHECK(dir);
	CHECK_EQ_INT(store_open(&s, dir, 1, NULL, NULL), FN_OK);
	store_close(s);
	CHECK(pipe(holder_pipe) == 0);
	pid_t holder = fork();
	CHECK(holder >= 0);
	if (holder == 0) { /* keeps the store open until told to go */
		char c;
		close(holder_pipe[1]);
		if (store_open(&s, dir, 0, NULL, NULL) != FN_OK)
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
		if (store_open(&s, dir, 0, NULL, NULL) != FN_OK || store_read_begin(s, &t) != FN_OK)
			_exit(1);
		_exit(0); /* dies holding the read transaction */
	}
	int status;
	waitpid(victim, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ_INT(store_open(&s, dir, 0, NULL, NULL), FN_OK);
	struct store_stats st;
	store_stats(s, &st);
	store_close(s);
	CHECK_EQ_INT(store_open(&s, dir, 0, NULL, NULL), FN_OK);
	struct store_stats again;
	store_stats(s, &again);
	store_close(s);
	CHECK(write(holder_pipe[1], "x", 1) == 1);
	close(holder_pipe[1]);
	waitpid(holder, &status, 0);
	unit_rmtree(dir);
	free(dir);
	CHECK_EQ_INT(st.stale_readers_cleared, 1);
	CHECK_EQ_INT(again.stale_readers_cleared, 0);
	return 0;
}

/* Writes 2 KB records from `first` until one fails; returns that status and
 * how many were stored (at most `max`). */
static int fill(struct store *s, store_db db, unsigned first, unsigned max, unsigned *stored)
{
	*stored = 0;
	for (unsigned i = 0; i < max; i++) {
		struct put_arg p = {db, first + i, 2000};
		int rc = store_write(s, put_one, &p);
		if (rc != FN_OK)
			return rc;
		(*stored)++;
	}
	return FN_OK;
}

static int all_there(struct store *s, store_db db, unsigned first, unsigned n)
{
	struct store_txn *t;
	CHECK_EQ_INT(store_read_begin(s, &t), FN_OK);
	for (unsigned i = 0; i < n; i++) {
		unsigned char key[8];
		struct sc_str v;
		store_u64_key(first + i, key);
		if (store_get(t, db, key, 8, &v) != FN_OK || v.n != 2000) {
			store_read_end(t);
			fprintf(stderr, "record %u is missing\n", first + i);
			return 1;
		}
	}
	store_read_end(t);
	return 0;
}

/* The map never grows past map_max: not by doubling (640 KiB is reached,
 * not skipped), and not from the default initial size either; then writes
 * answer FN_STORE_FULL and reads go on. */
static int test_store_map_max_is_a_ceiling(void)
{
	char *dir = unit_tmpdir("store");
	struct store *s;
	struct store_options opt = {256 * 1024, 640 * 1024, 0, 0};
	struct store_stats st;
	store_db db;
	unsigned stored;
	CHECK(dir);
	CHECK_EQ_INT(store_open(&s, dir, 1, &opt, NULL), FN_OK);
	CHECK_EQ_INT(store_db_open(s, "t", &db), FN_OK);
	CHECK_EQ_INT(fill(s, db, 0, 2000, &stored), FN_STORE_FULL);
	store_stats(s, &st);
	CHECK_EQ_INT(st.map_size, 640 * 1024);
	CHECK_EQ_INT(st.map_grows, 2);
	CHECK(stored > 100); /* 146 fit in 640 KiB */
	CHECK(all_there(s, db, 0, stored) == 0);
	store_close(s);
	unit_rmtree(dir);
	free(dir);

	/* No initial size given: the 1 GiB default is capped too. */
	dir = unit_tmpdir("store");
	struct store_options capped = {0, 512 * 1024, 0, 0};
	CHECK(dir);
	CHECK_EQ_INT(store_open(&s, dir, 1, &capped, NULL), FN_OK);
	CHECK_EQ_INT(store_db_open(s, "t", &db), FN_OK);
	CHECK_EQ_INT(fill(s, db, 0, 2000, &stored), FN_STORE_FULL);
	store_stats(s, &st);
	CHECK_EQ_INT(st.map_size, 512 * 1024);
	CHECK(all_there(s, db, 0, stored) == 0);
	store_close(s);
	unit_rmtree(dir);
	free(dir);
	return 0;
}

/* The child's half of test_store_full_disk_is_not_a_full_map. */
static int full_disk_child(const char *dir)
{
	struct store *s;
	struct store_stats st;
	store_db db;
	unsigned stored, more;
	char path[300];
	struct stat fst;
	struct rlimit lim;

	CHECK_EQ_INT(store_open(&s, dir, 1, NULL, NULL), FN_OK);
	CHECK_EQ_INT(store_db_open(s, "t", &db), FN_OK);
	CHECK_EQ_INT(fill(s, db, 0, 20, &stored), FN_OK);
	/* The file may grow 256 KiB more: then the "disk" is full (EFBIG). */
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	CHECK(stat(path, &fst) == 0);
	signal(SIGXFSZ, SIG_IGN);
	CHECK(getrlimit(RLIMIT_FSIZE, &lim) == 0);
	rlim_t hard = lim.rlim_cur;
	lim.rlim_cur = (rlim_t)fst.st_size + 256 * 1024;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	CHECK_EQ_INT(fill(s, db, 100, 2000, &more), FN_STORE_FULL);
	store_stats(s, &st);
	CHECK_EQ_INT(st.map_grows, 0); /* a full disk is not a full map */
	CHECK_EQ_INT(st.disk_full, 1);
	CHECK(all_there(s, db, 0, stored) == 0); /* reads go on */
	CHECK(all_there(s, db, 100, more) == 0);
	/* Space returns: writes resume by themselves. */
	lim.rlim_cur = hard;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	CHECK_EQ_INT(fill(s, db, 5000, 200, &stored), FN_OK);
	store_stats(s, &st);
	CHECK_EQ_INT(st.disk_full, 0);
	CHECK_EQ_INT(st.map_grows, 0);
	store_close(s);
	CHECK_EQ_INT(store_open(&s, dir, 0, NULL, NULL), FN_OK);
	CHECK_EQ_INT(store_db_open(s, "t", &db), FN_OK);
	CHECK(all_there(s, db, 100, more) == 0);
	CHECK(all_there(s, db, 5000, 200) == 0);
	store_close(s);
	return 0;
}

/* A write that fails for want of disk (EFBIG here; ENOSPC on a full file
 * system, which tests/integration/test_storage.sh fills) answers
 * FN_STORE_FULL without growing the map, and writing resumes when there is
 * room again. In a child process: the file-size limit is per process. */
static int test_store_full_disk_is_not_a_full_map(void)
{
	char *dir = unit_tmpdir("store");
	int status;
	CHECK(dir);
	fflush(stderr);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(full_disk_child(dir));
	waitpid(pid, &status, 0);
	unit_rmtree(dir);
	free(dir);
	CHECK(WIFEXITED(status));
	CHECK_EQ_INT(WEXITSTATUS(status), 0);
	return 0;
}

struct scan_seen {
	unsigned n, stop_after;
	int answer;
};

static int scan_cb(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct scan_seen *c = arg;
	(void)key;
	(void)val;
	return ++c->n == c->stop_after ? c->answer : STORE_SCAN_CONTINUE;
}

/* A callback's "stop" is not a status: store_scan answers FN_OK for it, and
 * hands back an error status (FN_BAD_REQUEST is 1) as that error. */
static int test_store_scan_stop_is_not_a_status(void)
{
	char *dir = unit_tmpdir("store");
	struct store *s;
	struct store_txn *t;
	store_db db;
	unsigned stored;
	CHECK(dir);
	CHECK_EQ_INT(store_open(&s, dir, 1, NULL, NULL), FN_OK);
	CHECK_EQ_INT(store_db_open(s, "t", &db), FN_OK);
	CHECK_EQ_INT(fill(s, db, 0, 5, &stored), FN_OK);
	CHECK_EQ_INT(store_read_begin(s, &t), FN_OK);
	struct scan_seen stop = {0, 2, STORE_SCAN_STOP}, err = {0, 3, FN_BAD_REQUEST}, all = {0, 0, 0};
	CHECK_EQ_INT(store_scan(t, db, NULL, 0, 0, scan_cb, &stop), FN_OK);
	CHECK_EQ_INT(stop.n, 2);
	CHECK_EQ_INT(store_scan(t, db, NULL, 0, 1, scan_cb, &err), FN_BAD_REQUEST);
	CHECK_EQ_INT(err.n, 3);
	CHECK_EQ_INT(store_scan(t, db, NULL, 0, 0, scan_cb, &all), FN_OK);
	CHECK_EQ_INT(all.n, 5);
	CHECK(STORE_SCAN_STOP != FN_OK && STORE_SCAN_STOP != STORE_SCAN_CONTINUE);
	store_read_end(t);
	store_close(s);
	unit_rmtree(dir);
	free(dir);
	return 0;
}

/* store_count is the database's entry count as the transaction sees it. */
static int test_store_count_is_the_entry_count(void)
{
	char *dir = unit_tmpdir("store");
	struct store *s;
	struct store_txn *t;
	store_db db, empty;
	unsigned stored;
	uint64_t n = 99;
	CHECK(dir);
	CHECK_EQ_INT(store_open(&s, dir, 1, NULL, NULL), FN_OK);
	CHECK_EQ_INT(store_db_open(s, "t", &db), FN_OK);
	CHECK_EQ_INT(store_db_open(s, "e", &empty), FN_OK);
	CHECK_EQ_INT(fill(s, db, 0, 7, &stored), FN_OK);
	CHECK_EQ_INT(store_read_begin(s, &t), FN_OK);
	CHECK_EQ_INT(store_count(t, db, &n), FN_OK);
	CHECK_EQ_INT((int)n, 7);
	CHECK_EQ_INT(store_count(t, empty, &n), FN_OK);
	CHECK_EQ_INT((int)n, 0);
	store_read_end(t);
	store_close(s);
	unit_rmtree(dir);
	free(dir);
	return 0;
}

const struct unit_case store_cases[] = {
	{"store_map_grows_and_group_commits", test_store_map_grows_and_group_commits},
	{"store_failed_write_is_undone", test_store_failed_write_is_undone},
	{"store_clears_stale_readers", test_store_clears_stale_readers},
	{"store_map_max_is_a_ceiling", test_store_map_max_is_a_ceiling},
	{"store_full_disk_is_not_a_full_map", test_store_full_disk_is_not_a_full_map},
	{"store_scan_stop_is_not_a_status", test_store_scan_stop_is_not_a_status},
	{"store_count_is_the_entry_count", test_store_count_is_the_entry_count},
	{NULL, NULL},
};
