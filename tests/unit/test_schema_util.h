/* test_schema_util.h - helpers the schema test files share: files, byte comparison, one JSON input decoded as both formats. */
#ifndef FN_TEST_SCHEMA_UTIL_H
#define FN_TEST_SCHEMA_UTIL_H

#include <stddef.h>

#include "records.h"

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

#endif
