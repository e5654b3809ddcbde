/* api_escalations.c - v1 handlers for escalations: the supervisor's list,
 * advancing to the next stage, resolving. Who may act on one is decided in
 * the escalations module (a supervisor of the note's team, or the holder). */
#include <civetweb.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "clock.h"
#include "escalations.h"
#include "status.h"

int api_get_escalations(struct http_req *r)
{
	struct sc_escalation_list list;
	struct store_txn *t;
	const char *v = http_query(r, "state");
	int open_only = 0;

	if (v && strcmp(v, "open") != 0 && strcmp(v, "all") != 0)
		return http_send_error(r, FN_VALIDATION_FAILED, "state", "state must be open or all");
	open_only = v && strcmp(v, "open") == 0;
	int rc = http_read_begin(r, &t);
	if (rc != FN_OK)
		return r->status;
	int64_t now = clock_now();
	rc = escalations_list(r->app->escalations, t, &r->who, open_only, now, r->arena, &list);
	store_read_end(t); /* the list lives in the arena: see store.h */
	struct audit_event ev = {"escalations.read", r->who.user->username, auth_role_name(r->who.role),
	                         r->who.device_id, {v ? v : "all", strlen(v ? v : "all")},
	                         rc == FN_OK ? "ok" : sc_status_name(rc), r->ri->remote_addr};
	if (audit_record(r->app->audit, &ev, now) != FN_OK && rc == FN_OK)
		rc = FN_UNAVAILABLE;
	if (rc == FN_OK)
		return http_send_record(r, 200, &sc_rec_escalation_list, &list);
	return http_send_error(r, rc, NULL, "cannot read the escalations");
}

static int changed(struct http_req *r, int rc, const struct sc_escalation *out, const struct sc_error *err)
{
	if (rc == FN_OK)
		return http_send_record(r, 200, &sc_rec_escalation, out);
	if (rc == FN_NOT_FOUND)
		return http_send_error(r, rc, NULL, "no escalation with that id that you may act on");
	if (err->status != rc) /* the store's own failure: the module gave no reason */
		return http_send_error(r, rc, NULL, "the escalation was not changed");
	return http_send_sc_error(r, err, "the escalation was not changed");
}

int api_post_escalation_advance(struct http_req *r)
{
	struct sc_escalation_advance req = {0};
	struct sc_escalation out;
	struct sc_error err = {0};

	if (http_read_record(r, &sc_rec_escalation_advance, &req) != FN_OK)
		return r->status;
	int rc = escalations_advance(r->app->escalations, &r->who, r->params[0], &req, clock_now(), r->arena,
	                             &out, &err);
	return changed(r, rc, &out, &err);
}

int api_post_escalation_resolve(struct http_req *r)
{
	struct sc_escalation_resolve req = {0};
	struct sc_escalation out;
	struct sc_error err = {0};

	if (http_read_record(r, &sc_rec_escalation_resolve, &req) != FN_OK)
		return r->status;
	int rc = escalations_resolve(r->app->escalations, &r->who, r->params[0], &req, clock_now(), r->arena,
	                             &out, &err);
	return changed(r, rc, &out, &err);
}
