/* attach_complete.c - the end of an upload: the whole file checked against
 * its sha256 and its type by content, metadata removed, and blob,
 * reference, quota and clean-up committed in one transaction. */
#include "attach_internal.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach_format.h"
#include "audit.h"
#include "mbedtls/sha256.h"
#include "status.h"

struct assemble {
	struct sc_str id;
	unsigned char *buf;
	uint64_t len, got;
	int rc;
};

static int chunk_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct assemble *c = arg;
	if (key->n != 40 || memcmp(key->p, c->id.p, 32) != 0)
		return STORE_SCAN_STOP;
	if (store_key_u64(key->p + 32) != c->got || val->n > c->len - c->got) {
		c->rc = FN_IO_ERROR;
		return STORE_SCAN_STOP;
	}
	memcpy(c->buf + c->got, val->p, val->n);
	c->got += val->n;
	return STORE_SCAN_CONTINUE;
}

/* The stored chunks, then this last one, into buf (u->length bytes). */
static int assemble(struct attach *a, struct sc_str id, const struct sc_upload_record *u, const void *chunk,
                    size_t n, unsigned char *buf)
{
	struct store_txn *t;
	unsigned char start[40];
	struct assemble c = {id, buf, (uint64_t)u->length, 0, FN_OK};
	attach_chunk_key(id, 0, start);
	int rc = store_read_begin(a->store, &t);
	if (rc != FN_OK)
		return rc;
	rc = store_scan(t, a->chunks, start, 40, 0, chunk_one, &c);
	store_read_end(t);
	if (rc == FN_OK)
		rc = c.rc;
	if (rc == FN_OK && (c.got != (uint64_t)u->offset || n != c.len - c.got))
		rc = FN_CONFLICT; /* another request moved the upload on */
	if (rc == FN_OK)
		memcpy(buf + c.got, chunk, n);
	return rc;
}

struct drop_job {
	struct attach *a;
	struct sc_str id;
	struct sc_arena *ar;
};

static int drop_txn(struct store_txn *t, void *arg)
{
	struct drop_job *j = arg;
	struct sc_upload_record u;
	int rc = attach_get_record(t, j->a->uploads, j->id.p, 32, &sc_rec_upload_record, j->ar, &u);
	if (rc != FN_OK)
		return rc == FN_NOT_FOUND ? FN_OK : rc;
	return attach_upload_drop(j->a, t, j->id, &u);
}

/* A refused file: nothing of it stays. The refusal is what the caller is
 * told, whether or not the clean-up committed (a leftover is swept by the
 * next create of the same attachment). */
static int refuse(struct attach *a, struct sc_str id, struct sc_arena *ar, int status)
{
	struct drop_job j = {a, id, ar};
	if (store_write(a->store, drop_txn, &j) != FN_OK)
		log_event(LOG_ERROR, "attach_drop_failed", "attach: could not delete refused upload %.32s", id.p);
	return status;
}

struct complete_job {
	struct attach *a;
	struct sc_str id;
	const struct sc_upload_record *u;
	const unsigned char *bytes;
	size_t n;
	char stored[65];
	int64_t now;
	struct sc_arena *ar;
};

/* One more reference to a blob, storing the bytes the first time. */
static int blob_hold(struct attach *a, struct store_txn *t, const unsigned char h[32], const void *p, size_t n)
{
	struct sc_str val;
	unsigned char cnt[8];
	uint64_t refs = 0;
	int rc = store_get(t, a->blobrc, h, 32, &val);
	if (rc == FN_OK && val.n == 8)
		refs = store_key_u64(val.p);
	else if (rc != FN_NOT_FOUND && rc != FN_OK)
		return rc;
	if (refs == 0 && (rc = store_put(t, a->blobs, h, 32, p, n, 0, NULL)) != FN_OK)
		return rc;
	store_u64_key(refs + 1, cnt);
	return store_put(t, a->blobrc, h, 32, cnt, 8, 0, NULL);
}

