/* test_items_util.h - what the sc_decode_items test files share: small notes as JSON, a callback that records each call, and a runner for both formats. */
#ifndef FN_TEST_ITEMS_UTIL_H
#define FN_TEST_ITEMS_UTIL_H

#include <stddef.h>

#include "records.h"

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

/* The sc_decode_items callback: records each call in the struct calls at
 * arg (checking the promises made to it) and returns k->stop_rc at index
 * k->stop_at, else 0. */
int ti_on_item(size_t index, int status, void *item, const struct sc_error *err, void *arg);

/* Empties k; it never stops the walk. */
void ti_calls_init(struct calls *k);

/* sc_decode_items(note, "notes") on json as JSON, or on its msgpack form;
 * the msgpack copy is freed before returning, so items must not point
 * into the input. */
int ti_run(int fmt, const char *json, size_t max_items, const struct sc_limits *lim,
           struct sc_arena *a, struct calls *k, struct sc_error *err);

/* "JSON" or "msgpack". */
const char *ti_fmt_name(int fmt);

/* The note table without SC_REQ at the top: a failed item must still pass
 * it, since every present field is complete and valid. Static storage. */
const struct sc_record *ti_loose(void);

/* The error sc_decode gives for one item on its own (JSON text). */
int ti_decode_alone(int fmt, const char *item_json, struct sc_error *err);

#endif
