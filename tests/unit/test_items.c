/* test_items.c - unit tests of sc_decode_items: batches decoded item by item, in JSON and msgpack. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "test_schema_util.h"
#include "unit.h"

/* ---------------------------------------------------------- helpers --- */

/* A note with only the required fields, and one with a few optional ones
 * after the fields the bad items below break. */
#define NOTE_HEAD(id) \
	"{\"id\":\"" id "\",\"revision\":3,\"child_ref\":\"C-1\",\"author\":\"officer1\"," \
	"\"team\":\"north\",\"device_id\":\"dev-test-1\""
#define NOTE_REST \
	"\"created_at\":1795600300,\"occurred_at\":1795600000,\"context\":\"welfare_check\"," \
	"\"seen\":true"
#define NOTE_OK(id) NOTE_HEAD(id) "," NOTE_REST "}"

/* What the callback saw, call by call. */
struct seen_item {
	int status;
	struct sc_error err;
	struct sc_note *note;
};
struct calls {
	struct seen_item v[16];
	size_t n;
	size_t stop_at; /* index at which to return stop_rc (SIZE_MAX: never) */
	int stop_rc;
	int bad; /* a broken promise seen inside the callback */
};

static int on_item(size_t index, int status, void *item, const struct sc_error *err, void *arg)
{
	struct calls *k = arg;
	if (index != k->n || !item || !err || err->status != status ||
	    !memchr(err->field, 0, sizeof err->field) || !memchr(err->message, 0, sizeof err->message) ||
	    (status == FN_OK) != (err->field[0] == 0 && err->message[0] == 0)) {
		fprintf(stderr, "callback %zu: status %d, err %d \"%s\"\n", index, status,
		        err ? err->status : -1, err ? err->field : "");
		k->bad = 1;
	}
	if (k->n < sizeof k->v / sizeof k->v[0]) {
		k->v[k->n].status = status;
		k->v[k->n].err = *err;
		k->v[k->n].note = item;
	}
	k->n++;
	return index == k->stop_at ? k->stop_rc : 0;
}

static void calls_init(struct calls *k)
{
	memset(k, 0, sizeof *k);
	k->stop_at = SIZE_MAX;
}

/* sc_decode_items(note, "notes") on json as JSON, or on its msgpack form;
 * the msgpack copy is freed before returning, so items must not point
 * into the input. */
static int run(int fmt, const char *json, size_t max_items, const struct sc_limits *lim,
               struct sc_arena *a, struct calls *k, struct sc_error *err)
{
	struct sc_buf mp = { 0 };
	const void *p = json;
	size_t n = strlen(json);
	if (fmt == SC_MSGPACK) {
		if (tu_json_to_msgpack(json, &mp))
			return -1;
		p = mp.p;
		n = mp.n;
	}
	int rc = sc_decode_items(&sc_rec_note, "notes", fmt, p, n, lim, max_items, a, on_item, k, err);
	if (mp.p)
		memset(mp.p, 0xAA, mp.n);
	sc_buf_free(&mp);
	return rc;
}

static const char *fmt_name(int fmt)
{
	return fmt == SC_JSON ? "JSON" : "msgpack";
}

/* The note table without SC_REQ at the top: a failed item must still pass
 * it, since every present field is complete and valid. */
static struct sc_field loose_fields[SC_NF_note];
static struct sc_record loose_note;

static const struct sc_record *loose(void)
{
	memcpy(loose_fields, sc_rec_note.fields, sizeof loose_fields);
	for (size_t i = 0; i < SC_NF_note; i++)
		loose_fields[i].flags &= ~SC_REQ;
	loose_note = sc_rec_note;
	loose_note.fields = loose_fields;
	return &loose_note;
}

/* The error sc_decode gives for one item on its own (JSON text). */
static int decode_alone(int fmt, const char *item_json, struct sc_error *err)
{
	struct sc_buf mp = { 0 };
	if (fmt == SC_MSGPACK && tu_json_to_msgpack(item_json, &mp))
		return -1;
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note n;
	int rc = fmt == SC_JSON
	                 ? sc_decode(&sc_rec_note, SC_JSON, item_json, strlen(item_json), NULL, a, &n, err)
	                 : sc_decode(&sc_rec_note, SC_MSGPACK, mp.p, mp.n, NULL, a, &n, err);
	/* sc_decode itself stays all or nothing: nothing is marked present */
	if (rc != FN_OK && n.has != 0) {
		fprintf(stderr, "sc_decode marked fields present on failure\n");
		rc = -2;
	}
	sc_arena_free(a);
	sc_buf_free(&mp);
	return rc;
}

