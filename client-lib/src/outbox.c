/* outbox.c - outbox writes that keep the per-state counts, fn_outbox_count and fn_outbox_export. */
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "crypto.h"
#include "store.h"

/*
 * Why counters: every outbox value is sealed, so counting by state would
 * open every entry. The counts live in meta as plain integers ("count.queued",
 * "count.refused") and change in the same transaction as the entry, so
 * they cannot drift; a store made before they existed gets them once, at
 * open ("count.v" says they are there).
 */

static const char *const count_name[] = {"count.queued", "count.refused"};

static int slot_of(int state)
{
	return state == OB_QUEUED ? 0 : 1;
}

static int count_add(fn_client *c, MDB_txn *t, int state, int delta)
{
	uint64_t n;
	const char *name = count_name[slot_of(state)];
	int rc = fni_st_get_u64(&c->st, t, name, &n);
	if (rc != FN_OK)
		return rc;
	if (delta < 0 && n == 0)
		return FN_OK; /* never below zero, whatever an older writer did */
	return fni_st_put_u64(&c->st, t, name, delta < 0 ? n - 1 : n + 1);
}

/* The state of the entry now under key, or -1 when there is none. */
static int state_at(fn_client *c, MDB_txn *t, const void *key, size_t kn, int *state)
{
	struct sc_buf b = {0};
	struct ob_entry old;
	*state = -1;
	int rc = fni_st_get_sealed(&c->st, t, DB_OUTBOX, key, kn, &b);
	if (rc == FN_NOT_FOUND)
		rc = FN_OK;
	else if (rc == FN_OK && (rc = fni_ob_unpack(b.p, b.n, &old)) == FN_OK)
		*state = old.state;
	fni_cr_buf_free(&b);
	return rc;
}

int fni_ob_store(fn_client *c, MDB_txn *t, const void *key, size_t kn, const struct ob_entry *e)
{
	struct sc_buf val = {0};
	int old, rc = state_at(c, t, key, kn, &old);
	if (rc == FN_OK && old >= 0)
		rc = count_add(c, t, old, -1);
	if (rc == FN_OK && !e && old >= 0)
		rc = fni_st_del(&c->st, t, DB_OUTBOX, key, kn);
	if (rc == FN_OK && e) {
		rc = fni_ob_pack(e, &val);
		if (rc == FN_OK)
			rc = fni_st_put_sealed(&c->st, t, DB_OUTBOX, key, kn, val.p, val.n);
		if (rc == FN_OK)
			rc = count_add(c, t, e->state, +1);
	}
	fni_cr_buf_free(&val);
	return rc;
}

