/* notes.c - capture: saving and amending notes into the sealed outbox, and reading them back. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attach.h"
#include "client.h"
#include "compose.h"
#include "crypto.h"
#include "outbox.h"
#include "records.h"
#include "session.h"
#include "store.h"

/* ---------------------------------------------------- record layouts --- */

size_t fni_ob_key(const char *id, size_t idn, int64_t rev, unsigned char *out)
{
	memcpy(out, id, idn);
	out[idn] = 0;
	fni_st_be64((uint64_t)rev, out + idn + 1);
	return idn + 9;
}

int fni_ob_key_split(const void *k, size_t kn, struct sc_str *id, int64_t *rev)
{
	const char *p = k;
	const char *nul = memchr(p, 0, kn);
	if (!nul || (size_t)(nul - p) + 9 != kn)
		return -1;
	*id = (struct sc_str){p, (size_t)(nul - p)};
	*rev = (int64_t)fni_st_from_be64(nul + 1);
	return 0;
}

static void be32(uint32_t v, unsigned char *o)
{
	o[0] = (unsigned char)(v >> 24);
	o[1] = (unsigned char)(v >> 16);
	o[2] = (unsigned char)(v >> 8);
	o[3] = (unsigned char)v;
}

static uint32_t from_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* outbox entry: version(1)=1 state(1) code(4) reason_len(4) reason note */
int fni_ob_pack(const struct ob_entry *e, struct sc_buf *out)
{
	unsigned char h[10] = {1, (unsigned char)e->state};
	be32((uint32_t)e->code, h + 2);
	be32((uint32_t)e->reason.n, h + 6);
	sc_buf_append(out, h, sizeof h);
	sc_buf_append(out, e->reason.p, e->reason.n);
	sc_buf_append(out, e->note.p, e->note.n);
	return out->oom ? FN_NO_MEMORY : FN_OK;
}

int fni_ob_unpack(const void *p, size_t n, struct ob_entry *e)
{
	const unsigned char *b = p;
	if (n < 10 || b[0] != 1)
		return FN_WRONG_KEY;
	uint32_t rn = from_be32(b + 6);
	if (rn > n - 10)
		return FN_WRONG_KEY;
	e->state = b[1];
	e->code = (int)from_be32(b + 2);
	e->reason = (struct sc_str){(const char *)b + 10, rn};
	e->note = (struct sc_str){(const char *)b + 10 + rn, n - 10 - rn};
	return FN_OK;
}

/* sent note: version(1)=1 status(1) latest(8) note */
int fni_sent_pack(const struct sent_rec *r, struct sc_buf *out)
{
	unsigned char h[10] = {1, (unsigned char)r->status};
	fni_st_be64((uint64_t)r->latest, h + 2);
	sc_buf_append(out, h, sizeof h);
	sc_buf_append(out, r->note.p, r->note.n);
	return out->oom ? FN_NO_MEMORY : FN_OK;
}

int fni_sent_unpack(const void *p, size_t n, struct sent_rec *r)
{
	const unsigned char *b = p;
	if (n < 10 || b[0] != 1)
		return FN_WRONG_KEY;
	r->status = b[1];
	r->latest = (int64_t)fni_st_from_be64(b + 2);
	r->note = (struct sc_str){(const char *)b + 10, n - 10};
	return FN_OK;
}

const char *fni_ob_state_name(int state)
{
	static const char *const names[] = {"queued", "conflict", "invalid"};
	return state >= 0 && state <= 2 ? names[state] : "unknown";
}

const char *fni_sent_status_name(int status)
{
	static const char *const names[] = {"submitted", "accepted", "returned", "escalated"};
	return status >= 0 && status <= 3 ? names[status] : "unknown";
}

/* ------------------------------------------------------------ capture --- */

static int64_t now_ms(const fn_client *c)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec + c->clock_offset) * 1000 + ts.tv_nsec / 1000000;
}

struct save_job {
	fn_client *c;
	const char *json;
	char id[27];   /* set by save_txn when new_id */
	int new_id;
	int64_t rev, replaces;
	struct sc_arena *a;
	struct sc_buf mp, seen;
	int compose_failed; /* the handle's error already says why */
};

/* The guidance versions opened since the last save (a JSON array), into
 * j->seen; empty when none. */
static int take_seen(struct save_job *j, MDB_txn *t)
{
	fn_client *c = j->c;
	j->seen.n = 0;
	int rc = fni_st_get_sealed(&c->st, t, DB_META, "guidance.opened", 15, &j->seen);
	if (rc == FN_NOT_FOUND)
		return FN_OK;
	if (rc == FN_OK && sc_buf_append(&j->seen, "", 1) != 0)
		rc = FN_NO_MEMORY;
	if (rc == FN_OK)
		rc = fni_st_del(&c->st, t, DB_META, "guidance.opened", 15); /* they belong to this note */
	return rc;
}

