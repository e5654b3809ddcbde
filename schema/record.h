/* record.h - the table-driven record machinery: field tables, decode, encode, validate. */
#ifndef FN_SCHEMA_RECORD_H
#define FN_SCHEMA_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "status.h"

/* Bytes and a length; not necessarily NUL-terminated. Strings produced by
 * sc_decode are (p[n] == 0) as a convenience, and live in the decode arena. */
struct sc_str {
	const char *p;
	size_t n;
};

/* A string view of a string literal, without the terminating NUL; the
 * _INIT form is a braced initializer, usable in static tables. */
#define SC_STR_LIT(s) ((struct sc_str){ "" s, sizeof(s) - 1 })
#define SC_STR_INIT(s) { "" s, sizeof(s) - 1 }

/* true if s holds exactly the bytes of the C string c. */
bool sc_str_eq(struct sc_str s, const char *c);

/* A list of strings (SC_STRS): v has n elements, owned by whoever built it
 * (the decode arena for decoded records). */
struct sc_strs {
	struct sc_str *v;
	size_t n;
};

/* Field types and their C types in the generated structs:
 *   SC_STR, SC_ENUM  struct sc_str
 *   SC_INT           int64_t
 *   SC_BOOL          bool
 *   SC_STRS          struct sc_strs
 *   SC_OBJ           struct sc_<sub> *
 *   SC_OBJS          struct sc_list_<sub> { struct sc_<sub> *v; size_t n; } */
enum sc_type { SC_STR, SC_INT, SC_BOOL, SC_STRS, SC_OBJ, SC_OBJS, SC_ENUM };

/* Field flags. Every string (SC_STR, SC_ENUM, the items of SC_STRS) must be
 * valid UTF-8 without NUL bytes whatever the flags say. On SC_STRS, SC_ID
 * and SC_NONEMPTY apply to each item; SC_REQ to the list itself. */
#define SC_OPT 0u
#define SC_REQ 1u      /* must be present */
#define SC_ID 2u       /* non-empty, only [A-Za-z0-9._:-] */
#define SC_NONEMPTY 4u /* non-empty string */
/* On SC_INT: the value's range, checked by decode and validate. Times that
 * depend on "now" (not in the future) are the server's rules' business;
 * these are the bounds no caller may cross. */
#define SC_TIME 8u     /* Unix seconds from SC_TIME_MIN to below SC_TIME_MAX */
#define SC_POS31 16u   /* 1 to 2^31-1: revisions, versions (stored in 32 bits) */
#define SC_TIME_MIN INT64_C(946684800)  /* 2000-01-01T00:00:00Z */
#define SC_TIME_MAX INT64_C(4102444800) /* 2100-01-01T00:00:00Z */
#define SC_POS31_MAX INT64_C(2147483647)

/* Caps. A field's cap is, for SC_STR/SC_ENUM, its longest length in bytes
 * (0: the limits' max_str); for SC_STRS and SC_OBJS, its most items
 * (0: the limits' max_count); unused for the other types. Each item of an
 * SC_STRS list is at most SC_STRS_ITEM_CAP bytes. */
#define SC_STRS_ITEM_CAP 256u

/* Most fields in one record: presence is one bit each in uint64_t has. */
#define SC_MAX_FIELDS 64

struct sc_record;

/* One field of a record table. sub is the nested record of SC_OBJ/SC_OBJS;
 * enum_values the NULL-terminated allowed values of SC_ENUM. */
struct sc_field {
	const char *name;
	size_t name_len; /* strlen(name), for key lookups */
	enum sc_type type;
	size_t offset;
	unsigned flags;
	size_t cap;
	const struct sc_record *sub;
	const char *const *enum_values;
};

/* A record table: the generated struct is `size` bytes and starts with
 * uint64_t has, whose bit i says field i (table order) is present. */
struct sc_record {
	const char *name;
	size_t size;
	const struct sc_field *fields;
	size_t nfields;
};

