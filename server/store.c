/* store.c - the LMDB environment, named databases, read transactions and
 * key access (group commit and map growth: store_commit.c). */
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_internal.h"
#include "log.h"

/* Reports an LMDB failure (rc) as status, the FN_ code returned. */
static int set_mdb_error(struct sc_error *err, int status, const char *what, int rc)
{
	return sc_error_set(err, status, NULL, "%s: %s", what, mdb_strerror(rc));
}

/* What every store handle needs before its environment is opened: the
 * locks, the empty commit queue and an LMDB environment with room for the
 * named databases. Writers are preferred on the map lock so that a map
 * resize is not starved by readers (a read-only copy never resizes, so it
 * does not matter there). 0 or an LMDB error. */
static int store_init(struct store *s)
{
	pthread_rwlockattr_t ra;
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->map, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->queue_tail = &s->queue;
	int rc = mdb_env_create(&s->env);
	if (rc == 0)
		mdb_env_set_maxdbs(s->env, STORE_MAX_DBS + 1);
	return rc;
}

int store_open(struct store **out, const char *dir, int create,
               const struct store_options *opt, struct sc_error *err)
{
	struct store *s;
	struct stat st;
	char path[4096];
	int rc;

	*out = NULL;
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	if (stat(path, &st) != 0) {
		if (!create) {
			return sc_error_set(err, FN_NOT_FOUND, NULL, "no store in %s (run: fieldnote init --data %s)",
			                    dir, dir);
		}
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			return sc_error_set(err, FN_IO_ERROR, NULL, "cannot create %s: %s", dir, strerror(errno));
		}
	}
	s = calloc(1, sizeof *s);
	if (!s)
		return FN_NO_MEMORY;
	s->map_size = opt && opt->map_size ? opt->map_size : (size_t)1 << 30;
	s->map_max = opt && opt->map_max ? opt->map_max : (size_t)1 << 40;
	if (s->map_size > s->map_max)
		s->map_size = s->map_max;
	s->reserve = opt ? opt->reserve : 0;
	if (!(s->dir = strdup(dir))) {
		free(s);
		return FN_NO_MEMORY;
	}
	if ((rc = store_init(s)) != 0)
		goto fail;
	mdb_env_set_maxreaders(s->env, opt && opt->max_readers ? opt->max_readers : 256);
	/* LMDB takes this size even when the file says more, but never less
	 * than the data already written. */
	mdb_env_set_mapsize(s->env, s->map_size);
	rc = mdb_env_open(s->env, dir, MDB_NOTLS | MDB_NORDAHEAD, 0600);
	if (rc != 0)
		goto fail;
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	s->map_size = info.me_mapsize;

	int dead = 0;
	mdb_reader_check(s->env, &dead);
	s->stale_cleared = dead;
	if (dead)
		log_event(LOG_WARN, "store_stale_readers", "store: cleared %d stale reader slot(s)", dead);

	MDB_txn *txn;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto fail;
	if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta)) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	MDB_val k = {14, "schema_version"}, v;
	rc = mdb_get(txn, s->meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		char ver[16];
		int n = snprintf(ver, sizeof ver, "%d", STORE_SCHEMA_VERSION);
		v.mv_size = (size_t)n;
		v.mv_data = ver;
		rc = mdb_put(txn, s->meta, &k, &v, 0);
	} else if (rc == 0) {
		int have = atoi((const char *)v.mv_data);
		if (v.mv_size > 15 || have > STORE_SCHEMA_VERSION) {
			mdb_txn_abort(txn);
			sc_error_set(err, FN_BAD_ARGUMENT, NULL, "store schema version %.*s is newer than this server's %d",
			             (int)(v.mv_size > 15 ? 15 : v.mv_size), (char *)v.mv_data, STORE_SCHEMA_VERSION);
			store_close(s);
			return FN_BAD_ARGUMENT;
		}
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	*out = s;
	return FN_OK;
fail:
	set_mdb_error(err, map_err(rc), dir, rc);
	store_close(s);
	return map_err(rc);
}

