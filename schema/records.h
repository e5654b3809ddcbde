/* records.h - every wire record, declared once; generates the structs, field indexes and table names. */
#ifndef FN_SCHEMA_RECORDS_H
#define FN_SCHEMA_RECORDS_H

/*
 * How to add a record or a field
 * ------------------------------
 * A record is one SC_FIELDS_<name>(F) list plus its name in SC_RECORDS.
 * Each field is
 *
 *     F(TYPE, name, flags, cap, sub)
 *
 *   TYPE   STR INT BOOL STRS OBJ OBJS ENUM (see enum sc_type in record.h)
 *   flags  SC_OPT or SC_REQ, or'ed with SC_ID / SC_NONEMPTY (strings) or
 *          SC_TIME / SC_POS31 (integers: their range)
 *   cap    STR/ENUM: longest length in bytes; STRS/OBJS: most items;
 *          0: the decode limits' max_str / max_count
 *   sub    OBJ/OBJS: the nested record's name; ENUM: the value list's name
 *          (SC_ENUM_<list>, named in SC_ENUMS); `_` otherwise
 *
 * This generates struct sc_<name> { uint64_t has; <fields in order> },
 * struct sc_list_<name> { struct sc_<name> *v; size_t n; }, the field
 * indexes SC_F_<name>_<field> (and SC_NF_<name>, the count), and the table
 * sc_rec_<name> (records.c). For an enum list: sc_enum_<list>[] (NULL-
 * terminated) and SC_E_<list>_<value> (its index in that array).
 *
 * Rules that keep v1 wire-compatible (old devices keep working):
 *  - append new fields at the END of a record: the presence bits and the
 *    canonical key order follow table order;
 *  - never rename, retype, reorder or remove a field; new fields are SC_OPT
 *    (old senders do not have them); append enum values, never reorder;
 *  - status codes (status.h) are append-only too;
 *  - at most 64 fields per record (a compile-time check says so);
 *  - SC_RECORDS lists records in dependency order: a record used by OBJS
 *    comes before the record that uses it.
 * Then add a golden vector in schema/vectors/ and its test in
 * tests/unit/test_schema.c.
 */

#include "pp.h"
#include "record.h"

/* ------------------------------------------------------------ enums --- */

/* partner: a receiving agency's system or duty desk (user_record.agency) */
#define SC_ENUM_role(V) V(officer) V(worker) V(supervisor) V(admin) V(partner)

#define SC_ENUM_note_context(V) V(s136) V(s135) V(domestic_abuse) V(missing) V(custody) \
	V(welfare_check) V(school) V(health) V(other)
#define SC_ENUM_age_band(V) V(under_5) V(5_to_9) V(10_to_12) V(13_to_15) V(16_to_17) V(18_plus)
#define SC_ENUM_place_of_safety(V) V(home) V(hospital) V(ed) V(police_station) V(other)
#define SC_ENUM_consulted(V) V(yes) V(no) V(impracticable)
#define SC_ENUM_referral_type(V) V(none) V(vprf) V(mash) V(early_help) V(camhs) V(other)
#define SC_ENUM_consent(V) V(given) V(refused) V(not_sought)
#define SC_ENUM_note_status(V) V(submitted) V(accepted) V(returned) V(escalated)
#define SC_ENUM_note_result(V) V(stored) V(duplicate) V(conflict) V(invalid)

#define SC_ENUM_decision(V) V(accepted) V(returned) V(escalated)
#define SC_ENUM_escalation_target(V) V(mash) V(early_help) V(camhs) V(duty_manager)
/* Who an escalation is with at each stage (1, 2, 3), and whether it is done. */
#define SC_ENUM_escalation_body(V) V(manager) V(head_of_service) V(safeguarding_partnership)
#define SC_ENUM_escalation_state(V) V(open) V(resolved)

/* Information sharing (issue 11): a referral's life, and what the
 * receiving agency (or the MASH, for an enquiry) decided. */
#define SC_ENUM_referral_state(V) V(sent) V(received) V(outcome_recorded) V(withdrawn)
#define SC_ENUM_sharing_outcome(V) V(no_further_action) V(early_help) V(assessment) \
	V(strategy_discussion) V(s47_enquiry) V(accepted) V(declined_with_advice)
