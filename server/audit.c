/* audit.c - hash-chained audit entries: append, page, verify. */
#include "audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hex.h"
#include "mbedtls/sha256.h"
#include "status.h"

#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

struct audit {
	struct store *store;
	store_db log;  /* seq(8) -> audit_entry */
	store_db head; /* "last" -> seq(8) hash(64): the chain's end, kept in
	                  the same transactions so it can never disagree */
};

#define HEAD_KEY "last"
#define HEAD_LEN (8 + 64)

int audit_open(struct audit **out, struct store *s)
{
	struct audit *a = calloc(1, sizeof *a);
	int rc;
	*out = NULL;
	if (!a)
		return FN_NO_MEMORY;
	a->store = s;
	if ((rc = store_db_open(s, "audit.log", &a->log)) != FN_OK ||
	    (rc = store_db_open(s, "audit.head", &a->head)) != FN_OK) {
		free(a);
		return rc;
	}
	*out = a;
	return FN_OK;
}

void audit_close(struct audit *a)
{
	free(a);
}

/* The hash of an entry: SHA-256 over its msgpack without `hash`. */
static int entry_hash(const struct sc_audit_entry *e, char out[65])
{
	struct sc_audit_entry copy = *e;
	struct sc_buf b = {0};
	unsigned char h[32];
	SC_CLEAR(audit_entry, &copy, hash);
	int rc = sc_encode(&sc_rec_audit_entry, SC_MSGPACK, &copy, &b);
	if (rc == FN_OK) {
		mbedtls_sha256((const unsigned char *)b.p, b.n, h, 0);
		sc_hex_encode(h, 32, out);
	}
	sc_buf_free(&b);
	return rc;
}

struct last_ctx {
	uint64_t seq;
	char hash[65];
	int rc;
};

static int take_last(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct last_ctx *c = arg;
	struct sc_arena *ar = sc_arena_new(4096);
	struct sc_audit_entry e = {0};
	if (!ar) {
		c->rc = FN_NO_MEMORY;
		return STORE_SCAN_STOP;
	}
	c->seq = store_key_u64(key->p);
	if (sc_decode(&sc_rec_audit_entry, SC_MSGPACK, val->p, val->n, NULL, ar, &e, NULL) != FN_OK ||
	    !SC_HAS(audit_entry, &e, hash) || e.hash.n != 64)
		c->rc = FN_INTERNAL;
	else
		memcpy(c->hash, e.hash.p, 65);
	sc_arena_free(ar);
	return STORE_SCAN_STOP;
}

static struct sc_str opt(const char *s)
{
	return (struct sc_str){s ? s : "", s ? strlen(s) : 0};
}

int audit_append(struct audit *a, struct store_txn *t, const struct audit_event *ev, int64_t now)
{
	struct last_ctx last = {0, GENESIS, FN_OK};
	struct sc_audit_entry e = {0};
	struct sc_buf b = {0};
	struct sc_str h;
	unsigned char k[8], headv[HEAD_LEN];
	char hash[65];
	int rc = store_get(t, a->head, HEAD_KEY, 4, &h);

	if (rc == FN_OK && h.n == HEAD_LEN) {
		last.seq = store_key_u64(h.p);
		memcpy(last.hash, h.p + 8, 64);
	} else if (rc == FN_OK || rc == FN_NOT_FOUND) {
		/* No head yet: the last entry, if any, is the chain's end. */
		rc = store_scan(t, a->log, NULL, 0, 1, take_last, &last);
		if (rc != FN_OK)
			return rc;
		if (last.rc != FN_OK)
			return last.rc;
	} else {
		return rc;
	}
	e.seq = (int64_t)last.seq + 1;
	e.at = now;
	e.actor = ev->actor.n ? ev->actor : SC_STR_LIT("-");
	e.action = opt(ev->action);
	e.prev = (struct sc_str){last.hash, 64};
	SC_SET(audit_entry, &e, seq);
	SC_SET(audit_entry, &e, at);
	SC_SET(audit_entry, &e, actor);
	SC_SET(audit_entry, &e, action);
	SC_SET(audit_entry, &e, prev);
	if (ev->role) {
		e.role = opt(ev->role);
		SC_SET(audit_entry, &e, role);
	}
	if (ev->device.n) {
		e.device = ev->device;
		SC_SET(audit_entry, &e, device);
	}
	if (ev->record.n) {
		e.record = ev->record;
		SC_SET(audit_entry, &e, record);
	}
	if (ev->outcome) {
		e.outcome = opt(ev->outcome);
		SC_SET(audit_entry, &e, outcome);
	}
	if (ev->address && *ev->address) {
		e.address = opt(ev->address);
		SC_SET(audit_entry, &e, address);
	}
	if ((rc = entry_hash(&e, hash)) != FN_OK)
		return rc;
	e.hash = (struct sc_str){hash, 64};
	SC_SET(audit_entry, &e, hash);
	if ((rc = sc_encode(&sc_rec_audit_entry, SC_MSGPACK, &e, &b)) == FN_OK) {
		store_u64_key((uint64_t)e.seq, k);
		rc = store_put(t, a->log, k, 8, b.p, b.n, STORE_NOOVERWRITE, NULL);
	}
	sc_buf_free(&b);
	if (rc != FN_OK)
		return rc;
	memcpy(headv, k, 8);
	memcpy(headv + 8, hash, 64);
	return store_put(t, a->head, HEAD_KEY, 4, headv, HEAD_LEN, 0, NULL);
}

