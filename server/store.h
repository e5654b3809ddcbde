/* store.h - the server's LMDB store: one environment, named databases owned
 * by modules, group-committed durable writes, map growth. Only store.c
 * includes lmdb.h; feature modules speak to LMDB through these functions. */
#ifndef FN_STORE_H
#define FN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"   /* struct sc_str */

#define STORE_SCHEMA_VERSION 1

struct store;
struct store_txn;
typedef unsigned store_db;   /* a named database handle, from store_db_open */

struct store_options {
	size_t map_size;      /* initial map size in bytes; 0 = 1 GiB */
	size_t map_max;       /* growth ceiling; 0 = 1 TiB */
	unsigned max_readers; /* 0 = 256 */
};

/* Opens (creating when `create`) the store in directory `dir` and clears
 * stale reader slots left by killed processes. Fails with FN_NOT_FOUND when
 * the store does not exist and create is 0, FN_BAD_ARGUMENT when it was
 * written by a newer schema version. *out is owned by the caller: close it
 * with store_close. `detail` (may be NULL, 256 bytes) gets the reason. */
int store_open(struct store **out, const char *dir, int create,
               const struct store_options *opt, char *detail);
/* Waits for queued writes, then closes. NULL is a no-op. */
void store_close(struct store *s);

/* Opens or creates a named database. Call during start-up, before serving. */
int store_db_open(struct store *s, const char *name, store_db *out);

/* A read transaction. Values returned by store_get and cursors point into
 * the map and stay valid until store_read_end. */
int store_read_begin(struct store *s, struct store_txn **out);
void store_read_end(struct store_txn *t);

/* Runs fn inside a write transaction shared with other concurrent writers
 * (group commit). Each fn runs in its own nested transaction: a fn that
 * returns non-zero has its changes undone without disturbing the others.
 * store_write returns only once the shared transaction is durably committed
 * (fsync), with fn's own return value, or the commit's failure status.
 * fn may be run more than once (after a map growth) and must have no side
 * effects outside the transaction until store_write returns. */
typedef int (*store_write_fn)(struct store_txn *t, void *arg);
int store_write(struct store *s, store_write_fn fn, void *arg);

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

/* Iterates keys >= (start, slen) in order (all keys when start is NULL),
 * calling fn until it returns non-zero (which store_scan then returns) or
 * the keys run out (FN_OK). reverse: keys <= start, descending. */
typedef int (*store_scan_fn)(const struct sc_str *key,
                             const struct sc_str *val, void *arg);
int store_scan(struct store_txn *t, store_db db, const void *start,
               size_t slen, int reverse, store_scan_fn fn, void *arg);

/* Counters kept in the store's meta database, updated in a write txn. */
int store_counter_next(struct store_txn *t, const char *name, uint64_t *out);
int store_counter_get(struct store_txn *t, const char *name, uint64_t *out);

/* Big-endian 8-byte keys sort numerically. */
void store_u64_key(uint64_t v, unsigned char out[8]);
uint64_t store_key_u64(const void *p);

/* Statistics for /metrics. */
struct store_stats {
	uint64_t commits, writes, map_grows;
	int stale_readers_cleared; /* at open: slots left by killed processes */
	size_t map_size, used_bytes;
};
void store_stats(struct store *s, struct store_stats *out);

/* ---- Backup, restore and migration support ---- */

/* Writes a compacted, consistent copy of the whole store to fd (a file or
 * a pipe) from one read transaction, while other processes keep writing.
 * Blocks until the copy is written; fd stays open. */
int store_copy_fd(struct store *s, int fd);

/* Opens a copy made by store_copy_fd, as one file at `path`, private to
 * this process (no lock file; nobody else may open it). It does not check
 * or set the schema version: read it with store_schema_version. Close it
 * with store_close. `detail` as for store_open. */
int store_open_file(struct store **out, const char *path, char *detail);

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
