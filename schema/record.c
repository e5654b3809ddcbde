/* record.c - the format-independent half of the record machinery: checks, error paths, validate, dispatch. */
#include "codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct sc_limits sc_limits_default = {
	.max_depth = 16,
	.max_count = 10000,
	.max_str = 262144,
	.max_body = 4u * 1024 * 1024,
	.max_values = 50000,
};

bool sc_str_eq(struct sc_str s, const char *c)
{
	size_t n = strlen(c);
	return s.n == n && (n == 0 || memcmp(s.p, c, n) == 0);
}

int sc_enum_index(const char *const *values, struct sc_str s)
{
	if (!values)
		return -1;
	for (int i = 0; values[i]; i++)
		if (sc_str_eq(s, values[i]))
			return i;
	return -1;
}

const struct sc_field *sc_record_field(const struct sc_record *rec, const char *name, size_t n)
{
	for (size_t i = 0; i < rec->nfields; i++) {
		const struct sc_field *f = &rec->fields[i];
		/* lengths first: a msgpack key may hold NUL bytes */
		if (f->name_len == n && memcmp(f->name, name, n) == 0)
			return f;
	}
	return NULL;
}

static void set_text(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static int error_vset(struct sc_error *err, int status, const char *field,
                      const char *fmt, va_list ap)
{
	if (!err)
		return status;
	err->status = status;
	set_text(err->field, sizeof err->field, field);
	if (fmt)
		vsnprintf(err->message, sizeof err->message, fmt, ap);
	else
		err->message[0] = '\0';
	return status;
}

int sc_error_set(struct sc_error *err, int status, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(err, status, field, fmt, ap);
	va_end(ap);
	return status;
}

int sc_fail(struct sc_ctx *c, int status, const char *fmt, ...)
{
	if (c->best_effort && c->err->status != FN_OK && sc_go_on(c, status))
		return status; /* keep the first error: it names the first failing field */
	va_list ap;
	va_start(ap, fmt);
	error_vset(c->err, status, c->path, fmt, ap);
	va_end(ap);
	return status;
}

/* ------------------------------------------------------------ paths --- */

/* Runs for every field decoded, so no snprintf: truncates at the buffer. */
static void path_append(struct sc_ctx *c, const char *s)
{
	size_t room = sizeof c->path - c->plen - 1, n = strlen(s);
	if (n > room)
		n = room;
	memcpy(c->path + c->plen, s, n);
	c->plen += n;
	c->path[c->plen] = '\0';
}

size_t sc_path_field(struct sc_ctx *c, const char *name)
{
	size_t old = c->plen;
	if (c->plen)
		path_append(c, ".");
	path_append(c, name);
	return old;
}

size_t sc_path_index(struct sc_ctx *c, size_t i)
{
	char tmp[32];
	size_t old = c->plen;
	snprintf(tmp, sizeof tmp, "[%zu]", i);
	path_append(c, tmp);
	return old;
}

void sc_path_pop(struct sc_ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* ----------------------------------------------------------- checks --- */

int sc_utf8_check(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		/* Eight ASCII bytes, none of them NUL, at a time: notes are
		 * mostly ASCII, and this check was ~4-11% of ingest (issue 12). */
		while (n - i >= 8) {
			uint64_t v;
			memcpy(&v, p + i, 8);
			if ((v & 0x8080808080808080ull) ||
			    ((v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull))
				break;
			i += 8;
		}
		if (i == n)
			break;
		unsigned b = p[i];
		if (b == 0)
			return 2;
		if (b < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */
		if (b >= 0xC2 && b <= 0xDF) {
			len = 2;
		} else if (b >= 0xE0 && b <= 0xEF) {
			len = 3;
			if (b == 0xE0)
				lo = 0xA0; /* overlong */
			else if (b == 0xED)
				hi = 0x9F; /* UTF-16 surrogates */
		} else if (b >= 0xF0 && b <= 0xF4) {
			len = 4;
			if (b == 0xF0)
				lo = 0x90; /* overlong */
			else if (b == 0xF4)
				hi = 0x8F; /* above U+10FFFF */
		} else {
			return 1; /* continuation byte, C0/C1 overlong, F5.. */
		}
		if (n - i < len)
			return 1;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return 1;
		for (size_t k = 2; k < len; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return 1;
		i += len;
	}
	return 0;
}

static bool id_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == ':' || ch == '-';
}

static int fail_enum(struct sc_ctx *c, const struct sc_field *f)
{
	char list[160] = "";
	size_t used = 0;
	for (size_t i = 0; f->enum_values && f->enum_values[i]; i++) {
		int k = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
		                 f->enum_values[i]);
		if (k < 0 || (size_t)k >= sizeof list - used)
			break;
		used += (size_t)k;
	}
	return sc_fail(c, FN_VALIDATION_FAILED, "not one of: %s", list);
}

int sc_check_str(struct sc_ctx *c, const struct sc_field *f, const char *p, size_t n, bool item)
{
	size_t cap = f->cap ? f->cap : c->lim.max_str;
	if (item)
		cap = SC_STRS_ITEM_CAP < c->lim.max_str ? SC_STRS_ITEM_CAP : c->lim.max_str;
	if (n > cap)
		return sc_fail(c, FN_VALIDATION_FAILED, "longer than %zu bytes (%zu)", cap, n);
	switch (sc_utf8_check(p, n)) {
	case 1:
		return sc_fail(c, FN_VALIDATION_FAILED, "not valid UTF-8");
	case 2:
		return sc_fail(c, FN_VALIDATION_FAILED, "contains a NUL byte");
	}
	if ((f->flags & (SC_ID | SC_NONEMPTY)) && n == 0)
		return sc_fail(c, FN_VALIDATION_FAILED, "must not be empty");
	if (f->flags & SC_ID)
		for (size_t i = 0; i < n; i++)
			if (!id_char((unsigned char)p[i]))
				return sc_fail(c, FN_VALIDATION_FAILED,
				               "may contain only A-Z a-z 0-9 . _ : -");
	if (f->type == SC_ENUM && sc_enum_index(f->enum_values, (struct sc_str){ p, n }) < 0)
		return fail_enum(c, f);
	return FN_OK;
}

int sc_check_int(struct sc_ctx *c, const struct sc_field *f, int64_t v)
{
	if ((f->flags & SC_TIME) && (v < SC_TIME_MIN || v >= SC_TIME_MAX))
		return sc_fail(c, FN_VALIDATION_FAILED,
		               "not a plausible time (Unix seconds from 2000 to 2100): %lld", (long long)v);
	if ((f->flags & SC_POS31) && (v < 1 || v > SC_POS31_MAX))
		return sc_fail(c, FN_VALIDATION_FAILED, "must be 1 to %lld (%lld)",
		               (long long)SC_POS31_MAX, (long long)v);
	return FN_OK;
}

int sc_check_count(struct sc_ctx *c, const struct sc_field *f, size_t n)
{
	size_t cap = f->cap ? f->cap : c->lim.max_count;
	if (n > cap)
		return sc_fail(c, FN_VALIDATION_FAILED, "more than %zu items (%zu)", cap, n);
	return FN_OK;
}

int sc_copy_str(struct sc_ctx *c, const char *p, size_t n, struct sc_str *out)
{
	char *q = sc_arena_alloc_raw(c->a, n + 1); /* n <= max_str: no overflow */
	if (!q)
		return sc_fail(c, FN_NO_MEMORY, "arena: out of memory copying %zu bytes", n);
	if (n)
		memcpy(q, p, n);
	q[n] = '\0';
	out->p = q;
	out->n = n;
	return FN_OK;
}

int sc_alloc_items(struct sc_ctx *c, size_t n, size_t size, void **out)
{
	*out = NULL;
	if (n == 0)
		return FN_OK;
	if (n > SIZE_MAX / size)
		return sc_fail(c, FN_LIMIT_EXCEEDED, "%zu items do not fit in memory", n);
	*out = sc_arena_alloc(c->a, n * size);
	if (!*out)
		return sc_fail(c, FN_NO_MEMORY, "arena: out of memory for %zu items", n);
	return FN_OK;
}

/* --------------------------------------------------------- validate --- */

static int validate_rec(struct sc_ctx *c, const struct sc_record *rec, const void *in, int depth);

static int validate_field(struct sc_ctx *c, const struct sc_field *f, const void *v, int depth)
{
	switch (f->type) {
	case SC_STR:
	case SC_ENUM: {
		const struct sc_str *s = v;
		if (!s->p && s->n)
			return sc_fail(c, FN_VALIDATION_FAILED, "NULL string of length %zu", s->n);
		return sc_check_str(c, f, s->p ? s->p : "", s->n, false);
	}
	case SC_INT: {
		int64_t i;
		memcpy(&i, v, sizeof i);
		return sc_check_int(c, f, i);
	}
	case SC_BOOL:
		return FN_OK;
	case SC_STRS: {
		const struct sc_strs *l = v;
		int rc = sc_check_count(c, f, l->n);
		if (rc)
			return rc;
		if (l->n && !l->v)
			return sc_fail(c, FN_VALIDATION_FAILED, "NULL list of %zu items", l->n);
		for (size_t i = 0; i < l->n; i++) {
			size_t mark = sc_path_index(c, i);
			const struct sc_str *s = &l->v[i];
			if (!s->p && s->n)
				return sc_fail(c, FN_VALIDATION_FAILED, "NULL string of length %zu", s->n);
			rc = sc_check_str(c, f, s->p ? s->p : "", s->n, true);
			if (rc)
				return rc;
			sc_path_pop(c, mark);
		}
		return FN_OK;
	}
	case SC_OBJ: {
		const void *p = sc_obj_get(v);
		if (!p)
			return sc_fail(c, FN_VALIDATION_FAILED, "marked present but NULL");
		return validate_rec(c, f->sub, p, depth + 1);
	}
	case SC_OBJS: {
		struct sc_items l = sc_items_get(v);
		int rc = sc_check_count(c, f, l.n);
		if (rc)
			return rc;
		if (l.n && !l.v)
			return sc_fail(c, FN_VALIDATION_FAILED, "NULL list of %zu items", l.n);
		for (size_t i = 0; i < l.n; i++) {
			size_t mark = sc_path_index(c, i);
			rc = validate_rec(c, f->sub, (const char *)l.v + i * f->sub->size, depth + 1);
			if (rc)
				return rc;
			sc_path_pop(c, mark);
		}
		return FN_OK;
	}
	}
	return sc_fail(c, FN_VALIDATION_FAILED, "unknown field type %d", (int)f->type);
}

static int validate_rec(struct sc_ctx *c, const struct sc_record *rec, const void *in, int depth)
{
	if (depth > SC_ENCODE_MAX_DEPTH)
		return sc_fail(c, FN_VALIDATION_FAILED, "records nested deeper than %d",
		               SC_ENCODE_MAX_DEPTH);
	uint64_t has = *(const uint64_t *)in;
	for (size_t i = 0; i < rec->nfields; i++) {
		const struct sc_field *f = &rec->fields[i];
		size_t mark = sc_path_field(c, f->name);
		if (!((has >> i) & 1u)) {
			if (f->flags & SC_REQ)
				return sc_fail(c, FN_VALIDATION_FAILED, "required field is missing");
		} else {
			int rc = validate_field(c, f, sc_field_cptr(in, f), depth);
			if (rc)
				return rc;
		}
		sc_path_pop(c, mark);
	}
	return FN_OK;
}

void sc_ctx_init(struct sc_ctx *c, const struct sc_limits *lim, struct sc_arena *a,
                 struct sc_error *err)
{
	const struct sc_limits *d = &sc_limits_default;
	if (!lim)
		lim = d;
	c->lim.max_depth = lim->max_depth ? lim->max_depth : d->max_depth;
	if (c->lim.max_depth > SC_MAX_DEPTH_CAP)
		c->lim.max_depth = SC_MAX_DEPTH_CAP;
	c->lim.max_count = lim->max_count ? lim->max_count : d->max_count;
	c->lim.max_str = lim->max_str ? lim->max_str : d->max_str;
	c->lim.max_body = lim->max_body ? lim->max_body : d->max_body;
	c->lim.max_values = lim->max_values ? lim->max_values : d->max_values;
	c->a = a;
	c->err = err;
	c->path[0] = '\0';
	c->plen = 0;
	c->best_effort = false;
	sc_error_set(err, FN_OK, NULL, NULL);
}

int sc_validate(const struct sc_record *rec, const void *in, struct sc_error *err)
{
	struct sc_error local;
	struct sc_ctx c;
	if (!err)
		err = &local;
	sc_ctx_init(&c, NULL, NULL, err);
	if (!rec || !in)
		return sc_fail(&c, FN_BAD_ARGUMENT, "sc_validate: NULL record or table");
	return validate_rec(&c, rec, in, 0);
}

/* ------------------------------------------------- decode / encode --- */

int sc_decode(const struct sc_record *rec, enum sc_format fmt, const void *buf, size_t len,
              const struct sc_limits *lim, struct sc_arena *a, void *out, struct sc_error *err)
{
	struct sc_error local;
	struct sc_ctx c;
	if (!err)
		err = &local;
	sc_ctx_init(&c, lim, a, err);
	if (!rec || !a || !out || (!buf && len))
		return sc_fail(&c, FN_BAD_ARGUMENT, "sc_decode: NULL argument");
	memset(out, 0, rec->size);
	if (len > c.lim.max_body)
		return sc_fail(&c, FN_PAYLOAD_TOO_LARGE, "the body is %zu bytes; the limit is %zu",
		               len, c.lim.max_body);
	switch (fmt) {
	case SC_MSGPACK:
		return sc_mp_decode(&c, rec, buf, len, out);
	case SC_JSON:
		return sc_json_decode(&c, rec, buf, len, out);
	}
	return sc_fail(&c, FN_BAD_ARGUMENT, "sc_decode: unknown format %d", (int)fmt);
}

int sc_encode(const struct sc_record *rec, enum sc_format fmt, const void *in, struct sc_buf *out)
{
	if (!rec || !in || !out)
		return FN_BAD_ARGUMENT;
	size_t start = out->n;
	int rc;
	switch (fmt) {
	case SC_MSGPACK:
		rc = sc_mp_encode(rec, in, out);
		break;
	case SC_JSON:
		rc = sc_json_encode(rec, in, out);
		break;
	default:
		return FN_BAD_ARGUMENT;
	}
	if (rc != FN_OK && out->n > start)
		out->n = start;
	return rc;
}
