/* store_commit.c - group commit, map growth, and a full disk told apart
 * from a full map: only the map is grown; the disk is waited for. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/statvfs.h>

#include "store_internal.h"
#include "log.h"

/* A full disk counts as recovered once this much more than the reserve is
 * free, so that a disk hovering at the edge is not logged on every write. */
#define DISK_SLACK ((uint64_t)1 << 20)

/* Doubles the map, up to map_max. FN_STORE_FULL once it is there. */
static int grow_map(struct store *s)
{
	size_t next = s->map_size * 2;
	int rc;

	if (next > s->map_max || next < s->map_size)
		next = s->map_max;
	if (next <= s->map_size) {
		pthread_mutex_lock(&s->lock);
		int first = !s->map_capped;
		s->map_capped = 1;
		pthread_mutex_unlock(&s->lock);
		if (first)
			log_event(LOG_ERROR, "store_map_full", "store: the map is at map_max (%zu KiB): writes answer "
			          "507 STORE_FULL (raise map_max)", s->map_max >> 10);
		return FN_STORE_FULL;
	}
	pthread_rwlock_wrlock(&s->map);
	rc = mdb_env_set_mapsize(s->env, next);
	if (rc == 0) {
		MDB_envinfo info;
		mdb_env_info(s->env, &info);
		s->map_size = info.me_mapsize;
		pthread_mutex_lock(&s->lock);
		s->grows++;
		pthread_mutex_unlock(&s->lock);
	}
	pthread_rwlock_unlock(&s->map);
	if (rc == 0)
		log_event(LOG_INFO, "store_map_grown", "store: map grown to %zu KiB", s->map_size >> 10);
	return rc == 0 ? FN_OK : map_err(rc);
}

/* Free bytes on the store's file system for an unprivileged writer;
 * UINT64_MAX when that cannot be known (nothing is refused then). */
static uint64_t disk_free(const struct store *s)
{
	struct statvfs v;
	if (statvfs(s->dir, &v) != 0)
		return UINT64_MAX;
	return (uint64_t)v.f_bavail * v.f_frsize;
}

/* Records whether the disk is full, logging each change once, with the
 * free space: a full disk is an operator's problem, not a client's. */
static void disk_state(struct store *s, int full, uint64_t avail, const char *why)
{
	pthread_mutex_lock(&s->lock);
	int was = s->disk_full;
	s->disk_full = full;
	pthread_mutex_unlock(&s->lock);
	if (full && !was)
		log_event(LOG_ERROR, "store_disk_full", "store: disk full in %s (%s): %llu KiB free, reserve %zu KiB; "
		          "writes answer 507 STORE_FULL until space returns",
		          s->dir, why, (unsigned long long)(avail >> 10), s->reserve >> 10);
	else if (!full && was)
		log_event(LOG_WARN, "store_disk_back", "store: disk space back in %s: %llu KiB free; writes resumed",
		          s->dir, (unsigned long long)(avail >> 10));
}

/* After a commit: a disk marked full is clear again once there is room. */
static void disk_recheck(struct store *s)
{
	pthread_mutex_lock(&s->lock);
	int was = s->disk_full;
	pthread_mutex_unlock(&s->lock);
	if (!was)
		return;
	uint64_t avail = disk_free(s);
	if (avail >= s->reserve + DISK_SLACK)
		disk_state(s, 0, avail, NULL);
}

/* Runs a batch of jobs in one transaction. Returns LMDB's or the system's
 * own code, so that the leader can tell MDB_MAP_FULL (grow the map and run
 * the batch again) from ENOSPC (the disk is full: growing would not help). */
