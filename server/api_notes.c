/* api_notes.c - v1 handlers for uploading and reading notes. */
#include <civetweb.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "app.h"
#include "attach.h"
#include "clock.h"
#include "metrics.h"
#include "notes.h"
#include "status.h"

struct batch_ctx {
	struct notes_item *items;
	size_t n, cap;
	struct sc_arena *a;
};

/* Each decoded item: valid ones go to notes_submit, undecodable ones get
 * their "invalid" result here. */
static int take_item(size_t index, int status, void *item, const struct sc_error *err, void *arg)
{
	struct batch_ctx *c = arg;
	(void)index;
	if (c->n == c->cap)
		return FN_LIMIT_EXCEEDED;
	struct notes_item *it = &c->items[c->n++];
	memset(it, 0, sizeof *it);
	it->result = sc_arena_alloc(c->a, sizeof *it->result);
	if (!it->result)
		return FN_NO_MEMORY;
	struct sc_note *n = item;
	if (status == FN_OK) {
		it->note = n;
		return 0;
	}
	struct sc_note_result *r = it->result;
	struct sc_field_error *fe = sc_arena_alloc(c->a, sizeof *fe);
	if (!fe)
		return FN_NO_MEMORY;
	const char *field = sc_arena_strndup(c->a, err->field, strlen(err->field));
	const char *msg = sc_arena_strndup(c->a, err->message, strlen(err->message));
	fe->field = (struct sc_str){field, strlen(field)};
	fe->message = (struct sc_str){msg, strlen(msg)};
	SC_SET(field_error, fe, field);
	SC_SET(field_error, fe, message);
	r->id = SC_HAS(note, n, id) ? n->id : SC_STR_LIT("");
	SC_SET(note_result, r, id);
	if (SC_HAS(note, n, revision)) {
		r->revision = n->revision;
		SC_SET(note_result, r, revision);
	}
	r->result = SC_STR_LIT("invalid");
	r->code = status;
	r->name = (struct sc_str){sc_status_name(status), strlen(sc_status_name(status))};
	r->message = fe->message;
	r->errors = (struct sc_list_field_error){fe, 1};
	SC_SET(note_result, r, result);
	SC_SET(note_result, r, code);
	SC_SET(note_result, r, name);
	SC_SET(note_result, r, message);
	SC_SET(note_result, r, errors);
	return 0;
}

/* The HTTP status for one note's result: 201 stored, 200 duplicate, else
 * the status its code maps to (409, 422). */
static int result_http(const struct sc_note_result *res)
{
	if (sc_str_eq(res->result, "stored"))
		return 201;
	if (sc_str_eq(res->result, "duplicate"))
		return 200;
	return sc_status_http((int)res->code);
}

int api_post_notes(struct http_req *r)
{
	struct sc_str body;
	struct sc_error err = {0};
	int fmt, rc;
	size_t max = r->app->cfg->max_batch;

	if ((rc = http_read_body(r, &body, &fmt)) != FN_OK)
		return r->status;
	struct sc_limits lim = http_body_limits(r);
	struct batch_ctx c = {sc_arena_alloc(r->arena, max * sizeof *c.items), 0, max, r->arena};
	if (!c.items)
		return http_send_error(r, FN_NO_MEMORY, NULL, "out of memory");
	rc = sc_decode_items(&sc_rec_note, "notes", fmt, body.p, body.n, &lim, max, r->arena, take_item, &c, &err);
	int single = rc == FN_NOT_FOUND;
	if (single) {
		struct sc_note *n = sc_arena_alloc(r->arena, sizeof *n);
		if (!n)
			return http_send_error(r, FN_NO_MEMORY, NULL, "out of memory");
		rc = sc_decode(&sc_rec_note, fmt, body.p, body.n, &lim, r->arena, n, &err);
		if (rc == FN_OK)
			rc = take_item(0, FN_OK, n, &err, &c);
	}
	if (rc == FN_LIMIT_EXCEEDED && !err.message[0])
		return http_send_error(r, rc, "notes", "at most %zu notes in one upload", max);
	if (rc != FN_OK)
		return http_send_error(r, rc, err.field, "%s", err.message[0] ? err.message : sc_status_message(rc));

	rc = notes_submit(r->app->notes, &r->who, c.items, c.n, clock_now(), r->arena);
	if (rc != FN_OK)
		return http_send_error(r, rc, NULL, "the notes were not stored: %s; send them again",
		                       sc_status_message(rc));
	for (size_t i = 0; i < c.n; i++)
		metrics_note_result(r->app->metrics, c.items[i].result->result.p, c.items[i].result->result.n);
	if (single)
		return http_send_record(r, result_http(c.items[0].result), &sc_rec_note_result,
		                        c.items[0].result);
	struct sc_note_results out = {0};
	out.results.v = sc_arena_alloc(r->arena, (c.n ? c.n : 1) * sizeof *out.results.v);
	if (!out.results.v)
		return http_send_error(r, FN_NO_MEMORY, NULL, "out of memory");
	for (size_t i = 0; i < c.n; i++)
		out.results.v[i] = *c.items[i].result;
	out.results.n = c.n;
	SC_SET(note_results, &out, results);
	return http_send_record(r, 200, &sc_rec_note_results, &out);
}

int api_get_note(struct http_req *r)
{
	struct store_txn *t;
	struct sc_note_view view;
	int rc = http_read_begin(r, &t);

	if (rc != FN_OK)
		return r->status;
	rc = notes_get(r->app->notes, t, &r->who, r->params[0], clock_now(), r->arena, &view);
	if (rc == FN_OK)
		rc = attach_view_fill(r->app->attach, t, r->arena, &view);
	/* The view lives in the arena; the write below must not run inside a
	 * read transaction (a map growth would wait for it). */
	store_read_end(t);
	/* Every read by someone other than the author is on record first. */
	if (rc == FN_OK && !sc_str_eq(view.author, r->who.user->username.p)) {
		struct audit_event ev = {"note.read", r->who.user->username, auth_role_name(r->who.role),
		                         r->who.device_id, view.id, "ok", r->ri->remote_addr};
		if (audit_record(r->app->audit, &ev, clock_now()) != FN_OK)
			return http_send_error(r, FN_UNAVAILABLE, NULL, "cannot record this read; try again");
	}
	if (rc == FN_OK)
		return http_send_record(r, 200, &sc_rec_note_view, &view);
	if (rc == FN_NOT_FOUND)
		return http_send_error(r, rc, NULL, "no note with that id that you may see");
	return http_send_error(r, rc, NULL, "cannot read the note");
}

