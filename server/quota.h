/* quota.h - per-user daily write quotas, counted in the store (so that a
 * restart does not hand out a fresh day). Owns the "quota.daily" database. */
#ifndef FN_QUOTA_H
#define FN_QUOTA_H

#include <stdint.h>

#include "record.h"
#include "store.h"

struct quota;

/* Opens the count. daily_bytes is what one user may write in a UTC day;
 * 0 means no quota. *out is the caller's: quota_close it (NULL is a no-op). */
int quota_open(struct quota **out, struct store *s, uint64_t daily_bytes);
void quota_close(struct quota *q);

/* Inside a write transaction: adds `bytes` to `user`'s count for the UTC
 * day of `now`. FN_QUOTA_EXCEEDED, counting nothing, when that would pass
 * the day's quota; FN_OK otherwise (always when q is NULL or has no quota);
 * or the store's error. */
int quota_charge(struct quota *q, struct store_txn *t, struct sc_str user,
                 uint64_t bytes, int64_t now);

/* Seconds from `now` until the quotas start a new day (for Retry-After). */
int64_t quota_retry_after(int64_t now);

#endif