#define SC_ENUM_enquiry_state(V) V(open) V(decided)

#define SC_ENUMS(E) E(role) E(note_context) E(age_band) E(place_of_safety) E(consulted) \
	E(referral_type) E(consent) E(note_status) E(note_result) E(decision) E(escalation_target) \
	E(escalation_body) E(escalation_state) E(referral_state) E(sharing_outcome) E(enquiry_state)

/* ---------------------------------------------------------- records --- */

#define SC_FIELDS_error_reply(F) \
	F(INT,  code,    SC_REQ, 0,   _) \
	F(STR,  name,    SC_REQ, 64,  _) \
	F(STR,  message, SC_REQ, 512, _) \
	F(STR,  field,   SC_OPT, 128, _)

#define SC_FIELDS_user_summary(F) \
	F(STR,  username, SC_REQ|SC_ID, 64, _) \
	F(ENUM, role,     SC_REQ, 0, role) \
	F(STR,  agency,   SC_OPT, 64, _) \
	F(STRS, teams,    SC_OPT, 16, _)

#define SC_FIELDS_session_request(F) \
	F(STR, username,  SC_REQ|SC_NONEMPTY, 64, _) \
	F(STR, password,  SC_REQ|SC_NONEMPTY, 256, _) \
	F(STR, device_id, SC_REQ|SC_ID, 128, _)

#define SC_FIELDS_session_reply(F) \
	F(STR, token,      SC_REQ, 128, _) \
	F(INT, expires_at, SC_REQ, 0, _) \
	F(OBJ, user,       SC_REQ, 0, user_summary)

#define SC_FIELDS_guidance_summary(F) \
	F(STR,  id,      SC_REQ|SC_ID, 64, _) \
	F(INT,  version, SC_REQ, 0, _) \
	F(STR,  title,   SC_REQ|SC_NONEMPTY, 200, _) \
	F(STRS, tags,    SC_OPT, 32, _) \
	F(INT,  updated, SC_REQ, 0, _)

#define SC_FIELDS_guidance_doc(F) \
	F(STR,  id,       SC_REQ|SC_ID, 64, _) \
	F(INT,  version,  SC_REQ, 0, _) \
	F(STR,  title,    SC_REQ|SC_NONEMPTY, 200, _) \
	F(STRS, tags,     SC_OPT, 32, _) \
	F(STRS, audience, SC_OPT, 8, _) \
	F(STR,  reviewed, SC_OPT, 10, _) \
	F(INT,  updated,  SC_REQ, 0, _) \
	F(INT,  seq,      SC_REQ, 0, _) \
	F(STR,  body,     SC_REQ, 262144, _)

#define SC_FIELDS_guidance_list(F) \
	F(OBJS, items, SC_REQ, 10000, guidance_summary)

#define SC_FIELDS_guidance_change(F) \
	F(STR,  id,        SC_REQ|SC_ID, 64, _) \
	F(INT,  version,   SC_REQ, 0, _) \
	F(INT,  seq,       SC_REQ, 0, _) \
	F(BOOL, withdrawn, SC_OPT, 0, _) \
	F(OBJ,  doc,       SC_OPT, 0, guidance_doc)

#define SC_FIELDS_change_page(F) \
	F(OBJS, changes, SC_REQ, 1000, guidance_change) \
	F(INT,  next,    SC_REQ, 0, _) \
	F(BOOL, more,    SC_REQ, 0, _)

#define SC_FIELDS_health(F) \
	F(STR, status,  SC_REQ, 32, _) \
	F(STR, version, SC_REQ, 32, _)

/* ------------------------------------------------ voice-of-the-child --- */

#define SC_FIELDS_mental_health(F) \
	F(BOOL, concern,         SC_OPT, 0, _) \
	F(BOOL, self_harm,       SC_OPT, 0, _) \
	F(BOOL, s136_used,       SC_OPT, 0, _) \
	F(ENUM, place_of_safety, SC_OPT, 0, place_of_safety) \
	F(ENUM, consulted,       SC_OPT, 0, consulted) \
	F(STR,  consulted_with,  SC_OPT, 500, _)

