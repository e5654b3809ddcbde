/* escalations.c - escalation records, their stages and deadlines, and the
 * indexes that find them by note, team and holder. */
#include "escalations.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "status.h"

#define KEY_MAX 160
#define SCAN_MAX 10000  /* index entries looked at per list */
#define LIST_MAX 1000   /* escalations in one answer (sc_escalation_list) */

struct escalations {
	struct store *store;
	struct rules_config rc;
	struct audit *audit;
	struct auth *auth;
	store_db records;   /* id -> escalation (msgpack) */
	store_db index;     /* kind(1) ... -> id: the kinds below */
};

/* The indexes share one database (the store has few to give), told apart
 * by their first byte. */
enum {
	BY_NOTE = 'n',   /* n note 0 seq(8) */
	BY_TEAM = 't',   /* t team 0 seq(8) */
	BY_HOLDER = 'h', /* h holder now 0 seq(8) */
	OPEN_DUE = 'o'   /* o team 0 due(8) seq(8): open ones only */
};

static const char *const stage_body[ESCALATION_LAST_STAGE + 1] = {
	NULL, "manager", "head_of_service", "safeguarding_partnership"};

int escalations_open(struct escalations **out, struct store *s, const struct rules_config *rc,
                     struct audit *audit, struct auth *auth)
{
	struct escalations *es = calloc(1, sizeof *es);
	int rc2;

	*out = NULL;
	if (!es)
		return FN_NO_MEMORY;
	es->store = s;
	es->audit = audit;
	es->auth = auth;
	if (rc)
		es->rc = *rc;
	else
		rules_defaults(&es->rc);
	if ((rc2 = store_db_open(s, "escalations.records", &es->records)) != FN_OK ||
	    (rc2 = store_db_open(s, "escalations.index", &es->index)) != FN_OK) {
		free(es);
		return rc2;
	}
	*out = es;
	return FN_OK;
}

void escalations_close(struct escalations *es)
{
	free(es);
}

/* --- keys and records -------------------------------------------------- */

/* A composite key: strings (ids, at most 64 bytes) end with a 0 byte,
 * numbers are big-endian so that they sort. */
struct ekey {
	unsigned char b[KEY_MAX];
	size_t n;
};

static void k_str(struct ekey *k, struct sc_str s)
{
	size_t n = s.n < 64 ? s.n : 64;
	memcpy(k->b + k->n, s.p, n);
	k->n += n;
	k->b[k->n++] = 0;
}

static void k_u64(struct ekey *k, uint64_t v)
{
	store_u64_key(v, k->b + k->n);
	k->n += 8;
}

static struct ekey k_prefix(int kind, struct sc_str owner)
{
	struct ekey k = {.n = 1, .b = {(unsigned char)kind}};
	k_str(&k, owner);
	return k;
}

static struct ekey k_index(int kind, struct sc_str owner, uint64_t seq)
{
	struct ekey k = k_prefix(kind, owner);
	k_u64(&k, seq);
	return k;
}

static struct ekey k_open(const struct sc_escalation *e, uint64_t seq)
{
	struct ekey k = k_prefix(OPEN_DUE, e->team);
	k_u64(&k, (uint64_t)e->due);
	k_u64(&k, seq);
	return k;
}

