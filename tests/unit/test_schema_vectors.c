/* test_schema_vectors.c - unit tests of schema/ against the golden vectors: records built in C, their msgpack and JSON files, the example note. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "stored.h"
#include "test_schema_util.h"
#include "unit.h"

/* ---------------------------------------------------- golden vectors --- */

/* Set FN_SCHEMA_REGEN=1 to rewrite schema/vectors/ from the records built
 * below (after a deliberate wire change; review the diff). */

static void build_error_reply(void *out)
{
	struct sc_error_reply *r = out;
	r->code = FN_VALIDATION_FAILED;
	r->name = SC_STR_LIT("VALIDATION_FAILED");
	r->message = SC_STR_LIT("a field failed validation: longer than 256 bytes");
	r->field = SC_STR_LIT("user.teams[1]");
	SC_SET(error_reply, r, code);
	SC_SET(error_reply, r, name);
	SC_SET(error_reply, r, message);
	SC_SET(error_reply, r, field);
}

static void build_session_request(void *out)
{
	struct sc_session_request *r = out;
	r->username = SC_STR_LIT("pc.jones");
	r->password = SC_STR_LIT("correct horse \"battery\" staple");
	r->device_id = SC_STR_LIT("dev-7f3a:01");
	SC_SET_ALL(session_request, r);
}

struct sc_user_summary tu_user_okafor(void)
{
	static struct sc_str teams[] = { SC_STR_INIT("north-mash"), SC_STR_INIT("east-cp") };
	struct sc_user_summary u = { 0 };
	u.username = SC_STR_LIT("s.okafor");
	u.role = (struct sc_str){ sc_enum_role[SC_E_role_supervisor], 10 };
	u.agency = SC_STR_LIT("Northshire Children's Services");
	u.teams = (struct sc_strs){ teams, 2 };
	SC_SET_ALL(user_summary, &u);
	return u;
}

static void build_session_reply(void *out)
{
	static struct sc_user_summary u;
	u = tu_user_okafor();
	struct sc_session_reply *r = out;
	r->token = SC_STR_LIT("tk_3q9XcVb1LmN0pR7sT2uW5yZ8aD4fG6hJ");
	r->expires_at = 1767225600;
	r->user = &u;
	SC_SET_ALL(session_reply, r);
}

static const char s136_body[] =
	"Section 136 lets a police officer remove a person who appears to be suffering "
	"from a mental disorder, and to be in immediate need of care or control, to a "
	"place of safety.\n\nBefore using the power the officer must, where practicable, "
	"consult a registered medical practitioner, nurse or AMHP.\n"
	"\t- Detention: up to 24 hours (extendable by 12).\n"
	"\t- A police station is a place of safety for adults only in \"exceptional\" cases.\n"
	"Road/rail \\ see s136A. Caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x9a\x93 <ok> & done.";

void tu_fill_s136(struct sc_guidance_doc *d)
{
	static struct sc_str tags[] = { SC_STR_INIT("mental-health"), SC_STR_INIT("s136"),
		                        SC_STR_INIT("place-of-safety") };
	static struct sc_str audience[] = { SC_STR_INIT("officer") };
	memset(d, 0, sizeof *d);
	d->id = SC_STR_LIT("s136");
	d->version = 3;
	d->title = SC_STR_LIT("Section 136 \xe2\x80\x94 place of safety");
	d->tags = (struct sc_strs){ tags, 3 };
	d->audience = (struct sc_strs){ audience, 1 };
	d->reviewed = SC_STR_LIT("2025-01-15");
	d->updated = 1736899200;
	d->seq = 42;
	d->body = (struct sc_str){ s136_body, sizeof s136_body - 1 };
	SC_SET_ALL(guidance_doc, d);
}

static void build_guidance_doc(void *out)
{
	tu_fill_s136(out);
}

