/* test_schema_util.h - helpers the schema and rules test files share: files, byte comparison, one JSON input decoded as both formats, the example note. */
#ifndef FN_TEST_SCHEMA_UTIL_H
#define FN_TEST_SCHEMA_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "records.h"
#include "rules.h"

/* Tests run from the repository root. */
#define VECTOR_DIR "schema/vectors/"
#define EXAMPLE_DIR "schema/examples/"

/* The whole file, malloc-owned (free it), with a NUL after the n bytes for
 * text use; NULL (and a message on stderr) if it cannot be read. */
char *tu_read_file(const char *path, size_t *n);

/* Writes n bytes (and a newline if asked); 0 or -1. */
int tu_write_file(const char *path, const void *p, size_t n, int newline);

/* 1 if equal; else 0 after saying where they differ. */
int tu_same_bytes(const char *what, const void *a, size_t an, const void *b, size_t bn);

/* JSON text -> msgpack with the same content and key order, appended to
 * out, so one test input drives both decoders. JSON_ALLOW_NUL lets a test
 * put NUL bytes in msgpack strings. 0 or -1. */
int tu_json_to_msgpack(const char *json, struct sc_buf *out);

/* Decodes json as JSON and (converted) as msgpack; both must give status
 * and, if field is not NULL, that error path. 0 if so. */
int tu_expect_both(const struct sc_record *rec, const char *json, int status, const char *field,
                   int line);
#define EXPECT_BOTH(rec, json, status, field) \
	CHECK(tu_expect_both(&sc_rec_##rec, json, status, field, __LINE__) == 0)

/* Decodes raw bytes in one format into a scratch arena; the status. */
int tu_decode_raw(const struct sc_record *rec, int fmt, const void *p, size_t n,
                  const struct sc_limits *lim, struct sc_error *err);
#define MP(rec, bytes) tu_decode_raw(&sc_rec_##rec, SC_MSGPACK, bytes, sizeof(bytes) - 1, NULL, NULL)
#define JS(rec, text) tu_decode_raw(&sc_rec_##rec, SC_JSON, text, strlen(text), NULL, NULL)

/* Records the golden vectors are built from, shared with test_schema.c's
 * validate tests (defined in test_schema_vectors.c): the s136 guidance
 * document, and supervisor s.okafor (teams in static storage). */
void tu_fill_s136(struct sc_guidance_doc *d);
struct sc_user_summary tu_user_okafor(void);

/* schema/examples/note.json decoded into a (which owns it: a test may
 * change it freely); NULL after saying why. It passes every rule at any
 * time from its created_at to a week on. */
struct sc_note *tu_example_note(struct sc_arena *a);

/* rules_check_note at `now` (c NULL: the defaults): the number of errors
 * found; *match is set when one names `field` and, if part is not NULL,
 * its message contains part. Lists the errors on stderr when quiet is 0. */
size_t tu_rule_errors(const struct sc_note *n, int64_t now, const struct rules_config *c,
                      const char *field, const char *part, int *match, int quiet);

/* 1 when the note has exactly one error and it is that one; else 0 after
 * listing what was found. */
int tu_only_error(const struct sc_note *n, int64_t now, const struct rules_config *c,
                  const char *field, const char *part);

#endif