/* "esc-<seq>": the seq is the escalation's place in every index. */
static uint64_t seq_of(struct sc_str id)
{
	uint64_t v = 0;
	for (size_t i = 4; i < id.n && id.p[i] >= '0' && id.p[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(id.p[i] - '0');
	return v;
}

static int same(struct sc_str a, struct sc_str b)
{
	return a.n == b.n && memcmp(a.p, b.p, a.n) == 0;
}

static int load(struct escalations *es, struct store_txn *t, struct sc_str id, struct sc_arena *a,
                struct sc_escalation *e)
{
	struct sc_str val;
	if (id.n == 0 || id.n > 64)
		return FN_NOT_FOUND;
	int rc = store_get(t, es->records, id.p, id.n, &val);
	if (rc != FN_OK)
		return rc;
	memset(e, 0, sizeof *e);
	if (sc_decode(&sc_rec_escalation, SC_MSGPACK, val.p, val.n, NULL, a, e, NULL) != FN_OK)
		return FN_INTERNAL;
	return FN_OK;
}

/* Stores the record and its holder, team and open-deadline index entries. */
static int save(struct escalations *es, struct store_txn *t, struct sc_escalation *e)
{
	uint64_t seq = seq_of(e->id);
	struct sc_buf b = {0};
	SC_CLEAR(escalation, e, overdue); /* computed when sent, never stored */
	int rc = sc_encode(&sc_rec_escalation, SC_MSGPACK, e, &b);
	if (rc == FN_OK)
		rc = store_put(t, es->records, e->id.p, e->id.n, b.p, b.n, 0, NULL);
	sc_buf_free(&b);
	struct ekey kt = k_index(BY_TEAM, e->team, seq), kh = k_index(BY_HOLDER, e->holder, seq);
	struct ekey ko = k_open(e, seq);
	if (rc == FN_OK)
		rc = store_put(t, es->index, kt.b, kt.n, e->id.p, e->id.n, 0, NULL);
	if (rc == FN_OK)
		rc = store_put(t, es->index, kh.b, kh.n, e->id.p, e->id.n, 0, NULL);
	if (rc == FN_OK && sc_str_eq(e->state, "open"))
		rc = store_put(t, es->index, ko.b, ko.n, e->id.p, e->id.n, 0, NULL);
	return rc;
}

/* Removes the index entries that change with the stage: the holder's and
 * the open deadline (save puts back what still holds). */
static int unindex(struct escalations *es, struct store_txn *t, const struct sc_escalation *e)
{
	uint64_t seq = seq_of(e->id);
	struct ekey kh = k_index(BY_HOLDER, e->holder, seq), ko = k_open(e, seq);
	int rc = store_del(t, es->index, kh.b, kh.n);
	if (rc == FN_OK || rc == FN_NOT_FOUND)
		rc = store_del(t, es->index, ko.b, ko.n);
	return rc == FN_NOT_FOUND ? FN_OK : rc;
}

static void present(struct sc_escalation *e, int64_t now)
{
	e->overdue = sc_str_eq(e->state, "open") && now > e->due;
	SC_SET(escalation, e, overdue);
}

static int add_step(struct sc_escalation *e, struct sc_arena *a, struct sc_str by, struct sc_str reason,
                    int64_t now)
{
	struct sc_escalation_step *v = sc_arena_alloc(a, (e->history.n + 1) * sizeof *v);
	if (!v)
		return FN_NO_MEMORY;
	if (e->history.n)
		memcpy(v, e->history.v, e->history.n * sizeof *v);
	struct sc_escalation_step *s = &v[e->history.n];
	memset(s, 0, sizeof *s);
	s->stage = e->stage;
	s->holder = e->holder;
	s->by = by;
	s->at = now;
	s->due = e->due;
	s->reason = reason;
	SC_SET_ALL(escalation_step, s);
	e->history.v = v;
	e->history.n++;
	return FN_OK;
}

static int audit_esc(struct escalations *es, struct store_txn *t, const char *action,
                     const struct auth_principal *who, const struct sc_escalation *e, struct sc_arena *a,
                     int64_t now)
{
	char *rec = sc_arena_printf(a, "%.*s note %.*s#%" PRId64 " stage %" PRId64, (int)e->id.n, e->id.p,
	                            (int)e->note_id.n, e->note_id.p, e->revision, e->stage);
	if (!rec)
		return FN_NO_MEMORY;
	struct audit_event ev = {action, who->user->username, auth_role_name(who->role), who->device_id,
	                         {rec, strlen(rec)}, "ok", NULL};
	return audit_append(es->audit, t, &ev, now);
}

/* --- opening, reading ---------------------------------------------------- */

struct note_scan {
	struct escalations *es;
	struct store_txn *t;
	struct ekey prefix;
	struct sc_arena *a;
	int64_t now;
	struct sc_escalation *v;
	size_t n, cap;
	int open_due_only; /* stop at the open one, keep nothing */
	int64_t due;
	int rc;
};

static int note_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct note_scan *s = arg;
	if (key->n != s->prefix.n + 8 || memcmp(key->p, s->prefix.b, s->prefix.n) != 0)
		return STORE_SCAN_STOP;
	struct sc_escalation e;
	if ((s->rc = load(s->es, s->t, *val, s->a, &e)) != FN_OK)
		return STORE_SCAN_STOP;
	if (s->open_due_only) {
		if (!sc_str_eq(e.state, "open"))
			return STORE_SCAN_CONTINUE;
		s->due = e.due;
		return STORE_SCAN_STOP;
	}
	struct sc_escalation *v = sc_arena_grow(s->a, s->v, s->n, &s->cap, sizeof *v, 4);
	if (!v) {
		s->rc = FN_NO_MEMORY;
		return STORE_SCAN_STOP;
	}
	s->v = v;
	present(&e, s->now);
	s->v[s->n++] = e;
	return s->n == 100 ? STORE_SCAN_STOP : STORE_SCAN_CONTINUE; /* note_view's cap */
}

static int scan_note(struct escalations *es, struct store_txn *t, struct sc_str note_id, int64_t now,
                     struct sc_arena *a, int open_due_only, struct note_scan *s)
{
	*s = (struct note_scan){es, t, {.n = 0}, a, now, NULL, 0, 0, open_due_only, 0, FN_OK};
	if (note_id.n == 0 || note_id.n > 64)
		return FN_OK;
	s->prefix = k_prefix(BY_NOTE, note_id);
	int rc = store_scan(t, es->index, s->prefix.b, s->prefix.n, 0, note_one, s);
	return rc != FN_OK ? rc : s->rc;
}

int escalations_note_due(struct escalations *es, struct store_txn *t, struct sc_str note_id,
                         struct sc_arena *a, int64_t *due)
{
	struct note_scan s;
	int rc = scan_note(es, t, note_id, 0, a, 1, &s);
	*due = s.due;
	return rc;
}

int escalations_of_note(struct escalations *es, struct store_txn *t, struct sc_str note_id, int64_t now,
                        struct sc_arena *a, struct sc_list_escalation *out)
{
	struct note_scan s;
	int rc = scan_note(es, t, note_id, now, a, 0, &s);
	out->v = s.v;
	out->n = s.n;
	return rc;
}

int escalations_start(struct escalations *es, struct store_txn *t, const struct escalation_start *st,
                      int64_t now, struct sc_arena *a, struct sc_escalation *out)
{
	const struct sc_note_head *h = st->note;
	int64_t due;
	uint64_t seq;
	int rc;

	if (st->stage < 1 || st->stage > ESCALATION_LAST_STAGE)
		return FN_VALIDATION_FAILED;
	if ((rc = escalations_note_due(es, t, h->id, a, &due)) != FN_OK)
		return rc;
	if (due != 0)
		return FN_CONFLICT;
	if ((rc = store_counter_next(t, "escalation.seq", &seq)) != FN_OK)
		return rc;
	char *id = sc_arena_printf(a, "esc-%" PRIu64, seq);
	if (!id)
		return FN_NO_MEMORY;
	struct sc_escalation *e = out;
	memset(e, 0, sizeof *e);
	e->id = (struct sc_str){id, strlen(id)};
	e->note_id = h->id;
	e->revision = h->latest;
	e->team = h->team;
	e->child_ref = h->child_ref;
	e->stage = st->stage;
	e->target = (struct sc_str){stage_body[st->stage], strlen(stage_body[st->stage])};
	e->holder = st->by->user->username;
	e->reason = st->reason;
	e->state = (struct sc_str){"open", 4};
	e->opened_by = st->by->user->username;
	e->opened_at = now;
	e->due = rules_escalation_due(st->stage, now, &es->rc);
	SC_SET_ALL(escalation, e);
	SC_CLEAR(escalation, e, resolution);
	SC_CLEAR(escalation, e, resolved_by);
	SC_CLEAR(escalation, e, resolved_at);
	if (st->agency.n)
		e->agency = st->agency;
	else
		SC_CLEAR(escalation, e, agency);
	if ((rc = add_step(e, a, e->opened_by, e->reason, now)) != FN_OK)
		return rc;
	struct ekey kn = k_index(BY_NOTE, h->id, seq);
	if ((rc = save(es, t, e)) != FN_OK ||
	    (rc = store_put(t, es->index, kn.b, kn.n, e->id.p, e->id.n, 0, NULL)) != FN_OK ||
	    (rc = audit_esc(es, t, "escalation.opened", st->by, e, a, now)) != FN_OK)
		return rc;
	present(e, now);
	return FN_OK;
}

struct overdue_scan {
	struct ekey prefix;
	int64_t now;
	int64_t n;
};

static int overdue_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct overdue_scan *s = arg;
	(void)val;
	if (key->n != s->prefix.n + 16 || memcmp(key->p, s->prefix.b, s->prefix.n) != 0)
		return STORE_SCAN_STOP;
	/* keys sort by deadline: the first one not yet passed ends the count */
	if (!(s->now > (int64_t)store_key_u64(key->p + s->prefix.n)))
		return STORE_SCAN_STOP;
	s->n++;
	return STORE_SCAN_CONTINUE;
}

