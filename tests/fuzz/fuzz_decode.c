/* fuzz_decode.c - libFuzzer target for the schema decoders (sc_decode, sc_decode_items).
 *
 * Input: byte 0 picks the record (bits 1..7, modulo the number of records in
 * SC_RECORDS, then SC_STORED_RECORDS) and the format (bit 0: 0 msgpack, 1 JSON); the rest is the body.
 *
 * Besides what ASan and UBSan catch, every promise below aborts when broken:
 *  - sc_decode returns a documented status, and err->status equals it;
 *  - a decoded record does not point into the input (the input copy is
 *    poisoned and freed before the record is used);
 *  - a decoded record passes sc_validate and encodes in both formats;
 *  - canonical: its msgpack encoding decodes and re-encodes to the same bytes,
 *    and its JSON encoding decodes and re-encodes to the same JSON and to the
 *    same msgpack bytes;
 *  - on input of at most 64 KiB sc_decode never runs out of memory, and a
 *    msgpack body that passes the pre-scan is one msgpack-c accepts;
 *  - the same body under small limits (tight_limits): documented statuses
 *    only, and whatever decodes under them decodes to the same record under
 *    the defaults;
 *  - sc_decode_items(&sc_rec_note, "notes") on the same bytes: items come in
 *    order, status and err agree, an OK item validates and round-trips, a
 *    failed item's present fields are valid and complete (the item validates
 *    once its top-level fields are made optional), and fn is never called
 *    when the envelope fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "stored.h"

#define REC_PTR(name) &sc_rec_##name,
static const struct sc_record *const recs[] = { SC_RECORDS(REC_PTR) SC_STORED_RECORDS(REC_PTR) };
#define NRECS (sizeof recs / sizeof recs[0])

static void die(const char *what, const struct sc_record *rec, int fmt, const struct sc_error *err)
{
	fprintf(stderr, "fuzz_decode: BUG: %s (record %s, format %s", what, rec ? rec->name : "?",
	        fmt == SC_JSON ? "json" : "msgpack");
	if (err)
		fprintf(stderr, ", status %d %s, field \"%s\", message \"%s\"", err->status,
		        sc_status_name(err->status), err->field, err->message);
	fprintf(stderr, ")\n");
	abort();
}

static void check_err(const struct sc_error *err, int rc, const struct sc_record *rec, int fmt)
{
	if (err->status != rc)
		die("err->status differs from the returned status", rec, fmt, err);
	if (!memchr(err->field, 0, sizeof err->field) || !memchr(err->message, 0, sizeof err->message))
		die("err strings not NUL-terminated", rec, fmt, NULL);
}

static void same(const char *what, const struct sc_buf *a, const struct sc_buf *b,
                 const struct sc_record *rec, int fmt)
{
	if (a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0))
		return;
	size_t i = 0;
	while (i < a->n && i < b->n && a->p[i] == b->p[i])
		i++;
	fprintf(stderr, "fuzz_decode: %s: %zu vs %zu bytes, first difference at byte %zu\n", what,
	        a->n, b->n, i);
	die(what, rec, fmt, NULL);
}

/* Encodes *in in fmt into out (which must be empty); aborts on failure. */
static void encode(const struct sc_record *rec, int fmt, const void *in, struct sc_buf *out,
                   const char *what)
{
	int rc = sc_encode(rec, fmt, in, out);
	if (rc != FN_OK) {
		fprintf(stderr, "fuzz_decode: sc_encode status %d %s\n", rc, sc_status_name(rc));
		die(what, rec, fmt, NULL);
	}
}

/* dst = decode(bytes) in fmt; aborts on failure. */
static void decode_ok(const struct sc_record *rec, int fmt, const struct sc_buf *bytes,
                      struct sc_arena *a, void *dst, const char *what)
{
	struct sc_error err;
	int rc = sc_decode(rec, fmt, bytes->p, bytes->n, NULL, a, dst, &err);
	check_err(&err, rc, rec, fmt);
	if (rc != FN_OK)
		die(what, rec, fmt, &err);
}

