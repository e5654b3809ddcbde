/* store.c - LMDB for the device: one environment, five databases, sealed values, growth. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "crypto.h"
#include "status.h"

static const char *const db_names[DB_N] = {"meta", "outbox", "notes", "guidance", "feedback",
                                             "att", "attdata"};

/* The map is address space, not disk: the file grows as it fills. Start
 * at 64 MiB and double on MDB_MAP_FULL up to 64 GiB. */
#define MAP_START ((size_t)64 << 20)
#define MAP_MAX ((size_t)64 << 30)

int fni_st_status(struct st *s, int rc, const char *what)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return FN_NOT_FOUND;
	case MDB_MAP_FULL:
		s->map_full = 1;
		snprintf(s->detail, sizeof s->detail, "%s: the store is full", what);
		return FN_STORE_FULL;
	case ENOMEM:
		snprintf(s->detail, sizeof s->detail, "%s: out of memory", what);
		return FN_NO_MEMORY;
	case ENOSPC:
		snprintf(s->detail, sizeof s->detail, "%s: the disk is full", what);
		return FN_STORE_FULL;
	}
	snprintf(s->detail, sizeof s->detail, "%s: %s (LMDB %d)", what, mdb_strerror(rc), rc);
	return FN_IO_ERROR;
}

int fni_st_open(struct st *s, struct cr *cr, const char *dir)
{
	int rc, dead;
	MDB_txn *t;

	memset(s, 0, sizeof *s);
	s->cr = cr;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(s->detail, sizeof s->detail, "cannot create the store directory %.180s: %s", dir, strerror(errno));
		return FN_IO_ERROR;
	}
	if ((rc = mdb_env_create(&s->env)) != 0)
		return fni_st_status(s, rc, "store");
	mdb_env_set_maxdbs(s->env, DB_N);
	mdb_env_set_mapsize(s->env, MAP_START);
	/* NOTLS: a handle may be used from several threads in turn. */
	rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600);
	if (rc != 0) {
		int st = fni_st_status(s, rc, "opening the store");
		snprintf(s->detail, sizeof s->detail, "cannot open the store in %.150s: %s", dir, mdb_strerror(rc));
		mdb_env_close(s->env);
		s->env = NULL;
		return st == FN_NO_MEMORY ? st : FN_IO_ERROR;
	}
	/* Reader slots left by a killed process would pin old pages forever. */
	mdb_reader_check(s->env, &dead);
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &t)) != 0)
		goto fail;
	for (int i = 0; i < DB_N; i++)
		if ((rc = mdb_dbi_open(t, db_names[i], MDB_CREATE, &s->db[i])) != 0) {
			mdb_txn_abort(t);
			goto fail;
		}
	if ((rc = mdb_txn_commit(t)) != 0)
		goto fail;
	int fd;
	struct stat sb;
	if (mdb_env_get_fd(s->env, &fd) == 0 && fstat(fd, &sb) == 0) {
		s->dev = sb.st_dev;
		s->ino = sb.st_ino;
	}
	return FN_OK;
fail:
	rc = fni_st_status(s, rc, "opening the store's databases");
	mdb_env_close(s->env);
	s->env = NULL;
	return rc;
}

void fni_st_close(struct st *s)
{
	if (s->env)
		mdb_env_close(s->env);
	s->env = NULL;
}

static int begin(struct st *s, unsigned flags, MDB_txn **t)
{
	int rc = mdb_txn_begin(s->env, NULL, flags, t);
	if (rc == MDB_MAP_RESIZED) { /* another process grew the map */
		mdb_env_set_mapsize(s->env, 0);
		rc = mdb_txn_begin(s->env, NULL, flags, t);
	}
	return rc ? fni_st_status(s, rc, "starting a store transaction") : FN_OK;
}

int fni_st_read(struct st *s, MDB_txn **t)
{
	return begin(s, MDB_RDONLY, t);
}

void fni_st_read_end(MDB_txn *t)
{
	if (t)
		mdb_txn_abort(t);
}

static int grow(struct st *s)
{
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	if (info.me_mapsize >= MAP_MAX) {
		snprintf(s->detail, sizeof s->detail, "the store is full (%zu bytes)", info.me_mapsize);
		return FN_STORE_FULL;
	}
	int rc = mdb_env_set_mapsize(s->env, info.me_mapsize * 2);
	return rc ? fni_st_status(s, rc, "growing the store") : FN_OK;
}

int fni_st_write(struct st *s, st_fn fn, void *arg)
{
	for (;;) {
		MDB_txn *t;
		int rc = begin(s, 0, &t);
		if (rc != FN_OK)
			return rc;
		s->map_full = 0;
		rc = fn(t, arg);
		if (rc != FN_OK) {
			mdb_txn_abort(t);
		} else if ((rc = mdb_txn_commit(t)) != 0) {
			rc = fni_st_status(s, rc, "committing to the store");
		}
		if (rc == FN_STORE_FULL && s->map_full) {
			if ((rc = grow(s)) != FN_OK)
				return rc;
			continue;
		}
		return rc;
	}
}

