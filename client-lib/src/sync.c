/* sync.c - fn_sync_run: the run, its per-call retry options, the push of the outbox in batches (pulls: pull.c). */
#include "sync.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "client.h"
#include "crypto.h"
#include "net.h"
#include "outbox.h"
#include "records.h"
#include "rpc.h"
#include "session.h"
#include "store.h"

/*
 * Why this is resumable: every local change is one LMDB transaction made
 * after the server's answer, and every request is idempotent. A note is
 * deleted from the outbox only in the transaction that records the
 * server's "stored" or "duplicate"; killed before that, the next sync
 * sends the same bytes again and the server answers "duplicate". A page of
 * guidance or feedback is written in the same transaction as its cursor;
 * killed before, the page is fetched again.
 */

/* One note picked for the current batch. */
struct item {
	unsigned char key[80];
	size_t kn;
	struct sc_str id;
	int64_t rev;
	size_t off, len; /* its bytes in the batch body */
};

struct batch {
	struct item v[MAX_BATCH];
	size_t n;
	struct sc_buf body;
	unsigned char after[80]; /* scan resumes after this key */
	size_t after_n;
	const struct sc_note_results *res;
	struct sync *s;
};

static int is_session_error(int rc)
{
	return rc == FN_UNAUTHORIZED || rc == FN_TOKEN_EXPIRED || rc == FN_TOKEN_REVOKED || rc == FN_DEVICE_REVOKED;
}

static void on_sent(void *arg)
{
	struct sync *s = arg;
	fni_rpc_progress(&s->x, FN_STEP_PUSH_SENT, s->answered, s->total, FN_OK, 0);
}

/* Picks up to s->batch queued notes of the signed-in user after b->after
 * and frames them as {"notes": [...]} in msgpack. Call with mu held. */
static int pick(struct sync *s, struct batch *b)
{
	fn_client *c = s->c;
	struct sc_buf pt = {0};
	struct sc_arena *a = sc_arena_new(0);
	MDB_txn *t = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, mrc;

	b->n = 0;
	b->body.n = 0;
	if (!a)
		return FN_NO_MEMORY;
	if ((rc = fni_st_read(&c->st, &t)) != FN_OK)
		goto out;
	if ((mrc = mdb_cursor_open(t, c->st.db[DB_OUTBOX], &cur)) != 0) {
		rc = fni_st_status(&c->st, mrc, "reading the outbox");
		goto out;
	}
	if (b->after_n) {
		k = (MDB_val){b->after_n, b->after};
		mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (mrc == 0 && k.mv_size == b->after_n && memcmp(k.mv_data, b->after, b->after_n) == 0)
			mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	} else {
		mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	}
	/* Room for the envelope: fixmap(1) "notes"(6) array16(3). */
	static const unsigned char head[] = {0x81, 0xa5, 'n', 'o', 't', 'e', 's', 0xdc, 0, 0};
	sc_buf_append(&b->body, head, sizeof head);
	for (; mrc == 0 && b->n < s->batch; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct item *it = &b->v[b->n];
		struct ob_entry e;
		struct sc_note n;
		if (k.mv_size > sizeof it->key || fni_ob_key_split(k.mv_data, k.mv_size, &it->id, &it->rev) != 0)
			continue;
		memcpy(b->after, k.mv_data, k.mv_size);
		b->after_n = k.mv_size;
		pt.n = 0;
		if ((rc = fni_st_open_value(&c->st, DB_OUTBOX, &k, &v, &pt)) != FN_OK ||
		    (rc = fni_ob_unpack(pt.p, pt.n, &e)) != FN_OK)
			goto out;
		if (e.state != OB_QUEUED)
			continue;
		sc_arena_reset(a);
		if (sc_decode(&sc_rec_note, SC_MSGPACK, e.note.p, e.note.n, NULL, a, &n, NULL) != FN_OK) {
			rc = FN_WRONG_KEY;
			snprintf(c->st.detail, sizeof c->st.detail, "an outbox entry does not decode: damaged store");
			goto out;
		}
		/* Another user's notes wait for that user to sign in again. */
		if (!sc_str_eq(n.author, s->user)) {
			s->held++;
			continue;
		}
		memcpy(it->key, k.mv_data, k.mv_size);
		it->kn = k.mv_size;
		fni_ob_key_split(it->key, it->kn, &it->id, &it->rev);
		it->off = b->body.n;
		it->len = e.note.n;
		sc_buf_append(&b->body, e.note.p, e.note.n);
		b->n++;
	}
	if (mrc != 0 && mrc != MDB_NOTFOUND)
		rc = fni_st_status(&c->st, mrc, "reading the outbox");
	else
		rc = b->body.oom ? FN_NO_MEMORY : FN_OK;
	if (rc == FN_OK) {
		b->body.p[8] = (char)(b->n >> 8);
		b->body.p[9] = (char)(b->n & 0xff);
		/* The total follows the outbox: notes saved during the sync sort
		 * after the scan (ids increase) and are sent in it, so progress
		 * never reads more than 100%. */
		uint64_t q, r;
		if (fni_ob_counts(c, t, &q, &r) == FN_OK)
			s->total = s->answered + (q > s->held ? q - s->held : 0);
		if (s->total < s->answered + b->n)
			s->total = s->answered + b->n;
	}
out:
	if (cur)
		mdb_cursor_close(cur);
	fni_st_read_end(t);
	fni_cr_buf_free(&pt);
	sc_arena_free(a);
	return rc;
}