void store_close(struct store *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	while (s->leader_active || s->queue)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	if (s->env)
		mdb_env_close(s->env);
	pthread_rwlock_destroy(&s->map);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s->dir);
	free(s);
}

int store_db_open(struct store *s, const char *name, store_db *out)
{
	MDB_txn *txn;
	int rc;

	if (s->ndbs >= STORE_MAX_DBS)
		return FN_BAD_ARGUMENT;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		return map_err(rc);
	rc = mdb_dbi_open(txn, name, MDB_CREATE, &s->dbis[s->ndbs]);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc != 0)
		return map_err(rc);
	*out = s->ndbs++;
	return FN_OK;
}

/* Another process (fieldnote guidance import) may have grown the map. */
int store_begin_txn(struct store *s, MDB_txn *parent, unsigned flags, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, parent, flags, txn);
	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(s->env, 0);
		rc = mdb_txn_begin(s->env, parent, flags, txn);
	}
	return rc;
}

int store_read_begin(struct store *s, struct store_txn **out)
{
	struct store_txn *t = calloc(1, sizeof *t);
	int rc;

	*out = NULL;
	if (!t)
		return FN_NO_MEMORY;
	pthread_rwlock_rdlock(&s->map);
	rc = store_begin_txn(s, NULL, MDB_RDONLY, &t->txn);
	if (rc != 0) {
		pthread_rwlock_unlock(&s->map);
		free(t);
		return map_err(rc);
	}
	t->s = s;
	*out = t;
	return FN_OK;
}

void store_read_end(struct store_txn *t)
{
	if (!t)
		return;
	mdb_txn_abort(t->txn);
	pthread_rwlock_unlock(&t->s->map);
	free(t);
}

static MDB_dbi dbi_of(struct store_txn *t, store_db db)
{
	assert(db < t->s->ndbs);
	return t->s->dbis[db];
}

/* Maps an update's result, noting a full map for the group-commit leader. */
static int update_err(struct store_txn *t, int rc)
{
	if (rc == MDB_MAP_FULL)
		t->map_full = 1;
	return map_err(rc);
}

int store_get(struct store_txn *t, store_db db, const void *key, size_t klen,
              struct sc_str *val)
{
	MDB_val k = {klen, (void *)key}, v;
	int rc = mdb_get(t->txn, dbi_of(t, db), &k, &v);
	if (rc == 0) {
		val->p = v.mv_data;
		val->n = v.mv_size;
	}
	return map_err(rc);
}

int store_put(struct store_txn *t, store_db db, const void *key, size_t klen,
              const void *val, size_t vlen, unsigned flags,
              struct sc_str *existing)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	int rc = mdb_put(t->txn, dbi_of(t, db), &k, &v,
	                 (flags & STORE_NOOVERWRITE) ? MDB_NOOVERWRITE : 0);
	if (rc == MDB_KEYEXIST && existing) {
		existing->p = v.mv_data;
		existing->n = v.mv_size;
	}
	return update_err(t, rc);
}

int store_del(struct store_txn *t, store_db db, const void *key, size_t klen)
{
	MDB_val k = {klen, (void *)key};
	return update_err(t, mdb_del(t->txn, dbi_of(t, db), &k, NULL));
}

int store_count(struct store_txn *t, store_db db, uint64_t *out)
{
	MDB_stat st;
	int rc = mdb_stat(t->txn, dbi_of(t, db), &st);
	*out = rc == 0 ? (uint64_t)st.ms_entries : 0;
	return map_err(rc);
}

