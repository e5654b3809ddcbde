/* api_retention.c - the admin API for legal holds and a child's export. */
#include <civetweb.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "clock.h"
#include "export.h"
#include "holds.h"
#include "status.h"

static struct holds_actor actor_of(const struct http_req *r)
{
	return (struct holds_actor){r->who.user->username, auth_role_name(r->who.role), r->ri->remote_addr};
}

static int done(struct http_req *r, const char *what)
{
	char body[64];
	int n = snprintf(body, sizeof body, "{\"done\":\"%s\"}", what);
	return http_send_bytes(r, 200, "application/json", body, (size_t)n, "Cache-Control: no-store\r\n");
}

int api_get_holds(struct http_req *r)
{
	struct store_txn *t;
	struct sc_hold_list l;
	int rc = http_read_begin(r, &t);
	if (rc != FN_OK)
		return r->status;
	rc = holds_list(r->app->holds, t, r->arena, &l);
	store_read_end(t); /* the list was decoded into the arena */
	if (rc != FN_OK)
		return http_send_error(r, rc, NULL, "cannot read the holds");
	return http_send_record(r, 200, &sc_rec_hold_list, &l);
}

/* POST /v1/admin/holds/{ref}, body optional: {"reason": "..."}. */
int api_post_hold(struct http_req *r)
{
	struct sc_hold_request req = {0};
	struct sc_error err = {0};
	if (r->ri->content_length > 0 && http_read_record(r, &sc_rec_hold_request, &req) != FN_OK)
		return r->status;
	struct holds_actor who = actor_of(r);
	struct sc_str reason = SC_HAS(hold_request, &req, reason) ? req.reason : (struct sc_str){"", 0};
	int rc = holds_add(r->app->holds, r->params[0], reason, &who, clock_now(), &err);
	if (rc == FN_OK)
		return done(r, "held");
	return http_send_sc_error(r, &err, NULL);
}

int api_delete_hold(struct http_req *r)
{
	struct sc_error err = {0};
	struct holds_actor who = actor_of(r);
	int rc = holds_remove(r->app->holds, r->params[0], &who, clock_now(), &err);
	if (rc == FN_OK)
		return done(r, "released");
	return http_send_sc_error(r, &err, NULL);
}

/* The export is built and encoded before anything is sent (export_child
 * holds no read transaction when it returns: see store.h). */
int api_get_child_export(struct http_req *r)
{
	struct sc_buf b;
	struct sc_error err = {0};
	struct holds_actor who = actor_of(r);
	int rc = export_child(r->app, r->params[0], &who, clock_now(), r->fmt, &b, &err);
	if (rc != FN_OK)
		return http_send_sc_error(r, &err, NULL);
	rc = http_send_bytes(r, 200, r->fmt == SC_JSON ? "application/json" : "application/msgpack", b.p, b.n,
	                     "Cache-Control: no-store\r\nContent-Disposition: attachment\r\n");
	sc_buf_free(&b);
	return rc;
}
