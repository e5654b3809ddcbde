/* dbkey.c - composite LMDB keys (dbkey.h). */
#include "dbkey.h"

#include <string.h>

#include "store.h"

void dbkey_str(struct dbkey *k, struct sc_str s)
{
	size_t n = s.n < DBKEY_MAX - k->n - 1 ? s.n : DBKEY_MAX - k->n - 1;
	memcpy(k->b + k->n, s.p, n);
	k->n += n;
	k->b[k->n++] = 0;
}

void dbkey_raw(struct dbkey *k, struct sc_str s)
{
	size_t n = s.n < DBKEY_MAX - k->n ? s.n : DBKEY_MAX - k->n;
	memcpy(k->b + k->n, s.p, n);
	k->n += n;
}

void dbkey_u64(struct dbkey *k, uint64_t v)
{
	if (k->n + 8 <= DBKEY_MAX) {
		store_u64_key(v, k->b + k->n);
		k->n += 8;
	}
}

void dbkey_u32(struct dbkey *k, uint32_t v)
{
	if (k->n + 4 <= DBKEY_MAX) {
		for (int i = 3; i >= 0; i--, v >>= 8)
			k->b[k->n + (size_t)i] = (unsigned char)(v & 0xff);
		k->n += 4;
	}
}

void dbkey_u8(struct dbkey *k, unsigned v)
{
	if (k->n < DBKEY_MAX)
		k->b[k->n++] = (unsigned char)v;
}
