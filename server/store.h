/* store.h - the server's LMDB store: one environment, named databases owned
 * by modules, group-committed durable writes, map growth. Only the store
 * module (store.c, store_commit.c) includes lmdb.h; feature modules speak
 * to LMDB through these functions. */
#ifndef FN_STORE_H
#define FN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"   /* struct sc_str, struct sc_error */

#define STORE_SCHEMA_VERSION 1

struct store;
struct store_txn;
typedef unsigned store_db;   /* a named database handle, from store_db_open */

struct store_options {
	size_t map_size;      /* initial map size in bytes; 0 = 1 GiB (never above map_max) */
	size_t map_max;       /* growth ceiling; 0 = 1 TiB */
	size_t reserve;       /* free disk kept for small writes; 0 = none */
	unsigned max_readers; /* 0 = 256 */
};

/*
 * The contract (as lmdb.h states LMDB's; this module wraps it).
 *
 * Errors. Every int-returning function answers an enum fn_status:
 *   FN_OK            done.
 *   FN_NOT_FOUND     no such key (store_get, store_del); no store in the
 *                    directory (store_open with create 0).
 *   FN_CONFLICT      store_put with STORE_NOOVERWRITE on a key that exists.
 *   FN_STORE_FULL    no room, nothing written; retry later. Either the map
 *                    is at map_max (LMDB's MDB_MAP_FULL after the last
 *                    growth), or the disk is full (ENOSPC, EDQUOT, EFBIG),
 *                    or, for store_write_bulk, free disk is under the
 *                    reserve. The two causes are kept apart inside: only a
 *                    full map is grown; a full disk is logged once, with the
 *                    free space, and clears by itself when space returns.
 *   FN_NO_MEMORY     out of memory.
 *   FN_IO_ERROR      any other LMDB or system failure (EIO, a damaged
 *                    file); the raw text goes to err->message or stderr.
 *   FN_BAD_ARGUMENT  store_open: written by a newer schema version;
 *                    store_db_open: too many databases.
 *
 * Threads. A struct store is shared by every thread. A read transaction
 * belongs to the thread that began it: that thread, and only it, ends it
 * (it holds the map lock shared, and a rwlock is unlocked by its owner).
 * A thread holds at most one read transaction, and while it holds one it
 * must not write (store_write, nor anything that calls it: audit_record,
 * auth_login ...): a write may need to grow the map, and growth waits for
 * every read transaction to end, its own included, so both would wait for
 * ever. For the same reason a read transaction is never held across
 * network I/O: a handler copies what its reply needs into the request
 * arena, ends the transaction, and only then writes to the socket, so that
 * a slow client cannot hold up a map growth (and every writer behind it).
 *
 * Memory. Values handed back (store_get's val, store_put's *existing, the
 * key and value store_scan passes) point into the map: they are valid
 * until the transaction ends, and in a write transaction only until the
 * next store_put or store_del in it. Never write through them; copy what
 * must outlive that.
 */

/* Opens (creating when `create`) the store in directory `dir` and clears
 * stale reader slots left by killed processes. Fails with FN_NOT_FOUND when
 * the store does not exist and create is 0, FN_BAD_ARGUMENT when it was
 * written by a newer schema version. *out is owned by the caller: close it
 * with store_close. *err (may be NULL) gets the status and the reason. */
int store_open(struct store **out, const char *dir, int create,
               const struct store_options *opt, struct sc_error *err);
/* Waits for queued writes, then closes. NULL is a no-op. Every read
 * transaction must have ended. */
void store_close(struct store *s);

/* Opens or creates a named database. Call during start-up, before serving. */
int store_db_open(struct store *s, const char *name, store_db *out);

/* A read transaction: a consistent snapshot, never blocked by writers.
 * *out is owned by the calling thread until it passes it to
 * store_read_end (NULL is a no-op there). Keep it short: see the contract. */
int store_read_begin(struct store *s, struct store_txn **out);
void store_read_end(struct store_txn *t);

/* Runs fn inside a write transaction shared with other concurrent writers
 * (group commit). Each fn runs in its own nested transaction: a fn that
 * returns non-zero has its changes undone without disturbing the others.
 * store_write returns only once the shared transaction is durably committed
 * (fsync), with fn's own return value, or the commit's failure status.
 * fn may run on another thread (the leader's) and more than once (after a
 * map growth): it must have no side effects outside the transaction until
 * store_write returns, and must not begin a read transaction or write. The
 * caller must not hold a read transaction (see the contract). */
typedef int (*store_write_fn)(struct store_txn *t, void *arg);
int store_write(struct store *s, store_write_fn fn, void *arg);