int store_scan(struct store_txn *t, store_db db, const void *start,
               size_t slen, int reverse, store_scan_fn fn, void *arg)
{
	MDB_cursor *c;
	MDB_val k = {slen, (void *)start}, v;
	MDB_cursor_op op, step = reverse ? MDB_PREV : MDB_NEXT;
	int rc;

	if ((rc = mdb_cursor_open(t->txn, dbi_of(t, db), &c)) != 0)
		return map_err(rc);
	if (!start) {
		op = reverse ? MDB_LAST : MDB_FIRST;
		rc = mdb_cursor_get(c, &k, &v, op);
	} else {
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (reverse) {
			if (rc == MDB_NOTFOUND)
				rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
			else if (rc == 0 && (k.mv_size != slen || memcmp(k.mv_data, start, slen) != 0))
				rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
		}
	}
	while (rc == 0) {
		struct sc_str ks = {k.mv_data, k.mv_size}, vs = {v.mv_data, v.mv_size};
		int answer = fn(&ks, &vs, arg);
		assert(answer >= STORE_SCAN_STOP);
		if (answer != STORE_SCAN_CONTINUE) {
			mdb_cursor_close(c);
			return answer == STORE_SCAN_STOP ? FN_OK : answer;
		}
		rc = mdb_cursor_get(c, &k, &v, step);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? FN_OK : map_err(rc);
}

void store_u64_key(uint64_t v, unsigned char out[8])
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (unsigned char)(v & 0xff);
}

uint64_t store_key_u64(const void *p)
{
	const unsigned char *b = p;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	return v;
}

int store_counter_get(struct store_txn *t, const char *name, uint64_t *out)
{
	MDB_val k = {strlen(name), (void *)name}, v;
	int rc = mdb_get(t->txn, t->s->meta, &k, &v);
	*out = 0;
	if (rc == MDB_NOTFOUND)
		return FN_OK;
	if (rc != 0)
		return map_err(rc);
	if (v.mv_size != 8)
		return FN_IO_ERROR;
	*out = store_key_u64(v.mv_data);
	return FN_OK;
}

int store_counter_next(struct store_txn *t, const char *name, uint64_t *out)
{
	unsigned char buf[8];
	int rc = store_counter_get(t, name, out);
	if (rc != FN_OK)
		return rc;
	(*out)++;
	store_u64_key(*out, buf);
	MDB_val k = {strlen(name), (void *)name}, v = {8, buf};
	return update_err(t, mdb_put(t->txn, t->s->meta, &k, &v, 0));
}

void store_stats(struct store *s, struct store_stats *out)
{
	MDB_envinfo info;
	MDB_stat st;

	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&s->lock);
	out->commits = s->commits;
	out->writes = s->writes;
	out->map_grows = s->grows;
	out->stale_readers_cleared = s->stale_cleared;
	out->full_refusals = s->full_refusals;
	out->disk_full = s->disk_full;
	pthread_mutex_unlock(&s->lock);
	mdb_env_info(s->env, &info);
	mdb_env_stat(s->env, &st);
	out->map_size = info.me_mapsize;
	out->used_bytes = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
}

/* ---- Copies, private snapshots and the schema version (backup, restore,
 * migrate). Self-contained: nothing above calls these. ---- */

int store_copy_fd(struct store *s, int fd)
{
	int rc;

	pthread_rwlock_rdlock(&s->map);
	rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
	if (rc == MDB_MAP_RESIZED) {
		/* The server grew the map since we opened: adopt its size. The
		 * copy failed at its first step, before writing anything. */
		mdb_env_set_mapsize(s->env, 0);
		rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
	}
	pthread_rwlock_unlock(&s->map);
	return map_err(rc);
}

int store_open_file(struct store **out, const char *path, struct sc_error *err)
{
	struct store *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof *s);
	if (!s)
		return sc_error_set(err, FN_NO_MEMORY, NULL, "cannot open the copy: out of memory");
	s->map_size = 0;
	s->map_max = 0; /* never grows: the copy is only read */
	if ((rc = store_init(s)) != 0)
		goto fail;
	/* No lock file: the copy is private to this process. Not read-only,
	 * because store_db_open opens databases in a write transaction. */
	rc = mdb_env_open(s->env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOTLS, 0600);
	if (rc != 0)
		goto fail;
	MDB_txn *txn;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto fail;
	rc = mdb_dbi_open(txn, "meta", 0, &s->meta);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc != 0)
		goto fail;
	*out = s;
	return FN_OK;
