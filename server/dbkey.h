/* dbkey.h - composite LMDB keys built in place: strings end with a 0 byte,
 * numbers are big-endian, so the store's byte order is the key order.
 * Shared by the notes and review modules (their keys must stay as stored). */
#ifndef FN_DBKEY_H
#define FN_DBKEY_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define DBKEY_MAX 160

/* A key under construction; start with {.n = 0}. A part that would pass
 * DBKEY_MAX is cut short (strings) or left out (numbers). */
struct dbkey {
	unsigned char b[DBKEY_MAX];
	size_t n;
};

void dbkey_str(struct dbkey *k, struct sc_str s); /* s and a 0 byte */
void dbkey_raw(struct dbkey *k, struct sc_str s); /* s as it is, last part */
void dbkey_u64(struct dbkey *k, uint64_t v);
void dbkey_u32(struct dbkey *k, uint32_t v);
void dbkey_u8(struct dbkey *k, unsigned v);

#endif
