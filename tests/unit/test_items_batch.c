/* test_items_batch.c - unit tests of sc_decode_items on the batch as a whole: envelope errors, the walk, item lifetime, mutated batches. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "test_items_util.h"
#include "test_schema_util.h"
#include "unit.h"

/* Envelope errors: the status, and fn never called. */
static int envelope(int fmt, const void *p, size_t n, const struct sc_limits *lim, size_t max,
                    int want, const char *field, int line)
{
	struct sc_arena *a = sc_arena_new(0);
	struct calls k;
	struct sc_error err;
	ti_calls_init(&k);
	int rc = sc_decode_items(&sc_rec_note, "notes", fmt, p, n, lim, max, a, ti_on_item, &k, &err);
	sc_arena_free(a);
	if (rc != want || err.status != rc || k.n != 0 || (field && strcmp(err.field, field))) {
		fprintf(stderr, "line %d, %s: %s \"%s\" (%s), %zu calls; expected %s\n", line,
		        ti_fmt_name(fmt), sc_status_name(rc), err.field, err.message, k.n,
		        sc_status_name(want));
		return 1;
	}
	return 0;
}

static int envelope_both(const char *json, const struct sc_limits *lim, size_t max, int want,
                         const char *field, int line)
{
	struct sc_buf mp = { 0 };
	if (tu_json_to_msgpack(json, &mp))
		return 1;
	int bad = envelope(SC_MSGPACK, mp.p, mp.n, lim, max, want, field, line) ||
	          envelope(SC_JSON, json, strlen(json), lim, max, want, field, line);
	sc_buf_free(&mp);
	return bad;
}
#define ENVELOPE(json, lim, max, want, field) \
	CHECK(envelope_both(json, lim, max, want, field, __LINE__) == 0)
#define ENVELOPE_MP(bytes, want) \
	CHECK(envelope(SC_MSGPACK, bytes, sizeof(bytes) - 1, NULL, 0, want, NULL, __LINE__) == 0)

