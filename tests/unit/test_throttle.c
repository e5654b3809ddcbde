/* test_throttle.c - sign-in throttling with time passed in: backoff per
 * (account, address), account and address windows, known devices, the
 * success limit, unlocks, colliding keys, a full table, refusal summaries. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "status.h"
#include "throttle.h"
#include "unit.h"

#define T0 1700000000

/* The settings table's sign-in defaults, which a test then changes. */
static struct throttle_config login_defaults(void)
{
	struct config d;
	config_defaults(&d);
	return d.login;
}

static struct throttle_attempt who(const char *account, const char *address)
{
	struct throttle_attempt a = {{account, strlen(account)}, address, account, 0, 0};
	return a;
}

/* One attempt at `now` that fails its password when let through: the wait
 * (0: it went ahead), with *why. */
static int64_t fail_at(struct throttle *t, const struct throttle_attempt *a, int64_t now, enum throttle_reason *why)
{
	struct throttle_reports due = {0};
	int64_t w = throttle_check(t, a, now, why, &due);
	if (w == 0)
		throttle_done(t, a, THROTTLE_FAILED, now);
	return w;
}

static int64_t succeed_at(struct throttle *t, const struct throttle_attempt *a, int64_t now, enum throttle_reason *why)
{
	struct throttle_reports due = {0};
	int64_t w = throttle_check(t, a, now, why, &due);
	if (w == 0)
		throttle_done(t, a, THROTTLE_SUCCEEDED, now);
	return w;
}

static int test_backoff_grows_per_account_and_address(void)
{
	struct throttle_config cfg = login_defaults();
	cfg.pair_free = 3;
	cfg.account_max = 100;
	cfg.backoff_max = 900;
	struct throttle *t;
	enum throttle_reason why;
	struct throttle_attempt a = who("officer1", "10.0.0.1"), b = who("officer1", "10.0.0.2");
	CHECK_EQ_INT(throttle_open(&t, &cfg), FN_OK);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(fail_at(t, &a, T0, &why), 0);
	int64_t now = T0, expect = 1;
	for (int i = 0; i < 8; i++, expect *= 2) {
		CHECK_EQ_INT(fail_at(t, &a, now, &why), expect);
		CHECK_EQ_INT(why, THROTTLE_PAIR);
		now += expect; /* waited exactly as long as told: may try again */
		CHECK_EQ_INT(fail_at(t, &a, now, &why), 0);
	}
	CHECK_EQ_INT(fail_at(t, &a, now, &why), 256);
	CHECK_EQ_INT(succeed_at(t, &b, now, &why), 0); /* another address is not slowed */
	/* The right password from the slowed address, once let in, clears it. */
	now += 256;
	CHECK_EQ_INT(succeed_at(t, &a, now, &why), 0);
	CHECK_EQ_INT(fail_at(t, &a, now, &why), 0);
	throttle_close(t);
	return 0;
}

static int test_account_limit_across_addresses(void)
{
	struct throttle_config cfg = login_defaults();
	cfg.account_max = 5;
	cfg.window = 900;
	struct throttle *t;
	enum throttle_reason why;
	char addr[32];
	CHECK_EQ_INT(throttle_open(&t, &cfg), FN_OK);
	for (int i = 0; i < 5; i++) {
		snprintf(addr, sizeof addr, "10.0.1.%d", i);
		struct throttle_attempt a = who("officer1", addr);
		CHECK_EQ_INT(fail_at(t, &a, T0 + i, &why), 0);
	}
	struct throttle_attempt fresh = who("officer1", "10.0.1.99"), other = who("officer2", "10.0.1.99");
	CHECK_EQ_INT(fail_at(t, &fresh, T0 + 10, &why), 890);
	CHECK_EQ_INT(why, THROTTLE_ACCOUNT);
	CHECK_EQ_INT(fail_at(t, &other, T0 + 10, &why), 0);
	CHECK_EQ_INT(succeed_at(t, &fresh, T0 + 900, &why), 0); /* the window is over */
	throttle_close(t);
	return 0;
}

static int test_attempts_in_flight_count(void)
{
	struct throttle_config cfg = login_defaults();
	cfg.account_max = 5;
	cfg.pair_free = 100;
	struct throttle *t;
	enum throttle_reason why;
	struct throttle_reports due = {0};
	struct throttle_attempt a = who("officer1", "10.0.2.1");
	CHECK_EQ_INT(throttle_open(&t, &cfg), FN_OK);
	for (int i = 0; i < 5; i++) /* five concurrent attempts, none settled */
		CHECK_EQ_INT(throttle_check(t, &a, T0, &why, &due), 0);
	CHECK(throttle_check(t, &a, T0, &why, &due) > 0);
	for (int i = 0; i < 5; i++)
		throttle_done(t, &a, THROTTLE_NOT_TRIED, T0);
	CHECK_EQ_INT(throttle_check(t, &a, T0, &why, &due), 0);
	throttle_close(t);
	return 0;
}

