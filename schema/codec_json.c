/* codec_json.c - records to and from JSON through jansson, driven by the field tables. */
#include "codec.h"

#include <jansson.h>

#include "hex.h"

/* ---------------------------------------------------------- pre-scan --- */

/* Bytes that one \u escape (four hex digits) at p (pointing at the 'u') decodes to; a
 * surrogate counts 2, so a pair makes the 4 of its UTF-8 form. */
static size_t escape_bytes(const unsigned char *p)
{
	unsigned v = 0;
	for (int k = 1; k <= 4; k++) {
		int h = sc_hex_digit(p[k]);
		if (h < 0)
			return 1; /* jansson will reject it */
		v = v << 4 | (unsigned)h;
	}
	if (v < 0x80)
		return 1;
	if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
		return 2;
	return 3;
}

/* A byte that starts a number, true, false or null. */
static bool scalar_start(unsigned ch)
{
	return (ch >= '0' && ch <= '9') || ch == '-' || ch == 't' || ch == 'f' || ch == 'n';
}

/*
 * jansson parses recursively (it stops at depth 2048) and builds every value
 * it reads, so nesting, item counts, string lengths and the number of values
 * are checked here first, on the raw bytes: brackets outside strings give
 * the depth, commas the item counts, and string lengths are counted as
 * decoded. A value starts at a bracket, a quote (keys count: jansson builds
 * them too) or the first byte of a scalar, which follows a structural byte
 * (whitespace aside), so "123" counts once. Syntax is left to jansson; this
 * only needs to be right for input jansson would accept.
 */
static int json_scan(struct sc_ctx *c, const unsigned char *p, size_t len)
{
	size_t commas[SC_MAX_DEPTH_CAP]; /* per open container */
	size_t depth = 0, values = 0;
	bool after_structural = true; /* the last byte outside whitespace was [ { , : or none */
	const struct sc_limits *lim = &c->lim;
	size_t max_depth = lim->max_depth < SC_MAX_DEPTH_CAP ? lim->max_depth : SC_MAX_DEPTH_CAP;

	for (size_t i = 0; i < len; i++) {
		unsigned ch = p[i];
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			continue;
		bool starts = ch == '"' || ch == '[' || ch == '{' || (after_structural && scalar_start(ch));
		after_structural = ch == '[' || ch == '{' || ch == ',' || ch == ':';
		if (starts && ++values > lim->max_values)
			return sc_fail(c, FN_LIMIT_EXCEEDED, "JSON: more than %zu values in the body (byte %zu)",
			               lim->max_values, i);
		switch (ch) {
		case '"': {
			size_t n = 0, at = i;
			for (i++; i < len && p[i] != '"'; i++) {
				if (p[i] == '\\' && i + 1 < len) {
					if (p[i + 1] == 'u' && len - i > 5) {
						n += escape_bytes(p + i + 1);
						i += 5;
					} else {
						n++;
						i++;
					}
				} else {
					n++;
				}
				if (n > lim->max_str)
					return sc_fail(c, FN_LIMIT_EXCEEDED,
					               "JSON: string at byte %zu is longer than %zu bytes",
					               at, lim->max_str);
			}
			break;
		}
		case '[':
		case '{':
			if (depth >= max_depth)
				return sc_fail(c, FN_LIMIT_EXCEEDED,
				               "JSON: nested deeper than %zu at byte %zu", max_depth, i);
			commas[depth++] = 0;
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		case ',':
			if (depth > 0 && ++commas[depth - 1] >= lim->max_count)
				return sc_fail(c, FN_LIMIT_EXCEEDED,
				               "JSON: more than %zu items at byte %zu", lim->max_count, i);
			break;
		}
	}
	return FN_OK;
}

/* ----------------------------------------------------------- decode --- */

const char *sc_json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number with a fraction or exponent";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "an unknown type";
}

static int wrong_type(struct sc_ctx *c, const char *want, const json_t *v)
{
	return sc_fail(c, FN_VALIDATION_FAILED, "expected %s, got %s", want, sc_json_kind(v));
}

static int map_object(struct sc_ctx *c, const struct sc_record *rec, const json_t *o, void *out);

static int map_str(struct sc_ctx *c, const struct sc_field *f, const json_t *v, bool item,
                   struct sc_str *dst)
{
	if (!json_is_string(v))
		return wrong_type(c, "a string", v);
	const char *p = json_string_value(v);
	size_t n = json_string_length(v);
	int rc = sc_check_str(c, f, p, n, item);
	if (rc)
		return rc;
	return sc_copy_str(c, p, n, dst);
}

