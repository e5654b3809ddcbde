/* api_review.c - v1 handlers for supervisors (queue, decisions, a child's
 * contacts) and for authors' feedback. */
#include <civetweb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "app.h"
#include "clock.h"
#include "review.h"
#include "status.h"

static int small_uint(const char *v, long max, long *out)
{
	char *end;
	if (!v || *v < '0' || *v > '9')
		return -1;
	long x = strtol(v, &end, 10);
	if (*end || x > max)
		return -1;
	*out = x;
	return 0;
}

int api_get_queue(struct http_req *r)
{
	struct review_queue_query q = {0};
	struct sc_queue_page page;
	struct store_txn *t;
	struct sc_error err;
	long limit = 50;
	const char *v;

	if ((v = http_query(r, "limit")) && (small_uint(v, 200, &limit) != 0 || limit < 1))
		return http_send_error(r, FN_VALIDATION_FAILED, "limit", "limit must be 1 to 200");
	q.limit = (size_t)limit;
	if ((v = http_query(r, "team")))
		q.team = (struct sc_str){v, strlen(v)};
	q.status = http_query(r, "status");
	q.flag = http_query(r, "flag");
	q.cursor = http_query(r, "cursor");
	if ((v = http_query(r, "overdue")))
		q.overdue_only = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
	if (http_read_begin(r, &t) != FN_OK)
		return r->status;
	int rc = review_queue(r->app->review, t, &r->who, &q, clock_now(), r->arena, &page, &err);
	store_read_end(t); /* the page lives in the arena: see store.h */
	if (rc == FN_OK)
		return http_send_record(r, 200, &sc_rec_queue_page, &page);
	return http_send_sc_error(r, &err, "cannot read the queue");
}

int api_post_review(struct http_req *r)
{
	struct sc_review_request req = {0};
	struct sc_review out;
	struct sc_error err;

	if (http_read_record(r, &sc_rec_review_request, &req) != FN_OK)
		return r->status;
	int rc = review_decide(r->app->review, &r->who, r->params[0], &req, clock_now(), r->arena, &out, &err);
	if (rc == FN_OK)
		return http_send_record(r, 201, &sc_rec_review, &out);
	if (rc == FN_NOT_FOUND)
		return http_send_error(r, rc, NULL, "no note with that id that you may review");
	return http_send_sc_error(r, &err, "the decision was not recorded");
}

int api_get_feedback(struct http_req *r)
{
	struct sc_feedback_page page;
	struct store_txn *t;
	long since = 0, limit = 100;
	const char *v;

	if ((v = http_query(r, "since")) && small_uint(v, 0x7fffffffffffffffL, &since) != 0)
		return http_send_error(r, FN_VALIDATION_FAILED, "since", "since must be a sequence number");
	if ((v = http_query(r, "limit")) && (small_uint(v, 500, &limit) != 0 || limit < 1))
		return http_send_error(r, FN_VALIDATION_FAILED, "limit", "limit must be 1 to 500");
	if (http_read_begin(r, &t) != FN_OK)
		return r->status;
	int rc = review_feedback(r->app->review, t, &r->who, (uint64_t)since, (size_t)limit, r->arena, &page);
	if (rc == FN_OK)
		rc = api_sharing_feedback(r, t, (uint64_t)since, (size_t)limit, &page);
	store_read_end(t); /* the page lives in the arena: see store.h */
	if (rc == FN_OK)
		return http_send_record(r, 200, &sc_rec_feedback_page, &page);
	return http_send_error(r, rc, NULL, "cannot read feedback");
}

int api_get_contacts(struct http_req *r)
{
	struct sc_contacts_page page;
	struct store_txn *t;

	if (http_read_begin(r, &t) != FN_OK)
		return r->status;
	int rc = review_contacts(r->app->review, t, &r->who, r->params[0], r->arena, &page);
	store_read_end(t); /* the page lives in the arena */
	struct audit_event ev = {"child.contacts_read", r->who.user->username, auth_role_name(r->who.role),
	                         r->who.device_id, r->params[0], "ok", r->ri->remote_addr};
	if (rc == FN_OK && audit_record(r->app->audit, &ev, clock_now()) != FN_OK)
		rc = FN_UNAVAILABLE;
	if (rc == FN_OK)
		rc = http_send_record(r, 200, &sc_rec_contacts_page, &page);
	else
		rc = http_send_error(r, rc, NULL, "cannot read the contacts");
	return rc;
}
