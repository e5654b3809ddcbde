/* attach_upload.c - resumable uploads: create, offset, durable chunks, and
 * on the last chunk verify, sniff, strip and store the blob once. */
#include "attach_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "attach_format.h"
#include "audit.h"
#include "mbedtls/sha256.h"
#include "status.h"

/* Reports status with a message through err; evaluates to status. */
#define DETAIL(status, ...) sc_error_set(err, status, NULL, __VA_ARGS__)

static int id_ok(struct sc_str s)
{
	if (s.n == 0 || s.n > 64)
		return 0;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
		      c == '_' || c == '.' || c == ':'))
			return 0;
	}
	return 1;
}

static int validate_new(const struct attach *a, const struct attach_new *n, struct sc_error *err)
{
	unsigned char d[32];
	if (!id_ok(n->note_id))
		return DETAIL(FN_VALIDATION_FAILED, "Upload-Metadata note_id: 1 to 64 letters, digits, - _ . :");
	if (!id_ok(n->att_id))
		return DETAIL(FN_VALIDATION_FAILED, "Upload-Metadata id: 1 to 64 letters, digits, - _ . :");
	if (attach_hex_decode(n->sha256.p, n->sha256.n, d) != 0)
		return DETAIL(FN_VALIDATION_FAILED, "Upload-Metadata sha256: 64 hex digits");
	if (n->caption.n > 500)
		return DETAIL(FN_VALIDATION_FAILED, "Upload-Metadata caption: at most 500 bytes");
	enum attach_type t = attach_type_of_media(n->media_type.p, n->media_type.n);
	if (t == ATTACH_UNKNOWN || !(a->lim.types & (1u << t)))
		return DETAIL(FN_UNSUPPORTED_MEDIA_TYPE, "Upload-Metadata media_type: %.*s is not an allowed type "
		              "(attachment_types)", (int)(n->media_type.n > 64 ? 64 : n->media_type.n), n->media_type.p);
	if (n->length == 0 || n->length > a->lim.max_bytes)
		return DETAIL(FN_PAYLOAD_TOO_LARGE, "Upload-Length: 1 to %zu bytes (attachment_max_bytes)",
		              a->lim.max_bytes);
	return FN_OK;
}

struct note_sum {
	struct sc_str note;
	uint64_t bytes;
};

static int sum_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct note_sum *s = arg;
	if (!attach_key_of_note(key, s->note))
		return STORE_SCAN_STOP;
	struct sc_arena *ar = sc_arena_new(1024);
	struct sc_attachment_ref r;
	if (!ar)
		return FN_NO_MEMORY;
	if (sc_decode(&sc_rec_attachment_ref, SC_MSGPACK, val->p, val->n, NULL, ar, &r, NULL) == FN_OK)
		s->bytes += (uint64_t)r.size;
	sc_arena_free(ar);
	return STORE_SCAN_CONTINUE;
}

/* Bytes (as uploaded) of a note's stored attachments. */
static int note_bytes(struct attach *a, struct store_txn *t, struct sc_str note, uint64_t *out)
{
	unsigned char key[ATTACH_KEY_MAX];
	struct note_sum s = {note, 0};
	size_t kn = attach_ref_key(note, (struct sc_str){"", 0}, key);
	int rc = store_scan(t, a->refs, key, kn, 0, sum_one, &s);
	*out = s.bytes;
	return rc;
}

struct create_job {
	struct attach *a;
	const struct attach_new *n;
	int64_t now;
	char fresh[33]; /* a new upload's id, drawn before the write */
	char id[33];    /* out */
	uint64_t offset;
	int64_t expires;
	struct sc_arena *ar;
	struct sc_error *err;
};

static struct sc_upload_record upload_of(const struct attach_new *n, int64_t now)
{
	struct sc_upload_record u = {0};
	u.owner = n->owner, u.device_id = n->device, u.note_id = n->note_id, u.att_id = n->att_id;
	u.sha256 = n->sha256, u.media_type = n->media_type, u.caption = n->caption;
	u.length = (int64_t)n->length, u.created = now;
	SC_SET_ALL(upload_record, &u);
	SC_CLEAR(upload_record, &u, refused);
	if (!n->caption.n)
		SC_CLEAR(upload_record, &u, caption);
	return u;
}

