/* sync_attach.c - the sync's attachment phase: each attachment of a note
 * the server has acknowledged is uploaded with tus 1.0 (create, PATCH
 * chunks with their sha256, resume at the server's offset after a 409 or
 * a cut) and its bytes leave the device once the server has stored it.
 *
 * Why this is resumable: the server keeps every acknowledged chunk
 * durably and finds an unfinished upload again from (note, attachment,
 * sha256), so a new sync's create answers with the offset to go on from;
 * a PATCH resent after a lost reply gets 409 and the offset. The bytes
 * here are deleted only in the transaction after the server's last 204.
 *
 * An upload the server no longer has (it expired, upload_expiry_hours)
 * is created again from 0. A file the server refuses (its type, size or
 * checksum: a 4xx) is marked refused with the server's reason and not sent
 * again: retrying cannot change the answer, and every retry would cost the
 * device its data allowance. Its bytes stay until the app deletes it. */
#include "sync.h"

#include <jansson.h>
#include <mbedtls/base64.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "client.h"
#include "crypto.h"
#include "records.h"
#include "rpc.h"
#include "store.h"

#define ATT_CHUNK 65536u
#define MAX_PENDING 64 /* attachments looked at per sync */


struct pending {
	char id[65], note[65], sha[65], type[65], caption[501];
	uint64_t length;
};

/* Whether the note still has a revision in the outbox (it goes first). */
static int queued(fn_client *c, MDB_txn *t, const char *note)
{
	MDB_cursor *cur;
	unsigned char k[80];
	size_t n = strlen(note);
	memcpy(k, note, n);
	k[n] = 0;
	MDB_val key = {n + 1, k}, val;
	if (mdb_cursor_open(t, c->st.db[DB_OUTBOX], &cur) != 0)
		return 1;
	int found = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE) == 0 && key.mv_size > n &&
	            memcmp(key.mv_data, k, n + 1) == 0;
	mdb_cursor_close(cur);
	return found;
}

static void copy(char *dst, size_t cap, struct sc_str s)
{
	size_t n = s.n < cap - 1 ? s.n : cap - 1;
	memcpy(dst, s.p, n);
	dst[n] = 0;
}

/* The attachments ready to go: bound to a note, not uploaded, not
 * refused, note sent. */
static int collect(fn_client *c, struct pending *out, size_t cap, size_t *count)
{
	struct sc_arena *a = sc_arena_new(0);
	MDB_txn *t = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	*count = 0;
	pthread_mutex_lock(&c->mu);
	int rc = a ? fni_st_read(&c->st, &t) : FN_NO_MEMORY;
	if (rc == FN_OK && mdb_cursor_open(t, c->st.db[DB_ATT], &cur) != 0)
		rc = FN_IO_ERROR;
	for (int op = MDB_FIRST; rc == FN_OK && *count < cap && mdb_cursor_get(cur, &k, &v, op) == 0; op = MDB_NEXT) {
		struct sc_buf b = {0};
		struct sc_upload_record r;
		if (fni_st_open_value(&c->st, DB_ATT, &k, &v, &b) == FN_OK &&
		    sc_decode(&sc_rec_upload_record, SC_MSGPACK, b.p, b.n, NULL, a, &r, NULL) == FN_OK && !r.done &&
		    !SC_HAS(upload_record, &r, refused) && r.note_id.n && r.note_id.n <= 64 && r.att_id.n <= 64) {
			struct pending *p = &out[*count];
			copy(p->note, sizeof p->note, r.note_id);
			copy(p->id, sizeof p->id, r.att_id);
			copy(p->sha, sizeof p->sha, r.sha256);
			copy(p->type, sizeof p->type, r.media_type);
			copy(p->caption, sizeof p->caption, SC_HAS(upload_record, &r, caption) ? r.caption : SC_STR_LIT(""));
			p->length = (uint64_t)r.length;
			if (!queued(c, t, p->note))
				(*count)++;
		}
		sc_buf_free(&b);
	}
	if (cur)
		mdb_cursor_close(cur);
	fni_st_read_end(t);
	pthread_mutex_unlock(&c->mu);
	sc_arena_free(a);
	return rc;
}

static void b64(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	mbedtls_base64_encode((unsigned char *)out, cap, &n, (const unsigned char *)s, strlen(s));
	out[n < cap ? n : cap - 1] = 0;
}

