/* api_review.c - v1 handlers for supervisors (queue, decisions, a child's
 * contacts) and for authors' feedback. */
#include <civetweb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "clock.h"
#include "notes.h"
#include "status.h"

static int read_txn(struct http_req *r, struct store_txn **t)
{
	int rc = store_read_begin(r->app->store, t);
	if (rc != FN_OK)
		http_send_error(r, rc, NULL, "the store is unavailable");
	return rc;
}

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
	struct notes_queue_query q = {0};
	struct sc_queue_page page;
	struct store_txn *t;
	char detail[256] = "";
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
	if (read_txn(r, &t) != FN_OK)
		return r->status;
	int rc = notes_queue(r->app->notes, t, &r->who, &q, clock_now(), r->arena, &page, detail);
	store_read_end(t); /* the page lives in the arena: see store.h */
	if (rc == FN_OK)
		return http_send_record(r, 200, &sc_rec_queue_page, &page);
	return http_send_error(r, rc, rc == FN_FORBIDDEN ? "team" : NULL, "%s",
	                       detail[0] ? detail : "cannot read the queue");
}

int api_post_review(struct http_req *r)
{
	struct sc_review_request req = {0};
	struct sc_review out;
	char detail[256] = "";

	if (http_read_record(r, &sc_rec_review_request, &req) != FN_OK)
		return r->status;
	int rc = notes_review(r->app->notes, &r->who, r->params[0], &req, clock_now(), r->arena, &out,
	                      detail, sizeof detail);
	if (rc == FN_OK)
		return http_send_record(r, 201, &sc_rec_review, &out);
	if (rc == FN_NOT_FOUND)
		return http_send_error(r, rc, NULL, "no note with that id that you may review");
	if (rc == FN_VALIDATION_FAILED) {
		char field[32] = "";
		const char *colon = strchr(detail, ':');
		if (colon && (size_t)(colon - detail) < sizeof field)
			memcpy(field, detail, (size_t)(colon - detail));
		return http_send_error(r, rc, field, "%s", detail);
	}
	return http_send_error(r, rc, rc == FN_CONFLICT ? "revision" : NULL, "%s",
	                       detail[0] ? detail : "the decision was not recorded");
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
	if (read_txn(r, &t) != FN_OK)
		return r->status;
	int rc = notes_feedback(r->app->notes, t, &r->who, (uint64_t)since, (size_t)limit, r->arena, &page);
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

	if (read_txn(r, &t) != FN_OK)
		return r->status;
	int rc = notes_contacts(r->app->notes, t, &r->who, r->params[0], r->arena, &page);
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