static int complete_txn(struct store_txn *t, void *arg)
{
	struct complete_job *j = arg;
	struct attach *a = j->a;
	const struct sc_upload_record *u0 = j->u;
	struct sc_upload_record u;
	struct sc_attachment_ref r = {0};
	unsigned char key[ATTACH_KEY_MAX], h[32];
	size_t kn = attach_ref_key(u0->note_id, u0->att_id, key);
	int rc = attach_get_record(t, a->uploads, j->id.p, 32, &sc_rec_upload_record, j->ar, &u);
	if (rc != FN_OK)
		return rc;
	if (u.done || u.offset != u0->offset)
		return FN_CONFLICT;
	attach_hex_decode(j->stored, 64, h);
	struct sc_str val;
	if ((rc = store_get(t, a->refs, key, kn, &val)) == FN_NOT_FOUND) {
		r.owner = u.owner, r.note_id = u.note_id, r.att_id = u.att_id, r.sha256 = u.sha256;
		r.media_type = u.media_type, r.caption = u.caption, r.size = u.length;
		r.stored_sha256 = (struct sc_str){j->stored, 64}, r.stored_size = (int64_t)j->n, r.at = j->now;
		SC_SET_ALL(attachment_ref, &r);
		if (!SC_HAS(upload_record, &u, caption))
			SC_CLEAR(attachment_ref, &r, caption);
		if ((rc = blob_hold(a, t, h, j->bytes, j->n)) != FN_OK ||
		    (rc = attach_put_record(t, a->refs, key, kn, &sc_rec_attachment_ref, &r)) != FN_OK ||
		    (rc = attach_usage_add(a, t, u.owner, (int64_t)j->n, 0)) != FN_OK)
			return rc;
	} else if (rc != FN_OK) {
		return rc;
	}
	/* the reservation (its declared length) ends; the stored size counts */
	if ((rc = attach_upload_drop(a, t, j->id, &u)) != FN_OK)
		return rc;
	u.offset = u.length;
	u.done = 1;
	SC_SET(upload_record, &u, done);
	if ((rc = attach_put_record(t, a->uploads, j->id.p, 32, &sc_rec_upload_record, &u)) != FN_OK)
		return rc;
	char rec[140];
	int rn = snprintf(rec, sizeof rec, "%.*s/%.*s", (int)u.note_id.n, u.note_id.p, (int)u.att_id.n, u.att_id.p);
	struct audit_event ev = {"attachment.stored", u.owner, NULL, u.device_id, {rec, (size_t)rn}, "ok", NULL};
	return audit_append(a->audit, t, &ev, j->now);
}

static int check_file(struct attach *a, const struct sc_upload_record *u, const unsigned char *buf,
                      enum attach_type *type, struct sc_error *err)
{
	unsigned char want[32], got[32];
	size_t len = (size_t)u->length;
	if (attach_hex_decode(u->sha256.p, u->sha256.n, want) != 0 || mbedtls_sha256(buf, len, got, 0) != 0 ||
	    memcmp(want, got, 32) != 0)
		return sc_error_set(err, FN_VALIDATION_FAILED, NULL, "the file's sha256 is not the one declared in "
		                    "Upload-Metadata; the upload was deleted");
	*type = attach_sniff(buf, len);
	enum attach_type said = attach_type_of_media(u->media_type.p, u->media_type.n);
	if (*type == ATTACH_UNKNOWN || !(a->lim.types & (1u << *type)))
		return sc_error_set(err, FN_UNSUPPORTED_MEDIA_TYPE, NULL, "the file is not a complete JPEG, PNG or "
		                    "PDF of an allowed type (attachment_types); the upload was deleted");
	if (*type != said)
		return sc_error_set(err, FN_UNSUPPORTED_MEDIA_TYPE, NULL, "the file is %s, not the declared %.*s; "
		                    "the upload was deleted", attach_type_media(*type), (int)u->media_type.n,
		                    u->media_type.p);
	return FN_OK;
}

int attach_complete(struct attach *a, struct sc_str id, const struct sc_upload_record *u, const void *chunk,
                    size_t n, int64_t now, struct sc_arena *ar, struct sc_error *err)
{
	size_t len = (size_t)u->length, out_n = 0;
	unsigned char *buf = malloc(len ? len : 1), *out = malloc(len ? len : 1), h[32];
	enum attach_type type = ATTACH_UNKNOWN;
	int rc = buf && out ? FN_OK : FN_NO_MEMORY;

	if (rc == FN_OK && (rc = assemble(a, id, u, chunk, n, buf)) == FN_CONFLICT)
		sc_error_set(err, rc, NULL, "another request moved the upload on; ask for its offset (HEAD)");
	if (rc == FN_OK && (rc = check_file(a, u, buf, &type, err)) != FN_OK)
		rc = refuse(a, id, ar, rc);
	if (rc == FN_OK && attach_strip(type, buf, len, out, len, &out_n) != 0)
		rc = refuse(a, id, ar, sc_error_set(err, FN_UNSUPPORTED_MEDIA_TYPE, NULL, "the file is not well formed"));
	if (rc == FN_OK) {
		struct complete_job j = {a, id, u, out, out_n, "", now, ar};
		mbedtls_sha256(out, out_n, h, 0);
		attach_hex_encode(h, j.stored);
		rc = store_write_bulk(a->store, complete_txn, &j);
		if (rc == FN_CONFLICT)
			sc_error_set(err, rc, NULL, "another request moved the upload on; ask for its offset (HEAD)");
	}
	free(buf);
	free(out);
	return rc;
}
