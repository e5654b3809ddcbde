/* notes_enquiry.c - the notes module's side of information sharing: a
 * stored contact that meets the MASH threshold hands the child's contacts
 * in the long window to the enquiries module (same transaction). */
#include "notes_internal.h"

#include <string.h>

#include "enquiries.h"
#include "referrals.h"
#include "status.h"

void notes_set_referrals(struct notes *ns, struct referrals *rf)
{
	ns->referrals = rf;
}

void notes_set_enquiries(struct notes *ns, struct enquiries *eq)
{
	ns->enquiries = eq;
}

struct gather {
	struct notes *ns;
	struct store_txn *t;
	struct sc_str prefix;
	int64_t until;
	struct sc_arena *a;
	struct sc_enquiry_contact *v;
	size_t n, cap;
	int rc;
};

static int gather_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct gather *g = arg;
	(void)val;
	if (key->n <= g->prefix.n + 8 || memcmp(key->p, g->prefix.p, g->prefix.n) != 0)
		return STORE_SCAN_STOP;
	int64_t when = (int64_t)store_key_u64(key->p + g->prefix.n);
	if (when > g->until || g->n == 1000)
		return STORE_SCAN_STOP;
	struct sc_str id = {key->p + g->prefix.n + 8, key->n - g->prefix.n - 8};
	char *idc = sc_arena_alloc(g->a, id.n + 1);
	struct sc_note_head h;
	struct sc_note *n;
	int rc;
	if (!idc)
		return FN_NO_MEMORY;
	memcpy(idc, id.p, id.n);
	idc[id.n] = 0;
	id.p = idc;
	if ((rc = notes_head_get(g->ns, g->t, id, g->a, &h)) != FN_OK ||
	    (rc = notes_latest_get(g->ns, g->t, &h, g->a, &n)) != FN_OK)
		return rc == FN_NOT_FOUND ? FN_INTERNAL : rc;
	struct sc_enquiry_contact *v = sc_arena_grow(g->a, g->v, g->n, &g->cap, sizeof *v, 8);
	if (!v)
		return FN_NO_MEMORY;
	g->v = v;
	struct sc_enquiry_contact *c = &v[g->n++];
	memset(c, 0, sizeof *c);
	c->note_id = id;
	c->occurred_at = when;
	c->context = n->context;
	c->team = h.team;
	SC_SET_ALL(enquiry_contact, c);
	return STORE_SCAN_CONTINUE;
}

int notes_enquiry_check(struct notes *ns, struct store_txn *t, const struct sc_note_head *h, int64_t now,
                        struct sc_arena *a)
{
	int64_t n_short, n_long;
	if (!ns->enquiries)
		return FN_OK;
	int rc = notes_count_contacts(ns, t, h->child_ref, h->occurred_at, &n_short, &n_long);
	if (rc != FN_OK)
		return rc;
	if (n_short < ns->rc.mash_short_count && n_long < ns->rc.mash_long_count)
		return FN_OK;
	struct dbkey start = {.n = 0};
	dbkey_str(&start, h->child_ref);
	size_t plen = start.n;
	char *pre = sc_arena_alloc(a, plen);
	if (!pre)
		return FN_NO_MEMORY;
	memcpy(pre, start.b, plen);
	int64_t from = h->occurred_at - ns->rc.mash_long_days * NOTES_DAY;
	dbkey_u64(&start, (uint64_t)(from > 0 ? from : 0));
	struct gather g = {ns, t, {pre, plen}, h->occurred_at, a, NULL, 0, 0, FN_OK};
	if ((rc = store_scan(t, ns->by_child, start.b, start.n, 0, gather_one, &g)) != FN_OK)
		return rc;
	return enquiries_on_contacts(ns->enquiries, t, h->child_ref, g.v, g.n, now, a);
}

/* What became of the note beyond its reviews: its escalations, its
 * tracked referral and the child's MASH enquiry (the enquiry's state only,
 * not what partners said or other teams' notes). */
int notes_view_sharing(struct notes *ns, struct store_txn *t, struct sc_str id, int64_t now, struct sc_arena *a,
                       struct sc_note_view *out)
{
	int rc;
	if (ns->esc) {
		if ((rc = escalations_of_note(ns->esc, t, id, now, a, &out->escalations)) != FN_OK)
			return rc;
		SC_SET(note_view, out, escalations);
	}
	rc = ns->referrals ? referrals_get(ns->referrals, t, id, now, a, &out->referral) : FN_NOT_FOUND;
	if (rc == FN_OK)
		SC_SET(note_view, out, referral);
	if (rc == FN_OK || rc == FN_NOT_FOUND)
		rc = ns->enquiries ? enquiries_of_note(ns->enquiries, t, id, a, &out->enquiry) : FN_NOT_FOUND;
	if (rc == FN_OK) {
		SC_CLEAR(enquiry_record, out->enquiry, contacts);
		SC_CLEAR(enquiry_record, out->enquiry, contributions);
		SC_SET(note_view, out, enquiry);
	}
	return rc == FN_NOT_FOUND ? FN_OK : rc;
}
