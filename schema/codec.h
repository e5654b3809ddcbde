/* codec.h - private to schema/: what the codecs share (error paths, string and count checks, the pre-scan). */
#ifndef FN_SCHEMA_CODEC_H
#define FN_SCHEMA_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "record.h"

/* State of one decode or validate call. err is never NULL here; path is
 * the field path being worked on ("user.teams[1]"), always NUL-terminated. */
struct sc_ctx {
	struct sc_limits lim; /* resolved: no zero members */
	struct sc_arena *a;   /* NULL for validate */
	struct sc_error *err;
	char path[sizeof(((struct sc_error *)0)->field)];
	size_t plen;
	/* sc_decode_items: after an error about the input (FN_VALIDATION_FAILED,
	 * FN_MALFORMED_BODY inside a map) the mapping goes on with the next
	 * field, so that every field that can be decoded is; err keeps the
	 * first error, which is the one sc_decode would report. A field whose
	 * value failed anywhere inside stays absent: a present field is always
	 * complete and valid. */
	bool best_effort;
};

/* Resolves lim (NULL: the defaults; zero members: the default's value),
 * clears err to FN_OK and the path. best_effort starts false. */
void sc_ctx_init(struct sc_ctx *c, const struct sc_limits *lim, struct sc_arena *a,
                 struct sc_error *err);

/* Whether a mapping goes on after a field failed with rc: only in
 * best-effort mode and only after an error about the input; running out
 * of memory (or anything else) always ends it. */
static inline bool sc_go_on(const struct sc_ctx *c, int rc)
{
	return c->best_effort && (rc == FN_VALIDATION_FAILED || rc == FN_MALFORMED_BODY);
}

/* Path steps: each returns the old length for sc_path_pop. A path longer
 * than err->field is truncated; decoding goes on regardless. */
size_t sc_path_field(struct sc_ctx *c, const char *name);
size_t sc_path_index(struct sc_ctx *c, size_t i);
void sc_path_pop(struct sc_ctx *c, size_t old);

/* Records status, the current path and a message in c->err; returns status.
 * In best-effort mode an error already recorded stays unless the new one
 * ends the decode (see sc_go_on). */
int sc_fail(struct sc_ctx *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The checks every string value goes through (cap, UTF-8, NUL, SC_ID,
 * SC_NONEMPTY, enum). item: s is one item of an SC_STRS list. */
int sc_check_str(struct sc_ctx *c, const struct sc_field *f, const char *p, size_t n, bool item);

/* An SC_INT value against the field's range flags (SC_TIME, SC_POS31). */
int sc_check_int(struct sc_ctx *c, const struct sc_field *f, int64_t v);

/* An SC_STRS or SC_OBJS list of n items against the field's cap. */
int sc_check_count(struct sc_ctx *c, const struct sc_field *f, size_t n);

/* A decoded string copied into the arena with a NUL after it. */
int sc_copy_str(struct sc_ctx *c, const char *p, size_t n, struct sc_str *out);

/* n items of size bytes each from the arena (NULL and no error for n 0). */
int sc_alloc_items(struct sc_ctx *c, size_t n, size_t size, void **out);

/* 0: valid UTF-8 without NUL; 1: not UTF-8 (overlong, surrogate, above
 * U+10FFFF, truncated); 2: a NUL byte. */
int sc_utf8_check(const char *p, size_t n);

/* The field's storage inside a record struct. */
static inline void *sc_field_ptr(void *rec, const struct sc_field *f)
{
	return (char *)rec + f->offset;
}
static inline const void *sc_field_cptr(const void *rec, const struct sc_field *f)
{
	return (const char *)rec + f->offset;
}

/* SC_OBJ and SC_OBJS slots hold typed pointers (struct sc_X *, struct
 * sc_list_X) that the table code only knows as bytes: move them with memcpy
 * rather than through a differently-typed lvalue, which strict aliasing
 * would not allow. Every struct sc_list_X has the layout of struct sc_items. */
struct sc_items {
	void *v;
	size_t n;
};
static inline struct sc_items sc_items_get(const void *slot)
{
	struct sc_items l;
	memcpy(&l, slot, sizeof l);
	return l;
}
static inline void sc_items_put(void *slot, void *v, size_t n)
{
	struct sc_items l = { v, n };
	memcpy(slot, &l, sizeof l);
}
static inline void *sc_obj_get(const void *slot)
{
	void *p;
	memcpy(&p, slot, sizeof p);
	return p;
}
static inline void sc_obj_put(void *slot, void *p)
{
	memcpy(slot, &p, sizeof p);
}

/* The structural pre-scan of a msgpack body (mpscan.c): FN_OK, or
 * FN_MALFORMED_BODY / FN_LIMIT_EXCEEDED through sc_fail. Allocates nothing. */
int sc_mp_scan(struct sc_ctx *c, const unsigned char *p, size_t len);

/* Per-format halves of sc_decode / sc_encode. */
int sc_mp_decode(struct sc_ctx *c, const struct sc_record *rec, const void *buf, size_t len, void *out);
int sc_mp_encode(const struct sc_record *rec, const void *in, struct sc_buf *out);
int sc_json_decode(struct sc_ctx *c, const struct sc_record *rec, const void *buf, size_t len, void *out);
int sc_json_encode(const struct sc_record *rec, const void *in, struct sc_buf *out);

/* The two steps of each decode, for callers that look at the parsed body
 * themselves (items.c). Declared on the libraries' struct tags so that this
 * header needs neither msgpack.h nor jansson.h. */
struct msgpack_unpacked;
struct msgpack_object;
struct json_t;

/* Pre-scan, unpack into *u (msgpack_unpacked_init'ed by the caller, who
 * destroys it whatever this returns), nothing after the object, and the
 * top level a map. FN_OK or the status through sc_fail. */
int sc_mp_parse(struct sc_ctx *c, const void *buf, size_t len, struct msgpack_unpacked *u);

/* Scan, parse and the top level an object: FN_OK and *root (the caller's
 * reference, json_decref it), or the status through sc_fail and NULL. */
int sc_json_parse(struct sc_ctx *c, const void *buf, size_t len, struct json_t **root);

/* One value that must be a record (a map / an object) into *out, a zeroed
 * struct of rec->size bytes, with the field checks of sc_decode; errors
 * name paths below the current c->path. */
int sc_mp_map_record(struct sc_ctx *c, const struct sc_record *rec, const struct msgpack_object *o,
                     void *out);
int sc_json_map_record(struct sc_ctx *c, const struct sc_record *rec, const struct json_t *v,
                       void *out);

/* "a map", "a string", ...: what a value is, for error messages. */
const char *sc_mp_kind(const struct msgpack_object *o);
const char *sc_json_kind(const struct json_t *v);

/* Record nesting deeper than this is refused by encode and validate (a
 * cyclic pointer graph would otherwise recurse forever). */
#define SC_ENCODE_MAX_DEPTH 64

#endif
