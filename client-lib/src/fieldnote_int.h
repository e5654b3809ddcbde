/* fieldnote_int.h - private to client-lib: the handle, error reporting, the records kept in the store. */
#ifndef FN_CLIENT_INT_H
#define FN_CLIENT_INT_H

/* schema's status.h first: fieldnote.h then skips its own copy of the enum
 * (status_check.c proves the two agree). */
#include "records.h"
#include "status.h"

#include "fieldnote.h"

#include <pthread.h>
#include <stdint.h>

#include "crypto.h"
#include "http.h"
#include "net.h"
#include "store.h"

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
	struct net net;
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

/* Unix seconds as the server would say them (the device clock corrected
 * by the offset learnt from the server's Date header). */
int64_t fni_now(const fn_client *c);

/* The schema's limits for what the library decodes (replies and stored
 * records); max_body follows opt.max_reply. */
struct sc_limits fni_limits(const fn_client *c);

/* Keeps the latest state of one referral (referrals.c), sealed, in the
 * pulling transaction; mp is scratch. */
int fni_referral_keep(fn_client *c, MDB_txn *t, const struct sc_referral_record *r, struct sc_buf *mp);

/* JSON text of a record into a malloc'ed NUL-terminated string. */
int fni_record_json(const struct sc_record *rec, const void *in, char **out);

/* ---- the outbox entry and the sent-note record (notes.c) ---- */

enum ob_state { OB_QUEUED = 0, OB_CONFLICT = 1, OB_INVALID = 2 };
enum sent_status { SENT_SUBMITTED = 0, SENT_ACCEPTED = 1, SENT_RETURNED = 2, SENT_ESCALATED = 3 };

struct ob_entry {
	int state;
	int code;               /* the server's status code when refused */
	struct sc_str reason;   /* JSON object {"name","message","errors"} or empty */
	struct sc_str note;     /* canonical msgpack of the note: the bytes sent */
};

/* outbox key: id 0x00 revision(8, BE). out holds at least 64 + 9 bytes. */
size_t fni_ob_key(const char *id, size_t idn, int64_t rev, unsigned char *out);
/* Splits a key back; 0 on success. */
int fni_ob_key_split(const void *k, size_t kn, struct sc_str *id, int64_t *rev);

int fni_ob_pack(const struct ob_entry *e, struct sc_buf *out);
int fni_ob_unpack(const void *p, size_t n, struct ob_entry *e); /* points into p */

struct sent_rec {
	int status;             /* enum sent_status */
	int64_t latest;         /* latest revision the server acknowledged */
	struct sc_str note;     /* its msgpack, or empty once accepted/escalated */
};
int fni_sent_pack(const struct sent_rec *r, struct sc_buf *out);
int fni_sent_unpack(const void *p, size_t n, struct sent_rec *r);

const char *fni_ob_state_name(int state);
const char *fni_sent_status_name(int status);

/* The app's note JSON completed (id, revision, replaces when > 0,
 * created_at, device_id; author, team, agency and occurred_at when
 * absent), validated by the schema and encoded canonically into mp
 * (compose.c). Sets the handle's error on failure. */
int fni_note_compose(fn_client *c, const char *json, const char *id, int64_t rev, int64_t replaces,
                 const char *seen, struct sc_arena *a, struct sc_buf *mp);
/* seen: a JSON array of guidance_ref (the guidance opened since the last
 * save), set as guidance_seen when the app's JSON has none; or NULL. */

/* ---- the outbox (outbox.c) ---- */

/* Puts entry e under key (e NULL: deletes it), keeping the per-state
 * counts in meta. Call inside a write transaction. */
int fni_ob_store(fn_client *c, MDB_txn *t, const void *key, size_t kn, const struct ob_entry *e);
/* Counts a store from before the counts existed, once. */
int fni_ob_counts_init(fn_client *c);
int fni_ob_counts(fn_client *c, MDB_txn *t, uint64_t *queued, uint64_t *refused);
/* The outbox as fn_outbox_list gives it; with_notes adds each note's
 * content ("note"). Takes mu. (notes.c) */