#define SC_FIELDS_thrive(F) \
	F(STR, threat,        SC_OPT, 2000, _) \
	F(STR, harm,          SC_OPT, 2000, _) \
	F(STR, risk,          SC_OPT, 2000, _) \
	F(STR, investigation, SC_OPT, 2000, _) \
	F(STR, vulnerability, SC_OPT, 2000, _) \
	F(STR, engagement,    SC_OPT, 2000, _)

#define SC_FIELDS_referral(F) \
	F(ENUM, type,       SC_REQ, 0, referral_type) \
	F(INT,  sent_at,    SC_OPT|SC_TIME, 0, _) \
	F(STR,  reference,  SC_OPT, 100, _) \
	F(STR,  outcome,    SC_OPT, 2000, _) \
	F(INT,  outcome_at, SC_OPT|SC_TIME, 0, _)

#define SC_FIELDS_sharing(F) \
	F(STR,  lawful_basis,   SC_OPT, 500, _) \
	F(ENUM, consent,        SC_REQ, 0, consent) \
	F(STR,  consent_reason, SC_OPT, 1000, _) \
	F(STRS, shared_with,    SC_OPT, 20, _) \
	F(STR,  reason,         SC_REQ|SC_NONEMPTY, 2000, _)

#define SC_FIELDS_action(F) \
	F(STR, what,  SC_REQ|SC_NONEMPTY, 1000, _) \
	F(STR, owner, SC_REQ|SC_NONEMPTY, 200, _) \
	F(INT, due,   SC_OPT|SC_TIME, 0, _)

#define SC_FIELDS_next_steps(F) \
	F(STR,  told_child, SC_OPT, 2000, _) \
	F(OBJS, actions,    SC_OPT, 50, action)

#define SC_FIELDS_guidance_ref(F) \
	F(STR, id,      SC_REQ|SC_ID, 64, _) \
	F(INT, version, SC_REQ|SC_POS31, 0, _)

/* A file attached to a note (issue 16): the device lists it in the note
 * and uploads its bytes separately (POST /v1/uploads, tus 1.0). sha256 is
 * 64 lower-case hex digits of the bytes as the device holds them; the
 * server may store fewer bytes (image metadata removed). */
#define SC_FIELDS_attachment(F) \
	F(STR, id,         SC_REQ|SC_ID, 64, _) \
	F(STR, sha256,     SC_REQ|SC_ID, 64, _) \
	F(INT, size,       SC_REQ, 0, _) \
	F(STR, media_type, SC_REQ|SC_NONEMPTY, 64, _) \
	F(STR, caption,    SC_OPT, 500, _)

/* A note as the device writes it. Immutable once queued: an amendment is
 * a new revision naming the one it replaces. Times are Unix seconds. */
#define SC_FIELDS_note(F) \
	F(STR,  id,                SC_REQ|SC_ID, 64, _) \
	F(INT,  revision,          SC_REQ|SC_POS31, 0, _) \
	F(INT,  replaces,          SC_OPT|SC_POS31, 0, _) \
	F(STR,  child_ref,         SC_REQ|SC_NONEMPTY, 64, _) \
	F(STR,  child_dob,         SC_OPT, 10, _) \
	F(ENUM, age_band,          SC_OPT, 0, age_band) \
	F(STR,  author,            SC_REQ|SC_ID, 64, _) \
	F(STR,  agency,            SC_OPT, 64, _) \
	F(STR,  team,              SC_REQ|SC_ID, 64, _) \
	F(STR,  device_id,         SC_REQ|SC_ID, 128, _) \
	F(INT,  created_at,        SC_REQ, 0, _) \
	F(INT,  occurred_at,       SC_REQ, 0, _) \
	F(STR,  location,          SC_OPT, 300, _) \
	F(ENUM, context,           SC_REQ, 0, note_context) \
	F(STR,  incident_ref,      SC_OPT, 100, _) \
	F(STR,  child_words,       SC_OPT, 20000, _) \
	F(STR,  not_spoken_reason, SC_OPT, 2000, _) \
	F(STR,  wishes_feelings,   SC_OPT, 20000, _) \
	F(STR,  demeanour,         SC_OPT, 8000, _) \
	F(BOOL, seen,              SC_REQ, 0, _) \
	F(BOOL, seen_alone,        SC_OPT, 0, _) \
	F(STR,  not_alone_reason,  SC_OPT, 2000, _) \
	F(STR,  present,           SC_OPT, 2000, _) \
	F(OBJ,  mental_health,     SC_OPT, 0, mental_health) \
	F(OBJ,  thrive,            SC_OPT, 0, thrive) \
	F(INT,  level_of_need,     SC_OPT, 0, _) \
	F(OBJ,  referral,          SC_OPT, 0, referral) \
	F(OBJ,  sharing,           SC_OPT, 0, sharing) \
	F(OBJ,  next_steps,        SC_OPT, 0, next_steps) \
	F(OBJS, guidance_seen,     SC_OPT, 50, guidance_ref) \
	F(OBJS, attachments,       SC_OPT, 20, attachment)

