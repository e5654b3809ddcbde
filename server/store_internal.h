/* store_internal.h - private to the store module (store.c: the environment,
 * reads and key access; store_commit.c: group commit, map growth, a full
 * disk). Nothing else includes it: everyone else has store.h. */
#ifndef FN_STORE_INTERNAL_H
#define FN_STORE_INTERNAL_H

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>

#include "status.h"
#include "store.h"

#define STORE_MAX_DBS 64

/* One queued write: the caller's function and where its answer goes. Each
 * job has its own condition variable, so that a commit wakes exactly the
 * writers it finished (and the next leader), not every waiting thread. */
struct write_job {
	store_write_fn fn;
	void *arg;
	int rc;
	int done;
	struct write_job *next;
	pthread_cond_t wake;
};

struct store {
	MDB_env *env;
	MDB_dbi meta;
	MDB_dbi dbis[STORE_MAX_DBS];
	unsigned ndbs;
	size_t map_size, map_max, reserve;
	char *dir;

	/* Readers and the committing writer hold `map` shared; growing the
	 * map takes it exclusively, since LMDB remaps under live pointers. */
	pthread_rwlock_t map;

	/* Group commit: writers queue jobs; one of them (the leader) runs
	 * every queued job in one transaction and commits once. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct write_job *queue, **queue_tail;
	int leader_active;

	uint64_t commits, writes, grows, full_refusals;
	void (*on_commit)(void *ctx, size_t batch, double seconds); /* metrics */
	void *on_commit_ctx;
	int stale_cleared;
	int disk_full;  /* logged when set, and again when cleared */
	int map_capped; /* the map reached map_max (logged once) */
};

struct store_txn {
	struct store *s;
	MDB_txn *txn;
	int map_full; /* an update in it hit MDB_MAP_FULL: the map must grow */
};

/* Out of room on the disk, as opposed to in the map. */
static inline int disk_full_errno(int rc)
{
	return rc == ENOSPC || rc == EDQUOT || rc == EFBIG;
}

static inline int map_err(int rc)
{
	switch (rc) {
	case 0: return FN_OK;
	case MDB_NOTFOUND: return FN_NOT_FOUND;
	case MDB_KEYEXIST: return FN_CONFLICT;
	case MDB_MAP_FULL: return FN_STORE_FULL;
	case ENOMEM: return FN_NO_MEMORY;
	default: return disk_full_errno(rc) ? FN_STORE_FULL : FN_IO_ERROR;
	}
}

/* mdb_txn_begin, picking up a map another process has grown. */
int store_begin_txn(struct store *s, MDB_txn *parent, unsigned flags, MDB_txn **txn);

#endif
