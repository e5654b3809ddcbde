/* export.c - one child's notes, reviews, hold and audit trail as one record. */
#include "export.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "notes_erase.h"
#include "rules.h"
#include "status.h"

#define AUDIT_PAGE 1000

/* An audit entry is about the child when it names the child reference, a
 * note id ("note.read"), or a note id and more ("id#rev ..."). */
static int about(struct sc_str rec, struct sc_str ref, const struct sc_strs *ids)
{
	if (rec.n == ref.n && memcmp(rec.p, ref.p, ref.n) == 0)
		return 1;
	for (size_t i = 0; i < ids->n; i++) {
		struct sc_str id = ids->v[i];
		if (rec.n >= id.n && memcmp(rec.p, id.p, id.n) == 0 && (rec.n == id.n || rec.p[id.n] == '#'))
			return 1;
	}
	return 0;
}

/* Copies an entry's strings out of the page's arena into `a`. */
static int keep_entry(struct sc_audit_entry *e, struct sc_arena *a)
{
	for (size_t i = 0; i < sc_rec_audit_entry.nfields; i++) {
		const struct sc_field *f = &sc_rec_audit_entry.fields[i];
		if (f->type != SC_STR)
			continue;
		struct sc_str *s = (struct sc_str *)((char *)e + f->offset);
		char *p = sc_arena_strndup(a, s->p ? s->p : "", s->n);
		if (!p)
			return FN_NO_MEMORY;
		s->p = p;
	}
	return FN_OK;
}

/* Pages through the whole log (a scratch arena per page), keeping the
 * entries about the child. */
static int trail(struct app *app, struct store_txn *t, struct sc_str ref, const struct sc_strs *ids,
                 struct sc_arena *a, struct sc_list_audit_entry *out)
{
	struct sc_arena *scratch = sc_arena_new(0);
	struct sc_audit_page page;
	uint64_t since = 0;
	size_t cap = 0;
	int rc = scratch ? FN_OK : FN_NO_MEMORY;

	memset(out, 0, sizeof *out);
	while (rc == FN_OK) {
		sc_arena_reset(scratch);
		if ((rc = audit_page(app->audit, t, since, AUDIT_PAGE, scratch, &page)) != FN_OK)
			break;
		for (size_t i = 0; i < page.items.n && rc == FN_OK; i++) {
			struct sc_audit_entry *e = &page.items.v[i];
			if (!SC_HAS(audit_entry, e, record) || !about(e->record, ref, ids))
				continue;
			struct sc_audit_entry *v = sc_arena_grow(a, out->v, out->n, &cap, sizeof *v, 32);
			if (!v) {
				rc = FN_NO_MEMORY;
				break;
			}
			out->v = v;
			v[out->n] = *e;
			if ((rc = keep_entry(&v[out->n], a)) == FN_OK)
				out->n++;
		}
		if (!page.more)
			break;
		since = (uint64_t)page.next;
	}
	sc_arena_free(scratch);
	return rc;
}

/* Fills x inside read transaction t (x points into t and `a`). */
static int gather(struct app *app, struct store_txn *t, struct sc_str ref, const struct holds_actor *who,
                  int64_t now, struct sc_arena *a, struct sc_child_export *x)
{
	struct sc_strs ids;
	int rc = notes_child_ids(app->notes, t, ref, a, &ids);
	if (rc != FN_OK)
		return rc;
	struct sc_hold *h = sc_arena_alloc(a, sizeof *h);
	struct sc_note_view *views = sc_arena_alloc(a, (ids.n ? ids.n : 1) * sizeof *views);
	if (!h || !views)
		return FN_NO_MEMORY;
	if ((rc = holds_get(app->holds, t, ref, a, h)) == FN_OK)
		x->holds = (struct sc_list_hold){h, 1};
	else if (rc != FN_NOT_FOUND)
		return rc;
	/* The exporter reads every note, whatever admin_reads_notes says:
	 * the export is itself the audited read. */
	struct sc_user_record u = {0};
	u.username = who->name;
	SC_SET(user_record, &u, username);
	struct auth_principal p = {&u, ROLE_ADMIN, {"", 0}, {0}, 1};
	size_t n = 0;
	for (size_t i = 0; i < ids.n; i++) {
		rc = notes_get(app->notes, t, &p, ids.v[i], now, a, &views[n]);
		if (rc == FN_OK && app->attach) /* which images the note holds, not their bytes */
			rc = attach_view_fill(app->attach, t, a, &views[n]);
		if (rc == FN_OK)
			n++;
		else if (rc != FN_NOT_FOUND)
			return rc;
	}
	x->notes = (struct sc_list_note_view){views, n};
	return trail(app, t, ref, &ids, a, &x->audit);
}

int export_child(struct app *app, struct sc_str child_ref, const struct holds_actor *who, int64_t now,
                 int fmt, struct sc_buf *out, struct sc_error *err)
{
	struct sc_child_export x = {0};
	struct store_txn *t;
	int rc;

	memset(out, 0, sizeof *out);
	if (!rules_child_ref_ok(child_ref)) { /* so no name reaches the audit log */
		return sc_error_set(err, FN_VALIDATION_FAILED, NULL,
		                    "child_ref: must be a pseudonymous reference, never a name");
	}
	struct audit_event ev = {"child.exported", who->name, who->role, {"", 0}, child_ref, "ok", who->address};
	if ((rc = audit_record(app->audit, &ev, now)) != FN_OK)
		return sc_error_set(err, rc, NULL, "cannot record the export: %s", sc_status_message(rc));
	struct sc_arena *a = sc_arena_new(0);
	if (!a)
		return sc_error_set(err, FN_NO_MEMORY, NULL, "out of memory");
	if ((rc = store_read_begin(app->store, &t)) != FN_OK) {
		sc_arena_free(a);
		return sc_error_set(err, rc, NULL, "cannot read the store: %s", sc_status_message(rc));
	}
	x.child_ref = child_ref;
	x.exported_at = now;
	x.exported_by = who->name;
	SC_SET_ALL(child_export, &x);
	rc = gather(app, t, child_ref, who, now, a, &x);
	/* encoded before the transaction ends: the views point into it */
	if (rc == FN_OK)
		rc = sc_encode(&sc_rec_child_export, fmt, &x, out);
	store_read_end(t);
	sc_arena_free(a);
	if (rc != FN_OK) {
		sc_buf_free(out);
		sc_error_set(err, rc, NULL, "cannot export: %s", sc_status_message(rc));
	}
	return rc;
}
