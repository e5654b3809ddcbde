/* throttle.h - sign-in throttling: per (account, address) backoff, looser
 * per-account and per-address windows, a limit on successful sign-ins, and
 * counts of refused attempts for summary audit entries.
 *
 * The state lives in memory, not in the store: counting every attempt in
 * the store would cost a durable write (fsync) per guess, the flood this
 * module exists to stop. A restart forgets it (Argon2 still makes guessing
 * slow). Unlocking an account reaches a running server through the store:
 * the caller passes the account's unlock count with every attempt and a
 * counter that has not seen the latest unlock starts afresh.
 *
 * Keys are hashed with SipHash under a random per-process key, so names
 * cannot be chosen offline to collide; a slot that is still counting is
 * never reused, and when no slot is free the attempt is refused
 * (THROTTLE_FULL) rather than a counter forgotten. All functions are
 * thread-safe. Time is passed in (`now`, seconds) so tests control it. */
#ifndef FN_THROTTLE_H
#define FN_THROTTLE_H

#include <stdint.h>

#include "record.h" /* struct sc_str */

struct throttle;

/* Each field is a login_* setting; 0 means its default (server/config.c). */
struct throttle_config {
	int64_t window;           /* seconds failures are counted over */
	unsigned pair_free;       /* failures per (account, address) before backoff */
	int64_t backoff_max;      /* longest (account, address) backoff, seconds */
	unsigned account_max;     /* failures per account, all addresses, per window */
	unsigned address_max;     /* failures per address per window, unknown devices */
	unsigned success_max;     /* successful sign-ins per account ... */
	int64_t success_window;   /* ... per this many seconds */
	unsigned slots;           /* counters kept at most */
};

enum throttle_reason {
	THROTTLE_OK,
	THROTTLE_PAIR,      /* this account from this address: backoff */
	THROTTLE_ACCOUNT,   /* this account from anywhere */
	THROTTLE_ADDRESS,   /* this address, for devices not known to the account */
	THROTTLE_SUCCESSES, /* successful sign-ins of this account */
	THROTTLE_FULL,      /* no room to count the attempt: refused to fail safe */
};

struct throttle_attempt {
	struct sc_str account; /* the name as typed: any bytes, never stored */
	const char *address;   /* client address text */
	const char *label;     /* the account as it may be logged (see auth.h) */
	int known_device;      /* the device signed in to the account before */
	int64_t unlocks;       /* how many times the account was unlocked */
};

/* Refused attempts due for the audit log: the first refusal of a window
 * for an address (or, for account-wide limits, an account), and then one
 * entry with the count when the next window starts. */
struct throttle_report {
	enum throttle_reason reason;
	uint32_t refused; /* refusals since the last report for this key */
	int64_t since;    /* start of the window they fall in */
	char address[48];
	char label[72];
};

#define THROTTLE_REPORTS 4
struct throttle_reports {
	unsigned n;
	struct throttle_report r[THROTTLE_REPORTS];
};

/* cfg is complete: the settings table (config_defaults, config.c) is the one
 * place defaults are written, and config sits above this module. *out is
 * the caller's; free it with throttle_close (NULL is a no-op). */
int throttle_open(struct throttle **out, const struct throttle_config *cfg);
void throttle_close(struct throttle *t);

/* Decides whether an attempt may go ahead, and counts it. Returns 0 when
 * it may (the attempt is then counted as a failure until throttle_done says
 * otherwise, so that concurrent attempts cannot overrun a limit), else the
 * seconds to wait, with *why set. Reports due are added to *due. */
int64_t throttle_check(struct throttle *t, const struct throttle_attempt *a, int64_t now,
                       enum throttle_reason *why, struct throttle_reports *due);

enum throttle_outcome {
	THROTTLE_FAILED,    /* wrong password: stays counted */
	THROTTLE_SUCCEEDED, /* clears the (account, address) backoff */
	THROTTLE_NOT_TRIED, /* refused before the password was checked: uncounted */
};
/* Settles an attempt throttle_check let through. */
void throttle_done(struct throttle *t, const struct throttle_attempt *a, enum throttle_outcome o,
                   int64_t now);

/* Reports still pending at shutdown (refusals counted but not yet logged);
 * call until it returns 0. */
unsigned throttle_flush(struct throttle *t, struct throttle_reports *due);

const char *throttle_reason_name(enum throttle_reason r);

#endif
