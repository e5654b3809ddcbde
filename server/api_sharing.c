/* api_sharing.c - v1 handlers for receiving agencies (partners): the
 * referral feed, receipts and outcomes, MASH enquiries; supervisors'
 * referral lists; the referral part of the authors' feedback. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "clock.h"
#include "enquiries.h"
#include "notes.h"
#include "referrals.h"
#include "status.h"

static int query_uint(struct http_req *r, const char *name, long max, long *out)
{
	const char *v = http_query(r, name);
	char *end;
	if (!v)
		return 0;
	if (*v < '0' || *v > '9')
		return -1;
	long x = strtol(v, &end, 10);
	if (*end || x > max)
		return -1;
	*out = x;
	return 0;
}

struct feed_job {
	struct http_req *r;
	uint64_t since;
	size_t limit;
	int64_t now;
	struct sc_referral_page *page;
};

/* Each referral goes out with the revision it refers to (what is shared),
 * and each delivery is a disclosure: audited with the agency and the
 * lawful basis, in the same transaction that read it. */
static int feed_txn(struct store_txn *t, void *arg)
{
	struct feed_job *j = arg;
	struct http_req *r = j->r;
	const struct sc_user_record *u = r->who.user;
	int rc = referrals_feed(r->app->referrals, t, u->agency, j->since, j->limit, j->now, r->arena, j->page);
	for (size_t i = 0; rc == FN_OK && i < j->page->items.n; i++) {
		struct sc_referral_record *it = &j->page->items.v[i];
		if (!sc_str_eq(it->state, "withdrawn")) {
			rc = notes_revision(r->app->notes, t, it->note_id, it->revision, r->arena, &it->note);
			if (rc != FN_OK)
				return rc == FN_NOT_FOUND ? FN_INTERNAL : rc;
			SC_SET(referral_record, it, note);
		}
		struct sc_str basis = SC_HAS(referral_record, it, lawful_basis) ? it->lawful_basis
		                                                                 : SC_STR_LIT("none recorded");
		char *rec = sc_arena_printf(r->arena, "%.*s#%lld to %.*s; basis: %.*s", (int)it->note_id.n,
		                            it->note_id.p, (long long)it->revision, (int)u->agency.n, u->agency.p,
		                            (int)(basis.n < 100 ? basis.n : 100), basis.p);
		if (!rec)
			return FN_NO_MEMORY;
		struct audit_event ev = {"referral.disclosed", u->username, auth_role_name(ROLE_PARTNER), r->who.device_id,
		                         {rec, strlen(rec) < 200 ? strlen(rec) : 200}, it->state.p, NULL};
		rc = audit_append(r->app->audit, t, &ev, j->now);
	}
	return rc;
}

/* GET /v1/referrals: a partner's feed (since, limit) or, for a supervisor,
 * the referrals its teams sent (state=overdue: only the late ones). */
int api_get_referrals(struct http_req *r)
{
	struct sc_referral_page page;
	long since = 0, limit = 100;
	int rc;

	if (query_uint(r, "since", 0x7fffffffffffffffL, &since) != 0)
		return http_send_error(r, FN_VALIDATION_FAILED, "since", "since must be a sequence number");
	if (query_uint(r, "limit", 500, &limit) != 0 || limit < 1)
		return http_send_error(r, FN_VALIDATION_FAILED, "limit", "limit must be 1 to 500");
	if (r->who.role == ROLE_SUPERVISOR) {
		const char *state = http_query(r, "state");
		if (state && strcmp(state, "overdue") != 0)
			return http_send_error(r, FN_VALIDATION_FAILED, "state", "state may only be overdue");
		struct store_txn *t;
		if ((rc = http_read_begin(r, &t)) != FN_OK)
			return r->status;
		rc = referrals_of_teams(r->app->referrals, t, r->who.user, state != NULL, clock_now(), r->arena,
		                        &page);
		store_read_end(t); /* the page lives in the arena */
	} else {
		struct feed_job j = {r, (uint64_t)since, (size_t)limit, clock_now(), &page};
		rc = store_write(r->app->store, feed_txn, &j);
	}
	if (rc == FN_OK)
		return http_send_record(r, 200, &sc_rec_referral_page, &page);
	return http_send_error(r, rc, NULL, "cannot read referrals");
}

struct change_job {
	struct http_req *r;
	const struct sc_outcome_request *req; /* NULL: a receipt */
	int64_t now;
	struct sc_error err;
	struct sc_referral_record *out;
};

static int change_txn(struct store_txn *t, void *arg)
{
	struct change_job *j = arg;
	struct http_req *r = j->r;
	if (!j->req)
		return referrals_receipt(r->app->referrals, t, &r->who, r->params[0], j->now, r->arena, &j->err,
		                         &j->out);
	return referrals_outcome(r->app->referrals, t, &r->who, r->params[0], j->req, j->now, r->arena, &j->err,
	                         &j->out);
}

static int change(struct http_req *r, const struct sc_outcome_request *req)
{
	struct change_job j = {r, req, clock_now(), {0}, NULL};
	int rc = store_write(r->app->store, change_txn, &j);
	if (rc == FN_OK)
		return http_send_record(r, 200, &sc_rec_referral_record, j.out);
	if (rc == FN_NOT_FOUND)
		return http_send_error(r, rc, NULL, "no referral with that id for your agency");
	if (j.err.status != rc) /* the store's own failure: the module gave no reason */
		return http_send_error(r, rc, NULL, "the referral was not changed");
	return http_send_sc_error(r, &j.err, "the referral was not changed");
}

/* POST /v1/referrals/{id}/receipt: idempotent. */
int api_post_referral_receipt(struct http_req *r)
{
	return change(r, NULL);
}