int escalations_count_overdue(struct escalations *es, struct store_txn *t, struct sc_str team, int64_t now,
                              int64_t *count)
{
	struct overdue_scan s = {{.n = 0}, now, 0};
	*count = 0;
	if (team.n == 0 || team.n > 64)
		return FN_OK;
	s.prefix = k_prefix(OPEN_DUE, team);
	int rc = store_scan(t, es->index, s.prefix.b, s.prefix.n, 0, overdue_one, &s);
	*count = s.n;
	return rc;
}

/* --- the caller's list -------------------------------------------------- */

struct seq_scan {
	struct ekey prefix;
	struct sc_arena *a;
	uint64_t *v;
	size_t n, cap;
	int rc;
};

static int seq_one(const struct sc_str *key, const struct sc_str *val, void *arg)
{
	struct seq_scan *s = arg;
	(void)val;
	if (key->n != s->prefix.n + 8 || memcmp(key->p, s->prefix.b, s->prefix.n) != 0 || s->n == SCAN_MAX)
		return STORE_SCAN_STOP;
	uint64_t *v = sc_arena_grow(s->a, s->v, s->n, &s->cap, sizeof *v, 16);
	if (!v) {
		s->rc = FN_NO_MEMORY;
		return STORE_SCAN_STOP;
	}
	s->v = v;
	s->v[s->n++] = store_key_u64(key->p + s->prefix.n);
	return STORE_SCAN_CONTINUE;
}