static int map_value(struct sc_ctx *c, const struct sc_field *f, const json_t *v, void *dst)
{
	int rc;
	switch (f->type) {
	case SC_STR:
	case SC_ENUM:
		return map_str(c, f, v, false, dst);
	case SC_INT: {
		if (!json_is_integer(v))
			return wrong_type(c, "an integer", v);
		int64_t i = (int64_t)json_integer_value(v);
		if ((rc = sc_check_int(c, f, i)))
			return rc;
		memcpy(dst, &i, sizeof i);
		return FN_OK;
	}
	case SC_BOOL: {
		if (!json_is_boolean(v))
			return wrong_type(c, "true or false", v);
		bool b = json_is_true(v);
		memcpy(dst, &b, sizeof b);
		return FN_OK;
	}
	case SC_STRS: {
		if (!json_is_array(v))
			return wrong_type(c, "a list of strings", v);
		size_t n = json_array_size(v);
		void *items;
		if ((rc = sc_check_count(c, f, n)) ||
		    (rc = sc_alloc_items(c, n, sizeof(struct sc_str), &items)))
			return rc;
		struct sc_strs l = { items, n };
		for (size_t i = 0; i < n; i++) {
			size_t mark = sc_path_index(c, i);
			if ((rc = map_str(c, f, json_array_get(v, i), true, &l.v[i])))
				return rc;
			sc_path_pop(c, mark);
		}
		memcpy(dst, &l, sizeof l);
		return FN_OK;
	}
	case SC_OBJ: {
		if (!json_is_object(v))
			return wrong_type(c, "an object", v);
		void *sub;
		if ((rc = sc_alloc_items(c, 1, f->sub->size, &sub)) ||
		    (rc = map_object(c, f->sub, v, sub)))
			return rc;
		sc_obj_put(dst, sub);
		return FN_OK;
	}
	case SC_OBJS: {
		if (!json_is_array(v))
			return wrong_type(c, "a list of objects", v);
		size_t n = json_array_size(v);
		void *items;
		if ((rc = sc_check_count(c, f, n)) ||
		    (rc = sc_alloc_items(c, n, f->sub->size, &items)))
			return rc;
		for (size_t i = 0; i < n; i++) {
			size_t mark = sc_path_index(c, i);
			const json_t *e = json_array_get(v, i);
			if (!json_is_object(e))
				return wrong_type(c, "an object", e);
			if ((rc = map_object(c, f->sub, e, (char *)items + i * f->sub->size)))
				return rc;
			sc_path_pop(c, mark);
		}
		sc_items_put(dst, items, n);
		return FN_OK;
	}
	}
	return sc_fail(c, FN_INTERNAL, "unknown field type %d", (int)f->type);
}

/* Duplicate keys never get this far (JSON_REJECT_DUPLICATES). In
 * best-effort mode the fields after a failing one are still filled and the
 * return is the first error's status. */
static int map_object(struct sc_ctx *c, const struct sc_record *rec, const json_t *o, void *out)
{
	uint64_t has = 0;
	int bad = FN_OK;
	for (size_t i = 0; i < rec->nfields; i++) {
		const struct sc_field *f = &rec->fields[i];
		const json_t *v = json_object_get(o, f->name);
		size_t mark = sc_path_field(c, f->name);
		int rc = FN_OK;
		if (v && json_is_null(v))
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

int sc_json_map_record(struct sc_ctx *c, const struct sc_record *rec, const json_t *v, void *out)
{
	if (!json_is_object(v))
		return wrong_type(c, "an object", v);
	return map_object(c, rec, v, out);
}

int sc_json_parse(struct sc_ctx *c, const void *buf, size_t len, json_t **root)
{
	*root = NULL;
	int rc = json_scan(c, buf, len);
	if (rc)
		return rc;

	json_error_t jerr;
	/* no JSON_ALLOW_NUL: "\u0000" is refused by the parser */
	json_t *r = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!r) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return sc_fail(c, FN_NO_MEMORY, "jansson: %s", jerr.text);
		return sc_fail(c, FN_MALFORMED_BODY, "JSON: %s at line %d column %d", jerr.text,
		               jerr.line, jerr.column);
	}
	if (!json_is_object(r)) {
		rc = sc_fail(c, FN_MALFORMED_BODY, "JSON: the body is %s, not an object",
		             sc_json_kind(r));
		json_decref(r);
		return rc;
	}
	*root = r;
	return FN_OK;
}

int sc_json_decode(struct sc_ctx *c, const struct sc_record *rec, const void *buf, size_t len,
                   void *out)
{
	json_t *root;
	int rc = sc_json_parse(c, buf, len, &root);
	if (rc)
		return rc;
	rc = map_object(c, rec, root, out);
	json_decref(root);
	return rc;
}