/* Limits on untrusted input. A member left 0 means the default's value, so
 * (struct sc_limits){ .max_body = 65536 } changes only the body cap.
 * max_depth counts nested arrays and maps (the top-level map is depth 1);
 * it is held to at most SC_MAX_DEPTH_CAP whatever it says, the deepest
 * msgpack-c's unpacker can go. max_count caps every array's and
 * map's item count, max_str every string's and binary's length in bytes.
 * max_values caps the values in the whole body (every scalar, string, list
 * and map; map keys too), counted by the pre-scan before the parser builds
 * anything: a parsed value costs a parser up to ~250 bytes, so a 1 MiB body
 * of "{}," would otherwise take ~80 MiB. The default is above the largest
 * valid upload (100 notes with every list full: ~43,000 values). */
struct sc_limits {
	size_t max_depth, max_count, max_str, max_body, max_values;
};
#define SC_MAX_DEPTH_CAP 32
/* depth 16, count 10000, str 262144, body 4 MiB, values 50000 */
extern const struct sc_limits sc_limits_default;

enum sc_format { SC_MSGPACK = 1, SC_JSON = 2 };

/* What went wrong: status as returned, field a path such as
 * "user.teams[2]" ("" when it is not about one field), message why. Both
 * strings are always NUL-terminated (truncated if need be). */
struct sc_error {
	int status;
	char field[128];
	char message[256];
};

/* Fills *err (if err is not NULL) and returns status: a helper for callers
 * that report their own errors in the same shape. field may be NULL. */
