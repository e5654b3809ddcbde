/* api.c - v1 handlers for sessions, guidance, health, audit and admin, and the
 * route table saying who may call each. */
#include "api.h"
#include "app.h"

#include <civetweb.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "status.h"
#include "web.h"

#define FN_VERSION "0.1.0"

static int too_many(struct http_req *r, int64_t wait, enum throttle_reason why)
{
	char headers[64];
	snprintf(headers, sizeof headers, "Retry-After: %lld\r\n", (long long)wait);
	return http_send_error_hdr(r, FN_TOO_MANY_REQUESTS, NULL, headers,
	                           "too many sign-ins (%s); try again in %lld seconds",
	                           throttle_reason_name(why), (long long)wait);
}

/* Refused sign-ins are counted by the throttle and audited in summary: the
 * first refusal of a window, then one entry with the count (a flood of
 * refusals must not become a flood of fsynced audit entries). */
static void audit_refusals(struct app *app, const struct throttle_reports *due, int64_t now)
{
	for (unsigned i = 0; i < due->n; i++) {
		const struct throttle_report *p = &due->r[i];
		char record[160];
		int n = snprintf(record, sizeof record, "%u refused since %lld: %s", (unsigned)p->refused,
		                 (long long)p->since, throttle_reason_name(p->reason));
		struct audit_event ev = {"session.login_throttled", {p->label, strlen(p->label)}, NULL, {"", 0},
		                         {record, (size_t)n}, "denied", p->address};
		if (audit_record(app->audit, &ev, now) != FN_OK)
			log_event(LOG_ERROR, "audit_failed", "cannot audit %u refused sign-ins from %s", (unsigned)p->refused,
			          p->address);
	}
}

void api_session_flush(struct app *app)
{
	struct throttle_reports due = {0};
	if (!app->throttle || !app->audit)
		return;
	while (throttle_flush(app->throttle, &due) > 0) {
		audit_refusals(app, &due, clock_now());
		due.n = 0;
	}
}

static int session_error(struct http_req *r, int rc)
{
	if (rc == FN_UNAUTHORIZED)
		return http_send_error(r, rc, NULL, "wrong username or password");
	if (rc == FN_DEVICE_REVOKED)
		return http_send_error(r, rc, "device_id", "this device has been reported lost or revoked");
	if (rc == FN_FORBIDDEN)
		return http_send_error(r, rc, "device_id", "device_id must match this device's certificate");
	return http_send_error(r, rc, NULL, "cannot sign in now");
}

/* Throttle first (counting the attempt), then the password; a success is
 * audited in the transaction that stores the token (auth_login), a failure
 * here under the account's label (never an unknown typed name). */
static int post_session(struct http_req *r)
{
	struct sc_session_request req = {0};
	struct sc_session_reply reply;
	struct auth_signin_facts facts;
	struct throttle_reports due = {0};
	enum throttle_reason why;

	if (http_read_record(r, &sc_rec_session_request, &req) != FN_OK)
		return r->status;
	int64_t now = clock_now();
	const char *address = r->ri->remote_addr;
	if (auth_signin_facts(r->app->auth, req.username, req.device_id, &facts) != FN_OK)
		return http_send_error(r, FN_UNAVAILABLE, NULL, "cannot sign in now; try again");
	struct throttle_attempt at = {req.username, address, facts.label, facts.known_device, facts.unlocks};
	int64_t wait = throttle_check(r->app->throttle, &at, now, &why, &due);
	audit_refusals(r->app, &due, now);
	if (wait > 0) {
		metrics_count(r->app->metrics, METRICS_SIGNIN_THROTTLED, 1);
		return too_many(r, wait, why);
	}

	int rc = auth_login(r->app->auth, &req, r->peer, address, r->arena, &reply);
	throttle_done(r->app->throttle, &at,
	              rc == FN_OK ? THROTTLE_SUCCEEDED
	              : rc == FN_UNAUTHORIZED || rc == FN_DEVICE_REVOKED ? THROTTLE_FAILED : THROTTLE_NOT_TRIED,
	              now);
	if (rc == FN_OK)
		return http_send_record(r, 201, &sc_rec_session_reply, &reply);
	if (rc == FN_UNAUTHORIZED || rc == FN_DEVICE_REVOKED)
		metrics_count(r->app->metrics, METRICS_SIGNIN_FAILED, 1);
	struct sc_str label = {facts.label, strlen(facts.label)};
	struct audit_event ev = {"session.login_failed", label, NULL, req.device_id, label,
	                         sc_status_name(rc), address};
	if (audit_record(r->app->audit, &ev, now) != FN_OK)
		return http_send_error(r, FN_UNAVAILABLE, NULL, "cannot record the sign-in; try again");
	return session_error(r, rc);
}

