/* test_project.c - sc_project: copying the fields two records share. */
#include <string.h>

#include "records.h"
#include "stored.h"
#include "unit.h"

static int str_is(struct sc_str s, const char *want)
{
	return s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

/* A user record seen as its summary: the shared fields with their bits;
 * the password hash, which the summary has no field for, stays behind. */
static int test_user_record_to_summary(void)
{
	struct sc_str teams[] = {SC_STR_INIT("north"), SC_STR_INIT("east")};
	struct sc_user_record u = {0};
	struct sc_user_summary s;
	u.username = SC_STR_LIT("s.okafor");
	u.role = SC_STR_LIT("supervisor");
	u.teams = (struct sc_strs){teams, 2};
	u.password_hash = SC_STR_LIT("$argon2id$secret");
	SC_SET(user_record, &u, username);
	SC_SET(user_record, &u, role);
	SC_SET(user_record, &u, teams);
	SC_SET(user_record, &u, password_hash);

	memset(&s, 0xa5, sizeof s); /* every field and bit set, to see the absent one cleared */
	sc_project(&sc_rec_user_record, &u, &sc_rec_user_summary, &s);
	CHECK(str_is(s.username, "s.okafor") && SC_HAS(user_summary, &s, username));
	CHECK(str_is(s.role, "supervisor") && SC_HAS(user_summary, &s, role));
	CHECK(s.teams.v == teams && s.teams.n == 2 && SC_HAS(user_summary, &s, teams));
	CHECK(!SC_HAS(user_summary, &s, agency));
	CHECK(s.has >> SC_NF_user_summary == 0xa5a5a5a5a5a5a5a5ull >> SC_NF_user_summary); /* bits past the table untouched */
	return 0;
}

/* Fields of the same name but another type, or another enum list, are not
 * copied: user_record.agency (a string) is not escalation.agency (an
 * escalation_target); note_head.status (note_status) is not
 * escalation.state. Same-kind fields are: team, child_ref. */
static int test_only_same_kind_fields_are_copied(void)
{
	struct sc_user_record u = {0};
	struct sc_note_head h = {0};
	struct sc_escalation e = {0};
	u.agency = SC_STR_LIT("police");
	SC_SET(user_record, &u, agency);
	sc_project(&sc_rec_user_record, &u, &sc_rec_escalation, &e);
	CHECK_EQ_INT(e.has, 0);
	CHECK(e.agency.p == NULL);

	h.team = SC_STR_LIT("north");
	h.child_ref = SC_STR_LIT("C-1");
	h.latest = 3;
	SC_SET_ALL(note_head, &h);
	sc_project(&sc_rec_note_head, &h, &sc_rec_escalation, &e);
	CHECK(str_is(e.team, "north") && SC_HAS(escalation, &e, team));
	CHECK(str_is(e.child_ref, "C-1") && SC_HAS(escalation, &e, child_ref));
	CHECK_EQ_INT(e.revision, 0); /* note_head calls it latest */
	CHECK(!SC_HAS(escalation, &e, state) && !SC_HAS(escalation, &e, agency));
	return 0;
}

/* A guidance document listed as its summary: ints and string lists too. */
static int test_guidance_doc_to_summary(void)
{
	struct sc_str tags[] = {SC_STR_INIT("s136")};
	struct sc_guidance_doc d = {0};
	struct sc_guidance_summary s = {0};
	d.id = SC_STR_LIT("g1");
	d.version = 4;
	d.title = SC_STR_LIT("Section 136");
	d.tags = (struct sc_strs){tags, 1};
	d.updated = 1767225600;
	d.body = SC_STR_LIT("text");
	SC_SET_ALL(guidance_doc, &d);
	sc_project(&sc_rec_guidance_doc, &d, &sc_rec_guidance_summary, &s);
	CHECK_EQ_INT(s.has, SC_ALL(guidance_summary));
	CHECK(str_is(s.id, "g1") && str_is(s.title, "Section 136"));
	CHECK_EQ_INT(s.version, 4);
	CHECK_EQ_INT(s.updated, 1767225600);
	CHECK(s.tags.v == tags && s.tags.n == 1);
	return 0;
}

const struct unit_case project_cases[] = {
	{"project/user_record_to_summary", test_user_record_to_summary},
	{"project/only_same_kind_fields_are_copied", test_only_same_kind_fields_are_copied},
	{"project/guidance_doc_to_summary", test_guidance_doc_to_summary},
	{NULL, NULL},
};
