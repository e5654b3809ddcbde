/* rawlmdb.c - the raw-LMDB reference for the note ingest rows of QUALITY.md.
 *
 * Writes N copies of one record (the canonical msgpack bytes of a note,
 * read from a file) under distinct keys into a fresh LMDB environment in a
 * temporary directory, with durable commits (default environment flags:
 * every mdb_txn_commit fsyncs), BATCH records per commit, one thread.
 * Prints one line:  "rawlmdb: N records, BATCH per commit, S s, R records/s".
 *
 *   rawlmdb -f RECORD [-n N] [-b BATCH] [-t SECONDS] [-d PARENT_DIR] [-k]
 *
 * -t stops after the first commit that ends past SECONDS (N is then an
 * upper bound), so a slow disk does not stretch the run.
 * PARENT_DIR (default /tmp) should be on the same filesystem as the
 * server's store. The environment is removed afterwards unless -k.
 * Keys: "rawlmdb.<12-digit counter>" plus the 4-byte revision, like the
 * server's revision keys (id, NUL, revision); they arrive in key order,
 * which is LMDB's cheapest case, so this is an upper bound.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, int rc)
{
	fprintf(stderr, "rawlmdb: %s: %s\n", what, rc ? mdb_strerror(rc) : strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die(path, 0);
	size_t cap = 1 << 16, len = 0;
	char *p = malloc(cap);
	for (size_t r; p && (r = fread(p + len, 1, cap - len, f)) > 0;) {
		len += r;
		if (len == cap)
			p = realloc(p, cap *= 2);
	}
	fclose(f);
	if (!p || len == 0) {
		fprintf(stderr, "rawlmdb: %s: empty or unreadable\n", path);
		exit(1);
	}
	*n = len;
	return p;
}

int main(int argc, char **argv)
{
	const char *file = NULL, *parent = "/tmp";
	long n = 10000, batch = 1;
	double limit = 0;
	int keep = 0, opt;

	while ((opt = getopt(argc, argv, "f:n:b:t:d:k")) != -1) {
		switch (opt) {
		case 'f': file = optarg; break;
		case 'n': n = atol(optarg); break;
		case 'b': batch = atol(optarg); break;
		case 't': limit = atof(optarg); break;
		case 'd': parent = optarg; break;
		case 'k': keep = 1; break;
		default:
			fprintf(stderr, "usage: rawlmdb -f RECORD [-n N] [-b BATCH] [-t SECONDS] [-d PARENT_DIR] [-k]\n");
			return 2;
		}
	}
	if (!file || n < 1 || batch < 1) {
		fprintf(stderr, "usage: rawlmdb -f RECORD [-n N] [-b BATCH] [-t SECONDS] [-d PARENT_DIR] [-k]\n");
		return 2;
	}
	size_t len;
	char *rec = slurp(file, &len);

	char dir[4096];
	snprintf(dir, sizeof dir, "%s/rawlmdb.XXXXXX", parent);
	if (!mkdtemp(dir))
		die(dir, 0);

	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *txn;
	int rc;
	/* Room for the records, their pages and free-list slack. */
	size_t map = (size_t)n * (len + 256) * 2 + (64u << 20);
	if (map > (32ull << 30)) /* -t runs pass a large N */
		map = 32ull << 30;
	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_mapsize(env, map)) ||
	    (rc = mdb_env_set_maxdbs(env, 4)))
		die("env", rc);
	if ((rc = mdb_env_open(env, dir, 0, 0600))) /* default flags: durable */
		die("mdb_env_open", rc);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) || (rc = mdb_dbi_open(txn, "notes.revs", MDB_CREATE, &dbi)) ||
	    (rc = mdb_txn_commit(txn)))
		die("open db", rc);

	double t0 = now_s();
	long done = 0, commits = 0;
	while (done < n) {
		if ((rc = mdb_txn_begin(env, NULL, 0, &txn)))
			die("mdb_txn_begin", rc);
		for (long i = 0; i < batch && done < n; i++, done++) {
			char key[32];
			int kn = snprintf(key, sizeof key, "rawlmdb.%012ld", done) + 1; /* with its NUL */
			memcpy(key + kn, "\0\0\0\1", 4);
			MDB_val k = {(size_t)kn + 4, key}, v = {len, rec};
			if ((rc = mdb_put(txn, dbi, &k, &v, MDB_NOOVERWRITE)))
				die("mdb_put", rc);
		}
		if ((rc = mdb_txn_commit(txn)))
			die("mdb_txn_commit", rc);
		commits++;
		if (limit > 0 && now_s() - t0 >= limit)
			break;
	}
	double secs = now_s() - t0;

	mdb_env_close(env);
	if (!keep) {
		char path[4200];
		snprintf(path, sizeof path, "%s/data.mdb", dir);
		unlink(path);
		snprintf(path, sizeof path, "%s/lock.mdb", dir);
		unlink(path);
		rmdir(dir);
	}
	printf("rawlmdb: %ld records of %zu bytes, %ld per commit, %ld durable commits, %.3f s, %.0f records/s\n",
	       done, len, batch, commits, secs, (double)done / secs);
	free(rec);
	return 0;
}