/* POST /v1/referrals/{id}/outcome {outcome, reference, comment} */
int api_post_referral_outcome(struct http_req *r)
{
	struct sc_outcome_request req = {0};
	if (http_read_record(r, &sc_rec_outcome_request, &req) != FN_OK)
		return r->status;
	return change(r, &req);
}

int api_sharing_feedback(struct http_req *r, struct store_txn *t, uint64_t since, size_t limit,
                         struct sc_feedback_page *page)
{
	struct sc_list_referral_record l;
	int more = 0;
	int rc = referrals_feedback(r->app->referrals, t, r->who.user->username, since, limit, r->arena, &l, &more);
	if (rc != FN_OK)
		return rc;
	/* Two lists under one cursor: cut both where the first one that has
	 * more stopped, so that nothing below `next` is left unsent. */
	int64_t cut = INT64_MAX;
	if (page->more && page->items.n)
		cut = page->items.v[page->items.n - 1].seq;
	if (more && l.n && l.v[l.n - 1].seq < cut)
		cut = l.v[l.n - 1].seq;
	while (page->items.n && page->items.v[page->items.n - 1].seq > cut)
		page->items.n--;
	while (l.n && l.v[l.n - 1].seq > cut)
		l.n--;
	page->more = page->more || more;
	int64_t next = (int64_t)since;
	if (page->items.n)
		next = page->items.v[page->items.n - 1].seq;
	if (l.n && l.v[l.n - 1].seq > next)
		next = l.v[l.n - 1].seq;
	page->next = next;
	page->referrals = l;
	SC_SET(feedback_page, page, referrals);
	return FN_OK;
}

/* --- MASH enquiries ------------------------------------------------------ */

struct enq_job {
	struct http_req *r;
	int what; /* 0 feed, 1 request, 2 contribution, 3 decision */
	const void *req;
	uint64_t since;
	size_t limit;
	int64_t now;
	struct sc_error err;
	struct sc_enquiry_page page;
	struct sc_enquiry_record *out;
};

static int enq_txn(struct store_txn *t, void *arg)
{
	struct enq_job *j = arg;
	struct http_req *r = j->r;
	struct enquiries *eq = r->app->enquiries;
	switch (j->what) {
	case 0:
		return enquiries_feed(eq, t, &r->who, j->since, j->limit, j->now, r->arena, &j->page);
	case 1:
		return enquiries_request(eq, t, &r->who, r->params[0], ((const struct sc_enquiry_request *)j->req)->agency,
		                         j->now, r->arena, &j->err, &j->out);
	case 2:
		return enquiries_contribute(eq, t, &r->who, r->params[0],
		                            ((const struct sc_contribution_request *)j->req)->text, j->now, r->arena,
		                            &j->err, &j->out);
	default:
		return enquiries_decide(eq, t, &r->who, r->params[0], j->req, j->now, r->arena, &j->err, &j->out);
	}
}

static int enq_run(struct http_req *r, struct enq_job *j)
{
	j->r = r;
	j->now = clock_now();
	int rc = store_write(r->app->store, enq_txn, j);
	if (rc == FN_OK && j->what == 0)
		return http_send_record(r, 200, &sc_rec_enquiry_page, &j->page);
	if (rc == FN_OK)
		return http_send_record(r, 200, &sc_rec_enquiry_record, j->out);
	if (rc == FN_NOT_FOUND)
		return http_send_error(r, rc, NULL, "no enquiry with that id for your agency");
	if (rc == FN_FORBIDDEN)
		return http_send_error(r, rc, NULL, "only the MASH may do this");
	if (j->err.status != rc) /* the store's own failure: the module gave no reason */
		return http_send_error(r, rc, NULL, "the enquiry was not changed");
	return http_send_sc_error(r, &j->err, "the enquiry was not changed");
}

/* GET /v1/enquiries?since=SEQ&limit=N */
int api_get_enquiries(struct http_req *r)
{
	struct enq_job j = {0};
	long since = 0, limit = 100;
	if (query_uint(r, "since", 0x7fffffffffffffffL, &since) != 0)
		return http_send_error(r, FN_VALIDATION_FAILED, "since", "since must be a sequence number");
	if (query_uint(r, "limit", 500, &limit) != 0 || limit < 1)
		return http_send_error(r, FN_VALIDATION_FAILED, "limit", "limit must be 1 to 500");
	j.since = (uint64_t)since;
	j.limit = (size_t)limit;
	return enq_run(r, &j);
}

/* The enquiry changes: the body read as rec into req (zeroed by the
 * caller), then job `what` run on it. */
static int enq_post(struct http_req *r, int what, const struct sc_record *rec, void *req)
{
	struct enq_job j = {.what = what, .req = req};
	if (http_read_record(r, rec, req) != FN_OK)
		return r->status;
	return enq_run(r, &j);
}

/* POST /v1/enquiries/{id}/requests {agency} */
int api_post_enquiry_request(struct http_req *r)
{
	struct sc_enquiry_request req = {0};
	return enq_post(r, 1, &sc_rec_enquiry_request, &req);
}

/* POST /v1/enquiries/{id}/contributions {text} */
int api_post_enquiry_contribution(struct http_req *r)
{
	struct sc_contribution_request req = {0};
	return enq_post(r, 2, &sc_rec_contribution_request, &req);
}

/* POST /v1/enquiries/{id}/decision {outcome, reference} */
int api_post_enquiry_decision(struct http_req *r)
{
	struct sc_outcome_request req = {0};
	return enq_post(r, 3, &sc_rec_outcome_request, &req);
}