int fni_ob_list_json(fn_client *c, int with_notes, char **out);

/* ---- meta records ---- */

/* The signed-in user (sealed user_summary) and the session token. */
int fni_meta_user(fn_client *c, MDB_txn *t, struct sc_arena *a, struct sc_user_summary *out);
int fni_meta_token(fn_client *c, MDB_txn *t, char *token, size_t cap); /* FN_UNAUTHORIZED if none */
/* The user, from the handle's cache (filled from the store on first use).
 * FN_OK, FN_NOT_FOUND (never signed in), FN_WRONG_KEY, FN_NO_MEMORY. */
int fni_user_cached(fn_client *c, struct sc_arena *a, struct sc_user_summary *out);
/* Forgets the token, keeping the user's details (session.c). Call with mu. */
int fni_session_forget(fn_client *c);
/* The server said this device id is revoked: forgets the token and keeps
 * the fact (meta "revoked" = the device id), so that it survives restarts. */
int fni_session_revoked(fn_client *c);
/* Whether this handle's device id was revoked (read in t). */
int fni_session_is_revoked(fn_client *c, MDB_txn *t);

/* ---- sync.c helpers shared with session.c ---- */

struct rpc {
	fn_client *c;
	const volatile int *cancel;
	fn_progress_fn progress;
	void *arg;
	unsigned attempts, retries;
	char token[160];
	struct http_reply reply;
	char detail[256];
	struct sc_error_reply *last_error; /* decoded error reply, if any */
	struct sc_arena *arena;
	int64_t deadline;     /* monotonic ms by which the whole operation ends; 0: none */
	unsigned max_wait_ms; /* longest Retry-After waited for; a longer one stops the call */
	int64_t retry_after;  /* the last Retry-After seen (seconds); -1: none */
	const char *stop;     /* why fni_rpc_call gave up, when not the status's own
	                         class: "deadline", "retry_after", "cancelled" */
	int accept_gzip;      /* ask for gzip replies (the guidance pulls) */
};

/* Sends a request with the retry policy; FN_OK for a 2xx reply (body in
 * x->reply), else the status (from the error reply when there is one) and
 * x->detail. */
int fni_rpc_call(struct rpc *x, const char *method, const char *path, const void *body, size_t n, int auth);
/* The same with extra request header lines (fni_http_request_ex). */
int fni_rpc_call_ex(struct rpc *x, const char *method, const char *path, const char *extra, const void *body,
                size_t n, int auth);
/* Decodes the reply body (msgpack or JSON) as rec into out. */
int fni_rpc_decode(struct rpc *x, const struct sc_record *rec, void *out);
void fni_rpc_progress(struct rpc *x, int step, uint64_t done, uint64_t total, int status, unsigned delay);
int fni_rpc_init(struct rpc *x, fn_client *c);
void fni_rpc_end(struct rpc *x);

/* ---- attachments (attach.c) ---- */

/* Inside fn_note_save's write transaction: every attachment the composed
 * note (msgpack) lists must be on this device with that sha256; each is
 * bound to the note (uploaded after it). Sets the handle's error. */
int fni_attach_bind(fn_client *c, MDB_txn *t, const void *note_mp, size_t n);
/* The sync's last phase: uploads the attachments of notes the server has
 * acknowledged (tus 1.0, resuming at the server's offset), each removed
 * from the device once the server has stored it (attach_sync.c). */
struct sync;
int fni_attach_push(struct sync *s);
/* Chunks [from, to) of an attachment's bytes, opened, appended to out. */
int fni_attach_read_range(fn_client *c, MDB_txn *t, const char *id, uint32_t from, uint32_t to, struct sc_buf *out);

#endif
