/* items.c - a batch body {KEY: [item, ...]} decoded item by item, so that one bad item does not reject the others. */
#include "codec.h"

#include <jansson.h>
#include <msgpack.h>

/*
 * The envelope (size, pre-scan, parse, top-level map, KEY a list of at most
 * max_items) is all or nothing, as in sc_decode. Each item then goes
 * through the codecs' own record mapping (sc_mp_map_record,
 * sc_json_map_record) with a context of its own in best-effort mode, so an
 * item's errors name paths relative to the item and stay out of the
 * envelope's err.
 */

/* One format's record mapping, on a value of that format. */
typedef int (*map_fn)(struct sc_ctx *c, const struct sc_record *rec, const void *value, void *out);

struct run {
	struct sc_ctx *c; /* the envelope's: its err is the caller's */
	const struct sc_record *rec;
	const char *key;
	size_t max_items;
	sc_item_fn fn;
	void *arg;
};

static int map_mp(struct sc_ctx *c, const struct sc_record *rec, const void *value, void *out)
{
	return sc_mp_map_record(c, rec, value, out);
}

static int map_json(struct sc_ctx *c, const struct sc_record *rec, const void *value, void *out)
{
	return sc_json_map_record(c, rec, value, out);
}

static int check_count(struct run *r, size_t n)
{
	if (n <= r->max_items)
		return FN_OK;
	size_t mark = sc_path_field(r->c, r->key);
	int rc = sc_fail(r->c, FN_LIMIT_EXCEEDED, "more than %zu items (%zu)", r->max_items, n);
	sc_path_pop(r->c, mark);
	return rc;
}

static int not_a_list(struct run *r, const char *kind)
{
	size_t mark = sc_path_field(r->c, r->key);
	int rc = sc_fail(r->c, FN_VALIDATION_FAILED, "expected a list of maps, got %s", kind);
	sc_path_pop(r->c, mark);
	return rc;
}

static int no_key(struct run *r)
{
	return sc_fail(r->c, FN_NOT_FOUND, "the body has no \"%s\" list", r->key);
}

/* Decodes item i into a fresh struct and hands it to fn. FN_OK to go on;
 * otherwise what ends the call, with the envelope's err filled. */
static int one_item(struct run *r, size_t i, map_fn map, const void *value)
{
	struct sc_error ie;
	struct sc_ctx ic;
	void *item;
	sc_ctx_init(&ic, &r->c->lim, r->c->a, &ie);
	ic.best_effort = true;
	int rc = sc_alloc_items(&ic, 1, r->rec->size, &item);
	if (rc == FN_OK)
		rc = map(&ic, r->rec, value, item);
	if (rc != FN_OK && !sc_go_on(&ic, rc)) {
		*r->c->err = ie; /* out of memory: not about this item */
		return rc;
	}
	rc = r->fn(i, ie.status, item, &ie, r->arg);
	if (rc)
		return sc_error_set(r->c->err, rc, NULL, "stopped by the callback at item %zu", i);
	return FN_OK;
}

/* The list under KEY in the top-level map o, or the envelope's status. */
static int mp_find(struct run *r, const msgpack_object *o, const msgpack_object **list)
{
	size_t klen = strlen(r->key);
	*list = NULL;
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR)
			return sc_fail(r->c, FN_MALFORMED_BODY, "msgpack: a map key is %s, not a string",
			               sc_mp_kind(&kv->key));
		if (kv->key.via.str.size != klen || memcmp(kv->key.via.str.ptr, r->key, klen) != 0)
			continue; /* unknown top-level keys are ignored */
		if (*list) {
			size_t mark = sc_path_field(r->c, r->key);
			int rc = sc_fail(r->c, FN_MALFORMED_BODY, "msgpack: duplicate key");
			sc_path_pop(r->c, mark);
			return rc;
		}
		*list = &kv->val;
	}
	if (!*list || (*list)->type == MSGPACK_OBJECT_NIL)
		return no_key(r);
	if ((*list)->type != MSGPACK_OBJECT_ARRAY)
		return not_a_list(r, sc_mp_kind(*list));
	return check_count(r, (*list)->via.array.size);
}

static int mp_items(struct run *r, const void *buf, size_t len)
{
	msgpack_unpacked u;
	const msgpack_object *list = NULL;
	msgpack_unpacked_init(&u);
	int rc = sc_mp_parse(r->c, buf, len, &u);
	if (rc == FN_OK)
		rc = mp_find(r, &u.data, &list);
	for (uint32_t i = 0; rc == FN_OK && i < list->via.array.size; i++)
		rc = one_item(r, i, map_mp, &list->via.array.ptr[i]);
	msgpack_unpacked_destroy(&u);
	return rc;
}

static int json_items(struct run *r, const void *buf, size_t len)
{
	json_t *root;
	int rc = sc_json_parse(r->c, buf, len, &root);
	if (rc)
		return rc;
	const json_t *list = json_object_get(root, r->key);
	if (!list || json_is_null(list))
		rc = no_key(r);
	else if (!json_is_array(list))
		rc = not_a_list(r, sc_json_kind(list));
	else
		rc = check_count(r, json_array_size(list));
	for (size_t i = 0; rc == FN_OK && i < json_array_size(list); i++)
		rc = one_item(r, i, map_json, json_array_get(list, i));
	json_decref(root);
	return rc;
}

int sc_decode_items(const struct sc_record *item_rec, const char *key, enum sc_format fmt,
                    const void *buf, size_t len, const struct sc_limits *lim, size_t max_items,
                    struct sc_arena *a, sc_item_fn fn, void *arg, struct sc_error *err)
{
	struct sc_error local;
	struct sc_ctx c;
	if (!err)
		err = &local;
	sc_ctx_init(&c, lim, a, err);
	if (!item_rec || !key || !a || !fn || (!buf && len))
		return sc_fail(&c, FN_BAD_ARGUMENT, "sc_decode_items: NULL argument");
	if (len > c.lim.max_body)
		return sc_fail(&c, FN_PAYLOAD_TOO_LARGE, "the body is %zu bytes; the limit is %zu",
		               len, c.lim.max_body);
	struct run r = { &c, item_rec, key, max_items ? max_items : c.lim.max_count, fn, arg };
	switch (fmt) {
	case SC_MSGPACK:
		return mp_items(&r, buf, len);
	case SC_JSON:
		return json_items(&r, buf, len);
	}
	return sc_fail(&c, FN_BAD_ARGUMENT, "sc_decode_items: unknown format %d", (int)fmt);
}
