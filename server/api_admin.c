/* api_admin.c - the admin console's lists: GET /v1/admin/users and /v1/admin/devices. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "app.h"
#include "auth_list.h"
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