#define SC_FIELDS_note_batch(F) \
	F(OBJS, notes, SC_REQ, 100, note)

#define SC_FIELDS_field_error(F) \
	F(STR, field,   SC_REQ, 128, _) \
	F(STR, message, SC_REQ, 512, _)

/* The server's answer for one uploaded note. */
#define SC_FIELDS_note_result(F) \
	F(STR,  id,       SC_REQ, 64, _) \
	F(INT,  revision, SC_OPT, 0, _) \
	F(ENUM, result,   SC_REQ, 0, note_result) \
	F(INT,  code,     SC_REQ, 0, _) \
	F(STR,  name,     SC_REQ, 64, _) \
	F(STR,  message,  SC_OPT, 512, _) \
	F(OBJS, errors,   SC_OPT, 64, field_error) \
	F(STRS, flags,    SC_OPT, 16, _)

#define SC_FIELDS_note_results(F) \
	F(OBJS, results, SC_REQ, 100, note_result)

/* One stored revision as the server shows it. */
#define SC_FIELDS_note_revision(F) \
	F(OBJ, note,        SC_REQ, 0, note) \
	F(INT, received_at, SC_REQ, 0, _)

/* A supervisor's decision on one revision. Appended, never edited. seq is
 * the feedback cursor position (GET /v1/sync/feedback); escalation: the id
 * of the escalation an `escalated` decision opened. */
#define SC_FIELDS_review(F) \
	F(STR,  note_id,  SC_REQ|SC_ID, 64, _) \
	F(INT,  revision, SC_REQ, 0, _) \
	F(ENUM, decision, SC_REQ, 0, decision) \
	F(STR,  comment,  SC_OPT, 4000, _) \
	F(ENUM, target,   SC_OPT, 0, escalation_target) \
	F(INT,  stage,    SC_OPT, 0, _) \
	F(STR,  by,       SC_REQ|SC_ID, 64, _) \
	F(INT,  at,       SC_REQ, 0, _) \
	F(INT,  seq,      SC_OPT, 0, _) \
	F(STR,  escalation, SC_OPT, 64, _)

/* POST /v1/notes/{id}/review: the revision reviewed must be the latest. */
#define SC_FIELDS_review_request(F) \
	F(INT,  revision, SC_REQ|SC_POS31, 0, _) \
	F(ENUM, decision, SC_REQ, 0, decision) \
	F(STR,  comment,  SC_OPT, 4000, _) \
	F(ENUM, target,   SC_OPT, 0, escalation_target) \
	F(INT,  stage,    SC_OPT, 0, _)

/* A tracked referral (stored under its id, the note id; one per note).
 * seq: its place in the receiving agency's feed (GET /v1/referrals), moved
 * on with every change. note: the shared revision, only in the partner's
 * feed. lawful_basis: from the note's sharing block. */
