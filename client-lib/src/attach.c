/* attach.c - attachments on the device: stored sealed in 64 KiB chunks,
 * read back, bound to the note that lists them, listed, counted and
 * deleted by state. (Upload: sync_attach.c.) */
#include "attach.h"

#include <errno.h>
#include <jansson.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "crypto.h"
#include "records.h"
#include "store.h"

#define ATT_CHUNK 65536u

static const char *const types[] = {"image/jpeg", "image/png", "application/pdf"};

static int type_ok(const char *t)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (t && strcmp(t, types[i]) == 0)
			return 1;
	return 0;
}

static size_t data_key(const char *id, uint32_t idx, unsigned char k[40])
{
	size_t n = strlen(id);
	memcpy(k, id, n);
	k[n] = (unsigned char)(idx >> 24), k[n + 1] = (unsigned char)(idx >> 16);
	k[n + 2] = (unsigned char)(idx >> 8), k[n + 3] = (unsigned char)idx;
	return n + 4;
}

/* The whole file from path into a malloc'ed buffer, at most the cap. */
static int read_file(fn_client *c, const char *path, unsigned char **out, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return fni_fail(c, FN_IO_ERROR, "cannot open %s: %s", path, strerror(errno));
	unsigned char *b = malloc(FN_ATTACHMENT_MAX + 1);
	size_t got = b ? fread(b, 1, FN_ATTACHMENT_MAX + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (!b)
		return fni_fail(c, FN_NO_MEMORY, "out of memory");
	if (bad || got > FN_ATTACHMENT_MAX) {
		free(b);
		return bad ? fni_fail(c, FN_IO_ERROR, "cannot read %s", path)
		           : fni_fail(c, FN_PAYLOAD_TOO_LARGE, "%s is larger than %zu bytes", path, FN_ATTACHMENT_MAX);
	}
	*out = b;
	*n = got;
	return FN_OK;
}

struct add_job {
	fn_client *c;
	const unsigned char *p;
	size_t n;
	struct sc_upload_record *rec;
	const char *id;
};

static int add_txn(MDB_txn *t, void *arg)
{
	struct add_job *j = arg;
	struct sc_buf b = {0};
	unsigned char k[40];
	int rc = FN_OK;
	for (uint32_t i = 0; rc == FN_OK && (size_t)i * ATT_CHUNK < j->n; i++) {
		size_t off = (size_t)i * ATT_CHUNK, len = j->n - off < ATT_CHUNK ? j->n - off : ATT_CHUNK;
		rc = fni_st_put_sealed(&j->c->st, t, DB_ATTDATA, k, data_key(j->id, i, k), j->p + off, len);
	}
	if (rc == FN_OK && (rc = sc_encode(&sc_rec_upload_record, SC_MSGPACK, j->rec, &b)) == FN_OK)
		rc = fni_st_put_sealed(&j->c->st, t, DB_ATT, j->id, strlen(j->id), b.p, b.n);
	sc_buf_free(&b);
	return rc;
}

/* pending (waiting to upload, or to be bound to a saved note), refused
 * (the server will not take it: kept here, not sent again) or sent (the
 * server stored it; its bytes left the device). */
static const char *state_of(const struct sc_upload_record *r)
{
	return r->done ? "sent" : SC_HAS(upload_record, r, refused) ? "refused" : "pending";
}

static char *entry_json(const struct sc_upload_record *r, int full)
{
	json_t *o = json_pack("{s:s%, s:s%, s:I, s:s%}", "id", r->att_id.p, r->att_id.n, "sha256", r->sha256.p,
	                      r->sha256.n, "size", (json_int_t)r->length, "media_type", r->media_type.p,
	                      r->media_type.n);
	if (o && r->caption.n)
		json_object_set_new(o, "caption", json_stringn(r->caption.p, r->caption.n));
	if (o && full) {
		json_object_set_new(o, "note_id", json_stringn(r->note_id.p, r->note_id.n));
		json_object_set_new(o, "uploaded", json_boolean(r->done));
		json_object_set_new(o, "state", json_string(state_of(r)));
		if (SC_HAS(upload_record, r, refused))
			json_object_set_new(o, "reason", json_stringn(r->refused.p, r->refused.n));
	}
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

static void hex(const unsigned char h[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

FN_API int fn_attachment_add(fn_client *c, const char *path, const void *buf, size_t n, const char *media_type,
                             const char *caption, char *id_out, char **json_out)
{
	unsigned char *file = NULL, h[32];
	char id[27], sha[65];
	if (json_out)
		*json_out = NULL;
	if (!c)
		return FN_BAD_ARGUMENT;
	pthread_mutex_lock(&c->mu);
	int rc = FN_OK;
	if (!type_ok(media_type))
		rc = fni_fail(c, FN_BAD_ARGUMENT, "media_type must be image/jpeg, image/png or application/pdf");
	else if (caption && strlen(caption) > 500)
		rc = fni_fail(c, FN_BAD_ARGUMENT, "a caption is at most 500 bytes");
	else if (path)
		rc = read_file(c, path, &file, &n), buf = file;
	else if (!buf || n > FN_ATTACHMENT_MAX)
		rc = fni_fail(c, buf ? FN_PAYLOAD_TOO_LARGE : FN_BAD_ARGUMENT, "no bytes, or more than %zu",
		             FN_ATTACHMENT_MAX);
	if (rc == FN_OK && n == 0)
		rc = fni_fail(c, FN_BAD_ARGUMENT, "the attachment is empty");
	if (rc == FN_OK && fni_cr_ulid(&c->cr, fni_now(c) * 1000, id) != FN_OK)
		rc = fni_fail(c, FN_INTERNAL, "no randomness");
	if (rc == FN_OK) {
		mbedtls_sha256(buf, n, h, 0);
		hex(h, sha);
		struct sc_upload_record r = {0};
		r.owner = SC_STR_LIT(""), r.note_id = SC_STR_LIT(""), r.att_id = (struct sc_str){id, 26};
		r.sha256 = (struct sc_str){sha, 64}, r.media_type = (struct sc_str){media_type, strlen(media_type)};
		r.caption = (struct sc_str){caption ? caption : "", caption ? strlen(caption) : 0};
		r.length = (int64_t)n, r.created = fni_now(c);
		SC_SET_ALL(upload_record, &r);
		SC_CLEAR(upload_record, &r, device_id);
		SC_CLEAR(upload_record, &r, refused);
		if (!caption)
			SC_CLEAR(upload_record, &r, caption);
		struct add_job j = {c, buf, n, &r, id};
		if ((rc = fni_st_write(&c->st, add_txn, &j)) != FN_OK)
			fni_fail_store(c, rc);
		else if (json_out && !(*json_out = entry_json(&r, 0)))
			rc = fni_fail(c, FN_NO_MEMORY, "out of memory");
		if (rc == FN_OK && id_out)
			memcpy(id_out, id, 27);
	}
	if (file) {
		fni_cr_wipe(file, n);
		free(file);
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* The record of attachment id (in t), decoded into a. */
static int load(fn_client *c, MDB_txn *t, const char *id, size_t idn, struct sc_arena *a,
                struct sc_upload_record *r)
{
	struct sc_buf b = {0};
	int rc = fni_st_get_sealed(&c->st, t, DB_ATT, id, idn, &b);
	if (rc == FN_OK && sc_decode(&sc_rec_upload_record, SC_MSGPACK, b.p, b.n, NULL, a, r, NULL) != FN_OK)
		rc = FN_WRONG_KEY;
	sc_buf_free(&b);
	return rc;
}

int fni_attach_read_range(fn_client *c, MDB_txn *t, const char *id, uint32_t from, uint32_t to, struct sc_buf *out)
{
	unsigned char k[40];
	int rc = FN_OK;
	for (uint32_t i = from; rc == FN_OK && i < to; i++)
		rc = fni_st_get_sealed(&c->st, t, DB_ATTDATA, k, data_key(id, i, k), out);
	return rc;
}

FN_API int fn_attachment_get(fn_client *c, const char *id, void **bytes, size_t *n, char **json)
{
	struct sc_arena *a = NULL;
	struct sc_upload_record r;
	struct sc_buf b = {0};
	MDB_txn *t = NULL;
	if (bytes)
		*bytes = NULL;
	if (json)
		*json = NULL;
	if (!c || !id || strlen(id) > 64)
		return FN_BAD_ARGUMENT;
	pthread_mutex_lock(&c->mu);
	int rc = fni_read_start(c, &a, &t);
	if (rc == FN_OK && (rc = load(c, t, id, strlen(id), a, &r)) != FN_OK)
		fni_fail(c, rc, rc == FN_NOT_FOUND ? "no attachment %s on this device" : "attachment %s does not open", id);
	if (rc == FN_OK && !r.done && bytes &&
	    (rc = fni_attach_read_range(c, t, id, 0, (uint32_t)((r.length + ATT_CHUNK - 1) / ATT_CHUNK), &b)) != FN_OK)
		fni_fail_store(c, rc);
	if (rc == FN_OK && json && !(*json = entry_json(&r, 1)))
		rc = fni_fail(c, FN_NO_MEMORY, "out of memory");
	fni_st_read_end(t);
	if (rc == FN_OK && bytes && b.n) {
		*bytes = b.p;
		if (n)
			*n = b.n;
		b = (struct sc_buf){0};
	} else if (n) {
		*n = 0;
	}
	sc_buf_free(&b);
	sc_arena_free(a);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* Calls fn for each attachment record on the device, in id order. */
static int each(fn_client *c, MDB_txn *t, struct sc_arena *a, int (*fn)(const struct sc_upload_record *, void *),
                void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = FN_OK, mrc;
	if ((mrc = mdb_cursor_open(t, c->st.db[DB_ATT], &cur)) != 0)
		return fni_st_status(&c->st, mrc, "listing attachments");
	for (int op = MDB_FIRST; rc == FN_OK && mdb_cursor_get(cur, &k, &v, op) == 0; op = MDB_NEXT) {
		struct sc_buf b = {0};
		struct sc_upload_record r;
		rc = fni_st_open_value(&c->st, DB_ATT, &k, &v, &b);
		if (rc == FN_OK && sc_decode(&sc_rec_upload_record, SC_MSGPACK, b.p, b.n, NULL, a, &r, NULL) != FN_OK)
			rc = FN_WRONG_KEY;
		if (rc == FN_OK)
			rc = fn(&r, arg);
		sc_buf_free(&b);
	}
	mdb_cursor_close(cur);
	return rc;
}

static int list_one(const struct sc_upload_record *r, void *arg)
{
	char *s = entry_json(r, 1);
	json_t *e = s ? json_loads(s, 0, NULL) : NULL;
	free(s);
	return e && json_array_append_new(arg, e) == 0 ? FN_OK : FN_NO_MEMORY;
}

FN_API int fn_attachment_list(fn_client *c, char **out)
{
	struct sc_arena *a = NULL;
	MDB_txn *t = NULL;
	json_t *items = json_array();
	if (out)
		*out = NULL;
	if (!c || !out) {
		json_decref(items);
		return FN_BAD_ARGUMENT;
	}
	pthread_mutex_lock(&c->mu);
	int rc = items ? fni_read_start(c, &a, &t) : FN_NO_MEMORY;
	if (rc == FN_OK)
		rc = each(c, t, a, list_one, items);
	fni_st_read_end(t);
	json_t *o = rc == FN_OK ? json_pack("{s:O}", "items", items) : NULL;
	if (rc == FN_OK && !(o && (*out = json_dumps(o, JSON_COMPACT))))
		rc = FN_NO_MEMORY;
	if (rc != FN_OK)
		fni_fail(c, rc, "cannot list the attachments on this device");
	json_decref(o);
	json_decref(items);
	sc_arena_free(a);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static int count_one(const struct sc_upload_record *r, void *arg)
{
	uint64_t *n = arg;
	if (SC_HAS(upload_record, r, refused) && !r->done)
		n[1]++;
	else if (!r->done && r->note_id.n) /* bound to a saved note: it goes at the next sync */
		n[0]++;
	return FN_OK;
}

FN_API int fn_outbox_count_attachments(fn_client *c, uint64_t *queued, uint64_t *refused)
{
	struct sc_arena *a = NULL;
	MDB_txn *t = NULL;
	uint64_t n[2] = {0, 0};
	if (!c)
		return FN_BAD_ARGUMENT;
	pthread_mutex_lock(&c->mu);
	int rc = fni_read_start(c, &a, &t);
	if (rc == FN_OK && (rc = each(c, t, a, count_one, n)) != FN_OK)
		fni_fail(c, rc, "cannot count the attachments on this device");
	fni_st_read_end(t);
	sc_arena_free(a);
	pthread_mutex_unlock(&c->mu);
	if (queued)
		*queued = rc == FN_OK ? n[0] : 0;
	if (refused)
		*refused = rc == FN_OK ? n[1] : 0;
	return rc;
}

struct del_job {
	fn_client *c;
	const char *id;
};

/* A pending attachment of a saved note is refused: the note lists it and
 * the server would wait for it for ever. */
static int del_txn(MDB_txn *t, void *arg)
{
	struct del_job *j = arg;
	fn_client *c = j->c;
	struct sc_arena *a = sc_arena_new(0);
	struct sc_upload_record r;
	unsigned char k[80];
	size_t n = strlen(j->id);
	int rc = a ? load(c, t, j->id, n, a, &r) : FN_NO_MEMORY;
	if (rc == FN_OK && !r.done && !SC_HAS(upload_record, &r, refused) && r.note_id.n)
		rc = FN_CONFLICT;
	for (uint32_t i = 0; rc == FN_OK && !r.done && (uint64_t)i * ATT_CHUNK < (uint64_t)r.length; i++) {
		int drc = fni_st_del(&c->st, t, DB_ATTDATA, k, data_key(j->id, i, k));
		rc = drc == FN_NOT_FOUND ? FN_OK : drc;
	}
	if (rc == FN_OK)
		rc = fni_st_del(&c->st, t, DB_ATT, j->id, n);
	sc_arena_free(a);
	return rc;
}

FN_API int fn_attachment_delete(fn_client *c, const char *id)
{
	if (!c || !id || !*id || strlen(id) > 64)
		return FN_BAD_ARGUMENT;
	struct del_job j = {c, id};
	pthread_mutex_lock(&c->mu);
	int rc = fni_st_write(&c->st, del_txn, &j);
	if (rc == FN_NOT_FOUND)
		fni_fail(c, rc, "no attachment %s on this device", id);
	else if (rc == FN_CONFLICT)
		fni_fail(c, rc, "attachment %s waits to be uploaded for a saved note", id);
	else if (rc != FN_OK)
		fni_fail_store(c, rc);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int fni_attach_bind(fn_client *c, MDB_txn *t, const void *note_mp, size_t n)
{
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note note;
	int rc = FN_OK;
	if (!a)
		return fni_fail(c, FN_NO_MEMORY, "out of memory");
	if (sc_decode(&sc_rec_note, SC_MSGPACK, note_mp, n, NULL, a, &note, NULL) != FN_OK)
		rc = fni_fail(c, FN_INTERNAL, "the composed note does not decode");
	for (size_t i = 0; rc == FN_OK && SC_HAS(note, &note, attachments) && i < note.attachments.n; i++) {
		const struct sc_attachment *at = &note.attachments.v[i];
		struct sc_upload_record r;
		struct sc_buf b = {0};
		rc = load(c, t, at->id.p, at->id.n, a, &r);
		if (rc == FN_NOT_FOUND)
			rc = fni_fail(c, FN_VALIDATION_FAILED, "attachments: no attachment %.*s on this device (fn_attachment_add)",
			             (int)at->id.n, at->id.p);
		else if (rc == FN_OK && (r.sha256.n != at->sha256.n || memcmp(r.sha256.p, at->sha256.p, at->sha256.n)))
			rc = fni_fail(c, FN_VALIDATION_FAILED, "attachments: %.*s has another sha256 here", (int)at->id.n,
			             at->id.p);
		else if (rc == FN_OK && r.note_id.n && (r.note_id.n != note.id.n || memcmp(r.note_id.p, note.id.p, note.id.n)))
			rc = fni_fail(c, FN_VALIDATION_FAILED, "attachments: %.*s belongs to another note", (int)at->id.n,
			             at->id.p);
		else if (rc == FN_OK) {
			r.note_id = note.id;
			if ((rc = sc_encode(&sc_rec_upload_record, SC_MSGPACK, &r, &b)) == FN_OK)
				rc = fni_st_put_sealed(&c->st, t, DB_ATT, at->id.p, at->id.n, b.p, b.n);
			if (rc != FN_OK)
				fni_fail_store(c, rc);
		} else {
			fni_fail_store(c, rc);
		}
		sc_buf_free(&b);
	}
	sc_arena_free(a);
	return rc;
}
