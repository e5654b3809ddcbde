/* auth.h - users, password hashing (Argon2id), session tokens. Owns the
 * "auth.users", "auth.tokens", "auth.devices", "auth.known" (devices that
 * signed in to an account) and "auth.unlocks" databases. */
#ifndef FN_AUTH_H
#define FN_AUTH_H

#include <stdint.h>

#include "arena.h"
#include "records.h"
#include "stored.h"
#include "store.h"

/* The roles are schema/records.h's SC_ENUM_role, listed there once: these
 * are its indexes under the names the server uses, and the names come from
 * sc_enum_role. Adding a role there without one here fails to compile.
 * ROLE_PARTNER: a receiving agency (its user record's agency); it reads
 * referrals and enquiries addressed to that agency, never notes. */
enum auth_role {
	ROLE_OFFICER = SC_E_role_officer,
	ROLE_WORKER = SC_E_role_worker,
	ROLE_SUPERVISOR = SC_E_role_supervisor,
	ROLE_ADMIN = SC_E_role_admin,
	ROLE_PARTNER = SC_E_role_partner,
	ROLE_NONE = SC_NE_role
};
_Static_assert(ROLE_NONE == 5, "a role was added to SC_ENUM_role: give it a ROLE_ name here");

/* " officer worker supervisor admin partner": the role names for a usage
 * message, from the same list. */
#define AUTH_ROLE_TEXT_(v) " " #v
#define AUTH_ROLES_TEXT SC_ENUM_role(AUTH_ROLE_TEXT_)

struct auth_config {
/* 0 means the setting's default (server/config.c's table). */
	uint32_t argon_m_kib;  /* memory cost (argon2_memory_kib) */
	uint32_t argon_t;      /* passes (argon2_passes) */
	uint32_t argon_p;      /* lanes (argon2_lanes) */
	int64_t token_ttl;     /* absolute lifetime, seconds (token_ttl) */
	int64_t token_idle;    /* unused this long, a token ends (token_idle) */
};

/* The signed-in caller of a request. Strings live in the request arena. */
struct auth_principal {
	const struct sc_user_record *user;
	enum auth_role role;
	struct sc_str device_id;
	unsigned char token_hash[32];
	int admin_reads_notes; /* the configuration lets admins read notes */
};

struct auth;

/* Opens the module's databases. Fills unset cfg fields with defaults. */
struct audit;

/* User changes are recorded in `audit`. cfg is complete: the settings
 * table (config_defaults, config.c) is the one place defaults are written,
 * and config sits above this module. */
int auth_open(struct auth **out, struct store *s, const struct auth_config *cfg,
              struct audit *audit);
void auth_close(struct auth *a);

enum auth_role auth_role_parse(const char *s, size_t n);
const char *auth_role_name(enum auth_role r);

/* 1 when `agency` may name an agency: 1 to 64 of [a-z0-9_]. */
int auth_agency_valid(struct sc_str agency);

/* Adds a user (or replaces the password and details of an existing one when
 * `replace`, which ends the user's sessions). The password is hashed here;
 * it is never stored or logged. A partner must name a valid agency
 * (FN_VALIDATION_FAILED otherwise). On failure *err (may be NULL) says why. */
int auth_user_add(struct auth *a, const struct sc_user_record *u,
                  const char *password, size_t pwlen, int replace,
                  struct sc_error *err);

/* What sign-in throttling needs to know about an attempt, read from the
 * store before the password is checked. */
/* 1 if `device_id` has signed in to `username`'s account before (the
 * "auth.known" record written with every sign-in), else 0 (also when the
 * store cannot be read: the caller then refuses). */
int auth_device_known(struct auth *a, struct sc_str username, struct sc_str device_id);

struct auth_signin_facts {
	int user_exists;
	int known_device;    /* this device_id has signed in to this account */
	int64_t unlocks;     /* how many times the account was unlocked (auth_user_unlock) */
	/* The account as it may be logged: the username when such a user
	 * exists, else "unknown:" and a keyed hash of the typed name (it may
	 * be a password typed into the wrong field). The key is random per
	 * process: the same name gives the same label until a restart. */
	char label[80];
};
int auth_signin_facts(struct auth *a, struct sc_str username, struct sc_str device_id,
                      struct auth_signin_facts *out);

/* Checks credentials; on success issues a token (returned once, in reply;
 * only its hash is stored) and, in the same transaction, records the
 * device as known to the account and appends the "session.login" audit
 * entry (with `address`, may be NULL): all or none of them commit.
 * FN_UNAUTHORIZED for an unknown user or a wrong password,
 * indistinguishable in answer and in time. Failures are not audited here
 * (the caller records them, with auth_signin_facts' label). */
int auth_login(struct auth *a, const struct sc_session_request *req,
               const char *peer, const char *address, struct sc_arena *arena,
               struct sc_session_reply *reply);

/* Unlocks an account's sign-ins: stores the time (which a running server
 * reads with every attempt, see auth_signin_facts) and audits it as
 * "user.unlocked" by `actor`. FN_NOT_FOUND for no such user. *err (may be
 * NULL) says why it failed; so for the two below. */
int auth_user_unlock(struct auth *a, const char *username, struct sc_str actor, struct sc_error *err);

/* Resolves "Authorization: Bearer ..." token text to a principal. `peer` is
 * the verified device certificate's identity on this connection, or NULL:
 * a token issued on a device-certificate connection works only there.
 * FN_UNAUTHORIZED, FN_TOKEN_EXPIRED (absolute or idle limit),
 * FN_TOKEN_REVOKED (logout, user disabled, password changed) or
 * FN_DEVICE_REVOKED on failure. */
int auth_check(struct auth *a, const char *token, size_t n, const char *peer,
               struct sc_arena *arena, struct auth_principal *out);

/* Disables or re-enables a user; disabling ends every session of theirs. */
int auth_user_set_disabled(struct auth *a, const char *username, int disabled, struct sc_error *err);

/* Reports a device lost: its sessions end and it cannot sign in again. */
int auth_device_revoke(struct auth *a, const char *device_id, struct sc_str actor, struct sc_error *err);

/* Ends the session of the given principal's token and audits it
 * ("session.logout", with `address`, may be NULL) in the same transaction. */
int auth_logout(struct auth *a, const struct auth_principal *p, const char *address);

/* The user `name` inside the caller's transaction, decoded into `arena`
 * (valid while both live): FN_OK, FN_NOT_FOUND or a store error. For
 * modules that name users in their records (escalation holders). */
int auth_user_find(struct auth *a, struct store_txn *t, struct sc_str name, struct sc_arena *arena,
                   struct sc_user_record **out);

/* Fills a user summary (the public view) from a stored user record. */
void auth_user_summary(const struct sc_user_record *u, struct sc_user_summary *out);

#endif