#define SC_FIELDS_referral_record(F) \
	F(STR,  id,             SC_REQ|SC_ID, 64, _) \
	F(STR,  note_id,        SC_REQ|SC_ID, 64, _) \
	F(INT,  revision,       SC_REQ, 0, _) \
	F(ENUM, type,           SC_REQ, 0, referral_type) \
	F(STR,  agency,         SC_REQ, 64, _) \
	F(STR,  author,         SC_REQ, 64, _) \
	F(STR,  team,           SC_REQ, 64, _) \
	F(STR,  child_ref,      SC_REQ, 64, _) \
	F(ENUM, state,          SC_REQ, 0, referral_state) \
	F(INT,  sent_at,        SC_REQ, 0, _) \
	F(INT,  ack_due,        SC_REQ, 0, _) \
	F(INT,  outcome_due,    SC_REQ, 0, _) \
	F(INT,  received_at,    SC_OPT, 0, _) \
	F(ENUM, outcome,        SC_OPT, 0, sharing_outcome) \
	F(STR,  reference,      SC_OPT, 100, _) \
	F(STR,  comment,        SC_OPT, 4000, _) \
	F(INT,  outcome_at,     SC_OPT, 0, _) \
	F(STR,  by,             SC_OPT, 64, _) \
	F(INT,  seq,            SC_REQ, 0, _) \
	F(STR,  lawful_basis,   SC_OPT, 500, _) \
	F(BOOL, overdue,        SC_OPT, 0, _) \
	F(OBJ,  note,           SC_OPT, 0, note)

/* GET /v1/referrals: a partner's cursor feed, or a supervisor's list. */
#define SC_FIELDS_referral_page(F) \
	F(OBJS, items, SC_REQ, 1000, referral_record) \
	F(INT,  next,  SC_REQ, 0, _) \
	F(BOOL, more,  SC_REQ, 0, _)

/* POST /v1/referrals/{id}/outcome and /v1/enquiries/{id}/decision. */
#define SC_FIELDS_outcome_request(F) \
	F(ENUM, outcome,   SC_REQ, 0, sharing_outcome) \
	F(STR,  reference, SC_OPT, 100, _) \
	F(STR,  comment,   SC_OPT, 4000, _)

/* One contact behind a MASH enquiry. */
#define SC_FIELDS_enquiry_contact(F) \
	F(STR,  note_id,     SC_REQ, 64, _) \
	F(INT,  occurred_at, SC_REQ, 0, _) \
	F(ENUM, context,     SC_OPT, 0, note_context) \
	F(STR,  team,        SC_REQ, 64, _)

/* What an asked agency answered. */
#define SC_FIELDS_contribution(F) \
	F(STR, agency, SC_REQ, 64, _) \
	F(STR, by,     SC_REQ, 64, _) \
	F(STR, text,   SC_REQ|SC_NONEMPTY, 8000, _) \
	F(INT, at,     SC_REQ, 0, _)

/* A MASH enquiry: one open per child at a time, opened when the child's
 * contacts reach the MASH threshold; seq: its place in the enquiry feed. */
#define SC_FIELDS_enquiry_record(F) \
	F(STR,  id,            SC_REQ|SC_ID, 64, _) \
	F(STR,  child_ref,     SC_REQ, 64, _) \
	F(ENUM, state,         SC_REQ, 0, enquiry_state) \
	F(STR,  agency,        SC_REQ, 64, _) \
	F(INT,  opened_at,     SC_REQ, 0, _) \
	F(OBJS, contacts,      SC_OPT, 1000, enquiry_contact) \
	F(STRS, asked,         SC_OPT, 32, _) \
	F(OBJS, contributions, SC_OPT, 200, contribution) \
	F(ENUM, outcome,       SC_OPT, 0, sharing_outcome) \
	F(STR,  reference,     SC_OPT, 100, _) \
	F(INT,  decided_at,    SC_OPT, 0, _) \
	F(STR,  decided_by,    SC_OPT, 64, _) \
	F(INT,  seq,           SC_REQ, 0, _)

#define SC_FIELDS_enquiry_page(F) \
	F(OBJS, items, SC_REQ, 1000, enquiry_record) \
	F(INT,  next,  SC_REQ, 0, _) \
	F(BOOL, more,  SC_REQ, 0, _)

/* POST /v1/enquiries/{id}/requests and /contributions. */
#define SC_FIELDS_enquiry_request(F) \
	F(STR, agency, SC_REQ|SC_NONEMPTY, 64, _)
#define SC_FIELDS_contribution_request(F) \
	F(STR, text, SC_REQ|SC_NONEMPTY, 8000, _)

/* GET /v1/sync/feedback: review outcomes on the caller's own notes, and
 * (referrals) what the receiving agencies did with its referrals, in one
 * cursor (the "review.seq" counter numbers both). */
