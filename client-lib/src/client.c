/* client.c - the handle: open (key check, device id), close, errors, shared helpers. */
#include "client.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "net.h"
#include "outbox.h"
#include "store.h"

/* What the check record holds: opening it proves the key. */
static const char check_text[] = "fieldnote device store, format 1";

FN_API const char *fn_strerror(int status)
{
	return sc_status_message(status);
}

FN_API const char *fn_status_name(int status)
{
	return sc_status_name(status);
}

FN_API void fn_free(void *p)
{
	free(p);
}

FN_API void fn_options_init(fn_options *opt)
{
	if (!opt)
		return;
	memset(opt, 0, sizeof *opt);
	opt->size = sizeof *opt;
}

int fni_fail(fn_client *c, int status, const char *fmt, ...)
{
	va_list ap;
	c->err = status;
	va_start(ap, fmt);
	vsnprintf(c->errtext, sizeof c->errtext, fmt, ap);
	va_end(ap);
	return status;
}

int fni_fail_store(fn_client *c, int status)
{
	if (status == FN_NOT_FOUND)
		return fni_fail(c, status, "not found");
	return fni_fail(c, status, "%s", c->st.detail[0] ? c->st.detail : sc_status_message(status));
}

int fni_read_start(fn_client *c, struct sc_arena **a, MDB_txn **t)
{
	if (!(*a = sc_arena_new(0)))
		return fni_fail(c, FN_NO_MEMORY, "out of memory");
	int rc = fni_st_read(&c->st, t);
	return rc == FN_OK ? FN_OK : fni_fail_store(c, rc);
}

int fni_read_begin(struct read_call *r, fn_client *c, char **out)
{
	memset(r, 0, sizeof *r);
	if (!c || !out)
		return FN_BAD_ARGUMENT;
	*out = NULL;
	r->c = c;
	pthread_mutex_lock(&c->mu);
	return fni_read_start(c, &r->a, &r->t);
}

int fni_read_cursor(struct read_call *r, int db, const char *what)
{
	int rc = mdb_cursor_open(r->t, r->c->st.db[db], &r->cur);
	if (rc == 0)
		return FN_OK;
	r->cur = NULL;
	return fni_fail_store(r->c, fni_st_status(&r->c->st, rc, what));
}

int fni_read_end(struct read_call *r, int rc)
{
	if (!r->c)
		return rc;
	if (r->cur)
		mdb_cursor_close(r->cur);
	fni_st_read_end(r->t);
	fni_cr_buf_free(&r->b);
	sc_arena_free(r->a);
	pthread_mutex_unlock(&r->c->mu);
	r->c = NULL;
	return rc;
}

int64_t fni_now(const fn_client *c)
{
	return (int64_t)time(NULL) + c->clock_offset;
}

struct sc_limits fni_limits(const fn_client *c)
{
	struct sc_limits l = sc_limits_default;
	l.max_body = c->opt.max_reply;
	return l;
}

int fni_record_json(const struct sc_record *rec, const void *in, char **out)
{
	struct sc_buf b = {0};
	*out = NULL;
	int rc = sc_encode(rec, SC_JSON, in, &b);
	if (rc == FN_OK && sc_buf_append(&b, "", 1) != 0)
		rc = FN_NO_MEMORY;
	if (rc != FN_OK) {
		sc_buf_free(&b);
		return rc;
	}
	*out = b.p;
	return FN_OK;
}

FN_API int fn_client_last_error(fn_client *c, char *buf, size_t size)
{
	if (!c) {
		if (buf && size)
			buf[0] = 0;
		return FN_BAD_ARGUMENT;
	}
	pthread_mutex_lock(&c->mu);
	int rc = c->err;
	if (buf && size)
		snprintf(buf, size, "%s", c->errtext);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static int valid_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 128)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") == n;
}

struct init_job {
	fn_client *c;
	const char *want_id; /* from the options, or NULL */
	int created;
};

/* Proves the key (or, on a new store, writes the proof) and settles the
 * device id, in one transaction. */
