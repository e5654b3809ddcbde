/* codec_msgpack.c - records to and from msgpack through msgpack-c, driven by the field tables. */
#include "codec.h"

#include <msgpack.h>

/* ----------------------------------------------------------- decode --- */

const char *sc_mp_kind(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: return "nil";
	case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: return "a float";
	case MSGPACK_OBJECT_STR: return "a string";
	case MSGPACK_OBJECT_ARRAY: return "a list";
	case MSGPACK_OBJECT_MAP: return "a map";
	case MSGPACK_OBJECT_BIN: return "binary";
	case MSGPACK_OBJECT_EXT: return "an ext value";
	}
	return "an unknown type";
}

static int wrong_type(struct sc_ctx *c, const char *want, const msgpack_object *o)
{
	return sc_fail(c, FN_VALIDATION_FAILED, "expected %s, got %s", want, sc_mp_kind(o));
}

static int map_object(struct sc_ctx *c, const struct sc_record *rec, const msgpack_object *o,
                      void *out);

static int map_str(struct sc_ctx *c, const struct sc_field *f, const msgpack_object *o,
                   bool item, struct sc_str *dst)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return wrong_type(c, "a string", o);
	int rc = sc_check_str(c, f, o->via.str.ptr, o->via.str.size, item);
	if (rc)
		return rc;
	return sc_copy_str(c, o->via.str.ptr, o->via.str.size, dst);
}

static int map_value(struct sc_ctx *c, const struct sc_field *f, const msgpack_object *o, void *dst)
{
	int rc;
	switch (f->type) {
	case SC_STR:
	case SC_ENUM:
		return map_str(c, f, o, false, dst);
	case SC_INT: {
		int64_t v;
		if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
			if (o->via.u64 > INT64_MAX)
				return sc_fail(c, FN_VALIDATION_FAILED, "integer out of range");
			v = (int64_t)o->via.u64;
		} else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
			v = o->via.i64;
		} else {
			return wrong_type(c, "an integer", o);
		}
		if ((rc = sc_check_int(c, f, v)))
			return rc;
		memcpy(dst, &v, sizeof v);
		return FN_OK;
	}
	case SC_BOOL: {
		if (o->type != MSGPACK_OBJECT_BOOLEAN)
			return wrong_type(c, "true or false", o);
		bool v = o->via.boolean;
		memcpy(dst, &v, sizeof v);
		return FN_OK;
	}
	case SC_STRS: {
		if (o->type != MSGPACK_OBJECT_ARRAY)
			return wrong_type(c, "a list of strings", o);
		size_t n = o->via.array.size;
		void *items;
		if ((rc = sc_check_count(c, f, n)) ||
		    (rc = sc_alloc_items(c, n, sizeof(struct sc_str), &items)))
			return rc;
		struct sc_strs l = { items, n };
		for (size_t i = 0; i < n; i++) {
			size_t mark = sc_path_index(c, i);
			if ((rc = map_str(c, f, &o->via.array.ptr[i], true, &l.v[i])))
				return rc;
			sc_path_pop(c, mark);
		}
		memcpy(dst, &l, sizeof l);
		return FN_OK;
	}
	case SC_OBJ: {
		if (o->type != MSGPACK_OBJECT_MAP)
			return wrong_type(c, "a map", o);
		void *sub;
		if ((rc = sc_alloc_items(c, 1, f->sub->size, &sub)) ||
		    (rc = map_object(c, f->sub, o, sub)))
			return rc;
		sc_obj_put(dst, sub);
		return FN_OK;
	}
	case SC_OBJS: {
		if (o->type != MSGPACK_OBJECT_ARRAY)
			return wrong_type(c, "a list of maps", o);
		size_t n = o->via.array.size;
		void *v;
		if ((rc = sc_check_count(c, f, n)) || (rc = sc_alloc_items(c, n, f->sub->size, &v)))
			return rc;
		for (size_t i = 0; i < n; i++) {
			size_t mark = sc_path_index(c, i);
			const msgpack_object *e = &o->via.array.ptr[i];
			if (e->type != MSGPACK_OBJECT_MAP)
				return wrong_type(c, "a map", e);
			if ((rc = map_object(c, f->sub, e, (char *)v + i * f->sub->size)))
				return rc;
			sc_path_pop(c, mark);
		}
		sc_items_put(dst, v, n);
		return FN_OK;
	}
	}
	return sc_fail(c, FN_INTERNAL, "unknown field type %d", (int)f->type);
}