static int run_batch(struct store *s, struct write_job *jobs)
{
	MDB_txn *parent;
	int rc;

	pthread_rwlock_rdlock(&s->map);
	rc = store_begin_txn(s, NULL, 0, &parent);
	if (rc != 0) {
		pthread_rwlock_unlock(&s->map);
		return rc;
	}
	for (struct write_job *j = jobs; j; j = j->next) {
		struct store_txn t = {s, NULL, 0};
		rc = mdb_txn_begin(s->env, parent, 0, &t.txn);
		if (rc != 0)
			break;
		j->rc = j->fn(&t, j->arg);
		if (t.map_full) {
			/* whatever fn answered, its updates did not fit */
			mdb_txn_abort(t.txn);
			rc = MDB_MAP_FULL;
			break;
		}
		if (j->rc == FN_OK) {
			rc = mdb_txn_commit(t.txn);
			if (rc != 0)
				break;
		} else {
			mdb_txn_abort(t.txn);
		}
	}
	if (rc == 0)
		rc = mdb_txn_commit(parent);
	else
		mdb_txn_abort(parent);
	pthread_rwlock_unlock(&s->map);
	return rc;
}

/* The leader's part: runs the batch, growing the map while it is the map
 * that is full, and answers with an fn_status for every job. */
static int lead_batch(struct store *s, struct write_job *batch)
{
	int rc;
	for (;;) {
		rc = run_batch(s, batch);
		if (rc != MDB_MAP_FULL || grow_map(s) != FN_OK)
			break;
	}
	/* LMDB reports a short write, which is how a disk that fills during
	 * the commit shows, as EIO: with the disk (almost) full, it is that. */
	if (rc == EIO && disk_free(s) < s->reserve + DISK_SLACK)
		rc = ENOSPC;
	if (disk_full_errno(rc))
		disk_state(s, 1, disk_free(s), strerror(rc));
	else if (rc != 0 && rc != MDB_MAP_FULL)
		log_event(LOG_ERROR, "store_commit_failed", "store: commit failed: %s", mdb_strerror(rc));
	else if (rc == 0)
		disk_recheck(s);
	return map_err(rc);
}

int store_write(struct store *s, store_write_fn fn, void *arg)
{
	struct write_job me = {fn, arg, 0, 0, NULL};

	pthread_cond_init(&me.wake, NULL);
	pthread_mutex_lock(&s->lock);
	*s->queue_tail = &me;
	s->queue_tail = &me.next;
	while (!me.done && s->leader_active)
		pthread_cond_wait(&me.wake, &s->lock);
	if (me.done) {
		pthread_mutex_unlock(&s->lock);
		pthread_cond_destroy(&me.wake);
		return me.rc;
	}
	/* Lead: take everything queued so far, including our own job. */
	s->leader_active = 1;
	struct write_job *batch = s->queue;
	s->queue = NULL;
	s->queue_tail = &s->queue;
	pthread_mutex_unlock(&s->lock);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = lead_batch(s, batch);
	if (rc == FN_OK && s->on_commit) {
		size_t jobs = 0;
		for (struct write_job *j = batch; j; j = j->next)
			jobs++;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		s->on_commit(s->on_commit_ctx, jobs,
		             (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}

	pthread_mutex_lock(&s->lock);
	if (rc == FN_OK)
		s->commits++;
	for (struct write_job *j = batch, *next; j; j = next) {
		next = j->next;
		if (rc != FN_OK)
			j->rc = rc;
		else
			s->writes++;
		if (j->rc == FN_STORE_FULL)
			s->full_refusals++;
		j->done = 1;
		if (j != &me)
			pthread_cond_signal(&j->wake);
	}
	s->leader_active = 0;
	if (s->queue)
		pthread_cond_signal(&s->queue->wake); /* the next leader */
	else
		pthread_cond_broadcast(&s->cond); /* store_close may be waiting */
	pthread_mutex_unlock(&s->lock);
	pthread_cond_destroy(&me.wake);
	return me.rc;
}

int store_write_bulk(struct store *s, store_write_fn fn, void *arg)
{
	if (s->reserve) {
		uint64_t avail = disk_free(s);
		if (avail < s->reserve) {
			disk_state(s, 1, avail, "free space under the reserve");
			pthread_mutex_lock(&s->lock);
			s->full_refusals++;
			pthread_mutex_unlock(&s->lock);
			return FN_STORE_FULL;
		}
	}
	return store_write(s, fn, arg);
}

void store_set_commit_observer(struct store *s, void (*fn)(void *ctx, size_t batch, double seconds), void *ctx)
{
	s->on_commit = fn;
	s->on_commit_ctx = ctx;
}
