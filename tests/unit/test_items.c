/* test_items.c - unit tests of sc_decode_items item by item: bad items fail alone, in JSON and msgpack (envelope and walk: test_items_batch.c). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "test_items_util.h"
#include "test_schema_util.h"
#include "unit.h"

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
		ti_calls_init(&k);
		int rc = ti_run(fmt, body.p, 0, NULL, a, &k, &err);
		if (rc)
			fprintf(stderr, "%s: %s \"%s\" %s\n", ti_fmt_name(fmt), sc_status_name(rc), err.field,
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
		CHECK_EQ_INT(sc_validate(ti_loose(), n, NULL), FN_OK);
		CHECK_EQ_INT(sc_validate(&sc_rec_note, n, NULL), FN_VALIDATION_FAILED);
		struct sc_error alone;
		CHECK_EQ_INT(ti_decode_alone(fmt, bad, &alone), FN_VALIDATION_FAILED);
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
	const struct sc_record *lr = ti_loose();
	for (size_t c = 0; c < sizeof bad_items / sizeof bad_items[0]; c++) {
		for (int fmt = SC_MSGPACK; fmt <= SC_JSON; fmt++) {
			char body[2048];
			snprintf(body, sizeof body, "{\"notes\":[" NOTE_OK("a") ",%s," NOTE_OK("b") "]}",
			         bad_items[c].item);
			struct sc_arena *a = sc_arena_new(0);
			struct calls k;
			struct sc_error err;
			ti_calls_init(&k);
			CHECK_EQ_INT(ti_run(fmt, body, 3, NULL, a, &k, &err), FN_OK);
			CHECK(!k.bad && k.n == 3);
			CHECK(k.v[0].status == FN_OK && k.v[2].status == FN_OK);
			struct seen_item *s = &k.v[1];
			if (s->status != FN_VALIDATION_FAILED || strcmp(s->err.field, bad_items[c].field) ||
			    !strstr(s->err.message, bad_items[c].message)) {
				fprintf(stderr, "case %zu %s: %s \"%s\" %s\n", c, ti_fmt_name(fmt),
				        sc_status_name(s->status), s->err.field, s->err.message);
				return 1;
			}
			CHECK(check_presence(bad_items[c].item, s->note, bad_items[c].absent,
			                     bad_items[c].field) == 0);
			CHECK_EQ_INT(sc_validate(lr, s->note, NULL), FN_OK);
			struct sc_error alone;
			CHECK_EQ_INT(ti_decode_alone(fmt, bad_items[c].item, &alone), FN_VALIDATION_FAILED);
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
		ti_calls_init(&k);
		CHECK_EQ_INT(ti_run(fmt, body, 0, NULL, a, &k, NULL), FN_OK);
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
		ti_calls_init(&k);
		CHECK_EQ_INT(ti_run(fmt, body, 0, NULL, a, &k, NULL), FN_OK);
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
	ti_calls_init(&k);
	CHECK_EQ_INT(sc_decode_items(&sc_rec_note, "notes", SC_MSGPACK, b.p, b.n, NULL, 0, a, ti_on_item,
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

const struct unit_case items_cases[] = {
	{ "items_three_notes", test_three_notes },
	{ "items_best_effort", test_best_effort },
	{ "items_nested_enum", test_nested_enum },
	{ "items_item_not_a_map", test_item_not_a_map },
	{ "items_msgpack_item_keys", test_msgpack_item_keys },
	{ NULL, NULL },
};
