/* notes_erase.c - walking note heads and a child's notes, and erasing a
 * note with everything stored about it (for retention; notes_erase.h). */
#include "notes_erase.h"

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "mbedtls/sha256.h"
#include "notes_internal.h"
#include "status.h"


struct heads_ctx {
	struct sc_arena *a;
	notes_head_fn fn;
	void *arg;
};

static int head_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct heads_ctx *c = arg;
	struct sc_note_head h = {0};
	(void)key;
	if (sc_decode(&sc_rec_note_head, SC_MSGPACK, val->p, val->n, NULL, c->a, &h, NULL) != FN_OK)
		return FN_INTERNAL;
	return c->fn(&h, c->arg);
}

int notes_heads_scan(struct notes *ns, struct store_txn *t, const char *after, size_t n,
                     struct sc_arena *a, notes_head_fn fn, void *arg)
{
	struct heads_ctx c = {a, fn, arg};
	struct dbkey start = {.n = 0};
	if (n) /* the first key after `after` is `after` and a 0 byte */
		dbkey_str(&start, (struct sc_str){after, n});
	return store_scan(t, ns->heads, n ? start.b : NULL, start.n, 0, head_one, &c);
}

int notes_head(struct notes *ns, struct store_txn *t, struct sc_str id, struct sc_arena *a,
               struct sc_note_head *out)
{
	if (id.n == 0 || id.n > 64)
		return FN_NOT_FOUND;
	return notes_head_get(ns, t, id, a, out);
}

struct child_ctx {
	struct sc_str prefix;
	struct sc_arena *a;
	struct sc_strs *out;
	size_t cap;
	int rc;
};

static int child_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct child_ctx *c = arg;
	(void)val;
	if (key->n <= c->prefix.n + 8 || memcmp(key->p, c->prefix.p, c->prefix.n) != 0)
		return STORE_SCAN_STOP;
	struct sc_str *v = sc_arena_grow(c->a, c->out->v, c->out->n, &c->cap, sizeof *v, 16);
	size_t off = c->prefix.n + 8;
	char *id = sc_arena_strndup(c->a, key->p + off, key->n - off);
	if (!v || !id) {
		c->rc = FN_NO_MEMORY;
		return STORE_SCAN_STOP;
	}
	c->out->v = v;
	v[c->out->n++] = (struct sc_str){id, key->n - off};
	return STORE_SCAN_CONTINUE;
}

int notes_child_ids(struct notes *ns, struct store_txn *t, struct sc_str child_ref,
                    struct sc_arena *a, struct sc_strs *out)
{
	struct dbkey prefix = {.n = 0};
	dbkey_str(&prefix, child_ref);
	memset(out, 0, sizeof *out);
	struct child_ctx c = {{(const char *)prefix.b, prefix.n}, a, out, 0, FN_OK};
	int rc = store_scan(t, ns->by_child, prefix.b, prefix.n, 0, child_one, &c);
	return rc != FN_OK ? rc : c.rc;
}

static int key_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct notes_erase_keys *c = arg;
	if (key->n != c->prefix.n + c->suffix || memcmp(key->p, c->prefix.p, c->prefix.n) != 0)
		return STORE_SCAN_STOP;
	if (c->n == NOTES_ERASE_KEYS_MAX || key->n > DBKEY_MAX)
		return FN_INTERNAL;
	mbedtls_sha256_update(c->sha, (const unsigned char *)val->p, val->n);
	memcpy(c->keys[c->n].b, key->p, key->n);
	c->keys[c->n++].n = key->n;
	return STORE_SCAN_CONTINUE;
}

int notes_erase_collect(struct store_txn *t, store_db db, struct sc_str id, size_t suffix,
                        struct notes_erase_keys *c)
{
	struct dbkey prefix = {.n = 0};
	dbkey_str(&prefix, id);
	c->n = 0;
	c->suffix = suffix;
	c->prefix = (struct sc_str){(const char *)prefix.b, prefix.n};
	return store_scan(t, db, prefix.b, prefix.n, 0, key_one, c);
}

int notes_erase_del(struct store_txn *t, store_db db, const void *k, size_t n, uint64_t *count)
{
	int rc = store_del(t, db, k, n);
	if (rc == FN_OK)
		(*count)++;
	return rc == FN_NOT_FOUND ? FN_OK : rc;
}

/* Index entries: receipt times, author, queue and child entries, head. */
static int erase_indexes(struct notes *ns, struct store_txn *t, const struct sc_note_head *h,
                         const struct notes_erase_keys *revs, struct notes_erased *out)
{
	struct dbkey ak = {.n = 0}, qk = notes_queue_key(h), ck = notes_child_key(h->child_ref, h->occurred_at, h->id);
	dbkey_str(&ak, h->author);
	dbkey_u64(&ak, (uint64_t)h->received_at);
	dbkey_raw(&ak, h->id);
	int rc = FN_OK;
	for (size_t i = 0; i < revs->n && rc == FN_OK; i++)
		rc = notes_erase_del(t, ns->recv, revs->keys[i].b, revs->keys[i].n, &out->index_entries);
	if (rc == FN_OK)
		rc = notes_erase_del(t, ns->by_author, ak.b, ak.n, &out->index_entries);
	if (rc == FN_OK)
		rc = notes_erase_del(t, ns->queue, qk.b, qk.n, &out->index_entries);
	if (rc == FN_OK)
		rc = notes_erase_del(t, ns->by_child, ck.b, ck.n, &out->index_entries);
	if (rc == FN_OK)
		rc = notes_erase_del(t, ns->heads, h->id.p, h->id.n, &out->index_entries);
	return rc;
}

static int erase_all(struct notes *ns, struct store_txn *t, const struct sc_note_head *h,
                     struct notes_erase_keys *revs, struct notes_erased *out)
{
	int rc = FN_OK;
	for (size_t i = 0; i < revs->n && rc == FN_OK; i++)
		rc = notes_erase_del(t, ns->revs, revs->keys[i].b, revs->keys[i].n, &out->revisions);
	return rc == FN_OK ? erase_indexes(ns, t, h, revs, out) : rc;
}

int notes_erase(struct notes *ns, struct store_txn *t, const struct sc_note_head *h, int dry,
                struct notes_erased *out)
{
	/* A list of up to 1000 keys: too big for a thread's stack. */
	struct notes_erase_keys *revs = malloc(sizeof *revs);
	mbedtls_sha256_context sha;
	unsigned char digest[32];
	int rc = revs ? FN_OK : FN_NO_MEMORY;

	mbedtls_sha256_init(&sha);
	mbedtls_sha256_starts(&sha, 0);
	if (rc == FN_OK) {
		revs->sha = &sha;
		rc = notes_erase_collect(t, ns->revs, h->id, 4, revs);
	}
	/* The reviews are hashed after the revisions (what the audit names)
	 * and, not dry, erased by the review module there and then. */
	if (rc == FN_OK && ns->review.erase)
		rc = ns->review.erase(ns->review.arg, t, h, dry, &sha, out);
	mbedtls_sha256_finish(&sha, digest);
	mbedtls_sha256_free(&sha);
	sc_hex_encode(digest, 32, out->hash);
	if (rc == FN_OK && dry) {
		/* what erase_all would count: receipts and the head, author,
		 * queue and child entries */
		out->revisions += revs->n;
		out->index_entries += revs->n + 4;
	} else if (rc == FN_OK) {
		rc = erase_all(ns, t, h, revs, out);
	}
	free(revs);
	return rc;
}
