/* guidance_read.c - guidance lookup, search and the change feed, each
 * showing a reader only the documents meant for their role. */
#include <string.h>

#include "guidance_internal.h"
#include "search.h"
#include "status.h"

/* Whether a reader in `role` may see d (see guidance.h). */
static int for_role(const struct sc_guidance_doc *d, const char *role)
{
	if (!role || !SC_HAS(guidance_doc, d, audience) || d->audience.n == 0)
		return 1;
	for (size_t i = 0; i < d->audience.n; i++)
		if (sc_str_eq(d->audience.v[i], role))
			return 1;
	return 0;
}

int guidance_get(struct guidance *g, struct store_txn *t, const char *role,
                 const char *id, size_t idlen, int fmt, int *gzip,
                 struct sc_arena *arena, struct sc_str *bytes, int64_t *version)
{
	struct sc_str ver, v;
	int rc = store_get(t, g->ver, id, idlen, &ver);
	if (rc != FN_OK)
		return rc;
	if (ver.n != VER_LEN || ver.p[16])
		return FN_NOT_FOUND;
	if ((rc = store_get(t, g->docs, id, idlen, &v)) != FN_OK)
		return rc;
	if (role) {
		struct sc_guidance_doc d = {0};
		if (sc_decode(&sc_rec_guidance_doc, SC_MSGPACK, v.p, v.n, &sc_limits_default, arena, &d, NULL) != FN_OK)
			return FN_INTERNAL;
		if (!for_role(&d, role))
			return FN_NOT_FOUND;
	}
	char key[GZ_KEY_MAX];
	size_t kn = *gzip ? guidance_gz_key(fmt, id, idlen, key) : 0;
	*gzip = 0;
	if (kn && (rc = store_get(t, g->gz, key, kn, &v)) == FN_OK)
		*gzip = 1;
	else if (kn && rc != FN_NOT_FOUND) /* not found: stored before gzip copies */
		return rc;
	else if (fmt == SC_JSON && (rc = store_get(t, g->json, id, idlen, &v)) != FN_OK)
		return rc;
	char *copy = sc_arena_alloc(arena, v.n ? v.n : 1);
	if (!copy)
		return FN_NO_MEMORY;
	memcpy(copy, v.p, v.n);
	*bytes = (struct sc_str){copy, v.n};
	*version = (int64_t)store_key_u64(ver.p);
	return FN_OK;
}

struct list_ctx {
	struct sc_arena *arena;
	const char *role;
	const char *q;
	struct sc_guidance_list *out;
	size_t cap;
	int rc;
};

static int list_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct list_ctx *c = arg;
	struct sc_guidance_doc d = {0};
	(void)key;
	c->rc = sc_decode(&sc_rec_guidance_doc, SC_MSGPACK, val->p, val->n, &sc_limits_default, c->arena, &d, NULL);
	if (c->rc != FN_OK)
		return STORE_SCAN_STOP;
	if (!for_role(&d, c->role) || (c->q && !sc_guidance_matches(&d, (struct sc_str){c->q, strlen(c->q)})))
		return STORE_SCAN_CONTINUE;
	struct sc_guidance_summary *v = sc_arena_grow(c->arena, c->out->items.v, c->out->items.n, &c->cap,
	                                              sizeof *v, 32);
	if (!v) {
		c->rc = FN_NO_MEMORY;
		return STORE_SCAN_STOP;
	}
	c->out->items.v = v;
	struct sc_guidance_summary *s = &c->out->items.v[c->out->items.n++];
	memset(s, 0, sizeof *s);
	sc_project(&sc_rec_guidance_doc, &d, &sc_rec_guidance_summary, s);
	SC_SET(guidance_summary, s, tags); /* the list has always said "tags":[] when there are none */
	return STORE_SCAN_CONTINUE;
}

int guidance_list(struct guidance *g, struct store_txn *t, const char *role,
                  const char *q, struct sc_arena *arena,
                  struct sc_guidance_list *out)
{
	struct list_ctx c = {arena, role, q, out, 0, FN_OK};
	memset(out, 0, sizeof *out);
	SC_SET(guidance_list, out, items);
	int rc = store_scan(t, g->docs, NULL, 0, 0, list_one, &c);
	return rc != FN_OK ? rc : c.rc;
}

struct feed_ctx {
	struct guidance *g;
	struct store_txn *t;
	const char *role;
	struct sc_arena *arena;
	struct sc_change_page *out;
	size_t limit;
	int rc;
};

static int feed_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct feed_ctx *c = arg;
	struct sc_str ver;

	if (c->out->changes.n == c->limit) {
		c->out->more = 1;
		return STORE_SCAN_STOP;
	}
	struct sc_guidance_change *ch = &c->out->changes.v[c->out->changes.n];
	memset(ch, 0, sizeof *ch);
	ch->seq = (int64_t)store_key_u64(key->p);
	ch->id = (struct sc_str){sc_arena_strndup(c->arena, val->p, val->n), val->n};
	if ((c->rc = store_get(c->t, c->g->ver, val->p, val->n, &ver)) != FN_OK || ver.n != VER_LEN) {
		c->rc = c->rc == FN_OK ? FN_INTERNAL : c->rc;
		return STORE_SCAN_STOP;
	}
	ch->version = (int64_t)store_key_u64(ver.p);
	SC_SET(guidance_change, ch, id);
	SC_SET(guidance_change, ch, version);
	SC_SET(guidance_change, ch, seq);
	if (ver.p[16]) {
		ch->withdrawn = 1;
		SC_SET(guidance_change, ch, withdrawn);
	} else {
		struct sc_str doc;
		ch->doc = sc_arena_alloc(c->arena, sizeof *ch->doc);
		if (!ch->doc) {
			c->rc = FN_NO_MEMORY;
			return STORE_SCAN_STOP;
		}
		if ((c->rc = store_get(c->t, c->g->docs, val->p, val->n, &doc)) != FN_OK ||
		    (c->rc = sc_decode(&sc_rec_guidance_doc, SC_MSGPACK, doc.p, doc.n, &sc_limits_default,
		                       c->arena, ch->doc, NULL)) != FN_OK)
			return STORE_SCAN_STOP;
		if (!for_role(ch->doc, c->role)) {
			c->out->next = ch->seq; /* not for this reader: past it */
			return STORE_SCAN_CONTINUE;
		}
		SC_SET(guidance_change, ch, doc);
	}
	c->out->changes.n++;
	c->out->next = ch->seq;
	return STORE_SCAN_CONTINUE;
}

int guidance_changes(struct guidance *g, struct store_txn *t, const char *role,
                     uint64_t since, size_t limit, struct sc_arena *arena,
                     struct sc_change_page *out)
{
	unsigned char start[8];
	struct feed_ctx c = {g, t, role, arena, out, limit, FN_OK};

	memset(out, 0, sizeof *out);
	out->next = (int64_t)since;
	out->changes.v = sc_arena_alloc(arena, (limit ? limit : 1) * sizeof *out->changes.v);
	if (!out->changes.v)
		return FN_NO_MEMORY;
	store_u64_key(since + 1, start);
	int rc = store_scan(t, g->feed, start, 8, 0, feed_one, &c);
	if (rc != FN_OK)
		return rc;
	if (c.rc != FN_OK)
		return c.rc;
	SC_SET(change_page, out, changes);
	SC_SET(change_page, out, next);
	SC_SET(change_page, out, more);
	return FN_OK;
}