static int init_txn(MDB_txn *t, void *arg)
{
	struct init_job *j = arg;
	fn_client *c = j->c;
	struct st *s = &c->st;
	struct sc_buf pt = {0};
	MDB_val v;
	int rc;

	rc = fni_st_get_sealed(s, t, DB_META, "check", 5, &pt);
	if (rc == FN_OK && !(pt.n == sizeof check_text - 1 && memcmp(pt.p, check_text, pt.n) == 0))
		rc = FN_WRONG_KEY;
	sc_buf_free(&pt);
	if (rc == FN_OK) {
		/* the key is right */
	} else if (rc == FN_WRONG_KEY) {
		snprintf(s->detail, sizeof s->detail, "the store key is wrong (the check record does not open)");
		return rc;
	} else if (rc == FN_NOT_FOUND) {
		MDB_stat ms;
		/* Data without a check record is not a store we made. */
		if (mdb_stat(t, s->db[DB_OUTBOX], &ms) == 0 && ms.ms_entries) {
			snprintf(s->detail, sizeof s->detail, "the store has no check record: damaged");
			return FN_WRONG_KEY;
		}
		if ((rc = fni_st_put_sealed(s, t, DB_META, "check", 5, check_text, sizeof check_text - 1)) != FN_OK)
			return rc;
		j->created = 1;
	} else {
		return rc;
	}

	rc = fni_st_get(s, t, DB_META, "device_id", 9, &v);
	if (rc == FN_OK && v.mv_size < sizeof c->device_id && !j->want_id) {
		memcpy(c->device_id, v.mv_data, v.mv_size);
		c->device_id[v.mv_size] = 0;
		return FN_OK;
	}
	if (rc != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	if (j->want_id) {
		snprintf(c->device_id, sizeof c->device_id, "%s", j->want_id);
	} else {
		unsigned char r[10];
		if (fni_cr_random(&c->cr, r, sizeof r) != FN_OK)
			return FN_INTERNAL;
		int n = snprintf(c->device_id, sizeof c->device_id, "dev-");
		for (size_t i = 0; i < sizeof r; i++)
			n += snprintf(c->device_id + n, sizeof c->device_id - (size_t)n, "%02x", r[i]);
	}
	return fni_st_put(s, t, DB_META, "device_id", 9, c->device_id, strlen(c->device_id));
}

/* The remembered TLS session and clock offset. */
static void load_state(fn_client *c)
{
	MDB_txn *t;
	struct sc_buf b = {0};
	uint64_t off;

	if (fni_st_read(&c->st, &t) != FN_OK)
		return;
	if (fni_st_get_u64(&c->st, t, "clock_offset", &off) == FN_OK)
		c->clock_offset = (int64_t)off;
	if (c->online && fni_st_get_sealed(&c->st, t, DB_META, "tls", 3, &b) == FN_OK)
		fni_net_session_give(c->net, b.p, b.n);
	fni_st_read_end(t);
	if (b.p)
		fni_cr_wipe(b.p, b.n);
	sc_buf_free(&b);
}

static int open_fail(const fn_options *o, int rc, const char *detail)
{
	if (o && o->open_error && o->open_error_size)
		snprintf(o->open_error, o->open_error_size, "%s", detail);
	return rc;
}

FN_API int fn_client_open(fn_client **out, const fn_options *opt)
{
	fn_options o;
	char detail[256] = "";
	int rc;

	if (!out)
		return FN_BAD_ARGUMENT;
	*out = NULL;
	if (!opt || opt->size < offsetof(fn_options, open_error))
		return open_fail(NULL, FN_BAD_ARGUMENT, "");
	memset(&o, 0, sizeof o);
	memcpy(&o, opt, opt->size < sizeof o ? opt->size : sizeof o);
	if (!o.store_dir || !*o.store_dir || !o.key)
		return open_fail(opt, FN_BAD_ARGUMENT, "store_dir and key are required");
	if (o.device_id && !valid_id(o.device_id))
		return open_fail(opt, FN_BAD_ARGUMENT, "device_id: 1 to 128 of A-Z a-z 0-9 . _ : -");
	if (!o.connect_timeout_ms)
		o.connect_timeout_ms = DEF_CONNECT_MS;
	if (!o.read_timeout_ms)
		o.read_timeout_ms = DEF_READ_MS;
	if (!o.request_timeout_ms)
		o.request_timeout_ms = DEF_REQUEST_MS;
	if (!o.attempts)
		o.attempts = DEF_ATTEMPTS;
	if (!o.backoff_ms)
		o.backoff_ms = DEF_BACKOFF_MS;
	if (!o.batch)
		o.batch = DEF_BATCH;
	if (o.batch > MAX_BATCH)
		o.batch = MAX_BATCH;
	if (!o.max_reply)
		o.max_reply = DEF_MAX_REPLY;

	fn_client *c = calloc(1, sizeof *c);
	if (!c)
		return open_fail(opt, FN_NO_MEMORY, "out of memory");
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		return open_fail(opt, FN_NO_MEMORY, "cannot create a mutex");
	}
	if (pthread_mutex_init(&c->netmu, NULL) != 0) {
		pthread_mutex_destroy(&c->mu);
		free(c);
		return open_fail(opt, FN_NO_MEMORY, "cannot create a mutex");
	}
	/* Allocated even offline (zeroed, never set up), as when it was part of
	 * the handle: sign-out and sync close it either way. */
	if (!(c->net = calloc(1, sizeof *c->net))) {
		rc = FN_NO_MEMORY;
		snprintf(detail, sizeof detail, "out of memory");
		goto fail;
	}
	c->opt = o;
	c->opt.store_dir = c->opt.server_url = c->opt.ca_file = NULL;
	c->opt.cert_file = c->opt.cert_key_file = c->opt.device_id = NULL;
	c->opt.key = NULL;
	c->opt.open_error = NULL;
	if ((rc = fni_cr_init(&c->cr, o.key, detail)) != FN_OK)
		goto fail;
	if ((rc = fni_st_open(&c->st, &c->cr, o.store_dir)) != FN_OK) {
		snprintf(detail, sizeof detail, "%s", c->st.detail);
		goto fail;
	}
	struct init_job job = {c, o.device_id, 0};
	if ((rc = fni_st_write(&c->st, init_txn, &job)) != FN_OK) {
		snprintf(detail, sizeof detail, "%s",
		         rc == FN_WRONG_KEY && !c->st.detail[0] ? "the store key is wrong" : c->st.detail);
		goto fail;
	}
	if ((rc = fni_ob_counts_init(c)) != FN_OK) {
		snprintf(detail, sizeof detail, "%s", c->st.detail);
		goto fail;
	}
	if (o.server_url) {
		if ((rc = fni_net_setup(c->net, &c->cr, &o, detail)) != FN_OK)
			goto fail;
		c->online = 1;
	}
	load_state(c);
	*out = c;
	return FN_OK;
fail:
	fn_client_close(c);
	return open_fail(opt, rc, detail);
}

FN_API void fn_client_close(fn_client *c)
{
	if (!c)
		return;
	if (c->net) {
		fni_net_free(c->net);
		fni_cr_wipe(c->net, sizeof *c->net);
		free(c->net);
	}
	sc_buf_free(&c->user_mp);
	fni_st_close(&c->st);
	fni_cr_free(&c->cr);
	pthread_mutex_destroy(&c->netmu);
	pthread_mutex_destroy(&c->mu);
	fni_cr_wipe(c, sizeof *c);
	free(c);
}