/* The server's refusal of one note, as kept with it: {"name","message","errors"}. */
static char *reason_json(const struct sc_note_result *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_stringn(r->name.p, r->name.n));
	if (SC_HAS(note_result, r, message))
		json_object_set_new(o, "reason", json_stringn(r->message.p, r->message.n));
	if (SC_HAS(note_result, r, errors)) {
		json_t *errs = json_array();
		for (size_t i = 0; i < r->errors.n; i++) {
			json_t *e = json_object();
			json_object_set_new(e, "field", json_stringn(r->errors.v[i].field.p, r->errors.v[i].field.n));
			json_object_set_new(e, "message",
			                    json_stringn(r->errors.v[i].message.p, r->errors.v[i].message.n));
			json_array_append_new(errs, e);
		}
		json_object_set_new(o, "errors", errs);
	}
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* Records one acknowledged revision as the note's latest known one. */
static int record_sent(fn_client *c, MDB_txn *t, const struct item *it, struct sc_str note)
{
	struct sc_buf old = {0}, val = {0};
	struct sent_rec r = {SENT_SUBMITTED, it->rev, note};
	int rc = fni_st_get_sealed(&c->st, t, DB_NOTES, it->id.p, it->id.n, &old);
	if (rc == FN_OK) {
		struct sent_rec prev;
		if (fni_sent_unpack(old.p, old.n, &prev) == FN_OK && prev.latest > it->rev)
			rc = FN_NOT_FOUND; /* a later revision is already known: keep it */
		else
			rc = FN_OK;
	} else if (rc == FN_NOT_FOUND) {
		rc = FN_OK;
	}
	if (rc == FN_OK) {
		rc = fni_sent_pack(&r, &val);
		if (rc == FN_OK)
			rc = fni_st_put_sealed(&c->st, t, DB_NOTES, it->id.p, it->id.n, val.p, val.n);
	} else if (rc == FN_NOT_FOUND) {
		rc = FN_OK;
	}
	fni_cr_buf_free(&old);
	fni_cr_buf_free(&val);
	return rc;
}

static int apply_txn(MDB_txn *t, void *arg)
{
	struct batch *b = arg;
	struct sync *s = b->s;
	fn_client *c = s->c;
	int rc = FN_OK;

	for (size_t i = 0; i < b->n && rc == FN_OK; i++) {
		const struct sc_note_result *r = &b->res->results.v[i];
		const struct item *it = &b->v[i];
		struct sc_str note = {b->body.p + it->off, it->len};
		if (sc_str_eq(r->result, "stored") || sc_str_eq(r->result, "duplicate")) {
			rc = fni_ob_store(c, t, it->key, it->kn, NULL); /* gone already: another process got there first */
			if (rc == FN_OK)
				rc = record_sent(c, t, it, note);
			continue;
		}
		struct ob_entry e = {sc_str_eq(r->result, "conflict") ? OB_CONFLICT : OB_INVALID, (int)r->code,
		                     {"", 0}, note};
		char *why = reason_json(r);
		if (why)
			e.reason = (struct sc_str){why, strlen(why)};
		rc = why ? fni_ob_store(c, t, it->key, it->kn, &e) : FN_NO_MEMORY;
		free(why);
	}
	return rc;
}

