/* review_contacts.c - every contact about one child that the caller may
 * see, and whether they meet the MASH-enquiry threshold. */
#include "review_internal.h"

#include <inttypes.h>
#include <string.h>

#include "status.h"

struct contacts_scan {
	struct review *rv;
	struct store_txn *t;
	const struct auth_principal *who;
	struct sc_arena *a;
	int64_t *times;      /* every contact's occurred_at, newest first */
	size_t ntimes, cap;
	struct sc_contact *v;
	size_t n;
};

static int contact_one(int64_t when, struct sc_str id, void *arg)
{
	struct contacts_scan *s = arg;
	struct notes *ns = s->rv->notes;
	struct sc_note_head h;
	struct sc_note *n;
	int rc;
	if (s->ntimes == s->cap)
		return STORE_SCAN_STOP; /* cap reached: the newest are kept */
	s->times[s->ntimes++] = when;
	if ((rc = notes_head_get(ns, s->t, id, s->a, &h)) != FN_OK)
		return rc;
	if (!notes_may_see(s->who, &h))
		return STORE_SCAN_CONTINUE;
	if ((rc = notes_latest_get(ns, s->t, &h, s->a, &n)) != FN_OK)
		return rc;
	struct sc_contact *c = &s->v[s->n++];
	memset(c, 0, sizeof *c);
	sc_project(&sc_rec_note_head, &h, &sc_rec_contact, c); /* id, occurred_at, author, team, status */
	c->revision = h.latest;
	c->context = n->context;
	SC_SET_ALL(contact, c);
	return STORE_SCAN_CONTINUE;
}

/* The most recent window (ending at a contact) that meets a threshold:
 * its contacts' dates on the page. */
static int mash_window(const struct review *rv, const struct contacts_scan *s, struct sc_arena *a,
                       struct sc_contacts_page *out)
{
	const struct rules_config *rc = &rv->rc;
	for (size_t i = 0; i < s->ntimes; i++) {
		int64_t end = s->times[i];
		size_t in_short = 0, in_long = 0;
		for (size_t k = i; k < s->ntimes && end - s->times[k] <= rc->mash_long_days * REVIEW_DAY; k++) {
			in_long++;
			if (end - s->times[k] <= rc->mash_short_days * REVIEW_DAY)
				in_short++;
		}
		size_t hit = in_short >= (size_t)rc->mash_short_count ? in_short
		           : in_long >= (size_t)rc->mash_long_count ? in_long : 0;
		if (!hit)
			continue;
		out->mash_enquiry_due = 1;
		out->mash_dates.v = sc_arena_alloc(a, hit * sizeof *out->mash_dates.v);
		if (!out->mash_dates.v)
			return FN_NO_MEMORY;
		for (size_t k = 0; k < hit; k++) {
			char *d = sc_arena_printf(a, "%" PRId64, s->times[i + k]);
			if (!d)
				return FN_NO_MEMORY;
			out->mash_dates.v[k] = (struct sc_str){d, strlen(d)};
		}
		out->mash_dates.n = hit;
		SC_SET(contacts_page, out, mash_dates);
		break;
	}
	return FN_OK;
}

int review_contacts(struct review *rv, struct store_txn *t, const struct auth_principal *who,
                    struct sc_str child_ref, struct sc_arena *a, struct sc_contacts_page *out)
{
	struct contacts_scan s = {rv, t, who, a, NULL, 0, 10000, NULL, 0};

	memset(out, 0, sizeof *out);
	out->child_ref = child_ref;
	SC_SET(contacts_page, out, child_ref);
	SC_SET(contacts_page, out, contacts);
	SC_SET(contacts_page, out, mash_enquiry_due);
	if (child_ref.n == 0 || child_ref.n > 64)
		return FN_OK;
	s.times = sc_arena_alloc(a, s.cap * sizeof *s.times);
	s.v = sc_arena_alloc(a, s.cap * sizeof *s.v);
	if (!s.times || !s.v)
		return FN_NO_MEMORY;
	int rc = notes_contacts_scan(rv->notes, t, child_ref, contact_one, &s);
	if (rc != FN_OK)
		return rc;
	out->contacts.v = s.v;
	out->contacts.n = s.n;
	return mash_window(rv, &s, a, out);
}