/* ----------------------------------------------------------- encode --- */

/* A new JSON string, or NULL with *rc set. jansson would refuse invalid
 * UTF-8 too, but as a NULL indistinguishable from running out of memory. */
static json_t *make_str(const char *p, size_t n, int *rc)
{
	if (!p && n) {
		*rc = FN_BAD_ARGUMENT;
		return NULL;
	}
	if (sc_utf8_check(p ? p : "", n) == 1) {
		*rc = FN_BAD_ARGUMENT;
		return NULL;
	}
	json_t *s = json_stringn(p ? p : "", n);
	if (!s)
		*rc = FN_NO_MEMORY;
	return s;
}

static json_t *build_record(const struct sc_record *rec, const void *in, int depth, int *rc);

static json_t *build_value(const struct sc_field *f, const void *v, int depth, int *rc)
{
	switch (f->type) {
	case SC_STR:
	case SC_ENUM: {
		const struct sc_str *s = v;
		return make_str(s->p, s->n, rc);
	}
	case SC_INT: {
		int64_t i;
		memcpy(&i, v, sizeof i);
		json_t *j = json_integer((json_int_t)i);
		if (!j)
			*rc = FN_NO_MEMORY;
		return j;
	}
	case SC_BOOL: {
		bool b;
		memcpy(&b, v, sizeof b);
		return json_boolean(b); /* static singletons: cannot fail */
	}
	case SC_STRS: {
		const struct sc_strs *l = v;
		if (l->n && !l->v) {
			*rc = FN_BAD_ARGUMENT;
			return NULL;
		}
		json_t *a = json_array();
		if (!a) {
			*rc = FN_NO_MEMORY;
			return NULL;
		}
		for (size_t i = 0; i < l->n; i++) {
			json_t *s = make_str(l->v[i].p, l->v[i].n, rc);
			if (!s || json_array_append_new(a, s)) {
				if (s)
					*rc = FN_NO_MEMORY;
				json_decref(a);
				return NULL;
			}
		}
		return a;
	}
	case SC_OBJ: {
		const void *p = sc_obj_get(v);
		if (!p) {
			*rc = FN_BAD_ARGUMENT;
			return NULL;
		}
		return build_record(f->sub, p, depth + 1, rc);
	}
	case SC_OBJS: {
		struct sc_items l = sc_items_get(v);
		if (l.n && !l.v) {
			*rc = FN_BAD_ARGUMENT;
			return NULL;
		}
		json_t *a = json_array();
		if (!a) {
			*rc = FN_NO_MEMORY;
			return NULL;
		}
		for (size_t i = 0; i < l.n; i++) {
			json_t *o = build_record(f->sub, (const char *)l.v + i * f->sub->size,
			                         depth + 1, rc);
			if (!o || json_array_append_new(a, o)) {
				if (o)
					*rc = FN_NO_MEMORY;
				json_decref(a);
				return NULL;
			}
		}
		return a;
	}
	}
	*rc = FN_BAD_ARGUMENT;
	return NULL;
}

static json_t *build_record(const struct sc_record *rec, const void *in, int depth, int *rc)
{
	if (depth > SC_ENCODE_MAX_DEPTH) {
		*rc = FN_BAD_ARGUMENT;
		return NULL;
	}
	uint64_t has;
	memcpy(&has, in, sizeof has);
	json_t *o = json_object();
	if (!o) {
		*rc = FN_NO_MEMORY;
		return NULL;
	}
	for (size_t i = 0; i < rec->nfields; i++) {
		if (!((has >> i) & 1u))
			continue;
		const struct sc_field *f = &rec->fields[i];
		json_t *v = build_value(f, sc_field_cptr(in, f), depth, rc);
		/* json_object_set_new keeps insertion order: keys come out in table order */
		if (!v || json_object_set_new(o, f->name, v)) {
			if (v)
				*rc = FN_NO_MEMORY;
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static int write_buf(const char *p, size_t n, void *data)
{
	return sc_buf_append(data, p, n);
}

int sc_json_encode(const struct sc_record *rec, const void *in, struct sc_buf *out)
{
	int rc = FN_OK;
	json_t *root = build_record(rec, in, 0, &rc);
	if (!root)
		return rc;
	/* JSON_COMPACT: no spaces; no JSON_ENSURE_ASCII: UTF-8 goes out as is */
	if (json_dump_callback(root, write_buf, out, JSON_COMPACT | JSON_PRESERVE_ORDER))
		rc = FN_NO_MEMORY;
	json_decref(root);
	return rc;
}