/* o is a map. Keys are matched to fields first (so a duplicate is caught
 * wherever it is), then fields are filled in table order, which makes the
 * first failing field the same whatever order the sender used. In
 * best-effort mode a bad key is skipped (a duplicated field is left out:
 * neither value can be trusted) and the fields after a failing one are
 * still filled; the return is then the first error's status. */
static int map_object(struct sc_ctx *c, const struct sc_record *rec, const msgpack_object *o,
                      void *out)
{
	const msgpack_object *vals[SC_MAX_FIELDS] = { 0 };
	uint64_t seen = 0, dup = 0, has = 0;
	int bad = FN_OK;

	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		int rc = FN_OK;
		if (kv->key.type != MSGPACK_OBJECT_STR) {
			rc = sc_fail(c, FN_MALFORMED_BODY, "msgpack: a map key is %s, not a string",
			             sc_mp_kind(&kv->key));
		} else {
			const struct sc_field *f = sc_record_field(rec, kv->key.via.str.ptr,
			                                           kv->key.via.str.size);
			if (!f)
				continue; /* unknown: a newer sender's field */
			size_t idx = (size_t)(f - rec->fields);
			if ((seen >> idx) & 1u) {
				size_t mark = sc_path_field(c, f->name);
				rc = sc_fail(c, FN_MALFORMED_BODY, "msgpack: duplicate key");
				sc_path_pop(c, mark);
				dup |= 1ull << idx;
			}
			seen |= 1ull << idx;
			vals[idx] = &kv->val;
		}
		if (rc) {
			if (!sc_go_on(c, rc))
				return rc;
			if (!bad)
				bad = rc;
		}
	}
	for (size_t i = 0; i < rec->nfields; i++) {
		const struct sc_field *f = &rec->fields[i];
		const msgpack_object *v = vals[i];
		if ((dup >> i) & 1u)
			continue; /* reported above */
		size_t mark = sc_path_field(c, f->name);
		int rc = FN_OK;
		if (v && v->type == MSGPACK_OBJECT_NIL)
			v = NULL;
		if (!v) {
			if (f->flags & SC_REQ)
				rc = sc_fail(c, FN_VALIDATION_FAILED, "required field is missing");
		} else if ((rc = map_value(c, f, v, sc_field_ptr(out, f))) == FN_OK) {
			has |= 1ull << i;
		}
		sc_path_pop(c, mark);
		if (rc) {
			if (!sc_go_on(c, rc))
				return rc;
			if (!bad)
				bad = rc;
		}
	}
	memcpy(out, &has, sizeof has);
	return bad;
}

int sc_mp_map_record(struct sc_ctx *c, const struct sc_record *rec, const msgpack_object *o,
                     void *out)
{
	if (o->type != MSGPACK_OBJECT_MAP)
		return wrong_type(c, "a map", o);
	return map_object(c, rec, o, out);
}

int sc_mp_parse(struct sc_ctx *c, const void *buf, size_t len, msgpack_unpacked *u)
{
	int rc = sc_mp_scan(c, buf, len);
	if (rc)
		return rc;
	size_t off = 0;
	msgpack_unpack_return ur = msgpack_unpack_next(u, buf, len, &off);
	if (ur == MSGPACK_UNPACK_NOMEM_ERROR)
		return sc_fail(c, FN_NO_MEMORY, "msgpack-c: out of memory (%d)", (int)ur);
	if (ur != MSGPACK_UNPACK_SUCCESS)
		return sc_fail(c, FN_MALFORMED_BODY, "msgpack-c: cannot decode (%d)", (int)ur);
	if (off != len)
		return sc_fail(c, FN_MALFORMED_BODY, "msgpack: %zu bytes after the end of the body",
		               len - off);
	if (u->data.type != MSGPACK_OBJECT_MAP)
		return sc_fail(c, FN_MALFORMED_BODY, "msgpack: the body is %s, not a map",
		               sc_mp_kind(&u->data));
	return FN_OK;
}

