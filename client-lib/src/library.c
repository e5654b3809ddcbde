/* library.c - offline reading: cached guidance (get, search) and supervisors' feedback. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "crypto.h"
#include "records.h"
#include "search.h"
#include "store.h"

/* Opens one sealed value into b (reset first) and decodes it as rec. */
static int open_record(fn_client *c, int db, const MDB_val *k, const MDB_val *v, const struct sc_record *rec,
                       struct sc_arena *a, struct sc_buf *b, void *out)
{
	b->n = 0;
	int rc = fni_st_open_value(&c->st, db, k, v, b);
	if (rc != FN_OK)
		return rc;
	rc = sc_decode(rec, SC_MSGPACK, b->p, b->n, NULL, a, out, NULL);
	if (rc != FN_OK && rc != FN_NO_MEMORY) {
		snprintf(c->st.detail, sizeof c->st.detail, "a cached %s does not decode: damaged store", rec->name);
		return FN_WRONG_KEY;
	}
	return rc;
}

/* At most this many opened versions are kept for the next note: the
 * schema's limit on guidance_seen. */
#define MAX_SEEN 50

struct seen_job {
	fn_client *c;
	const struct sc_guidance_doc *d;
};

/* Adds the document's (id, version) to the list the next saved note gets
 * as guidance_seen (notes.c), once. */
static int seen_txn(MDB_txn *t, void *arg)
{
	struct seen_job *j = arg;
	fn_client *c = j->c;
	struct sc_buf b = {0};
	int rc = fni_st_get_sealed(&c->st, t, DB_META, "guidance.opened", 15, &b);
	if (rc != FN_OK && rc != FN_NOT_FOUND) {
		sc_buf_free(&b);
		return rc;
	}
	json_t *list = rc == FN_OK ? json_loadb(b.p, b.n, 0, NULL) : NULL;
	sc_buf_free(&b);
	if (!json_is_array(list)) { /* none yet, or not ours: start afresh */
		json_decref(list);
		if (!(list = json_array()))
			return FN_NO_MEMORY;
	}
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		const char *eid = json_string_value(json_object_get(e, "id"));
		if (eid && strlen(eid) == j->d->id.n && !memcmp(eid, j->d->id.p, j->d->id.n) &&
		    json_integer_value(json_object_get(e, "version")) == j->d->version)
			break;
	}
	rc = FN_OK;
	if (i == json_array_size(list)) {
		e = json_object();
		json_object_set_new(e, "id", json_stringn(j->d->id.p, j->d->id.n));
		json_object_set_new(e, "version", json_integer(j->d->version));
		json_array_append_new(list, e);
		if (json_array_size(list) > MAX_SEEN)
			json_array_remove(list, 0);
		char *txt = json_dumps(list, JSON_COMPACT);
		rc = txt ? fni_st_put_sealed(&c->st, t, DB_META, "guidance.opened", 15, txt, strlen(txt)) : FN_NO_MEMORY;
		free(txt);
	}
	json_decref(list);
	return rc;
}

