/* enquiries.h - MASH enquiries: one open per child when its contacts reach
 * the MASH threshold, the agencies asked, their contributions and the
 * MASH's decision. Owns the "enquiries.*" databases.
 *
 * Functions taking a store_txn run in the caller's transaction (a write one
 * where they write); what they hand back lives in `a`. Partners are matched
 * by their user record's agency: the MASH is the agency enquiries are
 * routed to ("mash"). */
#ifndef FN_ENQUIRIES_H
#define FN_ENQUIRIES_H

#include <stdint.h>

#include "arena.h"
#include "auth.h"
#include "records.h"
#include "store.h"

struct enquiries;
struct audit;

int enquiries_open(struct enquiries **out, struct store *s, struct audit *audit);
void enquiries_close(struct enquiries *eq);

/* The child's contacts met the threshold: adds them to its open enquiry,
 * or opens one (never two open for one child). */
int enquiries_on_contacts(struct enquiries *eq, struct store_txn *t, struct sc_str child_ref,
                          const struct sc_enquiry_contact *v, size_t n, int64_t now, struct sc_arena *a);

/* The number of open enquiries (one per child at most), from the open
 * index's entry count: O(1), for /metrics. */
int enquiries_count_open(struct enquiries *eq, struct store_txn *t, uint64_t *out);

/* The enquiry a note is a contact of (FN_NOT_FOUND: none). */
int enquiries_of_note(struct enquiries *eq, struct store_txn *t, struct sc_str note_id, struct sc_arena *a,
                      struct sc_enquiry_record **out);

/* The feed after `since`: the MASH sees every enquiry, another partner
 * those it was asked about. Each delivery is audited. */
int enquiries_feed(struct enquiries *eq, struct store_txn *t, const struct auth_principal *who, uint64_t since,
                   size_t limit, int64_t now, struct sc_arena *a, struct sc_enquiry_page *out);

/* The MASH asks an agency (idempotent); an asked agency contributes; the
 * MASH decides (the same decision again: FN_OK; another: FN_CONFLICT).
 * FN_NOT_FOUND when the caller may not see the enquiry, FN_FORBIDDEN when
 * it sees it but is not the MASH. Audited. */
int enquiries_request(struct enquiries *eq, struct store_txn *t, const struct auth_principal *who,
                      struct sc_str id, struct sc_str agency, int64_t now, struct sc_arena *a, struct sc_error *err,
                      struct sc_enquiry_record **out);
int enquiries_contribute(struct enquiries *eq, struct store_txn *t, const struct auth_principal *who,
                         struct sc_str id, struct sc_str text, int64_t now, struct sc_arena *a, struct sc_error *err,
                         struct sc_enquiry_record **out);
int enquiries_decide(struct enquiries *eq, struct store_txn *t, const struct auth_principal *who,
                     struct sc_str id, const struct sc_outcome_request *req, int64_t now, struct sc_arena *a,
                     struct sc_error *err, struct sc_enquiry_record **out);

#endif