int sc_mp_decode(struct sc_ctx *c, const struct sc_record *rec, const void *buf, size_t len,
                 void *out)
{
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	int rc = sc_mp_parse(c, buf, len, &u);
	if (rc == FN_OK)
		rc = map_object(c, rec, &u.data, out);
	msgpack_unpacked_destroy(&u);
	return rc;
}

/* ----------------------------------------------------------- encode --- */

static int write_buf(void *data, const char *p, size_t n)
{
	return sc_buf_append(data, p, n);
}

static int pack_str(msgpack_packer *pk, const char *p, size_t n)
{
	if (n > UINT32_MAX || (!p && n))
		return FN_BAD_ARGUMENT;
	if (msgpack_pack_str(pk, n) || (n && msgpack_pack_str_body(pk, p, n)))
		return FN_NO_MEMORY;
	return FN_OK;
}

static int pack_record(msgpack_packer *pk, const struct sc_record *rec, const void *in, int depth);

static int pack_value(msgpack_packer *pk, const struct sc_field *f, const void *v, int depth)
{
	int rc;
	switch (f->type) {
	case SC_STR:
	case SC_ENUM: {
		const struct sc_str *s = v;
		return pack_str(pk, s->p, s->n);
	}
	case SC_INT: {
		int64_t i;
		memcpy(&i, v, sizeof i);
		return msgpack_pack_int64(pk, i) ? FN_NO_MEMORY : FN_OK;
	}
	case SC_BOOL: {
		bool b;
		memcpy(&b, v, sizeof b);
		return (b ? msgpack_pack_true(pk) : msgpack_pack_false(pk)) ? FN_NO_MEMORY : FN_OK;
	}
	case SC_STRS: {
		const struct sc_strs *l = v;
		if ((l->n && !l->v) || l->n > UINT32_MAX)
			return FN_BAD_ARGUMENT;
		if (msgpack_pack_array(pk, l->n))
			return FN_NO_MEMORY;
		for (size_t i = 0; i < l->n; i++)
			if ((rc = pack_str(pk, l->v[i].p, l->v[i].n)))
				return rc;
		return FN_OK;
	}
	case SC_OBJ: {
		const void *p = sc_obj_get(v);
		if (!p)
			return FN_BAD_ARGUMENT;
		return pack_record(pk, f->sub, p, depth + 1);
	}
	case SC_OBJS: {
		struct sc_items l = sc_items_get(v);
		if ((l.n && !l.v) || l.n > UINT32_MAX)
			return FN_BAD_ARGUMENT;
		if (msgpack_pack_array(pk, l.n))
			return FN_NO_MEMORY;
		for (size_t i = 0; i < l.n; i++)
			if ((rc = pack_record(pk, f->sub, (const char *)l.v + i * f->sub->size,
			                      depth + 1)))
				return rc;
		return FN_OK;
	}
	}
	return FN_BAD_ARGUMENT;
}

static int pack_record(msgpack_packer *pk, const struct sc_record *rec, const void *in, int depth)
{
	if (depth > SC_ENCODE_MAX_DEPTH)
		return FN_BAD_ARGUMENT;
	uint64_t has;
	memcpy(&has, in, sizeof has);
	size_t count = 0;
	for (size_t i = 0; i < rec->nfields; i++)
		count += (has >> i) & 1u;
	if (msgpack_pack_map(pk, count))
		return FN_NO_MEMORY;
	for (size_t i = 0; i < rec->nfields; i++) {
		if (!((has >> i) & 1u))
			continue;
		const struct sc_field *f = &rec->fields[i];
		int rc = pack_str(pk, f->name, strlen(f->name));
		if (!rc)
			rc = pack_value(pk, f, sc_field_cptr(in, f), depth);
		if (rc)
			return rc;
	}
	return FN_OK;
}

int sc_mp_encode(const struct sc_record *rec, const void *in, struct sc_buf *out)
{
	msgpack_packer pk;
	msgpack_packer_init(&pk, out, write_buf);
	return pack_record(&pk, rec, in, 0);
}
