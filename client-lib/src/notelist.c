/* notelist.c - fn_note_list: every note the device knows, with its state, read offline. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "crypto.h"
#include "outbox.h"
#include "records.h"
#include "store.h"

/* child_ref, context and occurred_at of a note's msgpack into o. */
static void add_summary(json_t *o, struct sc_str mp, struct sc_arena *a)
{
	struct sc_note n;
	sc_arena_reset(a);
	if (!mp.n || sc_decode(&sc_rec_note, SC_MSGPACK, mp.p, mp.n, NULL, a, &n, NULL) != FN_OK)
		return;
	json_object_set_new(o, "child_ref", json_stringn(n.child_ref.p, n.child_ref.n));
	json_object_set_new(o, "context", json_stringn(n.context.p, n.context.n));
	json_object_set_new(o, "occurred_at", json_integer(n.occurred_at));
}

/* The sent records (notes database) into by_id: id -> item. */
static int add_sent(fn_client *c, MDB_txn *t, struct sc_arena *a, struct sc_buf *b, json_t *by_id)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = FN_OK, mrc;
	if ((mrc = mdb_cursor_open(t, c->st.db[DB_NOTES], &cur)) != 0)
		return fni_st_status(&c->st, mrc, "reading the notes");
	for (int op = MDB_FIRST; (mrc = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct sent_rec r;
		b->n = 0;
		if ((rc = fni_st_open_value(&c->st, DB_NOTES, &k, &v, b)) != FN_OK || (rc = fni_sent_unpack(b->p, b->n, &r)) != FN_OK)
			break;
		json_t *o = json_object();
		json_object_set_new(o, "id", json_stringn(k.mv_data, k.mv_size));
		json_object_set_new(o, "revision", json_integer(r.latest));
		json_object_set_new(o, "state", json_string(fni_sent_status_name(r.status)));
		json_object_set_new(o, "sent_state", json_string(fni_sent_status_name(r.status)));
		add_summary(o, r.note, a);
		char id[65];
		snprintf(id, sizeof id, "%.*s", (int)(k.mv_size < 64 ? k.mv_size : 64), (const char *)k.mv_data);
		json_object_set_new(by_id, id, o);
	}
	mdb_cursor_close(cur);
	return rc == FN_OK && mrc != MDB_NOTFOUND ? fni_st_status(&c->st, mrc, "reading the notes") : rc;
}

/* The outbox over it: its latest revision of a note decides the state. */
static int add_outbox(fn_client *c, MDB_txn *t, struct sc_arena *a, struct sc_buf *b, json_t *by_id)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = FN_OK, mrc;
	if ((mrc = mdb_cursor_open(t, c->st.db[DB_OUTBOX], &cur)) != 0)
		return fni_st_status(&c->st, mrc, "reading the outbox");
	for (int op = MDB_FIRST; (mrc = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct sc_str sid;
		int64_t rev;
		struct ob_entry e;
		if (fni_ob_key_split(k.mv_data, k.mv_size, &sid, &rev) != 0 || sid.n > 64)
			continue;
		b->n = 0;
		if ((rc = fni_st_open_value(&c->st, DB_OUTBOX, &k, &v, b)) != FN_OK || (rc = fni_ob_unpack(b->p, b->n, &e)) != FN_OK)
			break;
		char id[65];
		snprintf(id, sizeof id, "%.*s", (int)sid.n, sid.p);
		json_t *o = json_object_get(by_id, id);
		if (!o) {
			o = json_object();
			json_object_set_new(o, "id", json_string(id));
			json_object_set_new(by_id, id, o);
		}
		json_object_set_new(o, "revision", json_integer(rev));
		json_object_set_new(o, "state", json_string(fni_ob_state_name(e.state)));
		add_summary(o, e.note, a);
	}
	mdb_cursor_close(cur);
	return rc == FN_OK && mrc != MDB_NOTFOUND ? fni_st_status(&c->st, mrc, "reading the outbox") : rc;
}

static int by_key(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* by_id's items in id order (ULIDs: creation order). */
static json_t *sorted(json_t *by_id)
{
	size_t n = json_object_size(by_id), i = 0;
	const char **keys = malloc((n ? n : 1) * sizeof *keys);
	json_t *items = json_array();
	const char *k;
	json_t *v;
	if (!keys || !items) {
		free(keys);
		json_decref(items);
		return NULL;
	}
	json_object_foreach(by_id, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof *keys, by_key);
	for (i = 0; i < n; i++) {
		json_t *o = json_object_get(by_id, keys[i]);
		/* sent_state only when it differs: a revision is in the outbox */
		if (json_equal(json_object_get(o, "state"), json_object_get(o, "sent_state")))
			json_object_del(o, "sent_state");
		json_array_append(items, o);
	}
	free(keys);
	return items;
}

FN_API int fn_note_list(fn_client *c, char **out)
{
	struct read_call r;
	int rc = fni_read_begin(&r, c, out);

	if (rc != FN_OK)
		return fni_read_end(&r, rc);
	json_t *by_id = json_object();
	rc = by_id ? add_sent(c, r.t, r.a, &r.b, by_id) : FN_NO_MEMORY;
	if (rc == FN_OK)
		rc = add_outbox(c, r.t, r.a, &r.b, by_id);
	json_t *items = rc == FN_OK ? sorted(by_id) : NULL;
	json_decref(by_id);
	if (rc != FN_OK)
		return fni_read_end(&r, fni_fail_store(c, rc));
	json_t *o = items ? json_object() : NULL;
	if (o)
		json_object_set_new(o, "items", items);
	*out = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!*out)
		rc = fni_fail(c, FN_NO_MEMORY, "out of memory");
	return fni_read_end(&r, rc);
}
