/* test_schema_util.c - helpers the schema and rules test files share (see test_schema_util.h). */
#include <errno.h>
#include <jansson.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "test_schema_util.h"

char *tu_read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s: %s (run from the repository root)\n", path,
		        strerror(errno));
		return NULL;
	}
	struct sc_buf b = { 0 };
	char tmp[4096];
	size_t k;
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
		sc_buf_append(&b, tmp, k);
	fclose(f);
	sc_buf_append(&b, "", 1); /* a NUL for text use, not counted */
	*n = b.n - 1;
	return b.p;
}

int tu_write_file(const char *path, const void *p, size_t n, int newline)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int rc = fwrite(p, 1, n, f) == n && (!newline || fputc('\n', f) != EOF) ? 0 : -1;
	return fclose(f) || rc ? -1 : 0;
}

int tu_same_bytes(const char *what, const void *a, size_t an, const void *b, size_t bn)
{
	if (an == bn && memcmp(a, b, an) == 0)
		return 1;
	size_t i = 0;
	while (i < an && i < bn && ((const char *)a)[i] == ((const char *)b)[i])
		i++;
	fprintf(stderr, "%s: %zu vs %zu bytes, first difference at %zu\n", what, an, bn, i);
	return 0;
}

static void pack_json(msgpack_packer *pk, const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		msgpack_pack_map(pk, json_object_size(v));
		json_object_foreach((json_t *)v, k, x) {
			msgpack_pack_str_with_body(pk, k, strlen(k));
			pack_json(pk, x);
		}
		break;
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(v));
		json_array_foreach(v, i, x)
			pack_json(pk, x);
		break;
	case JSON_STRING:
		msgpack_pack_str_with_body(pk, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER: msgpack_pack_int64(pk, json_integer_value(v)); break;
	case JSON_REAL: msgpack_pack_double(pk, json_real_value(v)); break;
	case JSON_TRUE: msgpack_pack_true(pk); break;
	case JSON_FALSE: msgpack_pack_false(pk); break;
	case JSON_NULL: msgpack_pack_nil(pk); break;
	}
}

static int write_buf(void *data, const char *p, size_t n)
{
	return sc_buf_append(data, p, n);
}

int tu_json_to_msgpack(const char *json, struct sc_buf *out)
{
	json_error_t e;
	json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!v) {
		fprintf(stderr, "test input is not JSON: %s: %s\n", e.text, json);
		return -1;
	}
	msgpack_packer pk;
	msgpack_packer_init(&pk, out, write_buf);
	pack_json(&pk, v);
	json_decref(v);
	return out->oom ? -1 : 0;
}

int tu_expect_both(const struct sc_record *rec, const char *json, int status,
                       const char *field, int line)
{
	struct sc_buf mp = { 0 };
	if (tu_json_to_msgpack(json, &mp))
		return 1;
	int bad = 0;
	for (int fmt = SC_MSGPACK; fmt <= SC_JSON; fmt++) {
		struct sc_arena *a = sc_arena_new(0);
		void *out = sc_arena_alloc(a, rec->size);
		struct sc_error err;
		int rc = fmt == SC_MSGPACK ? sc_decode(rec, SC_MSGPACK, mp.p, mp.n, NULL, a, out, &err)
		                           : sc_decode(rec, SC_JSON, json, strlen(json), NULL, a, out, &err);
		if (rc != status || err.status != rc || (field && strcmp(err.field, field) != 0)) {
			fprintf(stderr, "line %d, %s: got %s field \"%s\" (%s), expected %s field \"%s\"\n",
			        line, fmt == SC_JSON ? "JSON" : "msgpack", sc_status_name(rc), err.field,
			        err.message, sc_status_name(status), field ? field : "*");
			bad = 1;
		}
		sc_arena_free(a);
	}
	sc_buf_free(&mp);
	return bad;
}

int tu_decode_raw(const struct sc_record *rec, int fmt, const void *p, size_t n,
                      const struct sc_limits *lim, struct sc_error *err)
{
	struct sc_arena *a = sc_arena_new(0);
	void *out = sc_arena_alloc(a, rec->size);
	int rc = sc_decode(rec, fmt, p, n, lim, a, out, err);
	sc_arena_free(a);
	return rc;
}

struct sc_note *tu_example_note(struct sc_arena *a)
{
	size_t n;
	char *text = tu_read_file(EXAMPLE_DIR "note.json", &n);
	struct sc_note *note = text ? sc_arena_alloc(a, sizeof *note) : NULL;
	struct sc_error err;
	if (note && sc_decode(&sc_rec_note, SC_JSON, text, n, NULL, a, note, &err) != FN_OK) {
		fprintf(stderr, "example note: %s: %s\n", err.field, err.message);
		note = NULL;
	}
	free(text);
	return note;
}

size_t tu_rule_errors(const struct sc_note *n, int64_t now, const struct rules_config *c,
                      const char *field, const char *part, int *match, int quiet)
{
	struct rules_config defaults;
	if (!c) {
		rules_defaults(&defaults);
		c = &defaults;
	}
	struct sc_arena *a = sc_arena_new(0);
	struct rules_errors e = { NULL, 0, 0, a, 0, 0 };
	size_t found = rules_check_note(n, now, c, &e);
	*match = 0;
	for (size_t i = 0; i < e.n; i++) {
		const struct sc_field_error *fe = &e.v[i];
		if (sc_str_eq(fe->field, field) &&
		    (!part || memmem(fe->message.p, fe->message.n, part, strlen(part))))
			*match = 1;
		if (!quiet)
			fprintf(stderr, "  %.*s: %.*s\n", (int)fe->field.n, fe->field.p, (int)fe->message.n,
			        fe->message.p);
	}
	sc_arena_free(a);
	return found;
}

int tu_only_error(const struct sc_note *n, int64_t now, const struct rules_config *c,
                  const char *field, const char *part)
{
	int match;
	size_t found = tu_rule_errors(n, now, c, field, part, &match, 1);
	if (found == 1 && match)
		return 1;
	fprintf(stderr, "expected one error on %s%s%s, got %zu:\n", field, part ? " saying " : "",
	        part ? part : "", found);
	tu_rule_errors(n, now, c, field, part, &match, 0);
	return 0;
}
