/* quota.c - per-user daily write quotas kept in the store. */
#include "quota.h"

#include <stdlib.h>

#include "status.h"

#define DAY 86400

struct quota {
	uint64_t daily;
	store_db db; /* username -> day(8) bytes(8): one record per user */
};

int quota_open(struct quota **out, struct store *s, uint64_t daily_bytes)
{
	struct quota *q = calloc(1, sizeof *q);
	int rc;

	*out = NULL;
	if (!q)
		return FN_NO_MEMORY;
	q->daily = daily_bytes;
	if ((rc = store_db_open(s, "quota.daily", &q->db)) != FN_OK) {
		free(q);
		return rc;
	}
	*out = q;
	return FN_OK;
}

void quota_close(struct quota *q)
{
	free(q);
}

int64_t quota_retry_after(int64_t now)
{
	return DAY - (now % DAY + DAY) % DAY;
}

int quota_charge(struct quota *q, struct store_txn *t, struct sc_str user,
                 uint64_t bytes, int64_t now)
{
	struct sc_str v;
	unsigned char rec[16];
	uint64_t day = (uint64_t)(now / DAY), used = 0;

	if (!q || !q->daily || !bytes)
		return FN_OK;
	int rc = store_get(t, q->db, user.p, user.n, &v);
	if (rc != FN_OK && rc != FN_NOT_FOUND)
		return rc;
	/* A count from an earlier day is a new day's zero. */
	if (rc == FN_OK && v.n == sizeof rec && store_key_u64(v.p) == day)
		used = store_key_u64(v.p + 8);
	if (bytes > q->daily || used > q->daily - bytes)
		return FN_QUOTA_EXCEEDED;
	store_u64_key(day, rec);
	store_u64_key(used + bytes, rec + 8);
	return store_put(t, q->db, user.p, user.n, rec, sizeof rec, 0, NULL);
}
