/* attach_internal.h - what attach.c and attach_read.c share: the module's
 * databases and record helpers. Not for other modules. */
#ifndef FN_ATTACH_INTERNAL_H
#define FN_ATTACH_INTERNAL_H

#include "attach.h"
#include "buf.h"

struct attach {
	struct store *store;
	struct audit *audit;
	struct attach_limits lim;
	store_db uploads; /* upload id (32 hex) -> upload_record */
	store_db chunks;  /* upload id (32 hex), offset (8, big-endian) -> bytes */
	store_db pending; /* note id, 0, attachment id -> upload id of an unfinished upload */
	store_db refs;    /* note id, 0, attachment id -> attachment_ref */
	store_db blobs;   /* sha256 of the stored bytes (32) -> the bytes */
	store_db blobrc;  /* sha256 (32) -> references (8, big-endian) */
	store_db usage;   /* username -> bytes stored and reserved (8, big-endian) */
};

#define ATTACH_KEY_MAX 130 /* note id (64), 0, attachment id (64) */

/* note id, 0, attachment id into key; its length. */
size_t attach_ref_key(struct sc_str note, struct sc_str att, unsigned char key[ATTACH_KEY_MAX]);
/* 1 when key is one of note's (note id, 0, ...): a scan from the note id
 * stops at the first key for which this is 0. */
int attach_key_of_note(const struct sc_str *key, struct sc_str note);

/* Adds delta (may be negative) to a user's usage; with quota non-zero,
 * FN_PAYLOAD_TOO_LARGE when the result would pass it. */
int attach_usage_add(struct attach *a, struct store_txn *t, struct sc_str user, int64_t delta,
                     uint64_t quota);

/* Chunk keys of one upload: its id (32 hex) then the offset, so they sort
 * in order. */
void attach_chunk_key(struct sc_str id, uint64_t off, unsigned char key[40]);

/* Deletes an upload's chunks, record and pending index, and gives back its
 * reservation (unless done). */
int attach_upload_drop(struct attach *a, struct store_txn *t, struct sc_str id,
                       const struct sc_upload_record *u);

/* Expiry (attach_expire.c): whether u is unfinished and past its time at
 * now; when it will be (0: never, or finished). */
int attach_expired(const struct attach *a, const struct sc_upload_record *u, int64_t now);
int64_t attach_expires_at(const struct attach *a, const struct sc_upload_record *u);

/* Inside the caller's write transaction: drops every unfinished upload
 * expired at now; *dropped: how many. */
int attach_sweep_expired(struct attach *a, struct store_txn *t, int64_t now, size_t *dropped);

/* The last chunk (attach_complete.c): assembles the file, checks its
 * sha256 and type, strips metadata and stores blob and reference; on a
 * refusal deletes the upload. u: the upload as loaded before. */
int attach_complete(struct attach *a, struct sc_str id, const struct sc_upload_record *u,
                    const void *chunk, size_t n, int64_t now, struct sc_arena *ar, struct sc_error *err);

/* A stored record decoded into ar. */
int attach_get_record(struct store_txn *t, store_db db, const void *key, size_t klen,
                      const struct sc_record *rec, struct sc_arena *ar, void *out);
int attach_put_record(struct store_txn *t, store_db db, const void *key, size_t klen,
                      const struct sc_record *rec, const void *obj);

#endif