static int delete_session(struct http_req *r)
{
	int rc = auth_logout(r->app->auth, &r->who, r->ri->remote_addr);
	if (rc != FN_OK)
		return http_send_error(r, rc, NULL, "cannot sign out now");
	return http_send_bytes(r, 204, NULL, NULL, 0, "Cache-Control: no-store\r\n");
}

static int get_guidance_list(struct http_req *r)
{
	struct sc_guidance_list list;
	struct store_txn *t;
	const char *q = http_query(r, "q");

	if (r->ri->query_string && strstr(r->ri->query_string, "q=") && !q)
		return http_send_error(r, FN_BAD_REQUEST, "q", "the search words are not valid");
	if (q && strlen(q) > 200)
		return http_send_error(r, FN_VALIDATION_FAILED, "q", "search words are limited to 200 bytes");
	if (http_read_begin(r, &t) != FN_OK)
		return r->status;
	int rc = guidance_list(r->app->guidance, t, auth_role_name(r->who.role), q, r->arena, &list);
	store_read_end(t);
	if (rc == FN_OK)
		return http_send_record(r, 200, &sc_rec_guidance_list, &list);
	return http_send_error(r, rc, NULL, "cannot list guidance");
}

static int get_healthz(struct http_req *r)
{
	struct sc_health h = {0};
	h.status = (struct sc_str){"ok", 2};
	h.version = (struct sc_str){FN_VERSION, strlen(FN_VERSION)};
	SC_SET(health, &h, status);
	SC_SET(health, &h, version);
	return http_send_record(r, 200, &sc_rec_health, &h);
}

static int get_audit(struct http_req *r)
{
	struct sc_audit_page page;
	struct store_txn *t;
	uint64_t since, limit;

	if (http_query_u64(r, "since", 0, INT64_MAX, &since) != FN_OK)
		return http_send_error(r, FN_VALIDATION_FAILED, "since", "since must be a sequence number");
	if (http_query_u64(r, "limit", 100, 1000, &limit) != FN_OK || limit == 0)
		return http_send_error(r, FN_VALIDATION_FAILED, "limit", "limit must be 1 to 1000");
	if (http_read_begin(r, &t) != FN_OK)
		return r->status;
	int rc = audit_page(r->app->audit, t, since, (size_t)limit, r->arena, &page);
	store_read_end(t);
	if (rc == FN_OK)
		return http_send_record(r, 200, &sc_rec_audit_page, &page);
	return http_send_error(r, rc, NULL, "cannot read the audit log");
}

/* GET /v1/admin/audit?since=SEQ&limit=N: the pages of `fieldnote audit
 * export` (the same entry fields). The start of an export (since=0) is
 * itself audited; later pages are not, so that paging to the end ends. */
static int get_admin_audit(struct http_req *r)
{
	uint64_t since;
	if (http_query_u64(r, "since", 0, INT64_MAX, &since) == FN_OK && since == 0) {
		struct audit_event ev = {"audit.exported", r->who.user->username, "admin", r->who.device_id,
		                         SC_STR_LIT("audit"), "ok", r->ri->remote_addr};
		int rc = audit_record(r->app->audit, &ev, clock_now());
		if (rc != FN_OK)
			return http_send_error(r, rc, NULL, "cannot audit the export");
	}
	return get_audit(r);
}

static int admin_done(struct http_req *r, int rc, const struct sc_error *err, const char *what)
{
	if (rc == FN_OK) {
		char body[160];
		int n = snprintf(body, sizeof body, "{\"done\":\"%s\"}", what);
		return http_send_bytes(r, 200, "application/json", body, (size_t)n, "Cache-Control: no-store\r\n");
	}
	if (err->status != rc) /* failed before the module could say why */
		return http_send_error(r, rc, NULL, "%s", sc_status_message(rc));
	return http_send_sc_error(r, err, NULL);
}