/* An offset from the server's JSON reply ({"offset": N, ...}). */
static int reply_offset(struct sync *s, uint64_t *off, char *id, size_t idcap)
{
	json_t *j = json_loadb(s->x.reply.body.p ? s->x.reply.body.p : "", s->x.reply.body.n, 0, NULL);
	json_t *o = json_object_get(j, "offset"), *i = json_object_get(j, "id");
	int rc = json_is_integer(o) && json_integer_value(o) >= 0 ? FN_OK : FN_MALFORMED_BODY;
	if (rc == FN_OK)
		*off = (uint64_t)json_integer_value(o);
	if (rc == FN_OK && id && (!json_is_string(i) || json_string_length(i) != 32))
		rc = FN_MALFORMED_BODY;
	if (rc == FN_OK && id)
		snprintf(id, idcap, "%s", json_string_value(i));
	json_decref(j);
	if (rc != FN_OK)
		snprintf(s->x.detail, sizeof s->x.detail, "the server's upload reply has no offset");
	return rc;
}

/* One PATCH of the bytes at off (up to the end of their stored chunk). */
static int patch(struct sync *s, const struct pending *p, const char *path, uint64_t off)
{
	fn_client *c = s->c;
	struct sc_buf b = {0};
	MDB_txn *t = NULL;
	unsigned char h[32];
	char sum[64], hdr[400];
	size_t sn = 0;
	uint32_t idx = (uint32_t)(off / ATT_CHUNK);
	pthread_mutex_lock(&c->mu);
	int rc = fni_st_read(&c->st, &t);
	if (rc == FN_OK)
		rc = fni_attach_read_range(c, t, p->id, idx, idx + 1, &b);
	fni_st_read_end(t);
	pthread_mutex_unlock(&c->mu);
	size_t start = (size_t)(off - (uint64_t)idx * ATT_CHUNK);
	if (rc == FN_OK && start >= b.n)
		rc = FN_WRONG_KEY;
	if (rc != FN_OK) {
		snprintf(s->x.detail, sizeof s->x.detail, "attachment %s cannot be read on this device", p->id);
		sc_buf_free(&b);
		return rc;
	}
	mbedtls_sha256((unsigned char *)b.p + start, b.n - start, h, 0);
	mbedtls_base64_encode((unsigned char *)sum, sizeof sum, &sn, h, 32);
	sum[sn] = 0;
	snprintf(hdr, sizeof hdr, "Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
	         "Upload-Offset: %llu\r\nUpload-Checksum: sha256 %s\r\n", (unsigned long long)off, sum);
	rc = fni_rpc_call_ex(&s->x, "PATCH", path, hdr, b.p + start, b.n - start, 1);
	fni_cr_buf_free(&b);
	return rc;
}

struct done_job {
	fn_client *c;
	const struct pending *p;
	const char *refused; /* NULL: stored by the server; else why it refused */
};

/* The server has it: the record says so and the bytes go. Or the server
 * refused it: the record says why and the bytes stay, for the app to show
 * or delete. */
static int done_txn(MDB_txn *t, void *arg)
{
	struct done_job *j = arg;
	fn_client *c = j->c;
	struct sc_arena *a = sc_arena_new(0);
	struct sc_buf b = {0}, e = {0};
	struct sc_upload_record r;
	unsigned char k[80];
	size_t n = strlen(j->p->id);
	int rc = a ? fni_st_get_sealed(&c->st, t, DB_ATT, j->p->id, n, &b) : FN_NO_MEMORY;
	if (rc == FN_OK && sc_decode(&sc_rec_upload_record, SC_MSGPACK, b.p, b.n, NULL, a, &r, NULL) != FN_OK)
		rc = FN_WRONG_KEY;
	for (uint32_t i = 0; rc == FN_OK && !j->refused && (uint64_t)i * ATT_CHUNK < j->p->length; i++) {
		memcpy(k, j->p->id, n);
		k[n] = (unsigned char)(i >> 24), k[n + 1] = (unsigned char)(i >> 16);
		k[n + 2] = (unsigned char)(i >> 8), k[n + 3] = (unsigned char)i;
		rc = fni_st_del(&c->st, t, DB_ATTDATA, k, n + 4);
		if (rc == FN_NOT_FOUND)
			rc = FN_OK;
	}
	if (rc == FN_OK && j->refused) {
		size_t rn = strlen(j->refused);
		if (rn > 300) /* the field's cap, cut on a UTF-8 boundary */
			for (rn = 300; rn && ((unsigned char)j->refused[rn] & 0xC0) == 0x80; rn--)
				;
		r.refused = (struct sc_str){j->refused, rn};
		SC_SET(upload_record, &r, refused);
	} else if (rc == FN_OK) {
		r.done = 1;
		SC_SET(upload_record, &r, done);
	}
	if (rc == FN_OK && (rc = sc_encode(&sc_rec_upload_record, SC_MSGPACK, &r, &e)) == FN_OK)
		rc = fni_st_put_sealed(&c->st, t, DB_ATT, j->p->id, n, e.p, e.n);
	sc_buf_free(&b);
	sc_buf_free(&e);
	sc_arena_free(a);
	return rc;
}

