/* auth_internal.h - what auth.c and auth_signin.c share; no other module
 * includes it. */
#ifndef FN_AUTH_INTERNAL_H
#define FN_AUTH_INTERNAL_H

#include "auth.h"

struct auth {
	struct store *store;
	struct audit *audit;
	store_db users, tokens, devices;
	store_db known;   /* username NUL device_id -> last sign-in (8) */
	store_db unlocks; /* username -> time of the last unlock (8) */
	struct auth_config cfg;
	unsigned char label_key[32]; /* for labels of unknown typed names */
	/* Verified against when the user is unknown, so that an unknown name
	 * costs the same time as a wrong password. */
	char dummy_hash[256];
};

/* getrandom until n bytes are filled: FN_OK or FN_INTERNAL. */
int auth_fill_random(void *buf, size_t n);
/* Decodes the user `name` into arena: FN_OK, FN_NOT_FOUND or an error. */
int auth_load_user(struct auth *a, struct store_txn *t, const char *name, size_t n,
                   struct sc_arena *arena, struct sc_user_record **out);
/* 1 when the device has been reported lost. */
int auth_device_revoked(struct auth *a, struct store_txn *t, struct sc_str device);
/* SHA-256 of a token: tokens are stored under this, never in clear. */
void auth_token_hash(const char *token, size_t n, unsigned char out[32]);

#endif