static int post_device_revoke(struct http_req *r)
{
	char id[130];
	struct sc_error err = {0};
	if (http_param_copy(r, 0, id, sizeof id) != 0)
		return http_send_error(r, FN_VALIDATION_FAILED, "device", "device id too long");
	return admin_done(r, auth_device_revoke(r->app->auth, id, r->who.user->username, &err), &err, "revoked");
}

static int post_user_state(struct http_req *r, int disabled)
{
	char name[80];
	struct sc_error err = {0};
	if (http_param_copy(r, 0, name, sizeof name) != 0)
		return http_send_error(r, FN_NOT_FOUND, NULL, "no such user");
	int rc = auth_user_set_disabled(r->app->auth, name, disabled, &err);
	return admin_done(r, rc, &err, disabled ? "disabled" : "enabled");
}

static int post_user_disable(struct http_req *r)
{
	return post_user_state(r, 1);
}

static int post_user_enable(struct http_req *r)
{
	return post_user_state(r, 0);
}

/* Sign-in counters live in the server's memory; the unlock is stored (and
 * audited) so that `fieldnote user unlock` reaches a running server too. */
static int post_user_unlock(struct http_req *r)
{
	char name[80];
	struct sc_error err = {0};
	if (http_param_copy(r, 0, name, sizeof name) != 0)
		return http_send_error(r, FN_NOT_FOUND, NULL, "no such user");
	int rc = auth_user_unlock(r->app->auth, name, r->who.user->username, &err);
	return admin_done(r, rc, &err, "unlocked");
}

/* The access table: every route, and which roles may call it. Who may see
 * which record (own, same team, other team) is decided in the notes module
 * (notes_may_see) and answered 404, so that other teams' notes do not even
 * show that they exist. */
