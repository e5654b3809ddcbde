/* attach_read.c - reading a note's attachments, its view's attachment
 * states, and the hooks retention and export call. */
#include "attach_internal.h"

#include <string.h>

#include "attach_format.h"
#include "status.h"

int attach_read(struct attach *a, struct store_txn *t, struct sc_str note_id, struct sc_str att_id,
                struct sc_arena *ar, struct sc_attachment_ref *ref, struct sc_str *bytes)
{
	unsigned char key[ATTACH_KEY_MAX], h[32];
	if (note_id.n == 0 || note_id.n > 64 || att_id.n == 0 || att_id.n > 64)
		return FN_NOT_FOUND;
	size_t kn = attach_ref_key(note_id, att_id, key);
	int rc = attach_get_record(t, a->refs, key, kn, &sc_rec_attachment_ref, ar, ref);
	if (rc != FN_OK)
		return rc;
	if (attach_hex_decode(ref->stored_sha256.p, ref->stored_sha256.n, h) != 0)
		return FN_IO_ERROR;
	rc = store_get(t, a->blobs, h, 32, bytes);
	return rc == FN_NOT_FOUND ? FN_IO_ERROR : rc; /* a reference without its blob is damage */
}

struct list_job {
	struct sc_str note;
	struct sc_arena *ar;
	struct sc_list_attachment_ref *out;
	size_t cap;
	int rc;
};

static int list_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct list_job *j = arg;
	if (!attach_key_of_note(key, j->note))
		return STORE_SCAN_STOP;
	struct sc_attachment_ref *v = sc_arena_grow(j->ar, j->out->v, j->out->n, &j->cap, sizeof *v, 4);
	if (!v)
		return j->rc = FN_NO_MEMORY;
	j->out->v = v;
	if (sc_decode(&sc_rec_attachment_ref, SC_MSGPACK, val->p, val->n, NULL, j->ar, &v[j->out->n], NULL) != FN_OK)
		return j->rc = FN_IO_ERROR;
	j->out->n++;
	return STORE_SCAN_CONTINUE;
}

int attach_list(struct attach *a, struct store_txn *t, struct sc_str note_id, struct sc_arena *ar,
                struct sc_list_attachment_ref *out)
{
	unsigned char key[ATTACH_KEY_MAX];
	struct list_job j = {note_id, ar, out, 0, FN_OK};
	memset(out, 0, sizeof *out);
	if (note_id.n == 0 || note_id.n > 64)
		return FN_OK;
	size_t kn = attach_ref_key(note_id, (struct sc_str){"", 0}, key);
	int rc = store_scan(t, a->refs, key, kn, 0, list_one, &j);
	return rc != FN_OK ? rc : j.rc;
}

static const struct sc_attachment_ref *find_ref(const struct sc_list_attachment_ref *l, struct sc_str id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].att_id.n == id.n && memcmp(l->v[i].att_id.p, id.p, id.n) == 0)
			return &l->v[i];
	return NULL;
}

/* Only references the note's author uploaded count: another user's upload
 * under this note's id is never shown with it. */
int attach_view_fill(struct attach *a, struct store_txn *t, struct sc_arena *ar, struct sc_note_view *view)
{
	struct sc_list_attachment_ref refs;
	if (view->revisions.n == 0)
		return FN_OK;
	const struct sc_note *latest = view->revisions.v[view->revisions.n - 1].note;
	for (size_t i = 0; i < view->revisions.n; i++)
		if (view->revisions.v[i].note && view->revisions.v[i].note->revision == view->latest)
			latest = view->revisions.v[i].note;
	if (!latest || !SC_HAS(note, latest, attachments) || latest->attachments.n == 0)
		return FN_OK;
	int rc = attach_list(a, t, view->id, ar, &refs);
	if (rc != FN_OK)
		return rc;
	size_t n = latest->attachments.n;
	struct sc_attachment_state *s = sc_arena_alloc(ar, n * sizeof *s);
	if (!s)
		return FN_NO_MEMORY;
	int pending = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sc_attachment *at = &latest->attachments.v[i];
		const struct sc_attachment_ref *r = find_ref(&refs, at->id);
		memset(&s[i], 0, sizeof s[i]);
		s[i].id = at->id, s[i].media_type = at->media_type, s[i].caption = at->caption;
		SC_SET_ALL(attachment_state, &s[i]);
		if (!SC_HAS(attachment, at, caption))
			SC_CLEAR(attachment_state, &s[i], caption);
		if (r && r->owner.n == view->author.n && !memcmp(r->owner.p, view->author.p, r->owner.n) &&
		    r->sha256.n == at->sha256.n && !memcmp(r->sha256.p, at->sha256.p, at->sha256.n)) {
			s[i].stored_sha256 = r->stored_sha256;
			s[i].stored_size = r->stored_size;
		} else {
			s[i].pending = 1;
			pending = 1;
			SC_CLEAR(attachment_state, &s[i], stored_sha256);
			SC_CLEAR(attachment_state, &s[i], stored_size);
		}
	}
	view->attachments = (struct sc_list_attachment_state){s, n};
	view->attachment_pending = pending;
	SC_SET(note_view, view, attachments);
	SC_SET(note_view, view, attachment_pending);
	return FN_OK;
}