/* The same for a write whose size the users decide (notes, reviews):
 * FN_STORE_FULL at once, writing nothing, while the disk's free space is
 * under the reserve, so that the reserve stays for small writes that must
 * go on working on a full disk (sign-in tokens, audit entries). */
int store_write_bulk(struct store *s, store_write_fn fn, void *arg);

/* Seconds a client is told to wait (Retry-After) after FN_STORE_FULL. */
#define STORE_FULL_RETRY_AFTER 60

/* Key/value access inside a transaction. Return FN_OK, FN_NOT_FOUND,
 * FN_CONFLICT (put with STORE_NOOVERWRITE on an existing key, *existing
 * then holds the stored value when non-NULL), or an error status. */
#define STORE_NOOVERWRITE 1u
int store_get(struct store_txn *t, store_db db, const void *key, size_t klen,
              struct sc_str *val);
int store_put(struct store_txn *t, store_db db, const void *key, size_t klen,
              const void *val, size_t vlen, unsigned flags,
              struct sc_str *existing);
int store_del(struct store_txn *t, store_db db, const void *key, size_t klen);

/* What a store_scan callback answers: go on to the next key, or end the
 * scan there. Both are outside enum fn_status (which starts at 0 = FN_OK
 * and counts up), so a callback may also answer an fn_status error. */
#define STORE_SCAN_CONTINUE 0
#define STORE_SCAN_STOP (-1)

/* Iterates keys >= (start, slen) in order (all keys when start is NULL),
 * calling fn for each. fn answers STORE_SCAN_CONTINUE, STORE_SCAN_STOP
 * (store_scan then returns FN_OK, as when the keys run out), or an
 * fn_status error, which ends the scan and which store_scan returns.
 * reverse: keys <= start, descending. */
typedef int (*store_scan_fn)(const struct sc_str *key,
                             const struct sc_str *val, void *arg);
int store_scan(struct store_txn *t, store_db db, const void *start,
               size_t slen, int reverse, store_scan_fn fn, void *arg);

/* The number of entries in db as t sees it, from LMDB's page header
 * (mdb_stat): O(1), no scan, so a /metrics scrape may call it. */
int store_count(struct store_txn *t, store_db db, uint64_t *out);

/* Counters kept in the store's meta database, updated in a write txn. */
int store_counter_next(struct store_txn *t, const char *name, uint64_t *out);
int store_counter_get(struct store_txn *t, const char *name, uint64_t *out);

/* Big-endian 8-byte keys sort numerically. */
void store_u64_key(uint64_t v, unsigned char out[8]);
uint64_t store_key_u64(const void *p);

/* Statistics for /metrics. */
struct store_stats {
	uint64_t commits, writes, map_grows;
	uint64_t full_refusals;    /* writes answered FN_STORE_FULL */
	int stale_readers_cleared; /* at open: slots left by killed processes */
	int disk_full;             /* 1 while the disk is full (or under the reserve) */
	size_t map_size, used_bytes;
};
void store_stats(struct store *s, struct store_stats *out);
/* Calls fn(ctx, jobs, seconds) after each successful group commit, on the
 * committing thread (outside the store's lock). Set it before serving. */
void store_set_commit_observer(struct store *s, void (*fn)(void *ctx, size_t batch, double seconds), void *ctx);

/* ---- Backup, restore and migration support ---- */

/* Writes a compacted, consistent copy of the whole store to fd (a file or
 * a pipe) from one read transaction, while other processes keep writing.
 * Blocks until the copy is written; fd stays open. */
int store_copy_fd(struct store *s, int fd);

/* Opens a copy made by store_copy_fd, as one file at `path`, private to
 * this process (no lock file; nobody else may open it). It does not check
 * or set the schema version: read it with store_schema_version. Close it
 * with store_close. `err` as for store_open. */
int store_open_file(struct store **out, const char *path, struct sc_error *err);

/* The schema version recorded in the store (FN_NOT_FOUND when none), and
 * setting it inside a write transaction (migrations). */
int store_schema_version(struct store_txn *t, int *out);
int store_schema_version_set(struct store_txn *t, int version);

/* Calls fn(name, entries, arg) for every named database, in name order,
 * from one read transaction; stops when fn returns non-zero (returned). */
typedef int (*store_db_entries_fn)(const char *name, uint64_t entries, void *arg);
int store_db_entries(struct store *s, store_db_entries_fn fn, void *arg);

/* 1 when another process has the store in `dir` open (*pid: one of them),
 * 0 when none has, -1 on error (errno). Call it before this process opens
 * that store: the answer is only about other processes. */
int store_in_use(const char *dir, long *pid);

#endif