static int seq_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

static int gather(struct escalations *es, struct store_txn *t, int kind, struct sc_str owner,
                  struct seq_scan *s)
{
	s->prefix = k_prefix(kind, owner);
	int rc = store_scan(t, es->index, s->prefix.b, s->prefix.n, 0, seq_one, s);
	return rc != FN_OK ? rc : s->rc;
}

int escalations_list(struct escalations *es, struct store_txn *t, const struct auth_principal *who,
                     int open_only, int64_t now, struct sc_arena *a, struct sc_escalation_list *out)
{
	const struct sc_user_record *u = who->user;
	struct seq_scan s = {{.n = 0}, a, NULL, 0, 0, FN_OK};
	int rc;

	memset(out, 0, sizeof *out);
	SC_SET_ALL(escalation_list, out);
	for (size_t i = 0; i < u->teams.n; i++)
		if ((rc = gather(es, t, BY_TEAM, u->teams.v[i], &s)) != FN_OK)
			return rc;
	if ((rc = gather(es, t, BY_HOLDER, u->username, &s)) != FN_OK)
		return rc;
	if (s.n) /* s.v is NULL when nothing was found */
		qsort(s.v, s.n, sizeof *s.v, seq_cmp);
	out->items.v = sc_arena_alloc(a, (s.n < LIST_MAX ? s.n + 1 : LIST_MAX) * sizeof *out->items.v);
	if (!out->items.v)
		return FN_NO_MEMORY;
	for (size_t i = 0; i < s.n; i++) {
		if (i && s.v[i] == s.v[i - 1])
			continue; /* held by the caller and in one of its teams */
		if (out->items.n == LIST_MAX) {
			out->more = 1;
			break;
		}
		char id[32];
		snprintf(id, sizeof id, "esc-%" PRIu64, s.v[i]);
		struct sc_escalation *e = &out->items.v[out->items.n];
		if ((rc = load(es, t, (struct sc_str){id, strlen(id)}, a, e)) != FN_OK)
			return rc == FN_NOT_FOUND ? FN_INTERNAL : rc;
		if (open_only && !sc_str_eq(e->state, "open"))
			continue;
		present(e, now);
		out->items.n++;
	}
	return FN_OK;
}