static int test_envelope_errors(void)
{
	const char *three = "{\"notes\":[" NOTE_OK("a") "," NOTE_OK("b") "," NOTE_OK("c") "]}";
	/* not a map */
	ENVELOPE("[" NOTE_OK("a") "]", NULL, 0, FN_MALFORMED_BODY, "");
	ENVELOPE("\"notes\"", NULL, 0, FN_MALFORMED_BODY, "");
	ENVELOPE("null", NULL, 0, FN_MALFORMED_BODY, "");
	/* KEY not a list */
	ENVELOPE("{\"notes\":{}}", NULL, 0, FN_VALIDATION_FAILED, "notes");
	ENVELOPE("{\"notes\":" NOTE_OK("a") "}", NULL, 0, FN_VALIDATION_FAILED, "notes");
	ENVELOPE("{\"notes\":\"a\"}", NULL, 0, FN_VALIDATION_FAILED, "notes");
	ENVELOPE("{\"notes\":0}", NULL, 0, FN_VALIDATION_FAILED, "notes");
	/* too many items: max_items, then the limits' max_count */
	ENVELOPE(three, NULL, 2, FN_LIMIT_EXCEEDED, "notes");
	struct sc_limits lim = { .max_count = 2 };
	ENVELOPE(three, &lim, 0, FN_LIMIT_EXCEEDED, NULL);
	ENVELOPE(three, &lim, 100, FN_LIMIT_EXCEEDED, NULL);
	/* the body: size, nesting, string length */
	lim = (struct sc_limits){ .max_body = strlen(three) - 1 };
	CHECK(envelope(SC_JSON, three, strlen(three), &lim, 0, FN_PAYLOAD_TOO_LARGE, "", __LINE__) == 0);
	lim = (struct sc_limits){ .max_depth = 2 };
	ENVELOPE(three, &lim, 0, FN_LIMIT_EXCEEDED, NULL);
	lim = (struct sc_limits){ .max_str = 10 };
	ENVELOPE(three, &lim, 0, FN_LIMIT_EXCEEDED, NULL);
	ENVELOPE("{\"notes\":[" NOTE_OK("a") "],\"x\":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]}", NULL, 0,
	         FN_LIMIT_EXCEEDED, NULL);
	/* bombs */
	ENVELOPE_MP("\x81\xa5notes\xdd\xff\xff\xff\xff", FN_MALFORMED_BODY);
	ENVELOPE_MP("\x81\xa5notes\x91\x81\xa2id\xdb\xff\xff\xff\xff", FN_MALFORMED_BODY);
	ENVELOPE_MP("\x82\xa5notes\x90\xa1x\xdf\xff\xff\xff\xff", FN_MALFORMED_BODY);
	ENVELOPE_MP("\xdd\xff\xff\xff\xff", FN_MALFORMED_BODY);
	/* msgpack: trailing bytes, the unused byte, a non-string or doubled top-level key */
	ENVELOPE_MP("\x81\xa5notes\x90\xc0", FN_MALFORMED_BODY);
	ENVELOPE_MP("\x81\xa5notes\x91\xc1", FN_MALFORMED_BODY);
	ENVELOPE_MP("\x82\x01\x02\xa5notes\x90", FN_MALFORMED_BODY);
	ENVELOPE_MP("\x82\xa5notes\x90\xa5notes\x90", FN_MALFORMED_BODY);
	/* JSON: syntax, a duplicate anywhere */
	static const char *const bad_json[] = { "{\"notes\":[]", "{\"notes\":[],}",
		                                "{\"notes\":[{\"id\":\"a\",\"id\":\"b\"}]}" };
	for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++)
		CHECK(envelope(SC_JSON, bad_json[i], strlen(bad_json[i]), NULL, 0, FN_MALFORMED_BODY,
		               NULL, __LINE__) == 0);

	/* truncated: every proper prefix, in both formats */
	struct sc_buf mp = { 0 };
	CHECK(tu_json_to_msgpack(three, &mp) == 0);
	for (size_t n = 0; n < mp.n; n++)
		CHECK(envelope(SC_MSGPACK, mp.p, n, NULL, 0, FN_MALFORMED_BODY, NULL, __LINE__) == 0);
	for (size_t n = 0; n < strlen(three); n++)
		CHECK(envelope(SC_JSON, three, n, NULL, 0, FN_MALFORMED_BODY, NULL, __LINE__) == 0);
	sc_buf_free(&mp);

	/* bad arguments */
	struct sc_arena *a = sc_arena_new(0);
	struct sc_error err;
	CHECK_EQ_INT(sc_decode_items(&sc_rec_note, "notes", SC_JSON, "{}", 2, NULL, 0, a, NULL, NULL,
	                             &err),
	             FN_BAD_ARGUMENT);
	CHECK_EQ_INT(err.status, FN_BAD_ARGUMENT);
	CHECK_EQ_INT(sc_decode_items(&sc_rec_note, NULL, SC_JSON, "{}", 2, NULL, 0, a, ti_on_item, NULL,
	                             NULL),
	             FN_BAD_ARGUMENT);
	CHECK_EQ_INT(sc_decode_items(NULL, "notes", SC_JSON, "{}", 2, NULL, 0, a, ti_on_item, NULL, NULL),
	             FN_BAD_ARGUMENT);
	CHECK_EQ_INT(sc_decode_items(&sc_rec_note, "notes", SC_JSON, "{}", 2, NULL, 0, NULL, ti_on_item,
	                             NULL, NULL),
	             FN_BAD_ARGUMENT);
	CHECK(envelope((enum sc_format)9, "{}", 2, NULL, 0, FN_BAD_ARGUMENT, NULL, __LINE__) == 0);
	sc_arena_free(a);
	return 0;
}