/* Settles the id (strictly after the store's last one, for a new note),
 * completes and encodes the note, and queues it: one transaction, so two
 * processes saving at once still get increasing ids. */
static int save_txn(MDB_txn *t, void *arg)
{
	struct save_job *j = arg;
	fn_client *c = j->c;
	unsigned char key[80];
	int rc = FN_OK;

	j->mp.n = 0;
	j->compose_failed = 0;
	if (j->new_id) {
		char last[27] = "";
		MDB_val v;
		rc = fni_st_get(&c->st, t, DB_META, "ulid.last", 9, &v);
		if (rc == FN_OK && v.mv_size == 26)
			memcpy(last, v.mv_data, 26);
		if (rc == FN_NOT_FOUND || rc == FN_OK)
			rc = fni_cr_ulid_after(&c->cr, now_ms(c), last[0] ? last : NULL, j->id) == FN_OK
			             ? fni_st_put(&c->st, t, DB_META, "ulid.last", 9, j->id, 26)
			             : fni_fail(c, FN_INTERNAL, "no randomness");
	}
	if (rc == FN_OK)
		rc = take_seen(j, t);
	if (rc == FN_OK) {
		rc = fni_note_compose(c, j->json, j->id, j->rev, j->replaces, j->seen.n ? j->seen.p : NULL, j->a, &j->mp);
		j->compose_failed = rc != FN_OK;
	}
	if (rc == FN_OK)
		rc = fni_attach_bind(c, t, j->mp.p, j->mp.n);
	if (rc == FN_OK) {
		struct ob_entry e = {OB_QUEUED, 0, {"", 0}, {j->mp.p, j->mp.n}};
		rc = fni_ob_store(c, t, key, fni_ob_key(j->id, strlen(j->id), j->rev, key), &e);
	}
	return rc;
}

/* Composes and queues the note durably; the handle's error says why not. */
static int save(struct save_job *j)
{
	struct sc_user_summary u;
	/* Read the user now: inside the write transaction it would need a
	 * read transaction of its own. */
	fni_user_cached(j->c, j->a, &u);
	int rc = fni_st_write(&j->c->st, save_txn, j);
	fni_cr_buf_free(&j->mp);
	fni_cr_buf_free(&j->seen);
	return rc == FN_OK || j->compose_failed ? rc : fni_fail_store(j->c, rc);
}