/* --- advancing, resolving ----------------------------------------------- */

struct change_job {
	struct escalations *es;
	const struct auth_principal *who;
	struct sc_str id;
	const struct sc_escalation_advance *adv; /* NULL: resolve */
	const struct sc_escalation_resolve *res;
	int64_t now;
	struct sc_arena *a;
	struct sc_escalation *out;
	struct sc_error *err;
};

static int may_act(const struct auth_principal *who, const struct sc_escalation *e)
{
	if (same(e->holder, who->user->username))
		return 1;
	for (size_t i = 0; i < who->user->teams.n; i++)
		if (same(who->user->teams.v[i], e->team))
			return 1;
	return 0;
}

/* The next holder must be a supervisor who can sign in to act on it. */
static int check_holder(struct change_job *j, struct store_txn *t)
{
	struct sc_user_record *u;
	int rc = auth_user_find(j->es->auth, t, j->adv->to, j->a, &u);
	if (rc == FN_NOT_FOUND || (rc == FN_OK && (!sc_str_eq(u->role, auth_role_name(ROLE_SUPERVISOR)) ||
	                                           (SC_HAS(user_record, u, disabled) && u->disabled))))
		return sc_error_set(j->err, FN_VALIDATION_FAILED, "to", "to: '%.*s' is not an enabled supervisor",
		                    (int)j->adv->to.n, j->adv->to.p);
	return rc;
}

static int advance(struct change_job *j, struct store_txn *t, struct sc_escalation *e)
{
	int rc;
	if (e->stage >= ESCALATION_LAST_STAGE)
		return sc_error_set(j->err, FN_CONFLICT, "state", "stage %d (the safeguarding partnership) is the "
		                    "last stage; resolve the escalation", ESCALATION_LAST_STAGE);
	if ((rc = check_holder(j, t)) != FN_OK)
		return rc;
	e->stage++;
	e->target = (struct sc_str){stage_body[e->stage], strlen(stage_body[e->stage])};
	e->holder = j->adv->to;
	e->due = rules_escalation_due(e->stage, j->now, &j->es->rc);
	return add_step(e, j->a, j->who->user->username, j->adv->reason, j->now);
}

static int change_txn(struct store_txn *t, void *arg)
{
	struct change_job *j = arg;
	struct sc_escalation *e = j->out;
	int rc = load(j->es, t, j->id, j->a, e);
	if (rc != FN_OK)
		return rc;
	if (!may_act(j->who, e))
		return FN_NOT_FOUND;
	if (!sc_str_eq(e->state, "open"))
		return sc_error_set(j->err, FN_CONFLICT, "state", "this escalation was resolved");
	if ((rc = unindex(j->es, t, e)) != FN_OK)
		return rc;
	if (j->adv) {
		rc = advance(j, t, e);
	} else {
		e->state = (struct sc_str){"resolved", 8};
		e->resolution = j->res->resolution;
		e->resolved_by = j->who->user->username;
		e->resolved_at = j->now;
		SC_SET(escalation, e, resolution);
		SC_SET(escalation, e, resolved_by);
		SC_SET(escalation, e, resolved_at);
	}
	if (rc != FN_OK || (rc = save(j->es, t, e)) != FN_OK)
		return rc;
	return audit_esc(j->es, t, j->adv ? "escalation.advanced" : "escalation.resolved", j->who, e, j->a,
	                 j->now);
}

/* Runs the change job j (an advance or a resolve) and presents the result. */
static int change(struct change_job *j)
{
	int rc = store_write_bulk(j->es->store, change_txn, j);
	if (rc == FN_OK)
		present(j->out, j->now);
	return rc;
}

int escalations_advance(struct escalations *es, const struct auth_principal *who, struct sc_str id,
                        const struct sc_escalation_advance *req, int64_t now, struct sc_arena *a,
                        struct sc_escalation *out, struct sc_error *err)
{
	struct change_job j = {es, who, id, req, NULL, now, a, out, err};
	return change(&j);
}

int escalations_resolve(struct escalations *es, const struct auth_principal *who, struct sc_str id,
                        const struct sc_escalation_resolve *req, int64_t now, struct sc_arena *a,
                        struct sc_escalation *out, struct sc_error *err)
{
	struct change_job j = {es, who, id, NULL, req, now, a, out, err};
	return change(&j);
}