/* The attachment is stored already: a finished upload says so. */
static int create_done(struct create_job *j, struct store_txn *t, const struct sc_attachment_ref *r)
{
	if (r->sha256.n != j->n->sha256.n || memcmp(r->sha256.p, j->n->sha256.p, r->sha256.n) != 0)
		return sc_error_set(j->err, FN_CONFLICT, NULL, "attachment %.*s of this note is stored with other bytes",
		                    (int)j->n->att_id.n, j->n->att_id.p);
	struct sc_upload_record u = upload_of(j->n, j->now);
	u.offset = u.length;
	u.done = 1;
	memcpy(j->id, j->fresh, 33);
	j->offset = (uint64_t)u.length;
	j->expires = 0;
	return attach_put_record(t, j->a->uploads, j->id, 32, &sc_rec_upload_record, &u);
}

static int create_txn(struct store_txn *t, void *arg)
{
	struct create_job *j = arg;
	struct attach *a = j->a;
	unsigned char key[ATTACH_KEY_MAX];
	size_t kn = attach_ref_key(j->n->note_id, j->n->att_id, key);
	struct sc_attachment_ref r;
	struct sc_upload_record old;
	struct sc_str val;
	uint64_t sum;
	size_t swept;

	int rc = attach_sweep_expired(a, t, j->now, &swept);
	if (rc != FN_OK)
		return rc;
	rc = attach_get_record(t, a->refs, key, kn, &sc_rec_attachment_ref, j->ar, &r);
	if (rc == FN_OK)
		return create_done(j, t, &r);
	if (rc != FN_NOT_FOUND)
		return rc;
	if ((rc = store_get(t, a->pending, key, kn, &val)) == FN_OK && val.n == 32) {
		struct sc_str oid = {sc_arena_strndup(j->ar, val.p, 32), 32};
		if (!oid.p)
			return FN_NO_MEMORY;
		if (attach_get_record(t, a->uploads, oid.p, 32, &sc_rec_upload_record, j->ar, &old) == FN_OK) {
			if (old.owner.n != j->n->owner.n || memcmp(old.owner.p, j->n->owner.p, old.owner.n) != 0)
				return sc_error_set(j->err, FN_CONFLICT, NULL, "another user is uploading this attachment");
			if (old.sha256.n == j->n->sha256.n && !memcmp(old.sha256.p, j->n->sha256.p, old.sha256.n) &&
			    (uint64_t)old.length == j->n->length && !attach_expired(a, &old, j->now)) {
				memcpy(j->id, oid.p, 32);
				j->id[32] = 0;
				j->offset = (uint64_t)old.offset;
				j->expires = attach_expires_at(a, &old);
				return FN_OK; /* the device lost its upload's address: resume it */
			}
			if ((rc = attach_upload_drop(a, t, oid, &old)) != FN_OK)
				return rc;
		}
	}
	if ((rc = note_bytes(a, t, j->n->note_id, &sum)) != FN_OK)
		return rc;
	if (sum + j->n->length > a->lim.note_max_bytes)
		return sc_error_set(j->err, FN_PAYLOAD_TOO_LARGE, NULL, "the note's attachments would pass %zu bytes "
		                    "(attachment_note_max_bytes)", a->lim.note_max_bytes);
	/* the declared length is reserved against the quota until the end */
	if ((rc = attach_usage_add(a, t, j->n->owner, (int64_t)j->n->length, a->lim.user_quota)) != FN_OK)
		return rc == FN_PAYLOAD_TOO_LARGE ? sc_error_set(j->err, rc, NULL, "your attachment quota of %zu "
		                                                 "bytes is used up (attachment_user_quota)",
		                                                 a->lim.user_quota) : rc;
	struct sc_upload_record u = upload_of(j->n, j->now);
	memcpy(j->id, j->fresh, 33);
	j->offset = 0;
	j->expires = attach_expires_at(a, &u);
	if ((rc = attach_put_record(t, a->uploads, j->id, 32, &sc_rec_upload_record, &u)) != FN_OK)
		return rc;
	return store_put(t, a->pending, key, kn, j->id, 32, 0, NULL);
}

int attach_upload_create(struct attach *a, const struct attach_new *n, int64_t now, char id[33],
                         uint64_t *offset, int64_t *expires, struct sc_error *err)
{
	unsigned char rnd[16];
	struct create_job j = {a, n, now, "", "", 0, 0, NULL, err};
	int rc = validate_new(a, n, err);
	if (rc != FN_OK)
		return rc;
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return FN_INTERNAL;
	for (int i = 0; i < 16; i++)
		snprintf(j.fresh + 2 * i, 3, "%02x", rnd[i]);
	if (!(j.ar = sc_arena_new(0)))
		return FN_NO_MEMORY;
	rc = store_write_bulk(a->store, create_txn, &j);
	sc_arena_free(j.ar);
	if (rc == FN_OK) {
		memcpy(id, j.id, 33);
		*offset = j.offset;
		*expires = j.expires;
	}
	return rc;
}