/* The round trips of a record decoded from untrusted bytes. */
static void round_trip(const struct sc_record *rec, int fmt, const void *r, struct sc_arena *a)
{
	struct sc_error err;
	int rc = sc_validate(rec, r, &err);
	check_err(&err, rc, rec, fmt);
	if (rc != FN_OK)
		die("a decoded record fails sc_validate", rec, fmt, &err);

	struct sc_buf mp = { 0 }, js = { 0 }, mp2 = { 0 }, js2 = { 0 }, mp3 = { 0 };
	encode(rec, SC_MSGPACK, r, &mp, "a decoded record does not encode to msgpack");
	encode(rec, SC_JSON, r, &js, "a decoded record does not encode to JSON");

	void *r2 = sc_arena_alloc(a, rec->size);
	void *r3 = sc_arena_alloc(a, rec->size);
	if (!r2 || !r3)
		abort();
	decode_ok(rec, SC_MSGPACK, &mp, a, r2, "the msgpack encoding does not decode");
	encode(rec, SC_MSGPACK, r2, &mp2, "a re-decoded record does not encode to msgpack");
	same("msgpack encoding not canonical: decode + encode changed the bytes", &mp, &mp2, rec,
	     SC_MSGPACK);

	decode_ok(rec, SC_JSON, &js, a, r3, "the JSON encoding does not decode");
	encode(rec, SC_JSON, r3, &js2, "a re-decoded record does not encode to JSON");
	same("JSON encoding not canonical: decode + encode changed the bytes", &js, &js2, rec,
	     SC_JSON);
	encode(rec, SC_MSGPACK, r3, &mp3, "a record from JSON does not encode to msgpack");
	same("JSON and msgpack encodings of one record decode to different records", &mp, &mp3, rec,
	     SC_JSON);

	sc_buf_free(&mp);
	sc_buf_free(&js);
	sc_buf_free(&mp2);
	sc_buf_free(&js2);
	sc_buf_free(&mp3);
}

/* ------------------------------------------------------ items check --- */

/* sc_rec_note with every top-level field optional: what a failed item,
 * whose present fields must all be valid and complete, has to pass. */
static struct sc_field note_relaxed_fields[SC_MAX_FIELDS];
static struct sc_record note_relaxed;

static void init_relaxed(void)
{
	if (note_relaxed.fields)
		return;
	for (size_t i = 0; i < sc_rec_note.nfields; i++) {
		note_relaxed_fields[i] = sc_rec_note.fields[i];
		note_relaxed_fields[i].flags &= ~SC_REQ;
	}
	note_relaxed = sc_rec_note;
	note_relaxed.fields = note_relaxed_fields;
}

struct items_run {
	int fmt;
	size_t calls;
	struct sc_arena *a;
};

