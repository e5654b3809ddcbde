/* client_fx.h - fixtures the client unit suites share. */
#ifndef FN_CLIENT_FX_H
#define FN_CLIENT_FX_H

#include "client.h"

/* Writes a signed-in session for officer1 (team north, a token that expires
 * in 2096) into c's store, as a sign-in would, in one write transaction:
 * there is no server in these tests. Returns FN_OK or the store's error. */
int cfx_write_session(fn_client *c);

#endif