/* ------------------------------------------------------------ tests --- */

/* The example note, a note with a string where created_at wants an
 * integer, and a plain note: OK, VALIDATION_FAILED naming the field with
 * id and revision there, OK; and the good items are exactly what sc_decode
 * gives. */
static int test_three_notes(void)
{
	size_t en, vn;
	char *example = tu_read_file(EXAMPLE_DIR "note.json", &en);
	char *vec = tu_read_file(VECTOR_DIR "note.msgpack", &vn);
	CHECK(example && vec);
	const char *bad = NOTE_HEAD("n-2") ",\"created_at\":\"yesterday\",\"occurred_at\":1795600000,"
	                  "\"context\":\"welfare_check\",\"seen\":true,\"level_of_need\":2,"
	                  "\"mental_health\":{\"concern\":true}}";
	struct sc_buf body = { 0 };
	sc_buf_append(&body, "{\"notes\":[", 10);
	sc_buf_append(&body, example, en);
	sc_buf_append(&body, ",", 1);
	sc_buf_append(&body, bad, strlen(bad));
	sc_buf_append(&body, "," NOTE_OK("n-3") "]}", strlen(NOTE_OK("n-3")) + 4); /* with the NUL */
	CHECK(!body.oom);

	for (int fmt = SC_MSGPACK; fmt <= SC_JSON; fmt++) {
		struct sc_arena *a = sc_arena_new(0);
		struct calls k;
		struct sc_error err;
		calls_init(&k);
		int rc = run(fmt, body.p, 0, NULL, a, &k, &err);
		if (rc)
			fprintf(stderr, "%s: %s \"%s\" %s\n", fmt_name(fmt), sc_status_name(rc), err.field,
			        err.message);
		CHECK_EQ_INT(rc, FN_OK);
		CHECK(err.status == FN_OK && err.field[0] == 0);
		CHECK(!k.bad);
		CHECK_EQ_INT(k.n, 3);

		CHECK_EQ_INT(k.v[0].status, FN_OK);
		struct sc_buf mp = { 0 };
		CHECK_EQ_INT(sc_encode(&sc_rec_note, SC_MSGPACK, k.v[0].note, &mp), FN_OK);
		CHECK(tu_same_bytes("item 0 -> msgpack", mp.p, mp.n, vec, vn));
		sc_buf_free(&mp);

		struct seen_item *s = &k.v[1];
		CHECK_EQ_INT(s->status, FN_VALIDATION_FAILED);
		CHECK(strcmp(s->err.field, "created_at") == 0);
		CHECK(strstr(s->err.message, "expected an integer, got a string") != NULL);
		struct sc_note *n = s->note;
		CHECK(SC_HAS(note, n, id) && sc_str_eq(n->id, "n-2"));
		CHECK(SC_HAS(note, n, revision) && n->revision == 3);
		CHECK(!SC_HAS(note, n, created_at));
		/* fields after the failing one were still decoded */
		CHECK(SC_HAS(note, n, occurred_at) && n->occurred_at == 1795600000);
		CHECK(SC_HAS(note, n, context) && sc_str_eq(n->context, "welfare_check"));
		CHECK(SC_HAS(note, n, seen) && SC_HAS(note, n, level_of_need));
		CHECK(SC_HAS(note, n, mental_health) && n->mental_health->concern);
		CHECK_EQ_INT(sc_validate(loose(), n, NULL), FN_OK);
		CHECK_EQ_INT(sc_validate(&sc_rec_note, n, NULL), FN_VALIDATION_FAILED);
		struct sc_error alone;
		CHECK_EQ_INT(decode_alone(fmt, bad, &alone), FN_VALIDATION_FAILED);
		CHECK(strcmp(alone.field, s->err.field) == 0 && strcmp(alone.message, s->err.message) == 0);

		CHECK_EQ_INT(k.v[2].status, FN_OK);
		CHECK(sc_str_eq(k.v[2].note->id, "n-3") && k.v[2].note->seen);
		CHECK_EQ_INT(sc_validate(&sc_rec_note, k.v[2].note, NULL), FN_OK);
		sc_arena_free(a);
	}
	sc_buf_free(&body);
	free(example);
	free(vec);
	return 0;
}

/* One bad item each; every other top-level field given must be present,
 * those named in `absent` (and the first error's field) must not be. */