static void build_change_page(void *out)
{
	static struct sc_guidance_doc doc;
	static struct sc_guidance_change ch[2];
	tu_fill_s136(&doc);
	memset(ch, 0, sizeof ch);
	ch[0].id = SC_STR_LIT("s136");
	ch[0].version = 3;
	ch[0].seq = 42;
	ch[0].doc = &doc;
	SC_SET(guidance_change, &ch[0], id);
	SC_SET(guidance_change, &ch[0], version);
	SC_SET(guidance_change, &ch[0], seq);
	SC_SET(guidance_change, &ch[0], doc);
	ch[1].id = SC_STR_LIT("s135-old");
	ch[1].version = 2;
	ch[1].seq = 300;
	ch[1].withdrawn = true;
	SC_SET(guidance_change, &ch[1], id);
	SC_SET(guidance_change, &ch[1], version);
	SC_SET(guidance_change, &ch[1], seq);
	SC_SET(guidance_change, &ch[1], withdrawn);
	struct sc_change_page *p = out;
	p->changes = (struct sc_list_guidance_change){ ch, 2 };
	p->next = 300;
	p->more = false;
	SC_SET_ALL(change_page, p);
}

static void build_guidance_list(void *out)
{
	static struct sc_str tags[] = { SC_STR_INIT("mental-health"), SC_STR_INIT("s136") };
	static struct sc_guidance_summary it[2];
	memset(it, 0, sizeof it);
	it[0].id = SC_STR_LIT("s136");
	it[0].version = 3;
	it[0].title = SC_STR_LIT("Section 136 \xe2\x80\x94 place of safety");
	it[0].tags = (struct sc_strs){ tags, 2 };
	it[0].updated = 1736899200;
	SC_SET_ALL(guidance_summary, &it[0]);
	it[1].id = SC_STR_LIT("voice-of-the-child");
	it[1].version = 1;
	it[1].title = SC_STR_LIT("Recording the voice of the child");
	it[1].updated = -1; /* negative on purpose: exercises the signed encodings */
	it[1].has = it[0].has;
	SC_CLEAR(guidance_summary, &it[1], tags);
	struct sc_guidance_list *l = out;
	l->items = (struct sc_list_guidance_summary){ it, 2 };
	SC_SET(guidance_list, l, items);
}

static void build_health(void *out)
{
	struct sc_health *h = out;
	h->status = SC_STR_LIT("ok");
	h->version = SC_STR_LIT("1.0.0");
	SC_SET(health, h, status);
	SC_SET(health, h, version);
}

/* The voice-of-the-child note of schema/examples/note.json: every
 * top-level field, enums nested and not, a list of strings, two actions.
 * Fictional throughout. */

