/* api_admin.c - the admin console's calls the CLI also has: user and device
 * lists, setting a password, the guidance list and withdrawal. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "app.h"
#include "auth_list.h"
#include "guidance.h"
#include "http.h"
#include "status.h"

static json_t *jstr(struct sc_str s)
{
	return json_stringn(s.p ? s.p : "", s.n);
}

static int add_user(const struct sc_user_record *u, void *arg)
{
	json_t *o = json_object(), *teams = json_array();
	for (size_t i = 0; i < u->teams.n; i++)
		json_array_append_new(teams, jstr(u->teams.v[i]));
	json_object_set_new(o, "username", jstr(u->username));
	json_object_set_new(o, "role", jstr(u->role));
	if (SC_HAS(user_record, u, agency))
		json_object_set_new(o, "agency", jstr(u->agency));
	json_object_set_new(o, "teams", teams);
	json_object_set_new(o, "disabled", json_boolean(SC_HAS(user_record, u, disabled) && u->disabled));
	return json_array_append_new(arg, o) != 0; /* out of memory: stop */
}

static int add_device(const char *user, const char *device, int64_t last, int revoked, void *arg)
{
	json_t *o = json_object();
	json_object_set_new(o, "device", json_string(device));
	json_object_set_new(o, "user", json_string(user));
	json_object_set_new(o, "last_seen", json_integer(last));
	json_object_set_new(o, "state", json_string(revoked ? "revoked" : "active"));
	return json_array_append_new(arg, o) != 0;
}

/* {"items": [...]}: a whole list (users and devices number in the
 * thousands at most, so no paging). JSON only: a console's call. */
static int send_list(struct http_req *r, int rc, json_t *items)
{
	json_t *root = json_object();
	json_object_set_new(root, "items", items);
	char *text = rc == FN_OK ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	if (!text)
		return http_send_error(r, rc == FN_OK ? FN_NO_MEMORY : rc, NULL, "cannot list");
	int st = http_send_bytes(r, 200, "application/json", text, strlen(text), "Cache-Control: no-store\r\n");
	free(text);
	return st;
}

int api_admin_users(struct http_req *r)
{
	json_t *items = json_array();
	return send_list(r, auth_user_each(r->app->auth, add_user, items), items);
}

int api_admin_devices(struct http_req *r)
{
	json_t *items = json_array();
	return send_list(r, auth_device_each(r->app->auth, add_device, items), items);
}

/* POST /v1/admin/users/{u}/password, body {"password": "..."}: what
 * `fieldnote user passwd` does: the same record saved with the new password
 * (auth_user_add's length rules, 8 to 256 bytes), which ends the user's
 * sessions and is audited as user.updated. The password is wiped from the
 * parsed body and never logged. */
int api_admin_user_password(struct http_req *r)
{
	struct sc_str body;
	struct sc_user_record *u = NULL;
	struct store_txn *t;
	struct sc_error err = {0};
	int fmt;
	if (http_read_body(r, &body, &fmt) != FN_OK)
		return r->status;
	json_t *root = fmt == SC_JSON ? json_loadb(body.p, body.n, 0, NULL) : NULL;
	explicit_bzero((char *)body.p, body.n);
	json_t *pw = json_object_get(root, "password");
	if (!json_is_string(pw)) {
		json_decref(root);
		return http_send_error(r, FN_VALIDATION_FAILED, "password", "the body must be {\"password\": \"...\"}");
	}
	int rc = store_read_begin(r->app->store, &t);
	if (rc == FN_OK) {
		rc = auth_user_find(r->app->auth, t, r->params[0], r->arena, &u);
		store_read_end(t); /* u was decoded into the arena */
	}
	if (rc == FN_OK)
		rc = auth_user_add(r->app->auth, u, json_string_value(pw), json_string_length(pw), 1, &err);
	explicit_bzero((char *)json_string_value(pw), json_string_length(pw));
	json_decref(root);
	if (rc == FN_OK)
		return http_send_bytes(r, 200, "application/json", "{\"done\":\"password set\"}", 23,
		                       "Cache-Control: no-store\r\n");
	if (rc == FN_NOT_FOUND)
		return http_send_error(r, rc, NULL, "no such user");
	return http_send_error(r, rc, rc == FN_VALIDATION_FAILED ? "password" : NULL, "%s",
	                       err.message[0] ? err.message : sc_status_message(rc));
}

/* GET /v1/admin/guidance: every current document's summary, whatever its
 * audience (what `fieldnote guidance list` prints). */
int api_admin_guidance(struct http_req *r)
{
	struct store_txn *t;
	struct sc_guidance_list list;
	int rc = http_read_begin(r, &t);
	if (rc != FN_OK)
		return r->status;
	rc = guidance_list(r->app->guidance, t, NULL, NULL, r->arena, &list); /* copied into the arena */
	store_read_end(t);
	if (rc != FN_OK)
		return http_send_error(r, rc, NULL, "cannot list guidance");
	return http_send_record(r, 200, &sc_rec_guidance_list, &list);
}

/* POST /v1/admin/guidance/{id}/withdraw: as `fieldnote guidance withdraw`
 * (audited as guidance.withdrawn; devices learn of it on their next sync). */
int api_admin_guidance_withdraw(struct http_req *r)
{
	char id[130];
	struct sc_error err = {0};
	if (http_param_copy(r, 0, id, sizeof id) != 0)
		return http_send_error(r, FN_NOT_FOUND, NULL, "no such guidance document");
	int rc = guidance_withdraw(r->app->guidance, id, &err);
	if (rc == FN_OK)
		return http_send_bytes(r, 200, "application/json", "{\"done\":\"withdrawn\"}", 20,
		                       "Cache-Control: no-store\r\n");
	return http_send_error(r, rc, NULL, "%s", err.message[0] ? err.message : sc_status_message(rc));
}
