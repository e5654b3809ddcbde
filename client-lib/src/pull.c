/* pull.c - the pulls of a sync: guidance changes and supervisors' feedback, page by page after their cursors. */
#include "sync.h"

#include <stdio.h>
#include <string.h>

#include "client.h"
#include "crypto.h"
#include "outbox.h"
#include "records.h"
#include "referrals.h"
#include "rpc.h"
#include "store.h"

/* ---------------------------------------------------------------- pulls --- */

struct page_job {
	struct sync *s;
	const void *page; /* sc_change_page or sc_feedback_page */
	uint64_t since;
	int n_saved, n_withdrawn;
};

static int guidance_txn(MDB_txn *t, void *arg)
{
	struct page_job *j = arg;
	fn_client *c = j->s->c;
	const struct sc_change_page *p = j->page;
	struct sc_buf mp = {0};
	int rc = FN_OK;

	j->n_saved = j->n_withdrawn = 0;
	for (size_t i = 0; i < p->changes.n && rc == FN_OK; i++) {
		const struct sc_guidance_change *ch = &p->changes.v[i];
		if (SC_HAS(guidance_change, ch, withdrawn) && ch->withdrawn) {
			rc = fni_st_del(&c->st, t, DB_GUIDANCE, ch->id.p, ch->id.n);
			if (rc == FN_NOT_FOUND)
				rc = FN_OK;
			j->n_withdrawn++;
		} else if (SC_HAS(guidance_change, ch, doc) && ch->doc) {
			mp.n = 0;
			rc = sc_encode(&sc_rec_guidance_doc, SC_MSGPACK, ch->doc, &mp);
			if (rc == FN_OK)
				rc = fni_st_put_sealed(&c->st, t, DB_GUIDANCE, ch->doc->id.p, ch->doc->id.n, mp.p, mp.n);
			j->n_saved++;
		}
	}
	if (rc == FN_OK)
		rc = fni_st_put_u64(&c->st, t, "cursor.guidance", (uint64_t)p->next);
	sc_buf_free(&mp);
	return rc;
}

/* Keeps what a supervisor decided: the review (sealed, in arrival order)
 * and the note's status; an accepted or escalated note's copy is dropped,
 * since the device no longer needs it. */
static int feedback_txn(MDB_txn *t, void *arg)
{
	struct page_job *j = arg;
	fn_client *c = j->s->c;
	const struct sc_feedback_page *p = j->page;
	struct sc_buf mp = {0}, old = {0}, val = {0};
	uint64_t count;
	int rc = fni_st_get_u64(&c->st, t, "feedback.count", &count);

	j->n_saved = 0;
	for (size_t i = 0; i < p->items.n && rc == FN_OK; i++) {
		const struct sc_review *r = &p->items.v[i];
		unsigned char key[8];
		fni_st_be64(++count, key);
		mp.n = 0;
		rc = sc_encode(&sc_rec_review, SC_MSGPACK, r, &mp);
		if (rc == FN_OK)
			rc = fni_st_put_sealed(&c->st, t, DB_FEEDBACK, key, 8, mp.p, mp.n);
		j->n_saved++;
		old.n = val.n = 0;
		if (rc != FN_OK || fni_st_get_sealed(&c->st, t, DB_NOTES, r->note_id.p, r->note_id.n, &old) != FN_OK)
			continue;
		struct sent_rec sr;
		if (fni_sent_unpack(old.p, old.n, &sr) != FN_OK || r->revision < sr.latest)
			continue;
		sr.status = sc_str_eq(r->decision, "accepted")   ? SENT_ACCEPTED
		            : sc_str_eq(r->decision, "returned") ? SENT_RETURNED
		                                                 : SENT_ESCALATED;
		if (sr.status != SENT_RETURNED)
			sr.note = (struct sc_str){"", 0};
		rc = fni_sent_pack(&sr, &val);
		if (rc == FN_OK)
			rc = fni_st_put_sealed(&c->st, t, DB_NOTES, r->note_id.p, r->note_id.n, val.p, val.n);
	}
	/* what the receiving agencies did with this user's referrals */
	for (size_t i = 0; rc == FN_OK && SC_HAS(feedback_page, p, referrals) && i < p->referrals.n; i++)
		rc = fni_referral_keep(c, t, &p->referrals.v[i], &mp);
	if (rc == FN_OK)
		rc = fni_st_put_u64(&c->st, t, "feedback.count", count);
	if (rc == FN_OK)
		rc = fni_st_put_u64(&c->st, t, "cursor.feedback", (uint64_t)p->next);
	fni_cr_buf_free(&old);
	fni_cr_buf_free(&val);
	sc_buf_free(&mp);
	return rc;
}

