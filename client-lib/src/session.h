/* session.h - private to client-lib: the signed-in user, the session token, revocation (session.c). */
#ifndef FN_CLIENT_SESSION_H
#define FN_CLIENT_SESSION_H

#include <stddef.h>

#include "client.h"
#include "records.h"

/* The signed-in user (sealed user_summary) and the session token. */
int fni_meta_user(fn_client *c, MDB_txn *t, struct sc_arena *a, struct sc_user_summary *out);
int fni_meta_token(fn_client *c, MDB_txn *t, char *token, size_t cap); /* FN_UNAUTHORIZED if none */
/* The user, from the handle's cache (filled from the store on first use).
 * FN_OK, FN_NOT_FOUND (never signed in), FN_WRONG_KEY, FN_NO_MEMORY. */
int fni_user_cached(fn_client *c, struct sc_arena *a, struct sc_user_summary *out);
/* Forgets the token, keeping the user's details. Call with mu. */
int fni_session_forget(fn_client *c);
/* The server said this device id is revoked: forgets the token and keeps
 * the fact (meta "revoked" = the device id), so that it survives restarts. */
int fni_session_revoked(fn_client *c);
/* Whether this handle's device id was revoked (read in t). */
int fni_session_is_revoked(fn_client *c, MDB_txn *t);

#endif
