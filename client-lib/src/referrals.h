/* referrals.h - private to client-lib: the referrals' latest states, kept as the sync pulls them (referrals.c). */
#ifndef FN_CLIENT_REFERRALS_H
#define FN_CLIENT_REFERRALS_H

#include "client.h"
#include "records.h"

/* Keeps the latest state of one referral, sealed, in the pulling
 * transaction; mp is scratch. */
int fni_referral_keep(fn_client *c, MDB_txn *t, const struct sc_referral_record *r, struct sc_buf *mp);

#endif
