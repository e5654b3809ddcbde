/* throttle.h - login attempt limits per account and per client address,
 * kept in memory (a restart forgets them; Argon2 still makes guessing slow). */
#ifndef FN_THROTTLE_H
#define FN_THROTTLE_H

#include <stdint.h>

struct throttle;

/* At most max_fail failures per key within window seconds. */
int throttle_open(struct throttle **out, unsigned max_fail, int64_t window);
void throttle_close(struct throttle *t);

/* 0 when an attempt for key may go ahead, else the seconds to wait. */
int64_t throttle_wait(struct throttle *t, const char *key, int64_t now);
/* Records a failed attempt; a success clears the key. */
void throttle_fail(struct throttle *t, const char *key, int64_t now);
void throttle_clear(struct throttle *t, const char *key);

#endif