#define SC_FIELDS_feedback_page(F) \
	F(OBJS, items, SC_REQ, 1000, review) \
	F(INT,  next,  SC_REQ, 0, _) \
	F(BOOL, more,  SC_REQ, 0, _) \
	F(OBJS, referrals, SC_OPT, 1000, referral_record)

/* One line of the review queue. Times are Unix seconds. */
#define SC_FIELDS_queue_item(F) \
	F(STR,  id,          SC_REQ, 64, _) \
	F(STR,  author,      SC_REQ, 64, _) \
	F(STR,  team,        SC_REQ, 64, _) \
	F(STR,  child_ref,   SC_REQ, 64, _) \
	F(ENUM, status,      SC_REQ, 0, note_status) \
	F(INT,  latest,      SC_REQ, 0, _) \
	F(ENUM, context,     SC_OPT, 0, note_context) \
	F(INT,  occurred_at, SC_REQ, 0, _) \
	F(INT,  waiting_since, SC_REQ, 0, _) \
	F(INT,  age,         SC_REQ, 0, _) \
	F(INT,  due,         SC_REQ, 0, _) \
	F(BOOL, overdue,     SC_REQ, 0, _) \
	F(STRS, flags,       SC_OPT, 16, _)

/* GET /v1/review/queue: `next` is an opaque cursor for the following page. */
#define SC_FIELDS_queue_page(F) \
	F(OBJS, items, SC_REQ, 500, queue_item) \
	F(STR,  next,  SC_OPT, 512, _) \
	F(BOOL, more,  SC_REQ, 0, _) \
	F(INT,  escalations_overdue, SC_OPT, 0, _)

/* One contact (note) about a child, for GET /v1/children/{ref}/contacts. */
#define SC_FIELDS_contact(F) \
	F(STR,  id,          SC_REQ, 64, _) \
	F(INT,  revision,    SC_REQ, 0, _) \
	F(INT,  occurred_at, SC_REQ, 0, _) \
	F(ENUM, context,     SC_OPT, 0, note_context) \
	F(STR,  author,      SC_REQ, 64, _) \
	F(STR,  team,        SC_REQ, 64, _) \
	F(ENUM, status,      SC_REQ, 0, note_status)

/* mash_dates: the occurred_at times (Unix seconds, as strings) of the
 * contacts that met the MASH threshold, when it is met. */
#define SC_FIELDS_contacts_page(F) \
	F(STR,  child_ref,        SC_REQ, 64, _) \
	F(BOOL, mash_enquiry_due, SC_REQ, 0, _) \
	F(STRS, mash_dates,       SC_OPT, 100, _) \
	F(OBJS, contacts,         SC_REQ, 10000, contact)

#include "records_escalation.h"

/* An attachment of a note's latest revision as the server holds it:
 * pending until its upload completed; stored_sha256 and stored_size
 * describe the bytes served (metadata removed). */
#define SC_FIELDS_attachment_state(F) \
	F(STR,  id,            SC_REQ, 64, _) \
	F(STR,  media_type,    SC_OPT, 64, _) \
	F(STR,  caption,       SC_OPT, 500, _) \
	F(BOOL, pending,       SC_REQ, 0, _) \
	F(STR,  stored_sha256, SC_OPT, 64, _) \
	F(INT,  stored_size,   SC_OPT, 0, _)

/* Stored, never sent: an upload in progress or done, on the server
 * (attach.c) and on the handheld (client-lib/src/attach.c). */
#define SC_FIELDS_upload_record(F) \
	F(STR,  owner,      SC_REQ, 64, _) \
	F(STR,  device_id,  SC_OPT, 128, _) \
	F(STR,  note_id,    SC_REQ, 64, _) \
	F(STR,  att_id,     SC_REQ, 64, _) \
	F(STR,  sha256,     SC_REQ, 64, _) \
	F(STR,  media_type, SC_REQ, 64, _) \
	F(STR,  caption,    SC_OPT, 500, _) \
	F(INT,  length,     SC_REQ, 0, _) \
	F(INT,  offset,     SC_REQ, 0, _) \
	F(INT,  created,    SC_REQ, 0, _) \
	F(BOOL, done,       SC_OPT, 0, _) \
	F(STR,  refused,    SC_OPT, 300, _) /* handheld: why the server refused it */

