/* records_escalation.h - the escalation records (server/escalations.c,
 * GET/POST /v1/escalations), kept apart so records.h stays readable;
 * included by records.h, which lists them in SC_RECORDS. */
#ifndef FN_RECORDS_ESCALATION_H
#define FN_RECORDS_ESCALATION_H

/* One move of an escalation: to which stage and holder, by whom, why, and
 * the stage's deadline. The first step is the review that opened it. */
#define SC_FIELDS_escalation_step(F) \
	F(INT,  stage,  SC_REQ, 0, _) \
	F(STR,  holder, SC_REQ|SC_ID, 64, _) \
	F(STR,  by,     SC_REQ|SC_ID, 64, _) \
	F(INT,  at,     SC_REQ, 0, _) \
	F(INT,  due,    SC_REQ, 0, _) \
	F(STR,  reason, SC_REQ, 4000, _)

/* An escalation of a professional disagreement about a note (stored and
 * sent). stage 1 is with the team's manager, 2 with the head of service,
 * 3 with the safeguarding partnership (`target`); `holder` is the user who
 * holds it now, `due` the current stage's deadline. `overdue` is computed
 * when sent. agency: the review's escalation target, when it named one. */
#define SC_FIELDS_escalation(F) \
	F(STR,  id,          SC_REQ|SC_ID, 64, _) \
	F(STR,  note_id,     SC_REQ|SC_ID, 64, _) \
	F(INT,  revision,    SC_REQ, 0, _) \
	F(STR,  team,        SC_REQ|SC_ID, 64, _) \
	F(STR,  child_ref,   SC_REQ, 64, _) \
	F(ENUM, agency,      SC_OPT, 0, escalation_target) \
	F(INT,  stage,       SC_REQ, 0, _) \
	F(ENUM, target,      SC_REQ, 0, escalation_body) \
	F(STR,  holder,      SC_REQ|SC_ID, 64, _) \
	F(STR,  reason,      SC_REQ, 4000, _) \
	F(ENUM, state,       SC_REQ, 0, escalation_state) \
	F(STR,  opened_by,   SC_REQ|SC_ID, 64, _) \
	F(INT,  opened_at,   SC_REQ, 0, _) \
	F(INT,  due,         SC_REQ, 0, _) \
	F(BOOL, overdue,     SC_OPT, 0, _) \
	F(STR,  resolution,  SC_OPT, 4000, _) \
	F(STR,  resolved_by, SC_OPT, 64, _) \
	F(INT,  resolved_at, SC_OPT, 0, _) \
	F(OBJS, history,     SC_REQ, 16, escalation_step)

/* GET /v1/escalations: the caller's teams' escalations and those it holds. */
#define SC_FIELDS_escalation_list(F) \
	F(OBJS, items, SC_REQ, 1000, escalation) \
	F(BOOL, more,  SC_REQ, 0, _)

/* POST /v1/escalations/{id}/advance: `to` is the supervisor who will hold
 * the next stage. */
#define SC_FIELDS_escalation_advance(F) \
	F(STR, to,     SC_REQ|SC_ID, 64, _) \
	F(STR, reason, SC_REQ|SC_NONEMPTY, 4000, _)

/* POST /v1/escalations/{id}/resolve */
#define SC_FIELDS_escalation_resolve(F) \
	F(STR, resolution, SC_REQ|SC_NONEMPTY, 4000, _)

#endif
