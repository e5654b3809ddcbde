/* notes_keys.c - the notes databases' composite keys (see dbkey.h). */
#include "notes_internal.h"

struct dbkey notes_rev_key(struct sc_str id, int64_t rev)
{
	struct dbkey k = {.n = 0};
	dbkey_str(&k, id);
	dbkey_u32(&k, (uint32_t)rev);
	return k;
}

struct dbkey notes_queue_key(const struct sc_note_head *h)
{
	struct dbkey k = {.n = 0};
	dbkey_str(&k, h->team);
	dbkey_u8(&k, (unsigned)sc_enum_index(sc_enum_note_status, h->status));
	dbkey_u64(&k, (uint64_t)h->updated_at);
	dbkey_raw(&k, h->id);
	return k;
}

struct dbkey notes_child_key(struct sc_str child_ref, int64_t occurred, struct sc_str id)
{
	struct dbkey k = {.n = 0};
	dbkey_str(&k, child_ref);
	dbkey_u64(&k, (uint64_t)occurred);
	dbkey_raw(&k, id);
	return k;
}