static void count_results(struct sync *s, const struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct sc_str r = b->res->results.v[i].result;
		if (sc_str_eq(r, "stored"))
			s->pushed++;
		else if (sc_str_eq(r, "duplicate"))
			s->duplicates++;
		else if (sc_str_eq(r, "conflict"))
			s->conflicts++;
		else
			s->invalid++;
	}
	s->answered += b->n;
}

/* The results must answer the notes sent, in order; anything else and
 * nothing is changed locally (the next sync sends them again). */
static int check_results(struct sync *s, const struct batch *b, const struct sc_note_results *res)
{
	if (res->results.n != b->n) {
		snprintf(s->x.detail, sizeof s->x.detail, "the server answered %zu results for %zu notes",
		         res->results.n, b->n);
		return FN_MALFORMED_BODY;
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct sc_note_result *r = &res->results.v[i];
		if (r->id.n != b->v[i].id.n || memcmp(r->id.p, b->v[i].id.p, r->id.n) != 0 ||
		    (SC_HAS(note_result, r, revision) && r->revision != b->v[i].rev) ||
		    !(sc_str_eq(r->result, "stored") || sc_str_eq(r->result, "duplicate") ||
		      sc_str_eq(r->result, "conflict") || sc_str_eq(r->result, "invalid"))) {
			snprintf(s->x.detail, sizeof s->x.detail, "result %zu does not answer note %.64s", i,
			         b->v[i].id.p);
			return FN_MALFORMED_BODY;
		}
	}
	return FN_OK;
}

static int push(struct sync *s)
{
	fn_client *c = s->c;
	struct batch *b = calloc(1, sizeof *b);
	int rc = FN_OK;

	if (!b)
		return FN_NO_MEMORY;
	b->s = s;
	c->net->on_sent = on_sent;
	c->net->on_sent_arg = s;
	for (;;) {
		size_t after_n = b->after_n;
		unsigned char after[80];
		memcpy(after, b->after, sizeof after);
		pthread_mutex_lock(&c->mu);
		rc = pick(s, b);
		pthread_mutex_unlock(&c->mu);
		fni_st_release(&c->st);
		if (rc != FN_OK) {
			snprintf(s->x.detail, sizeof s->x.detail, "%s", c->st.detail);
			break;
		}
		if (b->n == 0)
			break;
		fni_rpc_progress(&s->x, FN_STEP_PUSH_SEND, s->answered, s->total, FN_OK, 0);
		sc_arena_reset(s->x.arena);
		rc = fni_rpc_call(&s->x, "POST", "/v1/notes", b->body.p, b->body.n, 1);
		if ((rc == FN_PAYLOAD_TOO_LARGE || rc == FN_LIMIT_EXCEEDED) && s->batch > 1) {
			s->batch /= 2; /* the server takes less than we send: smaller batches */
			b->after_n = after_n;
			memcpy(b->after, after, sizeof after);
			continue;
		}
		struct sc_note_results *res = sc_arena_alloc(s->x.arena, sizeof *res);
		if (rc == FN_OK)
			rc = res ? fni_rpc_decode(&s->x, &sc_rec_note_results, res) : FN_NO_MEMORY;
		if (rc == FN_OK)
			rc = check_results(s, b, res);
		if (rc != FN_OK)
			break;
		fni_rpc_progress(&s->x, FN_STEP_PUSH_REPLY, s->answered, s->total, FN_OK, 0);
		b->res = res;
		pthread_mutex_lock(&c->mu);
		rc = fni_st_write(&c->st, apply_txn, b);
		if (rc != FN_OK)
			snprintf(s->x.detail, sizeof s->x.detail, "%s", c->st.detail);
		pthread_mutex_unlock(&c->mu);
		fni_st_release(&c->st); /* the pages the deletes touched */
		if (rc != FN_OK)
			break;
		count_results(s, b);
		fni_rpc_progress(&s->x, FN_STEP_PUSH_SAVED, s->answered, s->total, FN_OK, 0);
	}
	c->net->on_sent = NULL;
	fni_cr_buf_free(&b->body);
	free(b);
	return rc;
}

/* ------------------------------------------------------------ the run --- */

static int save_tls_txn(MDB_txn *t, void *arg)
{
	struct sync *s = arg;
	struct sc_buf b = {0};
	int rc = fni_st_put_u64(&s->c->st, t, "clock_offset", (uint64_t)s->c->clock_offset);
	if (rc == FN_OK && fni_net_session_take(s->c->net, &b) == FN_OK)
		rc = fni_st_put_sealed(&s->c->st, t, DB_META, "tls", 3, b.p, b.n);
	sc_buf_free(&b);
	return rc;
}