/* Counts every entry once (a store from before the counters). */
static int counts_txn(MDB_txn *t, void *arg)
{
	fn_client *c = arg;
	struct sc_buf b = {0};
	uint64_t have, n[2] = {0, 0};
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = fni_st_get_u64(&c->st, t, "count.v", &have), mrc;
	if (rc != FN_OK || have)
		return rc;
	if ((mrc = mdb_cursor_open(t, c->st.db[DB_OUTBOX], &cur)) != 0)
		return fni_st_status(&c->st, mrc, "counting the outbox");
	for (int op = MDB_FIRST; (mrc = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		struct ob_entry e;
		b.n = 0;
		if ((rc = fni_st_open_value(&c->st, DB_OUTBOX, &k, &v, &b)) != FN_OK || (rc = fni_ob_unpack(b.p, b.n, &e)) != FN_OK)
			break;
		n[slot_of(e.state)]++;
	}
	mdb_cursor_close(cur);
	if (rc == FN_OK && mrc != MDB_NOTFOUND)
		rc = fni_st_status(&c->st, mrc, "counting the outbox");
	for (int i = 0; i < 2 && rc == FN_OK; i++)
		rc = fni_st_put_u64(&c->st, t, count_name[i], n[i]);
	if (rc == FN_OK)
		rc = fni_st_put_u64(&c->st, t, "count.v", 1);
	fni_cr_buf_free(&b);
	return rc;
}

int fni_ob_counts_init(fn_client *c)
{
	MDB_txn *t;
	uint64_t have = 0;
	int rc = fni_st_read(&c->st, &t);
	if (rc == FN_OK) {
		rc = fni_st_get_u64(&c->st, t, "count.v", &have);
		fni_st_read_end(t);
	}
	if (rc == FN_OK && !have)
		rc = fni_st_write(&c->st, counts_txn, c);
	return rc;
}

int fni_ob_counts(fn_client *c, MDB_txn *t, uint64_t *queued, uint64_t *refused)
{
	int rc = fni_st_get_u64(&c->st, t, count_name[0], queued);
	return rc == FN_OK ? fni_st_get_u64(&c->st, t, count_name[1], refused) : rc;
}

FN_API int fn_outbox_count(fn_client *c, uint64_t *queued, uint64_t *refused)
{
	uint64_t q = 0, r = 0;
	MDB_txn *t;
	if (!c)
		return FN_BAD_ARGUMENT;
	pthread_mutex_lock(&c->mu);
	int rc = fni_st_read(&c->st, &t);
	if (rc == FN_OK) {
		rc = fni_ob_counts(c, t, &q, &r);
		fni_st_read_end(t);
	}
	if (rc != FN_OK)
		fni_fail_store(c, rc);
	pthread_mutex_unlock(&c->mu);
	if (queued)
		*queued = rc == FN_OK ? q : 0;
	if (refused)
		*refused = rc == FN_OK ? r : 0;
	return rc;
}

/* --------------------------------------------------------------- export --- */

static const char export_warning[] =
	"PLAINTEXT: this file holds notes about children in clear text, outside the device's encrypted "
	"store. Keep it only as long as it takes to hand the notes on, on an encrypted volume, and delete it "
	"securely afterwards.";

/* Writes all of s to fd. */
static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes text to path through path.tmp (mode 0600, fsync'ed, renamed), so
 * a file under the app's name is always a whole export. */
static int write_file(fn_client *c, const char *path, const char *text)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return fni_fail(c, FN_BAD_ARGUMENT, "the export path is too long");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return fni_fail(c, FN_IO_ERROR, "cannot create %.200s: %s", tmp, strerror(errno));
	int bad = write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0;
	int err = errno;
	if (close(fd) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	if (bad || rename(tmp, path) != 0) {
		if (!bad)
			err = errno;
		unlink(tmp);
		return fni_fail(c, FN_IO_ERROR, "cannot write %.200s: %s", path, strerror(err));
	}
	return FN_OK;
}

FN_API int fn_outbox_export(fn_client *c, const char *path, uint64_t *count_out)
{
	char *list = NULL;
	if (count_out)
		*count_out = 0;
	if (!c)
		return FN_BAD_ARGUMENT;
	if (!path || !*path) {
		pthread_mutex_lock(&c->mu);
		int rc = fni_fail(c, FN_BAD_ARGUMENT, "path is required");
		pthread_mutex_unlock(&c->mu);
		return rc;
	}
	int rc = fni_ob_list_json(c, 1, &list);
	if (rc != FN_OK)
		return rc;
	pthread_mutex_lock(&c->mu);
	json_t *items = json_loads(list, 0, NULL);
	json_t *o = json_object();
	json_object_set_new(o, "warning", json_string(export_warning));
	json_object_set_new(o, "format", json_string("fieldnote outbox export 1"));
	json_object_set_new(o, "device_id", json_string(c->device_id));
	json_object_set_new(o, "exported_at", json_integer(fni_now(c)));
	json_object_set(o, "items", items ? json_object_get(items, "items") : NULL);
	size_t n = items ? json_array_size(json_object_get(items, "items")) : 0;
	char *text = items ? json_dumps(o, JSON_INDENT(1)) : NULL;
	json_decref(o);
	json_decref(items);
	fni_cr_wipe(list, strlen(list));
	free(list);
	rc = text ? write_file(c, path, text) : fni_fail(c, FN_NO_MEMORY, "out of memory");
	if (text) {
		fni_cr_wipe(text, strlen(text));
		free(text);
	}
	if (rc == FN_OK && count_out)
		*count_out = n;
	pthread_mutex_unlock(&c->mu);
	return rc;
}
