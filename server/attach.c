/* attach.c - the attachment module's databases, record and quota helpers. */
#include "attach_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach_format.h"
#include "status.h"

int attach_types_parse(const char *list, unsigned *mask, struct sc_error *err)
{
	*mask = 0;
	while (list && *list) {
		size_t n = strcspn(list, ", ");
		if (n) {
			enum attach_type t = attach_type_of_media(list, n);
			if (t == ATTACH_UNKNOWN) {
				sc_error_set(err, FN_BAD_ARGUMENT, NULL, "attachment_types: unknown type %.*s (known: "
				             "image/jpeg, image/png, application/pdf)", (int)(n > 64 ? 64 : n), list);
				return -1;
			}
			*mask |= 1u << t;
		}
		list += n;
		list += strspn(list, ", ");
	}
	return 0;
}

int attach_open(struct attach **out, struct store *s, struct audit *audit, const struct attach_limits *lim)
{
	struct attach *a = calloc(1, sizeof *a);
	int rc;
	*out = NULL;
	if (!a)
		return FN_NO_MEMORY;
	a->store = s;
	a->audit = audit;
	a->lim = *lim;
	if ((rc = store_db_open(s, "attach.uploads", &a->uploads)) != FN_OK ||
	    (rc = store_db_open(s, "attach.chunks", &a->chunks)) != FN_OK ||
	    (rc = store_db_open(s, "attach.pending", &a->pending)) != FN_OK ||
	    (rc = store_db_open(s, "attach.refs", &a->refs)) != FN_OK ||
	    (rc = store_db_open(s, "attach.blobs", &a->blobs)) != FN_OK ||
	    (rc = store_db_open(s, "attach.blobrc", &a->blobrc)) != FN_OK ||
	    (rc = store_db_open(s, "attach.usage", &a->usage)) != FN_OK) {
		free(a);
		return rc;
	}
	*out = a;
	return FN_OK;
}

void attach_close(struct attach *a)
{
	free(a);
}

const struct attach_limits *attach_limits_of(const struct attach *a)
{
	return &a->lim;
}

int attach_key_of_note(const struct sc_str *key, struct sc_str note)
{
	return key->n > note.n && memcmp(key->p, note.p, note.n) == 0 && key->p[note.n] == 0;
}

size_t attach_ref_key(struct sc_str note, struct sc_str att, unsigned char key[ATTACH_KEY_MAX])
{
	size_t nn = note.n > 64 ? 64 : note.n, an = att.n > 64 ? 64 : att.n;
	memcpy(key, note.p, nn);
	key[nn] = 0;
	memcpy(key + nn + 1, att.p, an);
	return nn + 1 + an;
}

int attach_get_record(struct store_txn *t, store_db db, const void *key, size_t klen,
                      const struct sc_record *rec, struct sc_arena *ar, void *out)
{
	struct sc_str val;
	int rc = store_get(t, db, key, klen, &val);
	if (rc != FN_OK)
		return rc;
	rc = sc_decode(rec, SC_MSGPACK, val.p, val.n, NULL, ar, out, NULL);
	return rc == FN_OK ? FN_OK : FN_IO_ERROR;
}

int attach_put_record(struct store_txn *t, store_db db, const void *key, size_t klen,
                      const struct sc_record *rec, const void *obj)
{
	struct sc_buf b = {0};
	int rc = sc_encode(rec, SC_MSGPACK, obj, &b);
	if (rc == FN_OK)
		rc = store_put(t, db, key, klen, b.p, b.n, 0, NULL);
	sc_buf_free(&b);
	return rc;
}

int attach_usage_add(struct attach *a, struct store_txn *t, struct sc_str user, int64_t delta, uint64_t quota)
{
	struct sc_str val;
	unsigned char v[8];
	uint64_t used = 0;
	int rc = store_get(t, a->usage, user.p, user.n, &val);
	if (rc == FN_OK && val.n == 8)
		used = store_key_u64(val.p);
	else if (rc != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	if (delta < 0)
		used = (uint64_t)-delta > used ? 0 : used - (uint64_t)-delta;
	else if (quota && used + (uint64_t)delta > quota)
		return FN_PAYLOAD_TOO_LARGE;
	else
		used += (uint64_t)delta;
	store_u64_key(used, v);
	return store_put(t, a->usage, user.p, user.n, v, 8, 0, NULL);
}

void attach_chunk_key(struct sc_str id, uint64_t off, unsigned char key[40])
{
	memcpy(key, id.p, 32);
	store_u64_key(off, key + 32);
}

/* Chunks are contiguous, so each key follows from the one before: no scan
 * (deleting under a scan's cursor is not something store_scan promises). */
static int chunks_delete(struct attach *a, struct store_txn *t, struct sc_str id, uint64_t upto)
{
	for (uint64_t off = 0; off < upto;) {
		unsigned char key[40];
		struct sc_str val;
		attach_chunk_key(id, off, key);
		int rc = store_get(t, a->chunks, key, 40, &val);
		if (rc == FN_NOT_FOUND)
			break;
		if (rc != FN_OK || val.n == 0)
			return rc == FN_OK ? FN_IO_ERROR : rc;
		off += val.n;
		if ((rc = store_del(t, a->chunks, key, 40)) != FN_OK)
			return rc;
	}
	return FN_OK;
}

int attach_upload_drop(struct attach *a, struct store_txn *t, struct sc_str id, const struct sc_upload_record *u)
{
	unsigned char key[ATTACH_KEY_MAX];
	size_t kn = attach_ref_key(u->note_id, u->att_id, key);
	struct sc_str val;
	int rc = chunks_delete(a, t, id, (uint64_t)u->offset);
	if (rc == FN_OK && !u->done)
		rc = attach_usage_add(a, t, u->owner, -(int64_t)u->length, 0);
	if (rc == FN_OK && store_get(t, a->pending, key, kn, &val) == FN_OK && val.n == id.n &&
	    memcmp(val.p, id.p, id.n) == 0)
		rc = store_del(t, a->pending, key, kn);
	if (rc == FN_OK)
		rc = store_del(t, a->uploads, id.p, id.n);
	return rc == FN_NOT_FOUND ? FN_OK : rc;
}