static int on_item(size_t index, int status, void *item, const struct sc_error *err, void *arg)
{
	struct items_run *k = arg;
	const struct sc_record *rec = &sc_rec_note;
	if (index != k->calls)
		die("sc_decode_items: items out of order", rec, k->fmt, err);
	k->calls++;
	if (!item || !err)
		die("sc_decode_items: NULL item or err", rec, k->fmt, NULL);
	check_err(err, status, rec, k->fmt);
	if (status == FN_OK) {
		if (err->field[0] || err->message[0])
			die("sc_decode_items: an OK item with an error text", rec, k->fmt, err);
		round_trip(rec, k->fmt, item, k->a);
		return 0;
	}
	if (status != FN_VALIDATION_FAILED && !(status == FN_MALFORMED_BODY && k->fmt == SC_MSGPACK))
		die("sc_decode_items: undocumented item status", rec, k->fmt, err);
	if (!err->message[0])
		die("sc_decode_items: a failed item without a message", rec, k->fmt, err);
	/* Present fields are complete and valid. */
	struct sc_error verr;
	int rc = sc_validate(&note_relaxed, item, &verr);
	if (rc != FN_OK) {
		fprintf(stderr, "fuzz_decode: item error was \"%s\": %s\n", err->field, err->message);
		die("sc_decode_items: a failed item has a present field that is not valid", rec, k->fmt,
		    &verr);
	}
	struct sc_buf mp = { 0 }, mp2 = { 0 };
	encode(&note_relaxed, SC_MSGPACK, item, &mp, "sc_decode_items: a failed item does not encode");
	void *r2 = sc_arena_alloc(k->a, rec->size);
	if (!r2)
		abort();
	decode_ok(&note_relaxed, SC_MSGPACK, &mp, k->a, r2,
	          "sc_decode_items: a failed item's fields do not decode again");
	encode(&note_relaxed, SC_MSGPACK, r2, &mp2, "sc_decode_items: a failed item does not re-encode");
	same("sc_decode_items: a failed item's fields are not canonical", &mp, &mp2, rec, k->fmt);
	sc_buf_free(&mp);
	sc_buf_free(&mp2);
	return 0;
}

/* sc_decode_items answered rc after calls items: a documented status, at
 * most max_items items, none when the envelope failed. Out of memory is a
 * bug on inputs of at most 64 KiB. */
static void items_status(int rc, size_t calls, size_t max_items, int fmt, const struct sc_error *err,
                         const char *undocumented)
{
	switch (rc) {
	case FN_OK:
		if (calls > max_items)
			die("sc_decode_items: more items than max_items", &sc_rec_note, fmt, err);
		break;
	case FN_NO_MEMORY:
		die("sc_decode_items: out of memory on an input of at most 64 KiB", &sc_rec_note, fmt, err);
		break;
	case FN_PAYLOAD_TOO_LARGE:
	case FN_MALFORMED_BODY:
	case FN_LIMIT_EXCEEDED:
	case FN_VALIDATION_FAILED:
	case FN_NOT_FOUND:
		if (calls)
			die("sc_decode_items: fn called although the envelope failed", &sc_rec_note, fmt, err);
		break;
	default:
		die(undocumented, &sc_rec_note, fmt, err);
	}
}

static void fuzz_items(int fmt, const uint8_t *body, size_t n)
{
	struct sc_arena *a = sc_arena_new(0);
	if (!a)
		abort();
	struct items_run k = { fmt, 0, a };
	struct sc_error err;
	int rc = sc_decode_items(&sc_rec_note, "notes", fmt, body, n, NULL, 0, a, on_item, &k, &err);
	check_err(&err, rc, &sc_rec_note, fmt);
	if (fmt == SC_MSGPACK && rc == FN_MALFORMED_BODY && strncmp(err.message, "msgpack-c:", 10) == 0)
		die("sc_decode_items: the pre-scan passed a body msgpack-c then refused", &sc_rec_note,
		    fmt, &err);
	items_status(rc, k.calls, SIZE_MAX, fmt, &err, "sc_decode_items: undocumented status");
	sc_arena_free(a);
}

/* ------------------------------------------------------ tight limits --- */

/* The limits' own checks are out of reach of default limits and 64 KiB
 * inputs, so every input is also decoded under small ones. What decodes
 * under them must decode the same under the defaults. */
static const struct sc_limits tight_limits = { .max_depth = 3, .max_count = 5, .max_str = 24,
	                                       .max_body = 2048 };

static int item_count(size_t index, int status, void *item, const struct sc_error *err, void *arg)
{
	(void)status, (void)item, (void)err;
	size_t *calls = arg;
	if (index != *calls)
		abort();
	(*calls)++;
	return 0;
}