/* A note with every revision, as GET /v1/notes/{id} answers. */
#define SC_FIELDS_note_view(F) \
	F(STR,  id,          SC_REQ, 64, _) \
	F(STR,  author,      SC_REQ, 64, _) \
	F(STR,  team,        SC_REQ, 64, _) \
	F(STR,  child_ref,   SC_REQ, 64, _) \
	F(ENUM, status,      SC_REQ, 0, note_status) \
	F(INT,  latest,      SC_REQ, 0, _) \
	F(INT,  received_at, SC_REQ, 0, _) \
	F(STRS, flags,       SC_OPT, 16, _) \
	F(OBJS, revisions,   SC_REQ, 1000, note_revision) \
	F(OBJS, reviews,     SC_OPT, 1000, review) \
	F(INT,  review_due,  SC_OPT, 0, _) \
	F(OBJS, escalations, SC_OPT, 100, escalation) \
	F(OBJ,  referral,    SC_OPT, 0, referral_record) \
	F(OBJ,  enquiry,     SC_OPT, 0, enquiry_record) \
	F(OBJS, attachments, SC_OPT, 20, attachment_state) \
	F(BOOL, attachment_pending, SC_OPT, 0, _)

/* One audit entry: who did what to which record, when, from where. hash is
 * SHA-256 (hex) over the entry's canonical msgpack without `hash`; prev is
 * the previous entry's hash, so an edit anywhere breaks the chain. */
#define SC_FIELDS_audit_entry(F) \
	F(INT, seq,     SC_REQ, 0, _) \
	F(INT, at,      SC_REQ, 0, _) \
	F(STR, actor,   SC_REQ, 64, _) \
	F(STR, role,    SC_OPT, 16, _) \
	F(STR, device,  SC_OPT, 128, _) \
	F(STR, action,  SC_REQ, 64, _) \
	F(STR, record,  SC_OPT, 200, _) \
	F(STR, outcome, SC_OPT, 64, _) \
	F(STR, address, SC_OPT, 64, _) \
	F(STR, prev,    SC_REQ, 64, _) \
	F(STR, hash,    SC_OPT, 64, _)

#define SC_FIELDS_audit_page(F) \
	F(OBJS, items, SC_REQ, 1000, audit_entry) \
	F(INT,  next,  SC_REQ, 0, _) \
	F(BOOL, more,  SC_REQ, 0, _)

/* A legal hold on one child reference: while it stands, retention deletes
 * nothing about the child (stored in "holds"; GET /v1/admin/holds). */
#define SC_FIELDS_hold(F) \
	F(STR, child_ref, SC_REQ|SC_NONEMPTY, 64, _) \
	F(STR, reason,    SC_OPT, 500, _) \
	F(STR, by,        SC_REQ, 64, _) \
	F(INT, at,        SC_REQ, 0, _)

#define SC_FIELDS_hold_list(F) \
	F(OBJS, items, SC_REQ, 0, hold)

/* POST /v1/admin/holds/{ref}: the body is optional. */
#define SC_FIELDS_hold_request(F) \
	F(STR, reason, SC_OPT, 500, _)

/* Everything held about one child reference, for a subject access request
 * or a court: the notes with every revision and review, any hold, and every
 * audit entry about the child or one of its notes (who stored, reviewed
 * and read them, and when). */
#define SC_FIELDS_child_export(F) \
	F(STR,  child_ref,   SC_REQ|SC_NONEMPTY, 64, _) \
	F(INT,  exported_at, SC_REQ, 0, _) \
	F(STR,  exported_by, SC_REQ, 64, _) \
	F(OBJS, holds,       SC_REQ, 1, hold) \
	F(OBJS, notes,       SC_REQ, 0, note_view) \
	F(OBJS, audit,       SC_REQ, 0, audit_entry)

