/* referrals.c - what became of this user's referrals: the receiving
 * agencies' receipts and outcomes, kept by sync (pull.c) and read offline. */
#include "referrals.h"

#include <stdio.h>
#include <string.h>

#include "client.h"
#include "crypto.h"
#include "records.h"
#include "store.h"

#define REF_PREFIX "referral:"
#define REF_PREFIX_N (sizeof REF_PREFIX - 1)

int fni_referral_keep(fn_client *c, MDB_txn *t, const struct sc_referral_record *r, struct sc_buf *mp)
{
	char key[REF_PREFIX_N + 64];
	if (r->note_id.n > 64)
		return FN_INTERNAL; /* the schema caps ids at 64 */
	memcpy(key, REF_PREFIX, REF_PREFIX_N);
	memcpy(key + REF_PREFIX_N, r->note_id.p, r->note_id.n);
	mp->n = 0;
	int rc = sc_encode(&sc_rec_referral_record, SC_MSGPACK, r, mp);
	if (rc == FN_OK)
		rc = fni_st_put_sealed(&c->st, t, DB_META, key, REF_PREFIX_N + r->note_id.n, mp->p, mp->n);
	return rc;
}

static int collect(fn_client *c, MDB_txn *t, struct sc_arena *a, struct sc_buf *b, struct sc_referral_page *page)
{
	MDB_cursor *cur;
	MDB_val k = {REF_PREFIX_N, (void *)REF_PREFIX}, v;
	size_t cap = 0;
	int rc = FN_OK, mrc;
	if ((mrc = mdb_cursor_open(t, c->st.db[DB_META], &cur)) != 0)
		return fni_st_status(&c->st, mrc, "reading referrals");
	for (int op = MDB_SET_RANGE; (mrc = mdb_cursor_get(cur, &k, &v, op)) == 0; op = MDB_NEXT) {
		if (k.mv_size < REF_PREFIX_N || memcmp(k.mv_data, REF_PREFIX, REF_PREFIX_N) != 0)
			break;
		struct sc_referral_record *nv = sc_arena_grow(a, page->items.v, page->items.n, &cap, sizeof *nv, 16);
		if (!nv) {
			rc = FN_NO_MEMORY;
			break;
		}
		page->items.v = nv;
		memset(&nv[page->items.n], 0, sizeof *nv);
		b->n = 0;
		if ((rc = fni_st_open_value(&c->st, DB_META, &k, &v, b)) != FN_OK)
			break;
		if (sc_decode(&sc_rec_referral_record, SC_MSGPACK, b->p, b->n, NULL, a, &nv[page->items.n], NULL) != FN_OK) {
			snprintf(c->st.detail, sizeof c->st.detail, "a cached referral does not decode: damaged store");
			rc = FN_WRONG_KEY;
			break;
		}
		page->items.n++;
	}
	mdb_cursor_close(cur);
	if (rc == FN_OK && mrc != 0 && mrc != MDB_NOTFOUND)
		rc = fni_st_status(&c->st, mrc, "reading referrals");
	return rc;
}

FN_API int fn_referrals_list(fn_client *c, char **out)
{
	struct read_call r;
	struct sc_referral_page page = {0};
	struct sc_referral_record none;
	int rc = fni_read_begin(&r, c, out);

	if (rc != FN_OK)
		return fni_read_end(&r, rc);
	if ((rc = collect(c, r.t, r.a, &r.b, &page)) != FN_OK)
		return fni_read_end(&r, fni_fail_store(c, rc));
	if (!page.items.v)
		page.items.v = &none;
	SC_SET_ALL(referral_page, &page);
	if ((rc = fni_record_json(&sc_rec_referral_page, &page, out)) != FN_OK)
		fni_fail(c, rc, "out of memory");
	return fni_read_end(&r, rc);
}