/* POST /v1/uploads: the upload's path and the offset to go on from. */
static int create(struct sync *s, const struct pending *p, char path[64], uint64_t *off)
{
	char hdr[1500], m[4][200], cap[700] = "", id[40];
	b64(p->note, m[0], sizeof m[0]), b64(p->id, m[1], sizeof m[1]), b64(p->sha, m[2], sizeof m[2]);
	b64(p->type, m[3], sizeof m[3]);
	if (p->caption[0]) {
		memcpy(cap, ",caption ", 9);
		b64(p->caption, cap + 9, sizeof cap - 9);
	}
	snprintf(hdr, sizeof hdr, "Tus-Resumable: 1.0.0\r\nUpload-Length: %llu\r\n"
	         "Upload-Metadata: note_id %s,id %s,sha256 %s,media_type %s%s\r\n",
	         (unsigned long long)p->length, m[0], m[1], m[2], m[3], cap);
	int rc = fni_rpc_call_ex(&s->x, "POST", "/v1/uploads", hdr, NULL, 0, 1);
	if (rc == FN_OK)
		rc = reply_offset(s, off, id, sizeof id);
	snprintf(path, 64, "/v1/uploads/%s", rc == FN_OK ? id : "");
	return rc;
}

static int mark(fn_client *c, const struct pending *p, const char *refused)
{
	struct done_job j = {c, p, refused};
	pthread_mutex_lock(&c->mu);
	int rc = fni_st_write(&c->st, done_txn, &j);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static int upload(struct sync *s, const struct pending *p)
{
	char path[64];
	uint64_t off = 0;
	int created = 1, rc = create(s, p, path, &off);
	while (rc == FN_OK && off < p->length) {
		rc = patch(s, p, path, off);
		if (rc == FN_CONFLICT) { /* the server is elsewhere: ask where */
			if ((rc = fni_rpc_call_ex(&s->x, "GET", path, "Tus-Resumable: 1.0.0\r\n", NULL, 0, 1)) == FN_OK) {
				rc = reply_offset(s, &off, NULL, 0);
				continue;
			}
		}
		if (rc == FN_NOT_FOUND && created++ < 2) { /* expired meanwhile: start again */
			rc = create(s, p, path, &off);
			continue;
		}
		if (rc == FN_OK) {
			uint64_t next = (off / ATT_CHUNK + 1) * ATT_CHUNK;
			off = next < p->length ? next : p->length;
			fni_rpc_progress(&s->x, FN_STEP_ATTACH_SENT, off, p->length, FN_OK, 0);
		}
	}
	return rc == FN_OK ? mark(s->c, p, NULL) : rc;
}

/* A refusal of one file (its type, size or checksum) stops neither the
 * others nor the sync: it stays on the device, marked refused (the note
 * shows it as pending to the supervisor). */
static int refused(int rc)
{
	return rc == FN_UNSUPPORTED_MEDIA_TYPE || rc == FN_PAYLOAD_TOO_LARGE || rc == FN_VALIDATION_FAILED ||
	       rc == FN_BAD_REQUEST || rc == FN_NOT_FOUND;
}

int fni_attach_push(struct sync *s)
{
	struct pending *list = malloc(MAX_PENDING * sizeof *list);
	size_t n = 0;
	int rc = list ? collect(s->c, list, MAX_PENDING, &n) : FN_NO_MEMORY;
	for (size_t i = 0; rc == FN_OK && i < n; i++) {
		rc = upload(s, &list[i]);
		if (rc == FN_OK)
			s->attachments++;
		else if (refused(rc)) {
			s->attachments_refused++;
			rc = mark(s->c, &list[i], s->x.detail[0] ? s->x.detail : fn_strerror(rc));
		}
	}
	free(list);
	return rc;
}