/* The master list, in dependency order (sub-records first). */
#define SC_RECORDS(R) R(error_reply) R(user_summary) R(session_request) R(session_reply) \
	R(guidance_summary) R(guidance_doc) R(guidance_list) R(guidance_change) R(change_page) R(health) \
	R(mental_health) R(thrive) R(referral) R(sharing) R(action) R(next_steps) R(guidance_ref) \
	R(attachment) R(note) R(note_batch) R(field_error) R(note_result) R(note_results) R(note_revision) \
	R(review) R(escalation_step) R(escalation) R(escalation_list) \
	R(escalation_advance) R(escalation_resolve) R(referral_record) R(referral_page) R(outcome_request) \
	R(enquiry_contact) R(contribution) R(enquiry_record) R(enquiry_page) R(enquiry_request) \
	R(contribution_request) R(attachment_state) R(note_view) R(review_request) R(feedback_page) \
	R(queue_item) R(queue_page) R(upload_record) R(contact) R(contacts_page) R(audit_entry) R(audit_page) \
	R(hold) R(hold_list) R(hold_request) R(child_export)

/* Presence bits: SC_SET(guidance_doc, &d, id); if (SC_HAS(guidance_doc, &d, id)) ...
 * The one style for presence bits: these macros, which use bit
 * SC_F_<rec>_<field> as the codecs do; not hand-made masks. SC_BIT and
 * SC_ALL are values (for masks and comparisons); the rest act on ptr->has. */
#define SC_BIT(rec, field) (1ull << SC_F_##rec##_##field)
/* Every field of rec (SC_NF_<rec> is at least 1 and at most 64). */
#define SC_ALL(rec) (~0ull >> (64 - SC_NF_##rec))
#define SC_SET(rec, ptr, field) ((ptr)->has |= SC_BIT(rec, field))
#define SC_HAS(rec, ptr, field) (((ptr)->has >> SC_F_##rec##_##field) & 1u)
#define SC_CLEAR(rec, ptr, field) ((ptr)->has &= ~SC_BIT(rec, field))
/* Every field of rec present (a record built whole); clear the few that
 * are not with SC_CLEAR. */
#define SC_SET_ALL(rec, ptr) ((ptr)->has = SC_ALL(rec))

/* ------------------------------------------- generated declarations --- */

#define SC_CTYPE_STR(sub) struct sc_str
#define SC_CTYPE_ENUM(sub) struct sc_str
#define SC_CTYPE_INT(sub) int64_t
#define SC_CTYPE_BOOL(sub) bool
#define SC_CTYPE_STRS(sub) struct sc_strs
#define SC_CTYPE_OBJ(sub) struct sc_##sub *
#define SC_CTYPE_OBJS(sub) struct sc_list_##sub

#define SC_GEN_MEMBER(T, name, flags, cap, sub) SC_CTYPE_##T(sub) name;
#define SC_GEN_FIELD_INDEX_(rec, T, name, flags, cap, sub) SC_F_##rec##_##name,
#define SC_GEN_FIELD_INDEX(rec, x) SC_PP_APPLY(SC_GEN_FIELD_INDEX_, rec, x)

#define SC_GEN_RECORD_DECL(rec) \
	struct sc_##rec { \
		uint64_t has; \
		SC_FIELDS_##rec(SC_GEN_MEMBER) \
	}; \
	struct sc_list_##rec { \
		struct sc_##rec *v; \
		size_t n; \
	}; \
	enum { SC_PP_MAP_LIST(SC_GEN_FIELD_INDEX, rec SC_FIELDS_##rec(SC_PP_TUPLE)) SC_NF_##rec }; \
	_Static_assert(SC_NF_##rec <= SC_MAX_FIELDS, "record " #rec " has more than 64 fields"); \
	extern const struct sc_record sc_rec_##rec;

#define SC_GEN_ENUM_VALUE_(e, v) SC_E_##e##_##v,
#define SC_GEN_ENUM_VALUE(e, x) SC_PP_APPLY(SC_GEN_ENUM_VALUE_, e, x)
#define SC_GEN_ENUM_DECL(e) \
	extern const char *const sc_enum_##e[]; \
	enum { SC_PP_MAP_LIST(SC_GEN_ENUM_VALUE, e SC_ENUM_##e(SC_PP_TUPLE)) SC_NE_##e };

SC_ENUMS(SC_GEN_ENUM_DECL)
SC_RECORDS(SC_GEN_RECORD_DECL)

#endif