static int test_address_limit_spares_known_devices(void)
{
	struct throttle_config cfg = login_defaults();
	cfg.address_max = 3;
	struct throttle *t;
	enum throttle_reason why;
	char name[32];
	CHECK_EQ_INT(throttle_open(&t, &cfg), FN_OK);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof name, "nobody%d", i);
		struct throttle_attempt a = who(name, "10.0.3.1");
		CHECK_EQ_INT(fail_at(t, &a, T0, &why), 0);
	}
	struct throttle_attempt officer = who("officer1", "10.0.3.1");
	CHECK_EQ_INT(fail_at(t, &officer, T0, &why), 900);
	CHECK_EQ_INT(why, THROTTLE_ADDRESS);
	officer.known_device = 1;
	CHECK_EQ_INT(succeed_at(t, &officer, T0, &why), 0);
	throttle_close(t);
	return 0;
}

static int test_successful_sign_ins_limited(void)
{
	struct throttle_config cfg = login_defaults();
	cfg.success_max = 2;
	cfg.success_window = 60;
	struct throttle *t;
	enum throttle_reason why;
	struct throttle_attempt a = who("officer1", "10.0.4.1");
	CHECK_EQ_INT(throttle_open(&t, &cfg), FN_OK);
	CHECK_EQ_INT(succeed_at(t, &a, T0, &why), 0);
	CHECK_EQ_INT(succeed_at(t, &a, T0 + 1, &why), 0);
	CHECK_EQ_INT(succeed_at(t, &a, T0 + 2, &why), 58);
	CHECK_EQ_INT(why, THROTTLE_SUCCESSES);
	CHECK_EQ_INT(succeed_at(t, &a, T0 + 60, &why), 0);
	throttle_close(t);
	return 0;
}

/* The unlock tests' fixture: officer1 locked by two failures (a third at
 * T0 + 5 waits), then unlocked once. 0 on success; *t is the caller's. */
static int open_locked_then_unlocked(struct throttle **t, struct throttle_attempt *a)
{
	struct throttle_config cfg = login_defaults();
	cfg.account_max = 2;
	cfg.pair_free = 2;
	enum throttle_reason why;
	*a = who("officer1", "10.0.5.1");
	CHECK_EQ_INT(throttle_open(t, &cfg), FN_OK);
	CHECK_EQ_INT(fail_at(*t, a, T0, &why), 0);
	CHECK_EQ_INT(fail_at(*t, a, T0, &why), 0);
	CHECK(fail_at(*t, a, T0 + 5, &why) > 0);
	a->unlocks = 1;
	return 0;
}

static int test_unlock_drops_older_counters(void)
{
	struct throttle *t;
	enum throttle_reason why;
	struct throttle_attempt a;
	CHECK(open_locked_then_unlocked(&t, &a) == 0);
	CHECK_EQ_INT(succeed_at(t, &a, T0 + 7, &why), 0);
	throttle_close(t);
	return 0;
}

/* Regression: failures in the same second as an unlock were never counted
 * (a counter restarted whenever the unlock time >= its start, and a restarted
 * counter starts at now), so an unlock opened the account for that second. */
static int test_failures_after_an_unlock_in_the_same_second_count(void)
{
	struct throttle *t;
	enum throttle_reason why;
	struct throttle_attempt a;
	CHECK(open_locked_then_unlocked(&t, &a) == 0);
	CHECK_EQ_INT(fail_at(t, &a, T0 + 6, &why), 0);
	CHECK_EQ_INT(fail_at(t, &a, T0 + 6, &why), 0);
	CHECK(fail_at(t, &a, T0 + 6, &why) > 0);
	throttle_close(t);
	return 0;
}

/* In a table of 16 slots every key lands in the same probe window: the
 * worst collision an attacker could hope for. The target's counter stays;
 * the colliding attempts are refused instead. */
static int test_colliding_keys_never_evict_a_counter(void)
{
	struct throttle_config cfg = login_defaults();
	cfg.slots = 16;
	cfg.account_max = 2;
	cfg.pair_free = 100;
	struct throttle *t;
	enum throttle_reason why;
	char name[32], addr[32];
	struct throttle_attempt target = who("officer1", "10.0.6.1");
	int full = 0;
	CHECK_EQ_INT(throttle_open(&t, &cfg), FN_OK);
	CHECK_EQ_INT(fail_at(t, &target, T0, &why), 0);
	CHECK_EQ_INT(fail_at(t, &target, T0, &why), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "x%d", i);
		snprintf(addr, sizeof addr, "10.1.%d.%d", i / 250, i % 250);
		struct throttle_attempt a = who(name, addr);
		if (fail_at(t, &a, T0 + 1, &why) > 0 && why == THROTTLE_FULL)
			full++;
	}
	CHECK(full > 900);
	CHECK(fail_at(t, &target, T0 + 2, &why) > 0);
	CHECK_EQ_INT(why, THROTTLE_ACCOUNT);
	throttle_close(t);
	return 0;
}

