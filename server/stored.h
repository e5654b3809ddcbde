/* stored.h - records the server keeps in its store and never sends: users
 * (with their password hashes), session tokens, note heads and attachment
 * references. They are built with the same field lists and
 * codecs as the wire records (schema/records.h) but live here, so the
 * handheld library, which compiles schema/, carries none of them. */
#ifndef FN_STORED_H
#define FN_STORED_H

#include "records.h"

/* A note across its revisions: what the indexes and the queue read. */
#define SC_FIELDS_note_head(F) \
	F(STR,  id,           SC_REQ|SC_ID, 64, _) \
	F(STR,  author,       SC_REQ|SC_ID, 64, _) \
	F(STR,  team,         SC_REQ|SC_ID, 64, _) \
	F(STR,  child_ref,    SC_REQ, 64, _) \
	F(ENUM, status,       SC_REQ, 0, note_status) \
	F(INT,  latest,       SC_REQ, 0, _) \
	F(INT,  received_at,  SC_REQ, 0, _) \
	F(INT,  occurred_at,  SC_REQ, 0, _) \
	F(INT,  updated_at,   SC_REQ, 0, _)

/* Users and their sessions. */
#define SC_FIELDS_user_record(F) \
	F(STR,  username,         SC_REQ|SC_ID, 64, _) \
	F(ENUM, role,             SC_REQ, 0, role) \
	F(STR,  agency,           SC_OPT, 64, _) \
	F(STRS, teams,            SC_OPT, 16, _) \
	F(STR,  password_hash,    SC_REQ|SC_NONEMPTY, 256, _) \
	F(BOOL, disabled,         SC_OPT, 0, _) \
	F(INT,  created,          SC_OPT, 0, _) \
	F(INT,  password_changed, SC_OPT, 0, _) \
	F(INT,  epoch,            SC_OPT, 0, _)

#define SC_FIELDS_token_record(F) \
	F(STR, username,   SC_REQ|SC_ID, 64, _) \
	F(STR, device_id,  SC_REQ|SC_ID, 128, _) \
	F(INT, created,    SC_REQ, 0, _) \
	F(INT, expires_at, SC_REQ, 0, _) \
	F(INT, epoch,      SC_OPT, 0, _) \
	F(INT, last_used,  SC_OPT, 0, _) \
	F(STR, peer,       SC_OPT, 128, _)

/* A note's reference to a stored blob (attach.c). */
#define SC_FIELDS_attachment_ref(F) \
	F(STR,  owner,         SC_REQ, 64, _) \
	F(STR,  note_id,       SC_REQ, 64, _) \
	F(STR,  att_id,        SC_REQ, 64, _) \
	F(STR,  sha256,        SC_REQ, 64, _) \
	F(STR,  media_type,    SC_REQ, 64, _) \
	F(STR,  caption,       SC_OPT, 500, _) \
	F(INT,  size,          SC_REQ, 0, _) \
	F(STR,  stored_sha256, SC_REQ, 64, _) \
	F(INT,  stored_size,   SC_REQ, 0, _) \
	F(INT,  at,            SC_REQ, 0, _)

#define SC_STORED_RECORDS(R) R(user_record) R(token_record) R(note_head) R(attachment_ref)

SC_STORED_RECORDS(SC_GEN_RECORD_DECL)

#endif