/* No KEY: FN_NOT_FOUND, and the caller decodes the body as one item. */
static int test_not_found(void)
{
	ENVELOPE("{}", NULL, 0, FN_NOT_FOUND, "");
	ENVELOPE("{\"note\":[]}", NULL, 0, FN_NOT_FOUND, "");
	ENVELOPE("{\"notes\":null}", NULL, 0, FN_NOT_FOUND, "");
	ENVELOPE("{\"Notes\":[" NOTE_OK("a") "]}", NULL, 0, FN_NOT_FOUND, "");
	ENVELOPE(NOTE_OK("single"), NULL, 0, FN_NOT_FOUND, "");
	struct sc_error err;
	const char *one = NOTE_OK("single");
	struct sc_arena *a = sc_arena_new(0);
	struct calls k;
	ti_calls_init(&k);
	CHECK_EQ_INT(sc_decode_items(&sc_rec_note, "notes", SC_JSON, one, strlen(one), NULL, 0, a,
	                             ti_on_item, &k, &err),
	             FN_NOT_FOUND);
	CHECK(strstr(err.message, "\"notes\"") != NULL && k.n == 0);
	struct sc_note n;
	CHECK_EQ_INT(sc_decode(&sc_rec_note, SC_JSON, one, strlen(one), NULL, a, &n, NULL), FN_OK);
	CHECK(sc_str_eq(n.id, "single"));
	sc_arena_free(a);
	return 0;
}

/* An empty list is fine; other top-level keys are ignored wherever they are. */
static int test_empty_and_unknown(void)
{
	const char *bodies[] = {
		"{\"notes\":[]}",
		"{\"v\":2,\"x\":{\"y\":[1,null]},\"notes\":[" NOTE_OK("a") "],\"z\":\"notes\"}",
	};
	for (int fmt = SC_MSGPACK; fmt <= SC_JSON; fmt++) {
		for (size_t i = 0; i < 2; i++) {
			struct sc_arena *a = sc_arena_new(0);
			struct calls k;
			ti_calls_init(&k);
			CHECK_EQ_INT(ti_run(fmt, bodies[i], 0, NULL, a, &k, NULL), FN_OK);
			CHECK(!k.bad && k.n == i);
			if (i)
				CHECK(k.v[0].status == FN_OK && sc_str_eq(k.v[0].note->id, "a"));
			sc_arena_free(a);
		}
	}
	/* max_items is inclusive */
	struct sc_arena *a = sc_arena_new(0);
	struct calls k;
	ti_calls_init(&k);
	CHECK_EQ_INT(ti_run(SC_JSON, bodies[1], 1, NULL, a, &k, NULL), FN_OK);
	CHECK_EQ_INT(k.n, 1);
	sc_arena_free(a);
	return 0;
}

/* fn returning non-zero stops the walk; its value comes back as is. */
static int test_early_stop(void)
{
	const char *body = "{\"notes\":[" NOTE_OK("a") ",{\"id\":7}," NOTE_OK("c") "]}";
	for (int fmt = SC_MSGPACK; fmt <= SC_JSON; fmt++) {
		for (size_t at = 0; at < 3; at++) {
			struct sc_arena *a = sc_arena_new(0);
			struct calls k;
			struct sc_error err;
			ti_calls_init(&k);
			k.stop_at = at;
			k.stop_rc = 42;
			CHECK_EQ_INT(ti_run(fmt, body, 0, NULL, a, &k, &err), 42);
			CHECK_EQ_INT(k.n, at + 1);
			CHECK_EQ_INT(err.status, 42);
			char want[64];
			snprintf(want, sizeof want, "item %zu", at);
			CHECK(strstr(err.message, want) != NULL);
			sc_arena_free(a);
		}
	}
	return 0;
}

/* Items stay valid after the call, the input gone, until the arena goes. */
static int test_item_lifetime(void)
{
	const char *body = "{\"notes\":[" NOTE_OK("first") "," NOTE_OK("second") "]}";
	struct sc_arena *a = sc_arena_new(256); /* small chunks: many of them */
	struct calls k;
	ti_calls_init(&k);
	char *copy = strdup(body);
	CHECK(copy);
	CHECK_EQ_INT(sc_decode_items(&sc_rec_note, "notes", SC_JSON, copy, strlen(copy), NULL, 0, a,
	                             ti_on_item, &k, NULL),
	             FN_OK);
	memset(copy, 'x', strlen(copy));
	free(copy);
	CHECK_EQ_INT(k.n, 2);
	CHECK(k.v[0].note != k.v[1].note);
	CHECK(sc_str_eq(k.v[0].note->id, "first") && k.v[0].note->id.p[5] == 0);
	CHECK(sc_str_eq(k.v[1].note->id, "second") && sc_str_eq(k.v[1].note->team, "north"));
	sc_arena_free(a);
	return 0;
}