int sc_error_set(struct sc_error *err, int status, const char *field,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Decodes untrusted bytes into *out, a struct of rec->size bytes (zeroed
 * here first). Strings and arrays are allocated from `a`: the result stays
 * valid while `a` lives, independent of buf. lim NULL means
 * sc_limits_default. Unknown keys are ignored (v1 may grow); nil/null is
 * taken as absent.
 *
 * Checks, in this order:
 *  - len > max_body: FN_PAYLOAD_TOO_LARGE;
 *  - a structural pre-scan before anything is allocated: msgpack headers
 *    whose length or count exceeds the bytes left, truncation, trailing
 *    bytes, the unused type byte 0xc1 -> FN_MALFORMED_BODY; nesting deeper
 *    than max_depth, counts above max_count, strings above max_str, more
 *    than max_values values in all -> FN_LIMIT_EXCEEDED (JSON is scanned
 *    for the same four);
 *  - JSON the parser rejects (syntax, invalid UTF-8, \u0000, duplicate
 *    keys, integers beyond 64 bits) -> FN_MALFORMED_BODY;
 *  - the top level must be a map/object: FN_MALFORMED_BODY;
 *  - in each msgpack map: a key that is not a string, or a known key twice
 *    -> FN_MALFORMED_BODY;
 *  - field by field in table order: wrong type, missing required field,
 *    string longer than its cap, list longer than its cap, enum value not
 *    in the list, invalid UTF-8 or NUL, SC_ID charset, SC_NONEMPTY,
 *    integers outside SC_TIME or SC_POS31 ->
 *    FN_VALIDATION_FAILED with err->field and err->message.
 * Returns FN_OK or the status (also in err->status; err may be NULL).
 * FN_NO_MEMORY if `a` or the parser runs out; FN_BAD_ARGUMENT for a NULL
 * rec, a or out, or an unknown fmt. On failure *out is partly filled and
 * must not be used. What a decode allocates is bounded by a small multiple
 * of len (parser nodes, then the arena copy), so max_body is the knob.
 */
int sc_decode(const struct sc_record *rec, enum sc_format fmt, const void *buf, size_t len,
              const struct sc_limits *lim, struct sc_arena *a, void *out, struct sc_error *err);

/*
 * Decoding a batch item by item, so that one bad item does not reject the
 * others.
 *
 * sc_item_fn is called once per item, in order. index is the item's place
 * in the list; status FN_OK or why the item failed: FN_VALIDATION_FAILED
 * (also for an item that is not a map), or FN_MALFORMED_BODY (msgpack only:
 * a duplicate or non-string key inside the item). err says which field
 * (a path relative to the item, "mental_health.consulted"; "" for the item
 * itself) and why; it is valid during the call only. item is a struct of
 * item_rec->size bytes, zeroed and then filled as far as decoding got: on a
 * failure every field that decoded is present (its has bit set) and
 * complete, so id and revision are there whenever they themselves are
 * valid; a field whose value failed anywhere inside is absent. item and
 * its strings live in `a` (the callback may keep them until the arena is
 * reset or freed). err->field and err->message are those sc_decode would
 * report for the item on its own. Return 0 to go on, non-zero to stop.
 */
typedef int (*sc_item_fn)(size_t index, int status, void *item, const struct sc_error *err,
                          void *arg);

/*
 * Decodes a body {KEY: [item, ...], ...} item by item (KEY a C string, such
 * as "notes"; other top-level keys are ignored). The envelope is checked
 * first, and fn is never called if it fails: len above max_body ->
 * FN_PAYLOAD_TOO_LARGE; the whole body's pre-scan (msgpack) or scan (JSON)
 * and parse, as in sc_decode, -> FN_MALFORMED_BODY or FN_LIMIT_EXCEEDED; the
 * top level not a map, a non-string top-level key or KEY twice (msgpack)
 * -> FN_MALFORMED_BODY; KEY not a list -> FN_VALIDATION_FAILED with field
 * KEY; more than max_items items -> FN_LIMIT_EXCEEDED with field KEY
 * (max_items 0: the limits' max_count). A body without KEY, or with KEY
 * nil/null, -> FN_NOT_FOUND: the caller then decodes it as a single item.
 * JSON rejects duplicate keys anywhere at parse time, so there a duplicate
 * inside an item fails the envelope (FN_MALFORMED_BODY).
 *
 * Then each item goes to fn (see sc_item_fn). Returns FN_OK when every item
 * was handed to fn; fn's non-zero return as is when it stopped early (err
 * then says at which item); the envelope's status; FN_NO_MEMORY if `a` or
 * the parser ran out (fn is not called for that item); FN_BAD_ARGUMENT for
 * a NULL item_rec, key, a or fn, or an unknown fmt. err (may be NULL) gets
 * the returned status, FN_OK included. What a call allocates from `a` is
 * bounded as for sc_decode.
 */
int sc_decode_items(const struct sc_record *item_rec, const char *key, enum sc_format fmt,
                    const void *buf, size_t len, const struct sc_limits *lim, size_t max_items,
                    struct sc_arena *a, sc_item_fn fn, void *arg, struct sc_error *err);

/*
 * Encodes *in, appending to out: only the fields whose presence bit is set,
 * in table order. msgpack: a map with the smallest encodings msgpack-c
 * picks; JSON: compact, keys in table order, UTF-8 as is (not \u-escaped).
 * Canonical: decoding and re-encoding an encoder's output gives the same bytes.
 * Returns FN_OK, FN_NO_MEMORY, or FN_BAD_ARGUMENT for a record that cannot
 * be encoded (a present SC_OBJ with a NULL pointer, items with a NULL
 * array, a string over 4 GiB; in JSON, a string that is not UTF-8). On
 * failure out->n is back where it was; after FN_NO_MEMORY out->oom stays
 * set (sc_buf_free to start again).
 */
int sc_encode(const struct sc_record *rec, enum sc_format fmt, const void *in, struct sc_buf *out);

/* Checks an in-memory record against its table with the same rules and
 * error reports as sc_decode (caps of 0 use sc_limits_default). FN_OK or
 * FN_VALIDATION_FAILED. err may be NULL. */
int sc_validate(const struct sc_record *rec, const void *in, struct sc_error *err);

/* Index of s in a NULL-terminated value list (an sc_enum_X), or -1. */
int sc_enum_index(const char *const *values, struct sc_str s);

/* The field of rec named name (n bytes), or NULL. */
const struct sc_field *sc_record_field(const struct sc_record *rec, const char *name, size_t n);

/* Projection (project.c): for every field of `to` that `from` also has
 * under the same name and type (the same enum list or nested record), copies
 * src's value into dst and sets dst's presence bit as src's is. dst's other
 * fields are left alone. Strings, lists and objects are shared, not
 * duplicated: they stay valid as long as src's do. src and dst are the
 * generated structs of `from` and `to`. */
void sc_project(const struct sc_record *from, const void *src, const struct sc_record *to, void *dst);

#endif