/* Why a sync ended, in one word an app can switch on (fieldnote.h). */
static const char *stop_reason(const struct sync *s, int rc)
{
	if (rc == FN_OK)
		return "done";
	if (s->x.stop)
		return s->x.stop;
	switch (rc) {
	case FN_NETWORK_ERROR:
	case FN_TIMEOUT:
		return "network";
	case FN_TLS_ERROR:
		return "tls";
	case FN_TOO_MANY_REQUESTS:
		return "throttled";
	case FN_INTERNAL:
	case FN_UNAVAILABLE:
	case FN_STORE_FULL:
	case FN_MALFORMED_BODY:
		return s->phase ? "server" : "local";
	case FN_DEVICE_REVOKED:
		return "revoked";
	case FN_CANCELLED:
		return "cancelled";
	}
	if (is_session_error(rc))
		return "session";
	if (rc == FN_IO_ERROR || rc == FN_WRONG_KEY || rc == FN_NO_MEMORY || rc == FN_BAD_ARGUMENT)
		return "local";
	return "refused";
}

static char *summary_json(const struct sync *s, int rc)
{
	static const char *const phases[] = {"start", "push", "guidance", "feedback", "end"};
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string(sc_status_name(rc)));
	json_object_set_new(o, "pushed", json_integer((json_int_t)s->pushed));
	json_object_set_new(o, "duplicates", json_integer((json_int_t)s->duplicates));
	json_object_set_new(o, "conflicts", json_integer((json_int_t)s->conflicts));
	json_object_set_new(o, "invalid", json_integer((json_int_t)s->invalid));
	json_object_set_new(o, "held", json_integer((json_int_t)s->held));
	json_object_set_new(o, "guidance_saved", json_integer((json_int_t)s->guidance_saved));
	json_object_set_new(o, "guidance_withdrawn", json_integer((json_int_t)s->withdrawn));
	json_object_set_new(o, "feedback", json_integer((json_int_t)s->feedback));
	json_object_set_new(o, "feedback_available", json_boolean(!s->feedback_unsupported));
	json_object_set_new(o, "retries", json_integer(s->x.retries));
	json_object_set_new(o, "connections", json_integer(s->c->net->connections));
	json_object_set_new(o, "resumed", json_integer(s->c->net->resumed));
	json_object_set_new(o, "tls", json_string(s->c->net->version ? s->c->net->version : ""));
	json_object_set_new(o, "stopped", json_string(stop_reason(s, rc)));
	json_object_set_new(o, "phase", json_string(phases[s->phase]));
	if (s->x.retry_after >= 0)
		json_object_set_new(o, "retry_after", json_integer(s->x.retry_after));
	if (rc != FN_OK)
		json_object_set_new(o, "detail", json_string(s->x.detail[0] ? s->x.detail : sc_status_message(rc)));
	char *txt = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return txt;
}

static int start(struct sync *s)
{
	fn_client *c = s->c;
	struct sc_arena *a = sc_arena_new(4096);
	struct sc_user_summary u;
	MDB_txn *t;
	int rc;

	if (!a)
		return FN_NO_MEMORY;
	pthread_mutex_lock(&c->mu);
	rc = fni_st_read(&c->st, &t);
	if (rc == FN_OK && fni_session_is_revoked(c, t)) {
		fni_st_read_end(t);
		snprintf(s->x.detail, sizeof s->x.detail,
		         "this device (%.128s) was revoked: export the outbox (fn_outbox_export) or re-enrol it under a new "
		         "device id",
		         c->device_id);
		s->local_stop = 1;
		pthread_mutex_unlock(&c->mu);
		sc_arena_free(a);
		return FN_DEVICE_REVOKED;
	}
	if (rc == FN_OK) {
		uint64_t refused;
		fni_ob_counts(c, t, &s->total, &refused); /* queued notes: the first guess of the total */
		rc = fni_meta_token(c, t, s->x.token, sizeof s->x.token);
		if (rc == FN_OK && (rc = fni_meta_user(c, t, a, &u)) == FN_OK)
			snprintf(s->user, sizeof s->user, "%s", u.username.p);
		if (rc == FN_NOT_FOUND)
			rc = FN_UNAUTHORIZED;
		fni_st_read_end(t);
	}
	if (rc == FN_UNAUTHORIZED)
		snprintf(s->x.detail, sizeof s->x.detail, "not signed in: fn_login first");
	else if (rc != FN_OK)
		snprintf(s->x.detail, sizeof s->x.detail, "%s", c->st.detail);
	pthread_mutex_unlock(&c->mu);
	sc_arena_free(a);
	return rc;
}