fail:
	rc = set_mdb_error(err, rc == MDB_NOTFOUND ? FN_IO_ERROR : map_err(rc), "cannot open the copy", rc);
	store_close(s);
	return rc;
}

#define SCHEMA_KEY "schema_version"

int store_schema_version(struct store_txn *t, int *out)
{
	MDB_val k = {sizeof SCHEMA_KEY - 1, SCHEMA_KEY}, v;
	char buf[16];
	char *end;
	int rc = mdb_get(t->txn, t->s->meta, &k, &v);

	*out = 0;
	if (rc != 0)
		return map_err(rc);
	if (v.mv_size == 0 || v.mv_size >= sizeof buf)
		return FN_IO_ERROR;
	memcpy(buf, v.mv_data, v.mv_size);
	buf[v.mv_size] = 0;
	long n = strtol(buf, &end, 10);
	if (*end || n < 1 || n > 1000000)
		return FN_IO_ERROR;
	*out = (int)n;
	return FN_OK;
}

int store_schema_version_set(struct store_txn *t, int version)
{
	char buf[16];
	int n = snprintf(buf, sizeof buf, "%d", version);
	MDB_val k = {sizeof SCHEMA_KEY - 1, SCHEMA_KEY}, v = {(size_t)n, buf};
	return map_err(mdb_put(t->txn, t->s->meta, &k, &v, 0));
}

int store_db_entries(struct store *s, store_db_entries_fn fn, void *arg)
{
	struct store_txn *t;
	MDB_cursor *c;
	MDB_val k, v;
	int rc = store_read_begin(s, &t);

	if (rc != FN_OK)
		return rc;
	/* The unnamed database lists the named ones by name. */
	MDB_dbi main_dbi;
	if ((rc = mdb_dbi_open(t->txn, NULL, 0, &main_dbi)) != 0 ||
	    (rc = mdb_cursor_open(t->txn, main_dbi, &c)) != 0) {
		store_read_end(t);
		return map_err(rc);
	}
	int stop = 0;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && !stop;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char name[64];
		MDB_dbi dbi;
		MDB_stat st;
		if (k.mv_size == 0 || k.mv_size >= sizeof name || memchr(k.mv_data, 0, k.mv_size))
			continue;
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = 0;
		if (mdb_dbi_open(t->txn, name, 0, &dbi) != 0 || mdb_stat(t->txn, dbi, &st) != 0)
			continue; /* a plain key, not a database */
		stop = fn(name, (uint64_t)st.ms_entries, arg);
	}
	mdb_cursor_close(c);
	store_read_end(t);
	return stop ? stop : rc == MDB_NOTFOUND || rc == 0 ? FN_OK : map_err(rc);
}

int store_in_use(const char *dir, long *pid)
{
	char path[4096];
	struct flock lk = {0};

	*pid = 0;
	snprintf(path, sizeof path, "%s/lock.mdb", dir);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	/* Every process with the environment open holds a shared lock on
	 * byte 0 of lock.mdb (LMDB's liveness lock); F_GETLK asks without
	 * taking it. Call before opening the store in this process: closing
	 * any descriptor of the file drops this process's own locks. */
	lk.l_type = F_WRLCK;
	lk.l_whence = SEEK_SET;
	lk.l_start = 0;
	lk.l_len = 1;
	int rc = fcntl(fd, F_GETLK, &lk);
	close(fd);
	if (rc != 0)
		return -1;
	if (lk.l_type == F_UNLCK)
		return 0;
	*pid = (long)lk.l_pid;
	return 1;
}