void fni_st_release(struct st *s)
{
	/* LMDB does not say where its map is (me_mapaddr is set only with
	 * MDB_FIXEDMAP): find the mappings of data.mdb by device and inode. A
	 * shared file mapping loses nothing to MADV_DONTNEED: pages touched
	 * again come back from the page cache. */
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f || !s->ino)
		goto out;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi, ino;
		unsigned long long off;
		unsigned maj, min;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s %llx %x:%x %lu", &lo, &hi, perms, &off, &maj, &min, &ino) == 7 &&
		    ino == s->ino && maj == major(s->dev) && min == minor(s->dev) && hi > lo)
			madvise((void *)lo, hi - lo, MADV_DONTNEED);
	}
out:
	if (f)
		fclose(f);
}

int fni_st_get(struct st *s, MDB_txn *t, int db, const void *k, size_t kn, MDB_val *out)
{
	MDB_val key = {kn, (void *)k};
	int rc = mdb_get(t, s->db[db], &key, out);
	return rc ? fni_st_status(s, rc, "reading the store") : FN_OK;
}

int fni_st_put(struct st *s, MDB_txn *t, int db, const void *k, size_t kn, const void *v, size_t vn)
{
	MDB_val key = {kn, (void *)k}, val = {vn, (void *)v};
	int rc = mdb_put(t, s->db[db], &key, &val, 0);
	return rc ? fni_st_status(s, rc, "writing the store") : FN_OK;
}

int fni_st_del(struct st *s, MDB_txn *t, int db, const void *k, size_t kn)
{
	MDB_val key = {kn, (void *)k};
	int rc = mdb_del(t, s->db[db], &key, NULL);
	return rc ? fni_st_status(s, rc, "deleting from the store") : FN_OK;
}

void fni_st_be64(uint64_t v, unsigned char out[8])
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (unsigned char)v;
		v >>= 8;
	}
}

uint64_t fni_st_from_be64(const void *p)
{
	const unsigned char *b = p;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

int fni_st_get_u64(struct st *s, MDB_txn *t, const char *name, uint64_t *out)
{
	MDB_val v;
	int rc = fni_st_get(s, t, DB_META, name, strlen(name), &v);
	*out = 0;
	if (rc == FN_NOT_FOUND)
		return FN_OK;
	if (rc != FN_OK)
		return rc;
	if (v.mv_size != 8)
		return FN_IO_ERROR;
	*out = fni_st_from_be64(v.mv_data);
	return FN_OK;
}

int fni_st_put_u64(struct st *s, MDB_txn *t, const char *name, uint64_t v)
{
	unsigned char b[8];
	fni_st_be64(v, b);
	return fni_st_put(s, t, DB_META, name, strlen(name), b, 8);
}

/* Associated data: "<db name>\0<key>". */
static int aad_of(int db, const void *k, size_t kn, struct sc_buf *aad)
{
	const char *name = db_names[db];
	sc_buf_append(aad, name, strlen(name) + 1);
	sc_buf_append(aad, k, kn);
	return aad->oom ? FN_NO_MEMORY : FN_OK;
}

int fni_st_open_value(struct st *s, int db, const MDB_val *k, const MDB_val *v, struct sc_buf *out)
{
	struct sc_buf aad = {0};
	int rc = aad_of(db, k->mv_data, k->mv_size, &aad);
	if (rc == FN_OK)
		rc = fni_cr_open(s->cr, aad.p, aad.n, v->mv_data, v->mv_size, out);
	if (rc == FN_WRONG_KEY)
		snprintf(s->detail, sizeof s->detail,
		         "a record in the store's %s database does not open with this key: wrong key or damaged store",
		         db_names[db]);
	sc_buf_free(&aad);
	return rc;
}

int fni_st_get_sealed(struct st *s, MDB_txn *t, int db, const void *k, size_t kn, struct sc_buf *out)
{
	MDB_val v, key = {kn, (void *)k};
	int rc = fni_st_get(s, t, db, k, kn, &v);
	if (rc != FN_OK)
		return rc;
	return fni_st_open_value(s, db, &key, &v, out);
}

int fni_st_put_sealed(struct st *s, MDB_txn *t, int db, const void *k, size_t kn, const void *v, size_t vn)
{
	struct sc_buf aad = {0}, sealed = {0};
	int rc = aad_of(db, k, kn, &aad);
	if (rc == FN_OK)
		rc = fni_cr_seal(s->cr, aad.p, aad.n, v, vn, &sealed);
	if (rc == FN_OK)
		rc = fni_st_put(s, t, db, k, kn, sealed.p, sealed.n);
	sc_buf_free(&aad);
	sc_buf_free(&sealed);
	return rc;
}