FN_API void fn_sync_options_init(fn_sync_options *o)
{
	if (!o)
		return;
	memset(o, 0, sizeof *o);
	o->size = sizeof *o;
}

/* The per-call retry policy over the handle's. */
static void apply_options(struct sync *s, const fn_sync_options *so)
{
	fn_sync_options o;
	fn_sync_options_init(&o);
	if (so && so->size >= offsetof(fn_sync_options, flags) + sizeof so->flags)
		memcpy(&o, so, so->size < sizeof o ? so->size : sizeof o);
	if (o.attempts)
		s->x.attempts = o.attempts;
	if (o.flags & FN_SYNC_ONCE)
		s->x.attempts = 1;
	if (o.deadline_ms)
		s->x.deadline = fni_net_now_ms() + o.deadline_ms;
	if (o.max_wait_ms)
		s->x.max_wait_ms = o.max_wait_ms;
}

FN_API int fn_sync_run(fn_client *c, fn_progress_fn progress, void *arg, const volatile int *cancel,
                       char **summary)
{
	return fn_sync_run_with(c, NULL, progress, arg, cancel, summary);
}

FN_API int fn_sync_run_with(fn_client *c, const fn_sync_options *opt, fn_progress_fn progress, void *arg,
                            const volatile int *cancel, char **summary)
{
	struct sync s;
	int rc;

	if (summary)
		*summary = NULL;
	if (!c)
		return FN_BAD_ARGUMENT;
	pthread_mutex_lock(&c->netmu);
	memset(&s, 0, sizeof s);
	s.c = c;
	c->net->connections = c->net->resumed = 0;
	if ((rc = fni_rpc_init(&s.x, c)) != FN_OK) {
		snprintf(s.x.detail, sizeof s.x.detail, "out of memory");
		goto done;
	}
	s.x.progress = progress;
	s.x.arg = arg;
	s.x.cancel = cancel;
	apply_options(&s, opt);
	s.batch = c->opt.batch;
	if (!c->online) {
		rc = FN_BAD_ARGUMENT;
		snprintf(s.x.detail, sizeof s.x.detail, "no server URL was given to fn_client_open");
		goto done;
	}
	if ((rc = start(&s)) != FN_OK)
		goto done;
	s.phase = 1;
	if ((rc = push(&s)) != FN_OK)
		goto done;
	/* attachments follow their notes (the server files them under them) */
	if ((rc = fni_attach_push(&s)) != FN_OK)
		goto done;
	s.phase = 2;
	if ((rc = fni_sync_pull(&s, 1)) != FN_OK)
		goto done;
	s.phase = 3;
	rc = fni_sync_pull(&s, 0);
	if (rc == FN_NOT_FOUND || rc == FN_METHOD_NOT_ALLOWED || rc == FN_FORBIDDEN) {
		/* A server without the feedback feed, or a role without feedback
		 * (a supervisor): the rest of the sync stands. */
		s.feedback_unsupported = 1;
		s.x.stop = NULL;
		rc = FN_OK;
	}
	if (rc == FN_OK)
		s.phase = 4;
done:
	fni_net_close(c->net, 1);
	pthread_mutex_lock(&c->mu);
	if (c->online)
		fni_st_write(&c->st, save_tls_txn, &s);
	if (rc == FN_DEVICE_REVOKED && !s.local_stop)
		fni_session_revoked(c); /* remembered: later syncs stop here without the network */
	else if (is_session_error(rc) && s.x.token[0])
		fni_session_forget(c); /* the server refused the token: forget it; the outbox stays */
	if (rc != FN_OK)
		fni_fail(c, rc, "%s", s.x.detail[0] ? s.x.detail : sc_status_message(rc));
	pthread_mutex_unlock(&c->mu);
	fni_rpc_progress(&s.x, FN_STEP_DONE, s.answered, s.total, rc, 0);
	if (summary)
		*summary = summary_json(&s, rc);
	fni_rpc_end(&s.x);
	pthread_mutex_unlock(&c->netmu);
	return rc;
}