static const struct {
	const char *item;
	const char *field;
	const char *message;
	const char *absent; /* ",a,b," */
} bad_items[] = {
	{ NOTE_HEAD("m-1") "," NOTE_REST ",\"mental_health\":{\"concern\":true,"
	  "\"place_of_safety\":\"car_park\",\"consulted\":\"yes\"},\"level_of_need\":3}",
	  "mental_health.place_of_safety", "not one of: home, hospital, ed, police_station, other",
	  ",mental_health," },
	{ NOTE_HEAD("m-2") "," NOTE_REST ",\"mental_health\":{\"concern\":true,\"consulted\":1},"
	  "\"referral\":{\"type\":\"mash\"}}",
	  "mental_health.consulted", "expected a string, got an integer", ",mental_health," },
	{ NOTE_HEAD("m-3") "," NOTE_REST ",\"next_steps\":{\"told_child\":\"t\",\"actions\":["
	  "{\"what\":\"w\",\"owner\":\"o\"},{\"what\":\"w\"}]},\"guidance_seen\":[]}",
	  "next_steps.actions[1].owner", "required field is missing", ",next_steps," },
	{ NOTE_HEAD("m-4") ",\"created_at\":1,\"occurred_at\":2,\"context\":\"s136\"}",
	  "seen", "required field is missing", "," },
	{ "{\"id\":\"bad id\",\"revision\":4,\"child_ref\":\"C-1\",\"author\":\"officer1\","
	  "\"team\":\"north\",\"device_id\":\"dev-test-1\"," NOTE_REST "}",
	  "id", "may contain only", ",id," },
	/* two errors: the first in table order is the one reported */
	{ NOTE_HEAD("m-6") ",\"created_at\":true,\"occurred_at\":2,\"context\":\"party\","
	  "\"seen\":true,\"level_of_need\":1}",
	  "created_at", "expected an integer", ",created_at,context," },
	{ NOTE_HEAD("m-7") "," NOTE_REST ",\"sharing\":{\"consent\":\"given\",\"reason\":\"r\","
	  "\"shared_with\":[\"school\",\"\\u00e9\",false]},\"thrive\":{\"risk\":\"low\"}}",
	  "sharing.shared_with[2]", "expected a string", ",sharing," },
};

/* Every field the item gives (non-null) is present unless listed. */
static int check_presence(const char *item_json, const struct sc_note *n, const char *absent,
                          const char *first)
{
	json_t *o = json_loads(item_json, 0, NULL);
	CHECK(o);
	int bad = 0;
	for (size_t i = 0; i < SC_NF_note; i++) {
		const char *name = sc_rec_note.fields[i].name;
		json_t *v = json_object_get(o, name);
		char key[80];
		snprintf(key, sizeof key, ",%s,", name);
		size_t fl = strcspn(first, ".[");
		int failed = strstr(absent, key) || (strlen(name) == fl && strncmp(first, name, fl) == 0);
		int want = v && !json_is_null(v) && !failed;
		if (want != (int)((n->has >> i) & 1u)) {
			fprintf(stderr, "%s: %s should be %s\n", first, name, want ? "present" : "absent");
			bad = 1;
		}
	}
	json_decref(o);
	return bad;
}

static int test_best_effort(void)
{
	const struct sc_record *lr = loose();
	for (size_t c = 0; c < sizeof bad_items / sizeof bad_items[0]; c++) {
		for (int fmt = SC_MSGPACK; fmt <= SC_JSON; fmt++) {
			char body[2048];
			snprintf(body, sizeof body, "{\"notes\":[" NOTE_OK("a") ",%s," NOTE_OK("b") "]}",
			         bad_items[c].item);
			struct sc_arena *a = sc_arena_new(0);
			struct calls k;
			struct sc_error err;
			calls_init(&k);
			CHECK_EQ_INT(run(fmt, body, 3, NULL, a, &k, &err), FN_OK);
			CHECK(!k.bad && k.n == 3);
			CHECK(k.v[0].status == FN_OK && k.v[2].status == FN_OK);
			struct seen_item *s = &k.v[1];
			if (s->status != FN_VALIDATION_FAILED || strcmp(s->err.field, bad_items[c].field) ||
			    !strstr(s->err.message, bad_items[c].message)) {
				fprintf(stderr, "case %zu %s: %s \"%s\" %s\n", c, fmt_name(fmt),
				        sc_status_name(s->status), s->err.field, s->err.message);
				return 1;
			}
			CHECK(check_presence(bad_items[c].item, s->note, bad_items[c].absent,
			                     bad_items[c].field) == 0);
			CHECK_EQ_INT(sc_validate(lr, s->note, NULL), FN_OK);
			struct sc_error alone;
			CHECK_EQ_INT(decode_alone(fmt, bad_items[c].item, &alone), FN_VALIDATION_FAILED);
			CHECK(strcmp(alone.field, s->err.field) == 0);
			CHECK(strcmp(alone.message, s->err.message) == 0);
			sc_arena_free(a);
		}
	}
	return 0;
}