static void build_note(void *out)
{
	static struct sc_mental_health mh;
	static struct sc_thrive th;
	static struct sc_referral ref;
	static struct sc_sharing sh;
	static struct sc_next_steps ns;
	static struct sc_action act[2];
	static struct sc_guidance_ref seen[1];
	static struct sc_str shared_with[] = { SC_STR_INIT("early help hub"),
		                               SC_STR_INIT("school safeguarding lead") };
	memset(&mh, 0, sizeof mh);
	mh.concern = true;
	mh.self_harm = false;
	mh.s136_used = false;
	SC_SET(mental_health, &mh, concern);
	SC_SET(mental_health, &mh, self_harm);
	SC_SET(mental_health, &mh, s136_used);

	th.threat = SC_STR_LIT("Verbal conflict between the adults at night; no threats made to the child.");
	th.harm = SC_STR_LIT("Disturbed sleep and low mood reported by the child; no physical harm seen.");
	th.risk = SC_STR_LIT("Medium: risk to emotional wellbeing if the conflict goes on.");
	th.investigation = SC_STR_LIT("No offence disclosed at this visit; log left open for the neighbourhood team.");
	th.vulnerability = SC_STR_LIT("Aged 14, tired and worried about home; has a trusted adult in Nan.");
	th.engagement = SC_STR_LIT("Child talked freely once seen alone; mother cooperative and agreed to early help.");
	SC_SET_ALL(thrive, &th);

	memset(&ref, 0, sizeof ref);
	ref.type = SC_STR_LIT("early_help");
	ref.sent_at = 1795600240;
	ref.reference = SC_STR_LIT("EH-2026-1187");
	SC_SET(referral, &ref, type);
	SC_SET(referral, &ref, sent_at);
	SC_SET(referral, &ref, reference);

	memset(&sh, 0, sizeof sh);
	sh.lawful_basis = SC_STR_LIT("Safeguarding duty (Children Act 2004 s11); DPA 2018 Part 3 processing.");
	sh.consent = SC_STR_LIT("given");
	sh.shared_with = (struct sc_strs){ shared_with, 2 };
	sh.reason = SC_STR_LIT("The child's wellbeing is affected by conflict at home; early help and the "
	                       "school can support. Mother agreed.");
	SC_SET(sharing, &sh, lawful_basis);
	SC_SET(sharing, &sh, consent);
	SC_SET(sharing, &sh, shared_with);
	SC_SET(sharing, &sh, reason);

	act[0].what = SC_STR_LIT("Contact mother and arrange a family meeting");
	act[0].owner = SC_STR_LIT("north early help");
	act[0].due = 1795859200;
	SC_SET_ALL(action, &act[0]);
	act[1].what = SC_STR_LIT("Tell the school safeguarding lead about the tiredness and worry");
	act[1].owner = SC_STR_LIT("officer1");
	act[1].due = 1795686400;
	SC_SET_ALL(action, &act[1]);
	ns.told_child = SC_STR_LIT("I said I would ask early help to call Mum this week, and that school "
	                           "would know they are tired so they are not in trouble.");
	ns.actions = (struct sc_list_action){ act, 2 };
	SC_SET_ALL(next_steps, &ns);

	seen[0].id = SC_STR_LIT("voice-of-the-child");
	seen[0].version = 1;
	SC_SET_ALL(guidance_ref, &seen[0]);

	struct sc_note *n = out;
	n->id = SC_STR_LIT("dev-test-1.20261125.0042");
	n->revision = 1;
	n->child_ref = SC_STR_LIT("C-7Q2M-91XK");
	n->child_dob = SC_STR_LIT("2012-03-14");
	n->age_band = SC_STR_LIT("13_to_15");
	n->author = SC_STR_LIT("officer1");
	n->agency = SC_STR_LIT("police");
	n->team = SC_STR_LIT("north");
	n->device_id = SC_STR_LIT("dev-test-1");
	n->created_at = 1795600300;
	n->occurred_at = 1795600000;
	n->location = SC_STR_LIT("Family home, Example Road, Northtown \xe2\x80\x94 a fictional address");
	n->context = SC_STR_LIT("welfare_check");
	n->incident_ref = SC_STR_LIT("INC-2026-000042");
	n->child_words = SC_STR_LIT("I said \"I'm fine\" to Mum but I'm not really. They shout at night "
	                            "and I put my headphones on so I can't hear it. I don't want to go "
	                            "to school tomorrow because I haven't slept. Can I stay at Nan's "
	                            "at the weekend?");
	n->not_spoken_reason = SC_STR_LIT("Would not talk about friends at school: \"that's private\". "
	                                  "We moved on.");
	n->wishes_feelings = SC_STR_LIT("Wants to stay at Nan's at weekends. Feels tired and worried; "
	                                "home is \"always noisy\". Does not want Mum told what was said "
	                                "about the shouting.");
	n->demeanour = SC_STR_LIT("Quiet, little eye contact at first, relaxed after about ten minutes. "
	                          "Clean, in school uniform. Yawned often. No visible injuries.");
	n->seen = true;
	n->seen_alone = true;
	n->not_alone_reason = SC_STR_LIT("Mother stayed for the first five minutes while we were "
	                                 "introduced; the child was seen alone after that.");
	n->present = SC_STR_LIT("Mother (introductions only); officer2 outside the room.");
	n->mental_health = &mh;
	n->thrive = &th;
	n->level_of_need = 2;
	n->referral = &ref;
	n->sharing = &sh;
	n->next_steps = &ns;
	n->guidance_seen = (struct sc_list_guidance_ref){ seen, 1 };
	static struct sc_attachment att;
	att.id = SC_STR_LIT("att-1");
	att.sha256 = SC_STR_LIT("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	att.size = 48213;
	att.media_type = SC_STR_LIT("image/jpeg");
	att.caption = SC_STR_LIT("Three houses worksheet");
	SC_SET_ALL(attachment, &att);
	n->attachments = (struct sc_list_attachment){ &att, 1 };
	n->has = SC_ALL(note) & ~SC_BIT(note, replaces);
}

/* Two upload results: one stored with a flag, one refused with a field error. */
static void build_note_results(void *out)
{
	static struct sc_note_result r[2];
	static struct sc_field_error fe[1];
	static struct sc_str flags[] = { SC_STR_INIT("no_next_steps") };
	memset(r, 0, sizeof r);
	r[0].id = SC_STR_LIT("dev-test-1.20261125.0040");
	r[0].revision = 1;
	r[0].result = SC_STR_LIT("stored");
	r[0].code = FN_OK;
	r[0].name = SC_STR_LIT("OK");
	r[0].flags = (struct sc_strs){ flags, 1 };
	SC_SET_ALL(note_result, &r[0]);
	SC_CLEAR(note_result, &r[0], message);
	SC_CLEAR(note_result, &r[0], errors);

	fe[0].field = SC_STR_LIT("mental_health.place_of_safety");
	fe[0].message = SC_STR_LIT("not one of: home, hospital, ed, police_station, other");
	SC_SET_ALL(field_error, &fe[0]);
	r[1].id = SC_STR_LIT("dev-test-1.20261125.0041");
	r[1].revision = 1;
	r[1].result = SC_STR_LIT("invalid");
	r[1].code = FN_VALIDATION_FAILED;
	r[1].name = SC_STR_LIT("VALIDATION_FAILED");
	r[1].message = SC_STR_LIT("a field failed validation");
	r[1].errors = (struct sc_list_field_error){ fe, 1 };
	SC_SET_ALL(note_result, &r[1]);
	SC_CLEAR(note_result, &r[1], flags);

	struct sc_note_results *l = out;
	l->results = (struct sc_list_note_result){ r, 2 };
	SC_SET(note_results, l, results);
}

/* A legal hold as stored in "holds" (retention): a reason with quotes. */
static void build_hold(void *out)
{
	struct sc_hold *h = out;
	h->child_ref = SC_STR_LIT("C-7Q2M-91XK");
	h->reason = SC_STR_LIT("Inquiry 2026/14: \"keep everything\"");
	h->by = SC_STR_LIT("admin1");
	h->at = 1795600000;
	SC_SET_ALL(hold, h);
}

static int check_vector(const char *name, const struct sc_record *rec, void (*build)(void *))
{
	char mp_path[256], js_path[256];
	snprintf(mp_path, sizeof mp_path, VECTOR_DIR "%s.msgpack", name);
	snprintf(js_path, sizeof js_path, VECTOR_DIR "%s.json", name);
	struct sc_arena *a = sc_arena_new(0);
	struct sc_buf mp = { 0 }, js = { 0 }, mp2 = { 0 }, js2 = { 0 }, mp3 = { 0 };
	struct sc_error err;
	int ok = 0;

	/* the record built in C is valid, and its encodings are the vectors */
	void *built = sc_arena_alloc(a, rec->size);
	build(built);
	CHECK(sc_validate(rec, built, &err) == FN_OK);
	CHECK(sc_encode(rec, SC_MSGPACK, built, &mp) == FN_OK);
	CHECK(sc_encode(rec, SC_JSON, built, &js) == FN_OK);
	if (getenv("FN_SCHEMA_REGEN")) {
		CHECK(tu_write_file(mp_path, mp.p, mp.n, 0) == 0);
		CHECK(tu_write_file(js_path, js.p, js.n, 1) == 0);
	}
	size_t fmp_n, fjs_n;
	char *fmp = tu_read_file(mp_path, &fmp_n), *fjs = tu_read_file(js_path, &fjs_n);
	CHECK(fmp && fjs);
	/* the .json file is the encoder's output plus one newline */
	CHECK(fjs_n > 0 && fjs[fjs_n - 1] == '\n' && memchr(fjs, '\n', fjs_n - 1) == NULL);
	CHECK(tu_same_bytes("built -> msgpack", mp.p, mp.n, fmp, fmp_n));
	CHECK(tu_same_bytes("built -> JSON", js.p, js.n, fjs, fjs_n - 1));

	/* .msgpack -> record -> msgpack and JSON; decoding from a copy that is
	 * then wiped and freed shows the record does not point into the input */
	char *copy = malloc(fmp_n);
	CHECK(copy);
	memcpy(copy, fmp, fmp_n);
	void *dec = sc_arena_alloc(a, rec->size);
	int rc = sc_decode(rec, SC_MSGPACK, copy, fmp_n, NULL, a, dec, &err);
	memset(copy, 0xAA, fmp_n);
	free(copy);
	if (rc)
		fprintf(stderr, "%s: %s %s\n", err.field, sc_status_name(rc), err.message);
	CHECK_EQ_INT(rc, FN_OK);
	CHECK(sc_validate(rec, dec, &err) == FN_OK);
	CHECK(sc_encode(rec, SC_MSGPACK, dec, &mp2) == FN_OK);
	CHECK(tu_same_bytes("msgpack -> msgpack", mp2.p, mp2.n, fmp, fmp_n));
	CHECK(sc_encode(rec, SC_JSON, dec, &js2) == FN_OK);
	CHECK(tu_same_bytes("msgpack -> JSON", js2.p, js2.n, fjs, fjs_n - 1));

	/* .json -> record -> msgpack */
	void *dec2 = sc_arena_alloc(a, rec->size);
	rc = sc_decode(rec, SC_JSON, fjs, fjs_n, NULL, a, dec2, &err);
	if (rc)
		fprintf(stderr, "%s: %s %s\n", err.field, sc_status_name(rc), err.message);
	CHECK_EQ_INT(rc, FN_OK);
	CHECK(sc_encode(rec, SC_MSGPACK, dec2, &mp3) == FN_OK);
	CHECK(tu_same_bytes("JSON -> msgpack", mp3.p, mp3.n, fmp, fmp_n));
	ok = 1;

	free(fmp);
	free(fjs);
	sc_buf_free(&mp);
	sc_buf_free(&js);
	sc_buf_free(&mp2);
	sc_buf_free(&js2);
	sc_buf_free(&mp3);
	sc_arena_free(a);
	return ok ? 0 : 1;
}

/* A stored escalation at stage 2, resolved: two history steps, every
 * optional field but `overdue` (computed when sent, never stored). */
static void build_escalation(void *out)
{
	static struct sc_escalation_step steps[2];
	struct sc_escalation *e = out;
	memset(steps, 0, sizeof steps);
	steps[0].stage = 1;
	steps[0].holder = SC_STR_LIT("s.okafor");
	steps[0].by = SC_STR_LIT("s.okafor");
	steps[0].at = 1767225600;
	steps[0].due = 1767225600 + 72 * 3600;
	steps[0].reason = SC_STR_LIT("disagree: a third contact \xe2\x80\x94 needs a strategy discussion");
	steps[1] = steps[0];
	steps[1].stage = 2;
	steps[1].holder = SC_STR_LIT("hos.adeyemi");
	steps[1].at = 1767312000;
	steps[1].due = 1767312000 + 120 * 3600;
	steps[1].reason = SC_STR_LIT("no answer from the team manager");
	SC_SET_ALL(escalation_step, &steps[0]);
	SC_SET_ALL(escalation_step, &steps[1]);
	e->id = SC_STR_LIT("esc-42");
	e->note_id = SC_STR_LIT("dev-7f3a.20261125.0042");
	e->revision = 2;
	e->team = SC_STR_LIT("north-mash");
	e->child_ref = SC_STR_LIT("C-2291-AX");
	e->agency = SC_STR_LIT("mash");
	e->stage = 2;
	e->target = SC_STR_LIT("head_of_service");
	e->holder = SC_STR_LIT("hos.adeyemi");
	e->reason = steps[0].reason;
	e->state = SC_STR_LIT("resolved");
	e->opened_by = SC_STR_LIT("s.okafor");
	e->opened_at = 1767225600;
	e->due = steps[1].due;
	e->resolution = SC_STR_LIT("strategy discussion held; s47 enquiry agreed");
	e->resolved_by = SC_STR_LIT("hos.adeyemi");
	e->resolved_at = 1767398400;
	e->history = (struct sc_list_escalation_step){ steps, 2 };
	SC_SET_ALL(escalation, e);
	SC_CLEAR(escalation, e, overdue);
}

#define VECTORS(V) V(error_reply) V(session_request) V(session_reply) V(guidance_doc) \
	V(change_page) V(guidance_list) V(health) V(note) V(note_results) V(escalation) V(hold)
#define V(name) \
	static int test_vector_##name(void) \
	{ \
		return check_vector(#name, &sc_rec_##name, build_##name); \
	}
VECTORS(V)
#undef V

/* schema/examples/note.json, the example the docs point at, is a valid
 * first revision with every other top-level field (a first revision
 * replaces nothing), and the same note as the golden vector: its
 * canonical msgpack, and the msgpack of a generic JSON -> msgpack packer
 * that knows nothing of the tables, are both note.msgpack. */
static int test_note_example(void)
{
	size_t n, vn;
	char *p = tu_read_file(EXAMPLE_DIR "note.json", &n);
	char *v = tu_read_file(VECTOR_DIR "note.msgpack", &vn);
	CHECK(p && v);
	struct sc_arena *a = sc_arena_new(0);
	struct sc_note note;
	struct sc_error err;
	int rc = sc_decode(&sc_rec_note, SC_JSON, p, n, NULL, a, &note, &err);
	if (rc)
		fprintf(stderr, "%s: %s %s\n", err.field, sc_status_name(rc), err.message);
	CHECK_EQ_INT(rc, FN_OK);
	for (size_t i = 0; i < SC_NF_note; i++)
		if (i != SC_F_note_replaces && !((note.has >> i) & 1u)) {
			fprintf(stderr, "note.json lacks %s\n", sc_rec_note.fields[i].name);
			return 1;
		}
	CHECK_EQ_INT(note.has, SC_ALL(note) & ~SC_BIT(note, replaces));
	CHECK(sc_str_eq(note.child_ref, "C-7Q2M-91XK") && sc_str_eq(note.context, "welfare_check"));
	CHECK(note.seen && note.seen_alone && note.level_of_need == 2);
	CHECK(note.mental_health->concern && !note.mental_health->self_harm &&
	      !note.mental_health->s136_used);
	CHECK_EQ_INT(note.thrive->has, SC_ALL(thrive));
	CHECK(sc_str_eq(note.referral->type, "early_help") && sc_str_eq(note.sharing->consent, "given"));
	CHECK_EQ_INT(note.next_steps->actions.n, 2);
	CHECK(sc_str_eq(note.guidance_seen.v[0].id, "voice-of-the-child"));
	CHECK_EQ_INT(sc_validate(&sc_rec_note, &note, &err), FN_OK);

	struct sc_buf b = { 0 }, g = { 0 };
	CHECK_EQ_INT(sc_encode(&sc_rec_note, SC_MSGPACK, &note, &b), FN_OK);
	CHECK(tu_same_bytes("note.json -> msgpack", b.p, b.n, v, vn));
	CHECK_EQ_INT(tu_json_to_msgpack(p, &g), 0);
	CHECK(tu_same_bytes("note.json -> generic msgpack", g.p, g.n, v, vn));
	sc_buf_free(&b);
	sc_buf_free(&g);
	sc_arena_free(a);
	free(p);
	free(v);
	return 0;
}

/* The decoded vector's content, field by field, not just its bytes. */
static int test_vector_content(void)
{
	size_t n;
	char *p = tu_read_file(VECTOR_DIR "session_reply.msgpack", &n);
	CHECK(p);
	struct sc_arena *a = sc_arena_new(0);
	struct sc_session_reply r;
	CHECK(sc_decode(&sc_rec_session_reply, SC_MSGPACK, p, n, NULL, a, &r, NULL) == FN_OK);
	free(p);
	CHECK(SC_HAS(session_reply, &r, token) && SC_HAS(session_reply, &r, user));
	CHECK_EQ_INT(r.expires_at, 1767225600);
	CHECK(sc_str_eq(r.user->username, "s.okafor") && r.user->username.p[r.user->username.n] == 0);
	CHECK_EQ_INT(sc_enum_index(sc_enum_role, r.user->role), SC_E_role_supervisor);
	CHECK_EQ_INT(r.user->teams.n, 2);
	CHECK(sc_str_eq(r.user->teams.v[1], "east-cp") && r.user->teams.v[1].p[7] == 0);
	sc_arena_free(a);

	a = sc_arena_new(0);
	p = tu_read_file(VECTOR_DIR "change_page.json", &n);
	CHECK(p);
	struct sc_change_page pg;
	CHECK(sc_decode(&sc_rec_change_page, SC_JSON, p, n, NULL, a, &pg, NULL) == FN_OK);
	free(p);
	CHECK_EQ_INT(pg.changes.n, 2);
	CHECK(pg.changes.v[0].doc && !SC_HAS(guidance_change, &pg.changes.v[0], withdrawn));
	CHECK(sc_str_eq(pg.changes.v[0].doc->body, s136_body));
	CHECK(pg.changes.v[1].withdrawn && !SC_HAS(guidance_change, &pg.changes.v[1], doc));
	CHECK(pg.changes.v[1].doc == NULL);
	CHECK(SC_HAS(change_page, &pg, more) && !pg.more && pg.next == 300);
	sc_arena_free(a);
	return 0;
}

const struct unit_case schema_vector_cases[] = {
#define V(name) { "schema_vector_" #name, test_vector_##name },
	VECTORS(V)
#undef V
	{ "schema_vector_content", test_vector_content },
	{ "schema_note_example", test_note_example },
	{ NULL, NULL },
};