static int read_cursor(struct sync *s, const char *name, uint64_t *out)
{
	MDB_txn *t;
	pthread_mutex_lock(&s->c->mu);
	int rc = fni_st_read(&s->c->st, &t);
	if (rc == FN_OK) {
		rc = fni_st_get_u64(&s->c->st, t, name, out);
		fni_st_read_end(t);
	}
	if (rc != FN_OK)
		snprintf(s->x.detail, sizeof s->x.detail, "%s", s->c->st.detail);
	pthread_mutex_unlock(&s->c->mu);
	return rc;
}

/* Pulls one feed (guidance or feedback) page by page. */
int fni_sync_pull(struct sync *s, int guidance)
{
	fn_client *c = s->c;
	const char *cursor_name = guidance ? "cursor.guidance" : "cursor.feedback";
	int rc;

	for (;;) {
		struct page_job j = {s, NULL, 0, 0, 0};
		char path[128];
		int64_t next;
		int more;
		if ((rc = read_cursor(s, cursor_name, &j.since)) != FN_OK)
			return rc;
		snprintf(path, sizeof path, "/v1/sync/%s?since=%llu&limit=%d", guidance ? "guidance" : "feedback",
		         (unsigned long long)j.since, guidance ? 50 : 200);
		sc_arena_reset(s->x.arena);
		/* Guidance pages are text, a third of their size in gzip: fewer
		 * bytes for handhelds on metered mobile data. */
		s->x.accept_gzip = guidance;
		rc = fni_rpc_call(&s->x, "GET", path, NULL, 0, 1);
		s->x.accept_gzip = 0;
		if (rc == FN_OK) {
			void *page = sc_arena_alloc(s->x.arena, guidance ? sizeof(struct sc_change_page)
			                                                 : sizeof(struct sc_feedback_page));
			rc = page ? fni_rpc_decode(&s->x, guidance ? &sc_rec_change_page : &sc_rec_feedback_page, page)
			          : FN_NO_MEMORY;
			j.page = page;
		}
		if (rc != FN_OK)
			return rc;
		if (guidance) {
			const struct sc_change_page *p = j.page;
			next = p->next;
			more = p->more;
		} else {
			const struct sc_feedback_page *p = j.page;
			next = p->next;
			more = p->more;
		}
		fni_rpc_progress(&s->x, guidance ? FN_STEP_GUIDANCE_REPLY : FN_STEP_FEEDBACK_REPLY,
		                 guidance ? s->guidance_saved : s->feedback, 0, FN_OK, 0);
		pthread_mutex_lock(&c->mu);
		rc = fni_st_write(&c->st, guidance ? guidance_txn : feedback_txn, &j);
		if (rc != FN_OK)
			snprintf(s->x.detail, sizeof s->x.detail, "%s", c->st.detail);
		pthread_mutex_unlock(&c->mu);
		fni_st_release(&c->st);
		if (rc != FN_OK)
			return rc;
		if (guidance) {
			s->guidance_saved += (uint64_t)j.n_saved;
			s->withdrawn += (uint64_t)j.n_withdrawn;
		} else {
			s->feedback += (uint64_t)j.n_saved;
		}
		fni_rpc_progress(&s->x, guidance ? FN_STEP_GUIDANCE_SAVED : FN_STEP_FEEDBACK_SAVED,
		                 guidance ? s->guidance_saved : s->feedback, 0, FN_OK, 0);
		/* A cursor that does not move would loop forever: stop there. */
		if (!more || next <= (int64_t)j.since)
			return FN_OK;
	}
}