/* The brief's own case, spelled out: an invalid nested enum is reported
 * with its path, and the item can still be named. */
static int test_nested_enum(void)
{
	const char *body = "{\"notes\":[" NOTE_HEAD("pos-1") "," NOTE_REST
	                   ",\"mental_health\":{\"s136_used\":true,\"place_of_safety\":\"cell\"}}]}";
	for (int fmt = SC_MSGPACK; fmt <= SC_JSON; fmt++) {
		struct sc_arena *a = sc_arena_new(0);
		struct calls k;
		calls_init(&k);
		CHECK_EQ_INT(run(fmt, body, 0, NULL, a, &k, NULL), FN_OK);
		CHECK(!k.bad && k.n == 1);
		CHECK_EQ_INT(k.v[0].status, FN_VALIDATION_FAILED);
		CHECK(strcmp(k.v[0].err.field, "mental_health.place_of_safety") == 0);
		CHECK(strstr(k.v[0].err.message, "police_station") != NULL);
		CHECK(sc_str_eq(k.v[0].note->id, "pos-1") && k.v[0].note->revision == 3);
		CHECK(!SC_HAS(note, k.v[0].note, mental_health) && k.v[0].note->mental_health == NULL);
		sc_arena_free(a);
	}
	return 0;
}

/* Items that are not maps fail on their own; null counts as one too. */
static int test_item_not_a_map(void)
{
	const char *body = "{\"notes\":[7,\"n\"," NOTE_OK("ok") ",null,[]]}";
	static const char *const want[] = { "an integer", "a string", NULL, "null", "a list" };
	for (int fmt = SC_MSGPACK; fmt <= SC_JSON; fmt++) {
		struct sc_arena *a = sc_arena_new(0);
		struct calls k;
		calls_init(&k);
		CHECK_EQ_INT(run(fmt, body, 0, NULL, a, &k, NULL), FN_OK);
		CHECK(!k.bad && k.n == 5);
		for (size_t i = 0; i < 5; i++) {
			if (!want[i]) {
				CHECK_EQ_INT(k.v[i].status, FN_OK);
				continue;
			}
			CHECK_EQ_INT(k.v[i].status, FN_VALIDATION_FAILED);
			CHECK(k.v[i].err.field[0] == 0 && k.v[i].note->has == 0);
			/* msgpack says nil where JSON says null */
			CHECK(strstr(k.v[i].err.message, want[i]) ||
			      (fmt == SC_MSGPACK && i == 3 && strstr(k.v[i].err.message, "nil")));
		}
		sc_arena_free(a);
	}
	return 0;
}

/* msgpack only (JSON refuses duplicates at parse time, for the whole
 * body): a duplicate or non-string key inside one item fails that item. */
static int test_msgpack_item_keys(void)
{
	/* [ok, {id, revision, team twice, ...}, {1: 2, id, ...}] built by hand */
	struct sc_buf b = { 0 }, item = { 0 };
	CHECK(tu_json_to_msgpack(NOTE_OK("ok"), &item) == 0);
	sc_buf_append(&b, "\x81\xa5notes\x93", 8);
	sc_buf_append(&b, item.p, item.n);
	/* the same note with one more pair: the map header goes from 10 to 11 */
	CHECK((unsigned char)item.p[0] == 0x8a);
	sc_buf_append(&b, "\x8b", 1);
	sc_buf_append(&b, item.p + 1, item.n - 1);
	sc_buf_append(&b, "\xa4team\xa5south", 11);
	sc_buf_append(&b, "\x8b\x01\x02", 3);
	sc_buf_append(&b, item.p + 1, item.n - 1);
	CHECK(!b.oom);
	struct sc_arena *a = sc_arena_new(0);
	struct calls k;
	calls_init(&k);
	CHECK_EQ_INT(sc_decode_items(&sc_rec_note, "notes", SC_MSGPACK, b.p, b.n, NULL, 0, a, on_item,
	                             &k, NULL),
	             FN_OK);
	CHECK(!k.bad && k.n == 3);
	CHECK_EQ_INT(k.v[0].status, FN_OK);
	CHECK_EQ_INT(k.v[1].status, FN_MALFORMED_BODY);
	CHECK(strcmp(k.v[1].err.field, "team") == 0 && strstr(k.v[1].err.message, "duplicate"));
	CHECK(SC_HAS(note, k.v[1].note, id) && SC_HAS(note, k.v[1].note, revision));
	CHECK(!SC_HAS(note, k.v[1].note, team) && SC_HAS(note, k.v[1].note, seen));
	CHECK_EQ_INT(k.v[2].status, FN_MALFORMED_BODY);
	CHECK(strstr(k.v[2].err.message, "not a string") && sc_str_eq(k.v[2].note->id, "ok"));
	sc_arena_free(a);
	sc_buf_free(&b);
	sc_buf_free(&item);
	return 0;
}

