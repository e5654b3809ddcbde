/* guidance_internal.h - private to the guidance module (guidance.c: import
 * and withdrawal; guidance_read.c: lookup, search and the change feed). */
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
};

#endif
