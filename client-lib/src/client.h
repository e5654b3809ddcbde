/* client.h - private to client-lib: the handle, its defaults, error reporting, shared helpers (client.c). */
#ifndef FN_CLIENT_CLIENT_H
#define FN_CLIENT_CLIENT_H

/*
 * Names. The public API is fn_<object>_<verb> (fieldnote.h, marked FN_API);
 * every other function of the library that is not static is internal and
 * named fni_<module>_<verb> (fni_st_get, fni_rpc_call), or fni_<verb> for
 * the handle's helpers declared here (fni_fail), as curl keeps Curl_
 * beside curl_. Internal names are hidden in libfieldnote.so and made
 * local in libfieldnote.a (client.mk); test_client_build.sh checks both,
 * and that no global function lacks one prefix or the other.
 *
 * Headers. Each file includes the private headers it uses and no other:
 *   public.h    fieldnote.h, with schema's status codes
 *   client.h    this: struct fn_client (needs store.h and crypto.h)
 *   crypto.h    sealing, CSPRNG, ULIDs (mbedTLS stays inside crypto.c)
 *   store.h     the LMDB environment (the one header with LMDB)
 *   net.h       the TLS connection (the one header with mbedTLS)
 *   http.h      requests and replies over net
 *   rpc.h       a call to the server with the retry policy
 *   outbox.h    the outbox entry, the sent-note record, the outbox
 *   session.h   the signed-in user, the token, revocation
 *   attach.h    attachments: binding to notes, upload
 *   compose.h   a note completed and encoded from the app's JSON
 *   referrals.h a referral's state, kept from the pull
 *   sync.h      one fn_sync_run (sync.c, pull.c, sync_attach.c)
 */

#include <pthread.h>
#include <stdint.h>

#include "crypto.h"
#include "public.h"
#include "record.h"
#include "store.h"

struct net;

/* Defaults of fn_options. */
#define DEF_CONNECT_MS 10000u
#define DEF_READ_MS 30000u
#define DEF_REQUEST_MS 120000u
#define DEF_ATTEMPTS 6u
#define DEF_BACKOFF_MS 500u
#define MAX_BACKOFF_MS 30000u
#define DEF_BATCH 50u
#define MAX_BATCH 100u
#define DEF_MAX_REPLY ((size_t)32 << 20)

struct fn_client {
	/* Lock order: netmu before mu. mu guards the store, the error and the
	 * clock offset; netmu the connection (sync and sign-in). */
	pthread_mutex_t mu, netmu;
	struct cr cr;
	struct st st;
	struct net *net; /* allocated at open (net.h); set up when online */
	int online; /* a server URL was given: net is set up */
	fn_options opt; /* numbers only; the strings are not kept */
	char device_id[129];
	int64_t clock_offset; /* server clock minus ours, seconds (from Date) */
	/* The signed-in user's summary (msgpack), read once: every save needs
	 * it for author and team. Another process signing in on the same store
	 * is seen by handles opened after it. */
	struct sc_buf user_mp;
	int user_loaded;
	int err;
	char errtext[512];
};

/* Records status and a formatted detail as the handle's last error and
 * returns status. Call with mu held. */
int fni_fail(fn_client *c, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The store's detail for a status a store call returned. */
int fni_fail_store(fn_client *c, int status);
/* The start of a read-only call: a fresh scratch arena in *a and a read
 * transaction in *t; on failure the reason is recorded and returned (*a
 * may then still need sc_arena_free, as before). */
int fni_read_start(fn_client *c, struct sc_arena **a, MDB_txn **t);

/* A read-only call of the API answering in *out: the handle with mu
 * held, a scratch arena, a read transaction, a cursor if one is opened,
 * and a buffer for opened values (wiped at the end: it held plaintext). */
struct read_call {
	fn_client *c; /* NULL until begun: fni_read_end then only returns */
	struct sc_arena *a;
	MDB_txn *t;
	MDB_cursor *cur;
	struct sc_buf b;
};

/* Begins r: FN_BAD_ARGUMENT when c or out is NULL (nothing is taken);
 * otherwise sets *out to NULL, takes mu, then the arena and the read
 * transaction, recording why either failed. End r with fni_read_end
 * whatever this returned. */
int fni_read_begin(struct read_call *r, fn_client *c, char **out);
/* Opens r->cur on the database db; a failure is recorded as `what`
 * ("reading feedback") and returned. */
int fni_read_cursor(struct read_call *r, int db, const char *what);
/* Closes the cursor, ends the transaction, wipes and frees the buffer,
 * frees the arena and releases mu. Returns rc. */
int fni_read_end(struct read_call *r, int rc);

/* Unix seconds as the server would say them (the device clock corrected
 * by the offset learnt from the server's Date header). */
int64_t fni_now(const fn_client *c);

/* The schema's limits for what the library decodes (replies and stored
 * records); max_body follows opt.max_reply. */
struct sc_limits fni_limits(const fn_client *c);

/* JSON text of a record into a malloc'ed NUL-terminated string. */
int fni_record_json(const struct sc_record *rec, const void *in, char **out);

#endif
