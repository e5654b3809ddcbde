/* auth_list.h - listing users and devices for the admin CLI (read-only). */
#ifndef FN_AUTH_LIST_H
#define FN_AUTH_LIST_H

#include <stdint.h>

#include "auth.h"

/* Calls fn for every user in username order. `u` (password hash included:
 * never print it) is valid during the call only. fn answers 0 to go on.
 * FN_OK or the store's error. */
typedef int (*auth_user_fn)(const struct sc_user_record *u, void *arg);
int auth_user_each(struct auth *a, auth_user_fn fn, void *arg);

/* Calls fn for every (user, device) pair that has signed in, with the time
 * of its last sign-in, and whether the device is revoked. Strings are valid
 * during the call only. */
typedef int (*auth_device_fn)(const char *user, const char *device, int64_t last_seen, int revoked,
                              void *arg);
int auth_device_each(struct auth *a, auth_device_fn fn, void *arg);

#endif