static int owned(const struct sc_upload_record *u, struct sc_str owner)
{
	return u->owner.n == owner.n && memcmp(u->owner.p, owner.p, owner.n) == 0;
}

/* An expired upload is not found even before a sweep removed it. */
static int load_upload(struct attach *a, struct sc_str owner, struct sc_str id, int64_t now, struct sc_arena *ar,
                       struct sc_upload_record *u)
{
	struct store_txn *t;
	if (id.n != 32)
		return FN_NOT_FOUND;
	int rc = store_read_begin(a->store, &t);
	if (rc != FN_OK)
		return rc;
	rc = attach_get_record(t, a->uploads, id.p, id.n, &sc_rec_upload_record, ar, u);
	store_read_end(t);
	if (rc == FN_OK && (!owned(u, owner) || attach_expired(a, u, now)))
		rc = FN_NOT_FOUND;
	return rc;
}

int attach_upload_state(struct attach *a, struct sc_str owner, struct sc_str id, int64_t now,
                        uint64_t *offset, uint64_t *length, int64_t *expires)
{
	struct sc_upload_record u;
	struct sc_arena *ar = sc_arena_new(0);
	if (!ar)
		return FN_NO_MEMORY;
	int rc = load_upload(a, owner, id, now, ar, &u);
	if (rc == FN_OK) {
		*offset = (uint64_t)u.offset;
		*length = (uint64_t)u.length;
		*expires = attach_expires_at(a, &u);
	}
	sc_arena_free(ar);
	return rc;
}

struct append_job {
	struct attach *a;
	struct sc_str id;
	uint64_t offset;
	const void *chunk;
	size_t n;
	struct sc_arena *ar;
};

/* Re-read inside the write: another request may have appended meanwhile. */
static int append_txn(struct store_txn *t, void *arg)
{
	struct append_job *j = arg;
	struct sc_upload_record u;
	unsigned char key[40];
	int rc = attach_get_record(t, j->a->uploads, j->id.p, 32, &sc_rec_upload_record, j->ar, &u);
	if (rc != FN_OK)
		return rc;
	if (u.done || (uint64_t)u.offset != j->offset)
		return FN_CONFLICT;
	attach_chunk_key(j->id, j->offset, key);
	if ((rc = store_put(t, j->a->chunks, key, 40, j->chunk, j->n, STORE_NOOVERWRITE, NULL)) != FN_OK)
		return rc;
	u.offset = (int64_t)(j->offset + j->n);
	return attach_put_record(t, j->a->uploads, j->id.p, 32, &sc_rec_upload_record, &u);
}

int attach_upload_append(struct attach *a, struct sc_str owner, struct sc_str id, uint64_t offset,
                         const void *chunk, size_t n, const unsigned char digest[32], int64_t now,
                         uint64_t *new_offset, int64_t *expires, struct sc_error *err)
{
	struct sc_upload_record u;
	unsigned char h[32];
	struct sc_arena *ar = sc_arena_new(0);
	if (!ar)
		return FN_NO_MEMORY;
	int rc = load_upload(a, owner, id, now, ar, &u);
	*new_offset = rc == FN_OK ? (uint64_t)u.offset : 0;
	*expires = rc == FN_OK ? attach_expires_at(a, &u) : 0;
	if (rc != FN_OK)
		;
	else if (u.done || (uint64_t)u.offset != offset)
		rc = DETAIL(FN_CONFLICT, "Upload-Offset is %llu; the upload is at %llu", (unsigned long long)offset,
		            (unsigned long long)u.offset);
	else if (n > (uint64_t)u.length - offset)
		rc = DETAIL(FN_PAYLOAD_TOO_LARGE, "the chunk goes past Upload-Length %lld", (long long)u.length);
	else if (mbedtls_sha256(chunk, n, h, 0) != 0 || memcmp(h, digest, 32) != 0)
		rc = DETAIL(FN_VALIDATION_FAILED, "Upload-Checksum does not match the chunk; send it again");
	else if (offset + n < (uint64_t)u.length) {
		struct append_job j = {a, id, offset, chunk, n, ar};
		rc = store_write_bulk(a->store, append_txn, &j);
		if (rc == FN_CONFLICT)
			DETAIL(rc, "another request moved the upload on; ask for its offset (HEAD)");
		else if (rc == FN_OK)
			*new_offset = offset + n;
	} else {
		rc = attach_complete(a, id, &u, chunk, n, now, ar, err);
		if (rc == FN_OK)
			*new_offset = (uint64_t)u.length, *expires = 0;
	}
	sc_arena_free(ar);
	return rc;
}