FN_API int fn_guidance_get(fn_client *c, const char *id, char **out)
{
	struct sc_arena *a = NULL;
	struct sc_buf b = {0};
	struct sc_guidance_doc d;
	MDB_txn *t;
	MDB_val v;
	int rc;

	if (!c || !out)
		return FN_BAD_ARGUMENT;
	*out = NULL;
	pthread_mutex_lock(&c->mu);
	if (!id || !*id || strlen(id) > 64) {
		rc = fni_fail(c, FN_BAD_ARGUMENT, "a guidance id is 1 to 64 bytes");
		goto out;
	}
	if ((rc = fni_read_start(c, &a, &t)) != FN_OK)
		goto out;
	MDB_val k = {strlen(id), (void *)id};
	rc = fni_st_get(&c->st, t, DB_GUIDANCE, id, strlen(id), &v);
	if (rc == FN_OK)
		rc = open_record(c, DB_GUIDANCE, &k, &v, &sc_rec_guidance_doc, a, &b, &d);
	fni_st_read_end(t);
	if (rc == FN_NOT_FOUND)
		fni_fail(c, rc, "no guidance document %s on this device (sync to fetch guidance)", id);
	else if (rc != FN_OK)
		fni_fail_store(c, rc);
	else if ((rc = fni_record_json(&sc_rec_guidance_doc, &d, out)) != FN_OK)
		fni_fail(c, rc, "out of memory");
	if (rc == FN_OK) {
		/* Best effort: a store that cannot take the record (full) must
		 * not keep guidance from being read; the note then lacks it. */
		struct seen_job j = {c, &d};
		fni_st_write(&c->st, seen_txn, &j);
	}
out:
	sc_buf_free(&b);
	sc_arena_free(a);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* A summary of d whose strings live in keep (d's arena is reused). */
static int summarize(const struct sc_guidance_doc *d, struct sc_arena *keep, struct sc_guidance_summary *s)
{
	memset(s, 0, sizeof *s);
	/* The projection shares d's strings: they are re-pointed into keep below. */
	sc_project(&sc_rec_guidance_doc, d, &sc_rec_guidance_summary, s);
	s->tags = (struct sc_strs){0};
	char *id = sc_arena_strndup(keep, d->id.p, d->id.n);
	char *title = sc_arena_strndup(keep, d->title.p, d->title.n);
	if (!id || !title)
		return FN_NO_MEMORY;
	s->id = (struct sc_str){id, d->id.n};
	s->title = (struct sc_str){title, d->title.n};
	if (SC_HAS(guidance_doc, d, tags)) {
		s->tags.v = sc_arena_alloc(keep, (d->tags.n ? d->tags.n : 1) * sizeof *s->tags.v);
		if (!s->tags.v)
			return FN_NO_MEMORY;
		for (size_t i = 0; i < d->tags.n; i++) {
			char *t = sc_arena_strndup(keep, d->tags.v[i].p, d->tags.v[i].n);
			if (!t)
				return FN_NO_MEMORY;
			s->tags.v[i] = (struct sc_str){t, d->tags.v[i].n};
		}
		s->tags.n = d->tags.n;
		SC_SET(guidance_summary, s, tags);
	}
	return FN_OK;
}

/* The guidance whose text matches words, summarized into list (from keep). */
static int matches(struct read_call *r, const char *words, struct sc_arena *keep, struct sc_guidance_list *list)
{
	struct sc_str w = {words ? words : "", words ? strlen(words) : 0};
	MDB_val k, v;
	size_t cap = 0;
	int rc = FN_OK, mrc;

	for (int op = MDB_FIRST; (mrc = mdb_cursor_get(r->cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct sc_guidance_doc d;
		sc_arena_reset(r->a);
		if ((rc = open_record(r->c, DB_GUIDANCE, &k, &v, &sc_rec_guidance_doc, r->a, &r->b, &d)) != FN_OK)
			break;
		if (!sc_guidance_matches(&d, w))
			continue;
		struct sc_guidance_summary *nv = sc_arena_grow(keep, list->items.v, list->items.n, &cap, sizeof *nv, 32);
		if (!nv) {
			rc = FN_NO_MEMORY;
			break;
		}
		list->items.v = nv;
		if ((rc = summarize(&d, keep, &list->items.v[list->items.n])) != FN_OK)
			break;
		list->items.n++;
	}
	if (rc == FN_OK && mrc != MDB_NOTFOUND)
		rc = fni_st_status(&r->c->st, mrc, "reading guidance");
	return rc == FN_OK ? FN_OK : fni_fail_store(r->c, rc);
}

FN_API int fn_guidance_search(fn_client *c, const char *words, char **out)
{
	struct read_call r;
	struct sc_arena *keep = NULL;
	struct sc_guidance_list list = {0};
	struct sc_guidance_summary none;
	int rc = fni_read_begin(&r, c, out);

	if (rc == FN_OK && !(keep = sc_arena_new(0)))
		rc = fni_fail(c, FN_NO_MEMORY, "out of memory");
	if (rc == FN_OK)
		rc = fni_read_cursor(&r, DB_GUIDANCE, "reading guidance");
	if (rc == FN_OK)
		rc = matches(&r, words, keep, &list);
	if (rc == FN_OK) {
		if (!list.items.v)
			list.items.v = &none;
		SC_SET(guidance_list, &list, items);
		if ((rc = fni_record_json(&sc_rec_guidance_list, &list, out)) != FN_OK)
			fni_fail(c, rc, "out of memory");
	}
	sc_arena_free(keep);
	return fni_read_end(&r, rc);
}

FN_API int fn_feedback_list(fn_client *c, char **out)
{
	struct read_call r;
	struct sc_feedback_page page = {0};
	struct sc_review none;
	MDB_val k, v;
	uint64_t cursor = 0;
	size_t cap = 0;
	int rc = fni_read_begin(&r, c, out), mrc = 0;

	if (rc != FN_OK)
		return fni_read_end(&r, rc);
	if ((rc = fni_st_get_u64(&c->st, r.t, "cursor.feedback", &cursor)) != FN_OK)
		return fni_read_end(&r, fni_fail_store(c, rc));
	if ((rc = fni_read_cursor(&r, DB_FEEDBACK, "reading feedback")) != FN_OK)
		return fni_read_end(&r, rc);
	for (int op = MDB_FIRST; (mrc = mdb_cursor_get(r.cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct sc_review *nv = sc_arena_grow(r.a, page.items.v, page.items.n, &cap, sizeof *nv, 32);
		if (!nv) {
			rc = FN_NO_MEMORY;
			break;
		}
		page.items.v = nv;
		if ((rc = open_record(c, DB_FEEDBACK, &k, &v, &sc_rec_review, r.a, &r.b, &nv[page.items.n])) != FN_OK)
			break;
		page.items.n++;
	}
	if (rc == FN_OK && mrc != MDB_NOTFOUND)
		rc = fni_st_status(&c->st, mrc, "reading feedback");
	if (rc != FN_OK)
		return fni_read_end(&r, fni_fail_store(c, rc));
	if (!page.items.v)
		page.items.v = &none;
	page.next = (int64_t)cursor;
	page.more = false;
	SC_SET(feedback_page, &page, items);
	SC_SET(feedback_page, &page, next);
	SC_SET(feedback_page, &page, more);
	if ((rc = fni_record_json(&sc_rec_feedback_page, &page, out)) != FN_OK)
		fni_fail(c, rc, "out of memory");
	return fni_read_end(&r, rc);
}

/* ------------------------------------------ feedback since a cursor --- */

struct feed_job {
	fn_client *c;
	uint64_t upto;
};

static int ack_txn(MDB_txn *t, void *arg)
{
	struct feed_job *j = arg;
	uint64_t newest, acked;
	int rc = fni_st_get_u64(&j->c->st, t, "feedback.count", &newest);
	if (rc == FN_OK)
		rc = fni_st_get_u64(&j->c->st, t, "feedback.acked", &acked);
	if (rc != FN_OK)
		return rc;
	uint64_t v = j->upto < newest ? j->upto : newest;
	return v > acked ? fni_st_put_u64(&j->c->st, t, "feedback.acked", v) : FN_OK;
}

FN_API int fn_feedback_ack(fn_client *c, uint64_t upto)
{
	if (!c)
		return FN_BAD_ARGUMENT;
	pthread_mutex_lock(&c->mu);
	struct feed_job j = {c, upto};
	int rc = fni_st_write(&c->st, ack_txn, &j);
	if (rc != FN_OK)
		fni_fail_store(c, rc);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/* The items after `after` into items (JSON), *last the last local_seq. */
static int feed_items(fn_client *c, MDB_txn *t, struct sc_arena *a, uint64_t after, json_t *items, uint64_t *last)
{
	struct sc_buf b = {0};
	MDB_cursor *cur;
	unsigned char key[8];
	int rc = FN_OK, mrc;
	if ((mrc = mdb_cursor_open(t, c->st.db[DB_FEEDBACK], &cur)) != 0)
		return fni_st_status(&c->st, mrc, "reading feedback");
	fni_st_be64(after + 1, key);
	MDB_val k = {8, key}, v;
	for (mrc = after == UINT64_MAX ? MDB_NOTFOUND : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); mrc == 0;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct sc_review r;
		char *txt;
		sc_arena_reset(a);
		if (k.mv_size != 8)
			continue;
		if ((rc = open_record(c, DB_FEEDBACK, &k, &v, &sc_rec_review, a, &b, &r)) != FN_OK)
			break;
		if ((rc = fni_record_json(&sc_rec_review, &r, &txt)) != FN_OK)
			break;
		json_t *o = json_loads(txt, 0, NULL);
		free(txt);
		if (!o) {
			rc = FN_NO_MEMORY;
			break;
		}
		*last = fni_st_from_be64(k.mv_data);
		json_object_set_new(o, "local_seq", json_integer((json_int_t)*last));
		json_array_append_new(items, o);
	}
	mdb_cursor_close(cur);
	if (rc == FN_OK && mrc != MDB_NOTFOUND)
		rc = fni_st_status(&c->st, mrc, "reading feedback");
	fni_cr_buf_free(&b);
	return rc;
}

FN_API int fn_feedback_since(fn_client *c, uint64_t after, char **out)
{
	struct read_call r;
	uint64_t acked = 0;
	int rc = fni_read_begin(&r, c, out);

	if (rc != FN_OK)
		return fni_read_end(&r, rc);
	json_t *items = json_array();
	rc = fni_st_get_u64(&c->st, r.t, "feedback.acked", &acked);
	if (after == FN_FEEDBACK_UNACKED)
		after = acked;
	uint64_t last = after;
	if (rc == FN_OK)
		rc = feed_items(c, r.t, r.a, after, items, &last);
	if (rc != FN_OK) {
		json_decref(items);
		return fni_read_end(&r, fni_fail_store(c, rc));
	}
	json_t *o = json_object();
	json_object_set_new(o, "items", items);
	json_object_set_new(o, "next", json_integer((json_int_t)last));
	json_object_set_new(o, "acked", json_integer((json_int_t)acked));
	*out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!*out)
		rc = fni_fail(c, FN_NO_MEMORY, "out of memory");
	return fni_read_end(&r, rc);
}