/* A full table refuses new keys, and takes them again once its counters
 * have run out. */
static int test_full_table_fails_safe_then_recovers(void)
{
	struct throttle_config cfg = login_defaults();
	cfg.slots = 16;
	cfg.window = 100;
	cfg.success_window = 10;
	struct throttle *t;
	enum throttle_reason why;
	char name[32];
	int i, allowed = 0;
	CHECK_EQ_INT(throttle_open(&t, &cfg), FN_OK);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "user%d", i);
		struct throttle_attempt a = who(name, "10.0.7.1");
		if (fail_at(t, &a, T0, &why) == 0)
			allowed++;
		else
			CHECK_EQ_INT(why, THROTTLE_FULL);
	}
	CHECK(allowed >= 3 && allowed < 16);
	struct throttle_attempt late = who("late", "10.0.7.2");
	CHECK(fail_at(t, &late, T0 + 99, &why) > 0);
	CHECK_EQ_INT(why, THROTTLE_FULL);
	CHECK_EQ_INT(fail_at(t, &late, T0 + 100, &why), 0);
	throttle_close(t);
	return 0;
}

static int test_refusals_summarised_once_per_window(void)
{
	struct throttle_config cfg = login_defaults();
	cfg.account_max = 1;
	cfg.pair_free = 100;
	cfg.window = 600;
	struct throttle *t;
	enum throttle_reason why;
	struct throttle_reports due = {0};
	struct throttle_attempt a = who("officer1", "10.0.8.1");
	CHECK_EQ_INT(throttle_open(&t, &cfg), FN_OK);
	CHECK_EQ_INT(fail_at(t, &a, T0, &why), 0);
	unsigned reports = 0;
	for (int i = 0; i < 30; i++) {
		due.n = 0;
		CHECK(throttle_check(t, &a, T0 + 1 + i / 10, &why, &due) > 0);
		reports += due.n;
	}
	CHECK_EQ_INT(reports, 1);
	CHECK_EQ_INT(due.n, 0);
	/* Once the window is over, the 29 counted are reported, then the
	 * first refusal of the next window. */
	due.n = 0;
	CHECK_EQ_INT(fail_at(t, &a, T0 + 600, &why), 0);
	CHECK(throttle_check(t, &a, T0 + 601, &why, &due) > 0);
	CHECK_EQ_INT(due.n, 2);
	CHECK_EQ_INT(due.r[0].refused, 29);
	CHECK_EQ_INT(due.r[0].since, T0 + 1);
	CHECK_EQ_INT(due.r[0].reason, THROTTLE_ACCOUNT);
	CHECK(strcmp(due.r[0].address, "10.0.8.1") == 0 && strcmp(due.r[0].label, "officer1") == 0);
	CHECK_EQ_INT(due.r[1].refused, 1);
	CHECK_EQ_INT(due.r[1].since, T0 + 601);
	/* Counted refusals left at shutdown are flushed. */
	due.n = 0;
	CHECK(throttle_check(t, &a, T0 + 602, &why, &due) > 0);
	CHECK_EQ_INT(throttle_flush(t, &due), 1);
	CHECK_EQ_INT(due.r[0].refused, 1);
	due.n = 0;
	CHECK_EQ_INT(throttle_flush(t, &due), 0);
	throttle_close(t);
	return 0;
}

const struct unit_case throttle_cases[] = {
	{"throttle/backoff_grows_per_account_and_address", test_backoff_grows_per_account_and_address},
	{"throttle/account_limit_across_addresses", test_account_limit_across_addresses},
	{"throttle/attempts_in_flight_count", test_attempts_in_flight_count},
	{"throttle/address_limit_spares_known_devices", test_address_limit_spares_known_devices},
	{"throttle/successful_sign_ins_limited", test_successful_sign_ins_limited},
	{"throttle/unlock_drops_older_counters", test_unlock_drops_older_counters},
	{"throttle/failures_after_an_unlock_in_the_same_second_count", test_failures_after_an_unlock_in_the_same_second_count},
	{"throttle/colliding_keys_never_evict_a_counter", test_colliding_keys_never_evict_a_counter},
	{"throttle/full_table_fails_safe_then_recovers", test_full_table_fails_safe_then_recovers},
	{"throttle/refusals_summarised_once_per_window", test_refusals_summarised_once_per_window},
	{NULL, NULL},
};