struct record_job {
	struct audit *a;
	const struct audit_event *e;
	int64_t now;
};

static int record_txn(struct store_txn *t, void *arg)
{
	struct record_job *j = arg;
	return audit_append(j->a, t, j->e, j->now);
}

int audit_record(struct audit *a, const struct audit_event *e, int64_t now)
{
	struct record_job j = {a, e, now};
	return store_write(a->store, record_txn, &j);
}

struct page_ctx {
	struct sc_arena *arena;
	struct sc_audit_page *out;
	size_t limit;
	int rc;
};

static int page_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct page_ctx *c = arg;
	(void)key;
	if (c->out->items.n == c->limit) {
		c->out->more = 1;
		return STORE_SCAN_STOP;
	}
	struct sc_audit_entry *e = &c->out->items.v[c->out->items.n];
	memset(e, 0, sizeof *e);
	if (sc_decode(&sc_rec_audit_entry, SC_MSGPACK, val->p, val->n, NULL, c->arena, e, NULL) != FN_OK) {
		c->rc = FN_INTERNAL;
		return STORE_SCAN_STOP;
	}
	c->out->items.n++;
	c->out->next = e->seq;
	return STORE_SCAN_CONTINUE;
}

int audit_page(struct audit *a, struct store_txn *t, uint64_t since, size_t limit,
               struct sc_arena *arena, struct sc_audit_page *out)
{
	unsigned char k[8];
	struct page_ctx c = {arena, out, limit, FN_OK};
	memset(out, 0, sizeof *out);
	out->next = (int64_t)since;
	out->items.v = sc_arena_alloc(arena, (limit ? limit : 1) * sizeof *out->items.v);
	if (!out->items.v)
		return FN_NO_MEMORY;
	store_u64_key(since + 1, k);
	int rc = store_scan(t, a->log, k, 8, 0, page_one, &c);
	if (rc != FN_OK)
		return rc;
	SC_SET_ALL(audit_page, out);
	return c.rc;
}

struct verify_ctx {
	char prev[65];
	uint64_t expect, checked, bad;
	struct sc_error *err;
	struct sc_arena *arena;
};

static int verify_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct verify_ctx *c = arg;
	struct sc_audit_entry e = {0};
	char hash[65];
	uint64_t seq = key->n == 8 ? store_key_u64(key->p) : 0;

	sc_arena_reset(c->arena);
	if (seq != c->expect) {
		c->bad = c->expect;
		sc_error_set(c->err, FN_CONFLICT, NULL, "entry %llu is missing (next present is %llu)",
		             (unsigned long long)c->expect, (unsigned long long)seq);
		return STORE_SCAN_STOP;
	}
	if (sc_decode(&sc_rec_audit_entry, SC_MSGPACK, val->p, val->n, NULL, c->arena, &e, NULL) != FN_OK ||
	    e.seq != (int64_t)seq || !SC_HAS(audit_entry, &e, hash)) {
		c->bad = seq;
		sc_error_set(c->err, FN_CONFLICT, NULL, "entry %llu does not decode as an audit entry",
		             (unsigned long long)seq);
		return STORE_SCAN_STOP;
	}
	if (e.prev.n != 64 || memcmp(e.prev.p, c->prev, 64) != 0) {
		c->bad = seq;
		sc_error_set(c->err, FN_CONFLICT, NULL, "entry %llu does not link to the entry before it",
		             (unsigned long long)seq);
		return STORE_SCAN_STOP;
	}
	if (entry_hash(&e, hash) != FN_OK || e.hash.n != 64 || memcmp(e.hash.p, hash, 64) != 0) {
		c->bad = seq;
		sc_error_set(c->err, FN_CONFLICT, NULL, "entry %llu was altered: its hash does not match its content",
		             (unsigned long long)seq);
		return STORE_SCAN_STOP;
	}
	memcpy(c->prev, hash, 65);
	c->checked++;
	c->expect++;
	return STORE_SCAN_CONTINUE;
}

int audit_verify(struct audit *a, uint64_t *checked, uint64_t *first_bad, struct sc_error *err)
{
	struct store_txn *t;
	struct verify_ctx c = {GENESIS, 1, 0, 0, err, sc_arena_new(0)};
	int rc;

	*checked = 0;
	*first_bad = 0;
	if (!c.arena)
		return FN_NO_MEMORY;
	if ((rc = store_read_begin(a->store, &t)) != FN_OK) {
		sc_arena_free(c.arena);
		return rc;
	}
	rc = store_scan(t, a->log, NULL, 0, 0, verify_one, &c);
	store_read_end(t);
	sc_arena_free(c.arena);
	*checked = c.checked;
	*first_bad = c.bad;
	if (rc == FN_OK && c.bad)
		return FN_CONFLICT;
	return rc;
}

int audit_head(struct audit *a, uint64_t *seq, char hash[65])
{
	struct store_txn *t;
	struct sc_str h;
	int rc = store_read_begin(a->store, &t);

	*seq = 0;
	memcpy(hash, GENESIS, 65);
	if (rc != FN_OK)
		return rc;
	rc = store_get(t, a->head, HEAD_KEY, 4, &h);
	if (rc == FN_OK && h.n == HEAD_LEN) {
		*seq = store_key_u64(h.p);
		memcpy(hash, h.p + 8, 64);
		hash[64] = 0;
	} else if (rc == FN_OK) {
		rc = FN_INTERNAL;
	} else if (rc == FN_NOT_FOUND) {
		rc = FN_OK; /* an empty log */
	}
	store_read_end(t);
	return rc;
}
