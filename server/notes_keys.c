/* notes_keys.c - the notes databases' composite keys: strings end with a
 * 0 byte, numbers are big-endian, so LMDB's byte order is the key order. */
#include "notes_internal.h"

#include <string.h>

void key_str(struct key *k, struct sc_str s)
{
	size_t n = s.n < KEY_MAX - k->n - 1 ? s.n : KEY_MAX - k->n - 1;
	memcpy(k->b + k->n, s.p, n);
	k->n += n;
	k->b[k->n++] = 0;
}

void key_raw(struct key *k, struct sc_str s)
{
	size_t n = s.n < KEY_MAX - k->n ? s.n : KEY_MAX - k->n;
	memcpy(k->b + k->n, s.p, n);
	k->n += n;
}

void key_u64(struct key *k, uint64_t v)
{
	if (k->n + 8 <= KEY_MAX) {
		store_u64_key(v, k->b + k->n);
		k->n += 8;
	}
}

void key_u32(struct key *k, uint32_t v)
{
	if (k->n + 4 <= KEY_MAX) {
		for (int i = 3; i >= 0; i--, v >>= 8)
			k->b[k->n + (size_t)i] = (unsigned char)(v & 0xff);
		k->n += 4;
	}
}

void key_u8(struct key *k, unsigned v)
{
	if (k->n < KEY_MAX)
		k->b[k->n++] = (unsigned char)v;
}

struct key queue_key(const struct sc_note_head *h)
{
	struct key k = {.n = 0};
	key_str(&k, h->team);
	key_u8(&k, (unsigned)sc_enum_index(sc_enum_note_status, h->status));
	key_u64(&k, (uint64_t)h->updated_at);
	key_raw(&k, h->id);
	return k;
}

struct key child_key(struct sc_str child_ref, int64_t occurred, struct sc_str id)
{
	struct key k = {.n = 0};
	key_str(&k, child_ref);
	key_u64(&k, (uint64_t)occurred);
	key_raw(&k, id);
	return k;
}