/* Mutated batches: an envelope error and no call, or every item handed
 * over with a status it may have and only valid fields present. */
static int test_mutations(void)
{
	size_t en;
	char *example = tu_read_file(EXAMPLE_DIR "note.json", &en);
	CHECK(example);
	struct sc_buf js = { 0 }, mp = { 0 };
	sc_buf_append(&js, "{\"notes\":[", 10);
	sc_buf_append(&js, example, en);
	sc_buf_append(&js, "," NOTE_OK("b") ",", strlen(NOTE_OK("b")) + 2);
	sc_buf_append(&js, example, en);
	sc_buf_append(&js, "]}", 3);
	free(example);
	CHECK(!js.oom && tu_json_to_msgpack(js.p, &mp) == 0);
	js.n--; /* the NUL */
	const struct sc_record *lr = ti_loose();
	uint64_t seed = 0x2545f4914f6cdd1dull;
	const char *env = getenv("FN_SCHEMA_MUTATIONS");
	int iterations = env ? atoi(env) : 2000;
	for (int fmt = SC_MSGPACK; fmt <= SC_JSON; fmt++) {
		const struct sc_buf *src = fmt == SC_JSON ? &js : &mp;
		char *m = malloc(src->n + 8);
		CHECK(m);
		struct sc_arena *a = sc_arena_new(0);
		for (int it = 0; it < iterations; it++) {
			memcpy(m, src->p, src->n);
			size_t mn = src->n;
			for (int k = 0; k < 1 + it % 3; k++) {
				seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
				size_t at = (size_t)(seed >> 8) % mn;
				switch (seed % 3) {
				case 0: m[at] = (char)(seed >> 40); break;
				case 1: m[at] ^= (char)(1u << (seed >> 32) % 8); break;
				case 2: memmove(m + at, m + at + 1, mn - at - 1), mn--; break;
				}
			}
			struct calls k;
			struct sc_error err;
			ti_calls_init(&k);
			int rc = sc_decode_items(&sc_rec_note, "notes", fmt, m, mn, NULL, 0, a, ti_on_item, &k,
			                         &err);
			CHECK(!k.bad && err.status == rc);
			if (rc != FN_OK) {
				CHECK(rc == FN_MALFORMED_BODY || rc == FN_LIMIT_EXCEEDED ||
				      rc == FN_VALIDATION_FAILED || rc == FN_NOT_FOUND);
				CHECK_EQ_INT(k.n, 0);
			}
			for (size_t i = 0; i < k.n && i < 16; i++) {
				int st = k.v[i].status;
				CHECK(st == FN_OK || st == FN_VALIDATION_FAILED || st == FN_MALFORMED_BODY);
				CHECK_EQ_INT(sc_validate(st == FN_OK ? &sc_rec_note : lr, k.v[i].note, NULL), FN_OK);
				struct sc_buf b = { 0 };
				CHECK_EQ_INT(sc_encode(&sc_rec_note, SC_MSGPACK, k.v[i].note, &b), FN_OK);
				sc_buf_free(&b);
			}
			sc_arena_reset(a);
		}
		sc_arena_free(a);
		free(m);
	}
	sc_buf_free(&js);
	sc_buf_free(&mp);
	return 0;
}

const struct unit_case items_batch_cases[] = {
	{ "items_envelope_errors", test_envelope_errors },
	{ "items_not_found", test_not_found },
	{ "items_empty_and_unknown", test_empty_and_unknown },
	{ "items_early_stop", test_early_stop },
	{ "items_item_lifetime", test_item_lifetime },
	{ "items_mutations", test_mutations },
	{ NULL, NULL },
};
