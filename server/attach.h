/* attach.h - note attachments: resumable uploads (tus 1.0 core), a
 * content-addressed blob store and each note's references to it. Owns the
 * "attach.*" databases.
 *
 * Why in LMDB and not in files: a completed upload becomes a blob, a
 * reference, a quota update and the removal of its chunks in ONE durable
 * transaction, so a crash at any point leaves either the whole attachment
 * or none of it (nothing half-stored, no orphan file to sweep); blobs are
 * in every backup (store_copy_fd) and erased with their note in the
 * retention transaction. The price is map growth, bounded per file by
 * attachment_max_bytes and per user by attachment_user_quota.
 *
 * Threads: every function may be called from any worker thread. Functions
 * taking a store_txn follow store.h's rules; the others write on their own
 * and must not be called while the thread holds a read transaction. */
#ifndef FN_ATTACH_H
#define FN_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "auth.h"
#include "records.h"
#include "stored.h"
#include "store.h"

struct attach;
struct audit;

struct attach_limits {
	size_t max_bytes;      /* one attachment, as uploaded */
	size_t note_max_bytes; /* all of one note's attachments */
	size_t user_quota;     /* one user's stored and in-progress bytes; 0: none */
	size_t chunk_max;      /* one PATCH body */
	unsigned types;        /* allowed: bit 1 << enum attach_type */
	int64_t expiry_secs;   /* an unfinished upload lives this long after its
	                          creation; 0: for ever */
};

/* Parses the attachment_types setting ("image/jpeg,image/png,...") into a
 * mask; 0, or -1 naming an unknown type in *err (FN_BAD_ARGUMENT; err may
 * be NULL). */
int attach_types_parse(const char *list, unsigned *mask, struct sc_error *err);

int attach_open(struct attach **out, struct store *s, struct audit *audit,
                const struct attach_limits *lim);
void attach_close(struct attach *a); /* NULL is a no-op */
const struct attach_limits *attach_limits_of(const struct attach *a);

/* What POST /v1/uploads asks for. Strings are (pointer, length). */
struct attach_new {
	struct sc_str owner, device, note_id, att_id, sha256, media_type, caption;
	uint64_t length;
};

/* Creates an upload (or finds the caller's unfinished one for the same
 * note, attachment and sha256, or a finished one when that attachment is
 * already stored: *offset then equals its length). id: 32 hex digits and a
 * NUL. *expires: when the upload will be deleted unless finished (seconds
 * since the epoch; 0: never, or finished). Every create first sweeps away
 * the expired unfinished uploads of all users (attach_upload_delete's
 * effect). FN_VALIDATION_FAILED (a field), FN_PAYLOAD_TOO_LARGE (a cap or the
 * quota), FN_UNSUPPORTED_MEDIA_TYPE, FN_CONFLICT (the attachment is stored
 * with other bytes), FN_NOT_FOUND (the note is someone else's); *err says
 * why when it can (its message stays "" for a bare status). */
int attach_upload_create(struct attach *a, const struct attach_new *n, int64_t now, char id[33],
                         uint64_t *offset, int64_t *expires, struct sc_error *err);

/* The offset, length and expiry (as above) of the caller's upload `id`
 * (FN_NOT_FOUND when it is unknown, someone else's or expired at now). */
int attach_upload_state(struct attach *a, struct sc_str owner, struct sc_str id, int64_t now,
                        uint64_t *offset, uint64_t *length, int64_t *expires);

/* tus termination: deletes the unfinished upload `id` (chunks, record,
 * pending index) and gives its quota reservation back. Only the device
 * that created it may: FN_NOT_FOUND for an unknown id, another user's or
 * another device's; FN_CONFLICT when it is finished (the attachment is
 * the note's now and goes with the note). */
int attach_upload_delete(struct attach *a, struct sc_str owner, struct sc_str device, struct sc_str id);

/* Appends one chunk, verified against `digest` (sha256 of the chunk), at
 * `offset`, which must be the upload's current offset (FN_CONFLICT
 * otherwise; FN_NOT_FOUND once it expired). The chunk is durable before this returns. The last chunk
 * completes the upload: the file's sha256 must match, its type by content
 * must be allowed and the declared one (FN_VALIDATION_FAILED,
 * FN_UNSUPPORTED_MEDIA_TYPE: the upload is then deleted, nothing kept);
 * metadata is removed and the blob and reference stored. *new_offset: the
 * offset after the chunk. *err as for attach_upload_create. */
int attach_upload_append(struct attach *a, struct sc_str owner, struct sc_str id, uint64_t offset,
                         const void *chunk, size_t n, const unsigned char digest[32], int64_t now,
                         uint64_t *new_offset, int64_t *expires, struct sc_error *err);

/* ---- reading, for the note's readers (access decided by the caller) ---- */

/* The reference and stored bytes of one attachment; both point into `t`
 * (valid until it ends) except the reference's strings (in `ar`). */
int attach_read(struct attach *a, struct store_txn *t, struct sc_str note_id, struct sc_str att_id,
                struct sc_arena *ar, struct sc_attachment_ref *ref, struct sc_str *bytes);

/* Fills view->attachments (the latest revision's list, each pending or
 * stored) and view->attachment_pending. Strings point into `ar`. */
int attach_view_fill(struct attach *a, struct store_txn *t, struct sc_arena *ar,
                     struct sc_note_view *view);

/* ---- for retention, erasure and export (the integrator wires these) ---- */

/* Every stored reference of a note, in attachment id order; in `ar`. */
int attach_list(struct attach *a, struct store_txn *t, struct sc_str note_id, struct sc_arena *ar,
                struct sc_list_attachment_ref *out);

/* Inside the caller's write transaction: removes the note's references
 * (its unfinished uploads too), gives their bytes back to the owners'
 * quota, and deletes each blob no other reference holds. *removed: refs. */
int attach_delete_note(struct attach *a, struct store_txn *t, struct sc_str note_id, size_t *removed);

/* Inside the caller's write transaction: deletes every blob with no
 * reference (left by a crash of an older version, or by a restore of
 * references without blobs); *deleted: blobs. */
int attach_sweep_blobs(struct attach *a, struct store_txn *t, size_t *deleted);

#endif
