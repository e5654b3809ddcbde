/* guidance_internal.h - private to the guidance module (guidance.c: import
 * and withdrawal; guidance_read.c: lookup, search and the change feed;
 * guidance_gzip.c: gzip encoding). */
#ifndef FN_GUIDANCE_INTERNAL_H
#define FN_GUIDANCE_INTERNAL_H

#include "guidance.h"

#define VER_LEN 17 /* version(8) seq(8) withdrawn(1) */

struct guidance {
	struct store *store;
	struct audit *audit;
	store_db docs;  /* id -> msgpack guidance_doc (current) */
	store_db json;  /* id -> JSON guidance_doc (current) */
	store_db ver;   /* id -> version, seq, withdrawn */
	store_db feed;  /* seq -> id */
	store_db gz;    /* 'm' or 'j' + id -> gzip of the msgpack or JSON doc */
};

/* The gz database's key for document id in fmt: one format byte, the id. */
#define GZ_KEY_MAX (1 + 256)
size_t guidance_gz_key(int fmt, const char *id, size_t n, char key[GZ_KEY_MAX]);

/* gzip (RFC 1952) of n bytes at p, at zlib `level` (1 fast .. 9 small),
 * into arena memory. FN_OK, FN_NO_MEMORY, FN_INTERNAL (zlib refused). */
/* Whether an Accept-Encoding value (RFC 9110 12.5.3; NULL: absent) lets us
 * send gzip: named (or x-gzip) with q above 0, or, when not named, "*" with
 * q above 0. A malformed q counts as 0. (guidance_http.c) */
int guidance_accepts_gzip(const char *accept_encoding);

int guidance_gzip(const void *p, size_t n, int level, struct sc_arena *arena, struct sc_str *out);

#endif