/* One reference fewer to a blob; the blob goes with its last reference. */
static int blob_release(struct attach *a, struct store_txn *t, struct sc_str stored)
{
	unsigned char h[32], cnt[8];
	struct sc_str val;
	if (attach_hex_decode(stored.p, stored.n, h) != 0)
		return FN_IO_ERROR;
	int rc = store_get(t, a->blobrc, h, 32, &val);
	if (rc != FN_OK)
		return rc == FN_NOT_FOUND ? FN_OK : rc;
	uint64_t refs = val.n == 8 ? store_key_u64(val.p) : 0;
	if (refs > 1) {
		store_u64_key(refs - 1, cnt);
		return store_put(t, a->blobrc, h, 32, cnt, 8, 0, NULL);
	}
	if ((rc = store_del(t, a->blobrc, h, 32)) != FN_OK)
		return rc;
	rc = store_del(t, a->blobs, h, 32);
	return rc == FN_NOT_FOUND ? FN_OK : rc;
}

struct pend_job {
	struct sc_str note;
	struct sc_arena *ar;
	struct sc_strs ids;
	size_t cap;
};

static int pend_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct pend_job *j = arg;
	if (!attach_key_of_note(key, j->note))
		return STORE_SCAN_STOP;
	struct sc_str *v = sc_arena_grow(j->ar, j->ids.v, j->ids.n, &j->cap, sizeof *v, 4);
	char *p = sc_arena_strndup(j->ar, val->p, val->n);
	if (!v || !p)
		return FN_NO_MEMORY;
	j->ids.v = v;
	v[j->ids.n++] = (struct sc_str){p, val->n};
	return STORE_SCAN_CONTINUE;
}

/* The note's unfinished uploads, listed first and then dropped. */
static int drop_pending(struct attach *a, struct store_txn *t, struct sc_str note, struct sc_arena *ar)
{
	unsigned char key[ATTACH_KEY_MAX];
	struct pend_job j = {note, ar, {0}, 0};
	size_t kn = attach_ref_key(note, (struct sc_str){"", 0}, key);
	int rc = store_scan(t, a->pending, key, kn, 0, pend_one, &j);
	for (size_t i = 0; rc == FN_OK && i < j.ids.n; i++) {
		struct sc_upload_record u;
		if (j.ids.v[i].n != 32)
			continue;
		rc = attach_get_record(t, a->uploads, j.ids.v[i].p, 32, &sc_rec_upload_record, ar, &u);
		if (rc == FN_OK)
			rc = attach_upload_drop(a, t, j.ids.v[i], &u);
		else if (rc == FN_NOT_FOUND)
			rc = FN_OK;
	}
	return rc;
}

int attach_delete_note(struct attach *a, struct store_txn *t, struct sc_str note_id, size_t *removed)
{
	struct sc_list_attachment_ref refs;
	unsigned char key[ATTACH_KEY_MAX];
	struct sc_arena *ar = sc_arena_new(0);
	*removed = 0;
	if (!ar)
		return FN_NO_MEMORY;
	int rc = attach_list(a, t, note_id, ar, &refs);
	for (size_t i = 0; rc == FN_OK && i < refs.n; i++) {
		const struct sc_attachment_ref *r = &refs.v[i];
		size_t kn = attach_ref_key(r->note_id, r->att_id, key);
		if ((rc = blob_release(a, t, r->stored_sha256)) == FN_OK &&
		    (rc = attach_usage_add(a, t, r->owner, -(int64_t)r->stored_size, 0)) == FN_OK &&
		    (rc = store_del(t, a->refs, key, kn)) == FN_OK)
			(*removed)++;
	}
	if (rc == FN_OK && note_id.n && note_id.n <= 64)
		rc = drop_pending(a, t, note_id, ar);
	sc_arena_free(ar);
	return rc;
}

struct sweep_job {
	struct store_txn *t;
	struct attach *a;
	struct sc_arena *ar;
	struct sc_strs keys;
	size_t cap;
};

static int sweep_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct sweep_job *j = arg;
	struct sc_str rc;
	(void)val;
	if (key->n != 32 || store_get(j->t, j->a->blobrc, key->p, 32, &rc) == FN_OK)
		return STORE_SCAN_CONTINUE;
	struct sc_str *v = sc_arena_grow(j->ar, j->keys.v, j->keys.n, &j->cap, sizeof *v, 8);
	char *p = sc_arena_strndup(j->ar, key->p, 32);
	if (!v || !p)
		return FN_NO_MEMORY;
	j->keys.v = v;
	v[j->keys.n++] = (struct sc_str){p, 32};
	return STORE_SCAN_CONTINUE;
}

int attach_sweep_blobs(struct attach *a, struct store_txn *t, size_t *deleted)
{
	struct sweep_job j = {t, a, sc_arena_new(0), {0}, 0};
	*deleted = 0;
	if (!j.ar)
		return FN_NO_MEMORY;
	int rc = store_scan(t, a->blobs, NULL, 0, 0, sweep_one, &j);
	for (size_t i = 0; rc == FN_OK && i < j.keys.n; i++)
		if ((rc = store_del(t, a->blobs, j.keys.v[i].p, 32)) == FN_OK)
			(*deleted)++;
	sc_arena_free(j.ar);
	return rc;
}