const struct http_route api_routes[] = {
	{"GET", "/healthz", HTTP_PUBLIC, get_healthz},
	{"GET", "/metrics", HTTP_PUBLIC, api_get_metrics}, /* its own bearer token */
	{"POST", "/v1/session", HTTP_PUBLIC, post_session, HTTP_SMALL_BODY},
	{"DELETE", "/v1/session", HTTP_SIGNED_IN, delete_session},
	{"GET", "/v1/guidance", HTTP_SIGNED_IN, get_guidance_list},
	{"GET", "/v1/guidance/*", HTTP_SIGNED_IN, api_get_guidance_doc},
	{"GET", "/v1/sync/guidance", HTTP_SIGNED_IN, api_get_guidance_sync},
	{"POST", "/v1/notes", HTTP_ROLE(ROLE_OFFICER) | HTTP_ROLE(ROLE_WORKER), api_post_notes},
	/* who may read a note (author, team supervisor) is decided per record */
	{"GET", "/v1/notes/*", HTTP_SIGNED_IN, api_get_note},
	{"POST", "/v1/notes/*/review", HTTP_ROLE(ROLE_SUPERVISOR), api_post_review},
	{"GET", "/v1/review/queue", HTTP_ROLE(ROLE_SUPERVISOR), api_get_queue},
	{"GET", "/v1/children/*/contacts", HTTP_ROLE(ROLE_SUPERVISOR), api_get_contacts},
	/* who may act on an escalation (team supervisor, holder) is decided per record */
	{"GET", "/v1/escalations", HTTP_ROLE(ROLE_SUPERVISOR), api_get_escalations},
	{"POST", "/v1/escalations/*/advance", HTTP_ROLE(ROLE_SUPERVISOR), api_post_escalation_advance},
	{"POST", "/v1/escalations/*/resolve", HTTP_ROLE(ROLE_SUPERVISOR), api_post_escalation_resolve},
	/* attachments (issue 16): tus 1.0 core uploads; reads follow the note */
	{"OPTIONS", "/v1/uploads", HTTP_PUBLIC, api_options_uploads},
	{"POST", "/v1/uploads", HTTP_ROLE(ROLE_OFFICER) | HTTP_ROLE(ROLE_WORKER), api_post_upload},
	{"GET", "/v1/uploads/*", HTTP_ROLE(ROLE_OFFICER) | HTTP_ROLE(ROLE_WORKER), api_head_upload},
	{"PATCH", "/v1/uploads/*", HTTP_ROLE(ROLE_OFFICER) | HTTP_ROLE(ROLE_WORKER), api_patch_upload},
	{"DELETE", "/v1/uploads/*", HTTP_ROLE(ROLE_OFFICER) | HTTP_ROLE(ROLE_WORKER), api_delete_upload},
	{"GET", "/v1/notes/*/attachments/*", HTTP_SIGNED_IN, api_get_attachment, HTTP_PAGE},
	{"GET", "/v1/sync/feedback", HTTP_ROLE(ROLE_OFFICER) | HTTP_ROLE(ROLE_WORKER), api_get_feedback},
	/* receiving agencies; which referral is whose is decided per record */
	{"GET", "/v1/referrals", HTTP_ROLE(ROLE_PARTNER) | HTTP_ROLE(ROLE_SUPERVISOR), api_get_referrals},
	{"POST", "/v1/referrals/*/receipt", HTTP_ROLE(ROLE_PARTNER), api_post_referral_receipt},
	{"POST", "/v1/referrals/*/outcome", HTTP_ROLE(ROLE_PARTNER), api_post_referral_outcome},
	/* the MASH sees every enquiry, another agency those it was asked about */
	{"GET", "/v1/enquiries", HTTP_ROLE(ROLE_PARTNER), api_get_enquiries},
	{"POST", "/v1/enquiries/*/requests", HTTP_ROLE(ROLE_PARTNER), api_post_enquiry_request},
	{"POST", "/v1/enquiries/*/contributions", HTTP_ROLE(ROLE_PARTNER), api_post_enquiry_contribution},
	{"POST", "/v1/enquiries/*/decision", HTTP_ROLE(ROLE_PARTNER), api_post_enquiry_decision},
	{"GET", "/v1/audit", HTTP_ROLE(ROLE_ADMIN), get_audit},
	{"GET", "/v1/admin/users", HTTP_ROLE(ROLE_ADMIN), api_admin_users},
	{"GET", "/v1/admin/devices", HTTP_ROLE(ROLE_ADMIN), api_admin_devices},
	{"POST", "/v1/admin/devices/*/revoke", HTTP_ROLE(ROLE_ADMIN), post_device_revoke},
	{"POST", "/v1/admin/users/*/disable", HTTP_ROLE(ROLE_ADMIN), post_user_disable},
	{"POST", "/v1/admin/users/*/enable", HTTP_ROLE(ROLE_ADMIN), post_user_enable},
	{"POST", "/v1/admin/users/*/unlock", HTTP_ROLE(ROLE_ADMIN), post_user_unlock},
	{"GET", "/v1/admin/holds", HTTP_ROLE(ROLE_ADMIN), api_get_holds},
	{"POST", "/v1/admin/holds/*", HTTP_ROLE(ROLE_ADMIN), api_post_hold, HTTP_SMALL_BODY},
	{"DELETE", "/v1/admin/holds/*", HTTP_ROLE(ROLE_ADMIN), api_delete_hold},
	{"GET", "/v1/admin/children/*/export", HTTP_ROLE(ROLE_ADMIN), api_get_child_export},
	{"POST", "/v1/admin/users/*/password", HTTP_ROLE(ROLE_ADMIN), api_admin_user_password, HTTP_SMALL_BODY},
	{"GET", "/v1/admin/guidance", HTTP_ROLE(ROLE_ADMIN), api_admin_guidance},
	{"POST", "/v1/admin/guidance/*/withdraw", HTTP_ROLE(ROLE_ADMIN), api_admin_guidance_withdraw},
	{"GET", "/v1/admin/audit", HTTP_ROLE(ROLE_ADMIN), get_admin_audit},
	/* the supervisor's review page (server/web/); its API calls sign in */
	{"GET", "/", HTTP_PUBLIC, web_serve, HTTP_PAGE}, /* redirects to /review/ */
	{"GET", "/review", HTTP_PUBLIC, web_serve, HTTP_PAGE},
	{"GET", "/review/", HTTP_PUBLIC, web_serve, HTTP_PAGE},
	{"GET", "/review/*", HTTP_PUBLIC, web_serve, HTTP_PAGE},
};
const size_t api_nroutes = sizeof api_routes / sizeof api_routes[0];