static void tight(const struct sc_record *rec, int fmt, const uint8_t *body, size_t n, int rc_default,
                  const void *r_default)
{
	struct sc_arena *a = sc_arena_new(0);
	void *r = a ? sc_arena_alloc(a, rec->size) : NULL;
	if (!r)
		abort();
	struct sc_error err;
	int rc = sc_decode(rec, fmt, body, n, &tight_limits, a, r, &err);
	check_err(&err, rc, rec, fmt);
	switch (rc) {
	case FN_OK:
		if (rc_default != FN_OK)
			die("sc_decode: decodes under tight limits but not under the defaults", rec, fmt,
			    NULL);
		{
			struct sc_buf x = { 0 }, y = { 0 };
			encode(rec, SC_MSGPACK, r, &x, "tight limits: does not encode");
			encode(rec, SC_MSGPACK, r_default, &y, "default limits: does not encode");
			same("tight and default limits decode to different records", &x, &y, rec, fmt);
			sc_buf_free(&x);
			sc_buf_free(&y);
		}
		break;
	case FN_PAYLOAD_TOO_LARGE:
	case FN_MALFORMED_BODY:
	case FN_LIMIT_EXCEEDED:
	case FN_VALIDATION_FAILED:
		break;
	default:
		die("sc_decode (tight limits): undocumented status", rec, fmt, &err);
	}
	sc_arena_reset(a);

	size_t calls = 0;
	rc = sc_decode_items(&sc_rec_note, "notes", fmt, body, n, &tight_limits, 2, a, item_count,
	                     &calls, &err);
	check_err(&err, rc, &sc_rec_note, fmt);
	items_status(rc, calls, 2, fmt, &err, "sc_decode_items (tight limits): undocumented status");
	sc_arena_free(a);
}

/* ---------------------------------------------------------- target --- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	init_relaxed();
	const struct sc_record *rec = recs[(data[0] >> 1) % NRECS];
	int fmt = (data[0] & 1) ? SC_JSON : SC_MSGPACK;
	size_t n = size - 1;

	/* A copy of exactly n bytes, poisoned and freed after decoding: the
	 * record must not point into the input. */
	uint8_t *body = malloc(n ? n : 1);
	if (!body)
		return 0;
	if (n)
		memcpy(body, data + 1, n);

	struct sc_arena *a = sc_arena_new(0);
	void *r = a ? sc_arena_alloc(a, rec->size) : NULL;
	if (!r)
		abort();
	struct sc_error err;
	int rc = sc_decode(rec, fmt, body, n, NULL, a, r, &err);
	check_err(&err, rc, rec, fmt);
	switch (rc) {
	case FN_OK:
		if (err.field[0] || err.message[0])
			die("sc_decode: FN_OK with an error text", rec, fmt, &err);
		break;
	case FN_PAYLOAD_TOO_LARGE:
	case FN_MALFORMED_BODY:
	case FN_LIMIT_EXCEEDED:
	case FN_VALIDATION_FAILED:
	case FN_NO_MEMORY:
		if (!err.message[0])
			die("sc_decode: an error without a message", rec, fmt, &err);
		break;
	default:
		die("sc_decode: undocumented status", rec, fmt, &err);
	}

	if (rc == FN_NO_MEMORY)
		die("sc_decode: out of memory on an input of at most 64 KiB", rec, fmt, &err);
	if (fmt == SC_MSGPACK && rc == FN_MALFORMED_BODY && strncmp(err.message, "msgpack-c:", 10) == 0)
		die("sc_decode: the pre-scan passed a body msgpack-c then refused", rec, fmt, &err);
	tight(rec, fmt, body, n, rc, rc == FN_OK ? r : NULL);

	if (rc == FN_OK) {
		memset(body, 0xA5, n);
		free(body);
		body = NULL;
		round_trip(rec, fmt, r, a);
	}
	sc_arena_free(a);

	if (!body) {
		body = malloc(n ? n : 1);
		if (!body)
			return 0;
		if (n)
			memcpy(body, data + 1, n);
	}
	fuzz_items(fmt, body, n);
	free(body);
	return 0;
}
