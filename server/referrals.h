/* referrals.h - tracked referrals: the record a note's referral creates, the
 * receiving agency's feed, its receipt and outcome, and what goes back to
 * the author. Owns the "referrals.*" databases.
 *
 * Every function taking a store_txn runs inside the caller's transaction
 * (a write one where it writes); what it hands back lives in `a`, valid
 * until the arena is freed (and, from a read transaction, see store.h). */
#ifndef FN_REFERRALS_H
#define FN_REFERRALS_H

#include <stdint.h>

#include "arena.h"
#include "auth.h"
#include "records.h"
#include "store.h"

#define REFERRAL_ROUTES_MAX 16

struct referrals_config {
	/* "type:agency,..." (setting referral_routes); every referral type but
	 * none must be routed, so no referral is left without a receiver. */
	char routes[512];
	int64_t ack_hours;    /* setting referral_ack_hours; default 24 */
	int64_t outcome_days; /* setting referral_outcome_days; default 14 */
};

struct referrals;
struct audit;

/* Parses the routes; FN_BAD_ARGUMENT with *err (may be NULL) saying why
 * when one is malformed or a referral type has no route. */
int referrals_open(struct referrals **out, struct store *s, struct audit *audit,
                   const struct referrals_config *cfg, struct sc_error *err);
void referrals_close(struct referrals *rf);

/* The agency a referral type goes to (static text), or NULL. */
const char *referrals_route(const struct referrals *rf, struct sc_str type);

/* Called in the note's write transaction for each stored revision: creates
 * the referral (type not none), moves it to this revision, re-routes it when
 * the type changed, or withdraws it when an amendment removed it. */
int referrals_on_note(struct referrals *rf, struct store_txn *t, const struct sc_note *n, int64_t now,
                      struct sc_arena *a);

/* The referral of note `note_id`: FN_OK, FN_NOT_FOUND. `overdue` is set
 * from the deadlines at `now`. */
int referrals_get(struct referrals *rf, struct store_txn *t, struct sc_str note_id, int64_t now,
                  struct sc_arena *a, struct sc_referral_record **out);

/* The partner's feed: its agency's referrals changed after `since`, at most
 * `limit`, oldest change first, without notes (the caller adds the shared
 * revision and audits the disclosure). */
int referrals_feed(struct referrals *rf, struct store_txn *t, struct sc_str agency, uint64_t since,
                   size_t limit, int64_t now, struct sc_arena *a, struct sc_referral_page *out);

/* Supervisors: referrals sent by their teams, all or only the overdue. */
int referrals_of_teams(struct referrals *rf, struct store_txn *t, const struct sc_user_record *u,
                       int overdue_only, int64_t now, struct sc_arena *a, struct sc_referral_page *out);

/* Receipt (idempotent) and outcome by the receiving agency, audited in the
 * same transaction; both reach the author's feedback. FN_NOT_FOUND (also
 * for another agency's referral), FN_CONFLICT (withdrawn, or a different
 * outcome already recorded; *err, which may be NULL, says why, field
 * "outcome"). *out: the record after. */
int referrals_receipt(struct referrals *rf, struct store_txn *t, const struct auth_principal *who,
                      struct sc_str id, int64_t now, struct sc_arena *a, struct sc_error *err,
                      struct sc_referral_record **out);
int referrals_outcome(struct referrals *rf, struct store_txn *t, const struct auth_principal *who,
                      struct sc_str id, const struct sc_outcome_request *req, int64_t now,
                      struct sc_arena *a, struct sc_error *err, struct sc_referral_record **out);

/* The author's referral updates after `since` (feedback cursor), at most
 * `limit`; *more when there were more. */
int referrals_feedback(struct referrals *rf, struct store_txn *t, struct sc_str author, uint64_t since,
                       size_t limit, struct sc_arena *a, struct sc_list_referral_record *out, int *more);

/* 1 when the referral's acknowledgement or outcome is late at `now`. */
int referrals_unacknowledged(const struct sc_referral_record *r, int64_t now);
int referrals_without_outcome(const struct sc_referral_record *r, int64_t now);

#endif