FN_API int fn_note_save(fn_client *c, const char *json, char *id_out)
{
	struct sc_arena *a;
	int rc;

	if (!c)
		return FN_BAD_ARGUMENT;
	pthread_mutex_lock(&c->mu);
	if (!json) {
		rc = fni_fail(c, FN_BAD_ARGUMENT, "json is NULL");
	} else if (!(a = sc_arena_new(0))) {
		rc = fni_fail(c, FN_NO_MEMORY, "out of memory");
	} else {
		struct save_job j = {.c = c, .json = json, .new_id = 1, .rev = 1, .a = a};
		rc = save(&j);
		if (rc == FN_OK && id_out)
			memcpy(id_out, j.id, sizeof j.id);
		sc_arena_free(a);
	}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* What the device knows about one note: its latest outbox entry and its
 * sent record. Strings point into `a`. */
struct known {
	int in_outbox, sent;
	int64_t ob_rev;
	struct ob_entry ob;
	struct sent_rec rec;
};

static int lookup(fn_client *c, MDB_txn *t, const char *id, struct sc_arena *a, struct known *k)
{
	unsigned char key[80];
	size_t idn = strlen(id);
	struct sc_buf b = {0};
	MDB_cursor *cur;
	MDB_val kv, vv;
	int rc;

	memset(k, 0, sizeof k[0]);
	if (idn == 0 || idn > 64)
		return FN_NOT_FOUND;
	if ((rc = mdb_cursor_open(t, c->st.db[DB_OUTBOX], &cur)) != 0)
		return fni_st_status(&c->st, rc, "reading the outbox");
	kv.mv_size = fni_ob_key(id, idn, 0, key);
	kv.mv_data = key;
	int mrc = mdb_cursor_get(cur, &kv, &vv, MDB_SET_RANGE);
	struct sc_str kid;
	int64_t rev;
	rc = FN_OK;
	/* Revisions sort in order: the last one with this id is the latest. */
	while (mrc == 0 && fni_ob_key_split(kv.mv_data, kv.mv_size, &kid, &rev) == 0 && kid.n == idn &&
	       memcmp(kid.p, id, idn) == 0) {
		k->in_outbox = 1;
		k->ob_rev = rev;
		b.n = 0;
		if ((rc = fni_st_open_value(&c->st, DB_OUTBOX, &kv, &vv, &b)) != FN_OK)
			break;
		mrc = mdb_cursor_get(cur, &kv, &vv, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc == FN_OK && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = fni_st_status(&c->st, mrc, "reading the outbox");
	if (rc == FN_OK && k->in_outbox) {
		char *p = sc_arena_alloc(a, b.n + 1);
		rc = p ? FN_OK : FN_NO_MEMORY;
		if (p) {
			memcpy(p, b.p, b.n);
			rc = fni_ob_unpack(p, b.n, &k->ob);
		}
	}
	if (b.p)
		fni_cr_wipe(b.p, b.cap);
	b.n = 0;
	if (rc == FN_OK) {
		rc = fni_st_get_sealed(&c->st, t, DB_NOTES, id, idn, &b);
		if (rc == FN_OK) {
			char *p = sc_arena_alloc(a, b.n + 1);
			rc = p ? FN_OK : FN_NO_MEMORY;
			if (p) {
				memcpy(p, b.p, b.n);
				rc = fni_sent_unpack(p, b.n, &k->rec);
				k->sent = rc == FN_OK;
			}
		} else if (rc == FN_NOT_FOUND) {
			rc = FN_OK;
		}
	}
	fni_cr_buf_free(&b);
	if (rc == FN_OK && !k->in_outbox && !k->sent)
		rc = FN_NOT_FOUND;
	return rc;
}

FN_API int fn_note_amend(fn_client *c, const char *id, const char *json, int64_t *revision_out)
{
	struct sc_arena *a = NULL;
	struct known k;
	MDB_txn *t;
	int rc;

	if (!c)
		return FN_BAD_ARGUMENT;
	pthread_mutex_lock(&c->mu);
	if (!id || !json) {
		rc = fni_fail(c, FN_BAD_ARGUMENT, "id and json are required");
		goto out;
	}
	if ((rc = fni_read_start(c, &a, &t)) != FN_OK)
		goto out;
	rc = lookup(c, t, id, a, &k);
	fni_st_read_end(t);
	if (rc == FN_NOT_FOUND) {
		rc = fni_fail(c, rc, "no note %.64s on this device", id);
		goto out;
	}
	if (rc != FN_OK) {
		fni_fail_store(c, rc);
		goto out;
	}
	int64_t rev, replaces;
	if (k.in_outbox && k.ob.state == OB_INVALID) {
		/* The server never stored this revision: fix it in place. */
		struct sc_note n;
		rev = k.ob_rev;
		replaces = 0;
		if (sc_decode(&sc_rec_note, SC_MSGPACK, k.ob.note.p, k.ob.note.n, NULL, a, &n, NULL) == FN_OK &&
		    SC_HAS(note, &n, replaces))
			replaces = n.replaces;
	} else {
		int64_t latest = k.in_outbox ? k.ob_rev : 0;
		if (k.sent && k.rec.latest > latest)
			latest = k.rec.latest;
		if (!k.in_outbox && (k.rec.status == SENT_ACCEPTED || k.rec.status == SENT_ESCALATED)) {
			rc = fni_fail(c, FN_FORBIDDEN, "note %.64s was %s: it is no longer amended from the device", id,
			              fni_sent_status_name(k.rec.status));
			goto out;
		}
		rev = latest + 1;
		replaces = latest;
	}
	struct save_job j = {.c = c, .json = json, .rev = rev, .replaces = replaces, .a = a};
	snprintf(j.id, sizeof j.id, "%s", id);
	if (strlen(id) >= sizeof j.id) /* not an id this library made */
		rc = fni_fail(c, FN_NOT_FOUND, "no note %.64s on this device", id);
	else
		rc = save(&j);
	if (rc == FN_OK && revision_out)
		*revision_out = rev;
out:
	sc_arena_free(a);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* The note's msgpack as a JSON value (for embedding in a reply). */
static json_t *note_json(struct sc_str mp, struct sc_arena *a)
{
	struct sc_note n;
	char *txt;
	if (!mp.n || sc_decode(&sc_rec_note, SC_MSGPACK, mp.p, mp.n, NULL, a, &n, NULL) != FN_OK)
		return NULL;
	if (fni_record_json(&sc_rec_note, &n, &txt) != FN_OK)
		return NULL;
	json_t *v = json_loads(txt, 0, NULL);
	fni_cr_wipe(txt, strlen(txt));
	free(txt);
	return v;
}

/* code, name, reason and errors of a refused entry, into o. */
static void add_reason(json_t *o, const struct ob_entry *e)
{
	if (e->state == OB_QUEUED)
		return;
	json_object_set_new(o, "code", json_integer(e->code));
	json_t *r = e->reason.n ? json_loadb(e->reason.p, e->reason.n, 0, NULL) : NULL;
	if (r) {
		json_object_update(o, r);
		json_decref(r);
	}
}

static char *dump(fn_client *c, json_t *o, int *rc)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	*rc = s ? FN_OK : fni_fail(c, FN_NO_MEMORY, "out of memory");
	return s;
}

FN_API int fn_note_get(fn_client *c, const char *id, char **out)
{
	struct sc_arena *a = NULL;
	struct known k;
	MDB_txn *t;
	int rc;

	if (!c || !out)
		return FN_BAD_ARGUMENT;
	*out = NULL;
	pthread_mutex_lock(&c->mu);
	if (!id) {
		rc = fni_fail(c, FN_BAD_ARGUMENT, "id is NULL");
		goto out;
	}
	if ((rc = fni_read_start(c, &a, &t)) != FN_OK)
		goto out;
	rc = lookup(c, t, id, a, &k);
	fni_st_read_end(t);
	if (rc != FN_OK) {
		if (rc == FN_NOT_FOUND)
			fni_fail(c, rc, "no note %.64s on this device", id);
		else
			fni_fail_store(c, rc);
		goto out;
	}
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(id));
	if (k.in_outbox) {
		json_object_set_new(o, "revision", json_integer(k.ob_rev));
		json_object_set_new(o, "state", json_string(fni_ob_state_name(k.ob.state)));
		add_reason(o, &k.ob);
		json_t *n = note_json(k.ob.note, a);
		if (n)
			json_object_set_new(o, "note", n);
	} else {
		json_object_set_new(o, "revision", json_integer(k.rec.latest));
		json_object_set_new(o, "state", json_string(fni_sent_status_name(k.rec.status)));
		json_t *n = note_json(k.rec.note, a);
		if (n)
			json_object_set_new(o, "note", n);
	}
	*out = dump(c, o, &rc);
out:
	sc_arena_free(a);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* One outbox entry as fn_outbox_list gives it (NULL when it does not open). */
static json_t *ob_item(fn_client *c, const MDB_val *kv, const MDB_val *vv, int with_notes, struct read_call *r,
                       int *rc)
{
	struct sc_str id;
	int64_t rev;
	struct ob_entry e;
	struct sc_note n;

	*rc = FN_OK;
	if (fni_ob_key_split(kv->mv_data, kv->mv_size, &id, &rev) != 0)
		return NULL;
	r->b.n = 0;
	if ((*rc = fni_st_open_value(&c->st, DB_OUTBOX, kv, vv, &r->b)) != FN_OK ||
	    (*rc = fni_ob_unpack(r->b.p, r->b.n, &e)) != FN_OK)
		return NULL;
	json_t *o = json_object();
	json_object_set_new(o, "id", json_stringn(id.p, id.n));
	json_object_set_new(o, "revision", json_integer(rev));
	json_object_set_new(o, "state", json_string(fni_ob_state_name(e.state)));
	sc_arena_reset(r->a);
	if (sc_decode(&sc_rec_note, SC_MSGPACK, e.note.p, e.note.n, NULL, r->a, &n, NULL) == FN_OK) {
		json_object_set_new(o, "child_ref", json_stringn(n.child_ref.p, n.child_ref.n));
		json_object_set_new(o, "context", json_stringn(n.context.p, n.context.n));
		json_object_set_new(o, "occurred_at", json_integer(n.occurred_at));
	}
	add_reason(o, &e);
	json_t *nj = with_notes ? note_json(e.note, r->a) : NULL;
	if (nj)
		json_object_set_new(o, "note", nj);
	return o;
}

int fni_ob_list_json(fn_client *c, int with_notes, char **out)
{
	struct read_call r;
	MDB_val kv, vv;
	int rc = fni_read_begin(&r, c, out), mrc;

	if (rc == FN_OK)
		rc = fni_read_cursor(&r, DB_OUTBOX, "reading the outbox");
	if (rc != FN_OK)
		return fni_read_end(&r, rc);
	json_t *items = json_array();
	for (int op = MDB_FIRST; (mrc = mdb_cursor_get(r.cur, &kv, &vv, op)) == 0; op = MDB_NEXT) {
		json_t *o = ob_item(c, &kv, &vv, with_notes, &r, &rc);
		if (rc != FN_OK)
			break;
		if (o)
			json_array_append_new(items, o);
	}
	if (rc == FN_OK && mrc != MDB_NOTFOUND)
		rc = fni_st_status(&c->st, mrc, "reading the outbox");
	if (rc == FN_OK) {
		json_t *o = json_object();
		json_object_set_new(o, "items", items);
		*out = dump(c, o, &rc);
	} else {
		json_decref(items);
		fni_fail_store(c, rc);
	}
	return fni_read_end(&r, rc);
}

FN_API int fn_outbox_list(fn_client *c, char **out)
{
	return fni_ob_list_json(c, 0, out);
}
