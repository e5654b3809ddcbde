/* store.h - the device's LMDB environment: named databases, transactions, sealed values, map growth. */
#ifndef FN_CLIENT_STORE_H
#define FN_CLIENT_STORE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

struct cr;

/*
 * The databases. Keys are plaintext (note ids are random ULIDs, guidance
 * ids public names, sequence numbers); every value holding note content,
 * guidance, feedback or the session is sealed (crypto.h) with the database
 * name and the key as associated data, so a value cannot be moved to
 * another slot unnoticed.
 *   meta      "check" sealed check record; "device_id" plain; "session",
 *             "user", "tls", "guidance.opened" sealed; "cursor.guidance",
 *             "cursor.feedback", "feedback.count", "feedback.acked",
 *             "clock_offset", "count.queued", "count.refused", "count.v"
 *             8-byte big-endian integers; "ulid.last" (the last note id
 *             made) and "revoked" (the revoked device id) plain
 *   outbox    id 0x00 revision(8, BE) -> sealed outbox entry (notes.c)
 *   notes     id -> sealed sent-note record (notes.c)
 *   guidance  id -> sealed guidance_doc (msgpack)
 *   feedback  seq(8, BE) -> sealed review (msgpack)
 */
/*   att       attachment id -> sealed upload_record (attach.c): note id
 *             once a saved note lists it, done once the server stored it
 *   attdata   attachment id, chunk index (4, BE) -> sealed 64 KiB chunk
 *             of its bytes, deleted once the server stored it
 */
enum { DB_META, DB_OUTBOX, DB_NOTES, DB_GUIDANCE, DB_FEEDBACK, DB_ATT, DB_ATTDATA, DB_N };

struct st {
	MDB_env *env;
	MDB_dbi db[DB_N];
	struct cr *cr;
	int map_full; /* set by the helpers when LMDB said MDB_MAP_FULL */
	dev_t dev;    /* data.mdb, to find its mapping (fni_st_release) */
	ino_t ino;
	char detail[256]; /* why the last failing call here failed */
};

/* Every function here that fails leaves the reason in s->detail. */

/* Opens or creates the store in dir (created 0700 if missing). FN_OK,
 * FN_IO_ERROR, FN_NO_MEMORY. */
int fni_st_open(struct st *s, struct cr *cr, const char *dir);
void fni_st_close(struct st *s);

/* An LMDB result as a status: MDB_NOTFOUND -> FN_NOT_FOUND, MDB_MAP_FULL
 * -> FN_STORE_FULL (and s->map_full), others FN_IO_ERROR with the text. */
int fni_st_status(struct st *s, int mdb_rc, const char *what);

/* A read transaction; end it with fni_st_read_end. */
int fni_st_read(struct st *s, MDB_txn **t);
void fni_st_read_end(MDB_txn *t);

/* Runs fn in a write transaction and commits it durably (fsync) when fn
 * returns FN_OK; aborts otherwise and returns fn's status. When the map
 * is full it is grown and fn run again from the start, so fn must not
 * have effects outside the transaction (or must tolerate running twice). */
typedef int (*st_fn)(MDB_txn *t, void *arg);
int fni_st_write(struct st *s, st_fn fn, void *arg);

/* Drops the map's pages from this process's resident set (they stay in
 * the page cache): a long sync reading the whole outbox would otherwise
 * hold all of it resident. Call between transactions. */
void fni_st_release(struct st *s);

/* Plain values. fni_st_get's *out points into the map, valid until the
 * transaction ends. FN_OK, FN_NOT_FOUND, FN_IO_ERROR, FN_STORE_FULL. */
int fni_st_get(struct st *s, MDB_txn *t, int db, const void *k, size_t kn, MDB_val *out);
int fni_st_put(struct st *s, MDB_txn *t, int db, const void *k, size_t kn, const void *v, size_t vn);
int fni_st_del(struct st *s, MDB_txn *t, int db, const void *k, size_t kn);
int fni_st_get_u64(struct st *s, MDB_txn *t, const char *name, uint64_t *out); /* absent: 0 */
int fni_st_put_u64(struct st *s, MDB_txn *t, const char *name, uint64_t v);

/* Sealed values: out gets the plaintext appended. FN_WRONG_KEY when a
 * value does not open. */
int fni_st_get_sealed(struct st *s, MDB_txn *t, int db, const void *k, size_t kn, struct sc_buf *out);
int fni_st_put_sealed(struct st *s, MDB_txn *t, int db, const void *k, size_t kn, const void *v, size_t vn);
int fni_st_open_value(struct st *s, int db, const MDB_val *k, const MDB_val *v, struct sc_buf *out);

/* Big-endian 8-byte integers, for keys that sort numerically. */
void fni_st_be64(uint64_t v, unsigned char out[8]);
uint64_t fni_st_from_be64(const void *p);

#endif