/* Envelope errors: the status, and fn never called. */
static int envelope(int fmt, const void *p, size_t n, const struct sc_limits *lim, size_t max,
                    int want, const char *field, int line)
{
	struct sc_arena *a = sc_arena_new(0);
	struct calls k;
	struct sc_error err;
	calls_init(&k);
	int rc = sc_decode_items(&sc_rec_note, "notes", fmt, p, n, lim, max, a, on_item, &k, &err);
	sc_arena_free(a);
	if (rc != want || err.status != rc || k.n != 0 || (field && strcmp(err.field, field))) {
		fprintf(stderr, "line %d, %s: %s \"%s\" (%s), %zu calls; expected %s\n", line,
		        fmt_name(fmt), sc_status_name(rc), err.field, err.message, k.n,
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
	CHECK_EQ_INT(sc_decode_items(&sc_rec_note, NULL, SC_JSON, "{}", 2, NULL, 0, a, on_item, NULL,
	                             NULL),
	             FN_BAD_ARGUMENT);
	CHECK_EQ_INT(sc_decode_items(NULL, "notes", SC_JSON, "{}", 2, NULL, 0, a, on_item, NULL, NULL),
	             FN_BAD_ARGUMENT);
	CHECK_EQ_INT(sc_decode_items(&sc_rec_note, "notes", SC_JSON, "{}", 2, NULL, 0, NULL, on_item,
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
	calls_init(&k);
	CHECK_EQ_INT(sc_decode_items(&sc_rec_note, "notes", SC_JSON, one, strlen(one), NULL, 0, a,
	                             on_item, &k, &err),
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
			calls_init(&k);
			CHECK_EQ_INT(run(fmt, bodies[i], 0, NULL, a, &k, NULL), FN_OK);
			CHECK(!k.bad && k.n == i);
			if (i)
				CHECK(k.v[0].status == FN_OK && sc_str_eq(k.v[0].note->id, "a"));
			sc_arena_free(a);
		}
	}
	/* max_items is inclusive */
	struct sc_arena *a = sc_arena_new(0);
	struct calls k;
	calls_init(&k);
	CHECK_EQ_INT(run(SC_JSON, bodies[1], 1, NULL, a, &k, NULL), FN_OK);
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
			calls_init(&k);
			k.stop_at = at;
			k.stop_rc = 42;
			CHECK_EQ_INT(run(fmt, body, 0, NULL, a, &k, &err), 42);
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
	calls_init(&k);
	char *copy = strdup(body);
	CHECK(copy);
	CHECK_EQ_INT(sc_decode_items(&sc_rec_note, "notes", SC_JSON, copy, strlen(copy), NULL, 0, a,
	                             on_item, &k, NULL),
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
	const struct sc_record *lr = loose();
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
			calls_init(&k);
			int rc = sc_decode_items(&sc_rec_note, "notes", fmt, m, mn, NULL, 0, a, on_item, &k,
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

const struct unit_case items_cases[] = {
	{ "items_three_notes", test_three_notes },
	{ "items_best_effort", test_best_effort },
	{ "items_nested_enum", test_nested_enum },
	{ "items_item_not_a_map", test_item_not_a_map },
	{ "items_msgpack_item_keys", test_msgpack_item_keys },
	{ "items_envelope_errors", test_envelope_errors },
	{ "items_not_found", test_not_found },
	{ "items_empty_and_unknown", test_empty_and_unknown },
	{ "items_early_stop", test_early_stop },
	{ "items_item_lifetime", test_item_lifetime },
	{ "items_mutations", test_mutations },
	{ NULL, NULL },
};
