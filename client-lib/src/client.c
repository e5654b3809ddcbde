/* client.c - the handle's errors and the helpers every client file shares
 * (fn_client_open and fn_client_close: open.c). */
#include "client.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "store.h"

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
