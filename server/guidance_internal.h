/* guidance_internal.h - private to the guidance module (guidance.c: import
 * and withdrawal; guidance_read.c: lookup, search and the change feed;
 * guidance_gzip.c: gzip encoding, declared in guidance.h). */
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

#endif
