/* fieldnote.h - libfieldnote, the handheld's library: offline store, encryption at rest, sync. */
#ifndef FIELDNOTE_H
#define FIELDNOTE_H

/*
 * libfieldnote keeps a handheld working with no signal. Notes are saved to
 * an encrypted local store (durably, before the call returns) and pushed to
 * the fieldnote server by fn_sync_run, which also pulls guidance and the
 * supervisors' feedback into the store so both can be read offline.
 *
 * Conventions, for every function below:
 *  - Every function returns an int status: FN_OK (0) or one of the codes
 *    of enum fn_status. fn_strerror() names it in words and
 *    fn_client_last_error() gives the detail of the last failure (which
 *    field, which file, what the server said).
 *  - Strings in are NUL-terminated UTF-8 and are only read during the call.
 *  - Strings out (char **out) are JSON text allocated by the library and
 *    owned by the caller, who frees them with fn_free(). On failure *out is
 *    set to NULL.
 *  - Nothing here prints, exits or aborts, and there is no global state:
 *    everything lives in a handle. (mbedTLS's PSA crypto core, which TLS 1.3
 *    needs, is initialised once per process by the first handle; it is
 *    thread-safe and never torn down by the library.)
 *  - Threads: a handle may be shared by threads. Calls on one handle are
 *    serialised by a mutex inside it, except that fn_sync_run lets go of it
 *    while it waits on the network, so fn_note_save and the readers stay
 *    quick while a sync runs on another thread. Open one handle per store
 *    per process: LMDB does not allow a store to be opened twice by one
 *    process (two processes may share a store).
 *  - Which calls block: fn_login, fn_logout, fn_sync_run and
 *    fn_sync_run_with wait on the network (bounded by the timeouts,
 *    attempts and deadline_ms): call them on a worker thread, never an
 *    app's UI thread. The others touch only the local store: reads take
 *    milliseconds; calls that write (fn_note_save, fn_note_amend,
 *    fn_guidance_get, which records what was opened, fn_feedback_ack,
 *    fn_outbox_export) wait for an fsync. fn_client_open of a store made
 *    by an older version counts its outbox once.
 *  - Mobile platforms (keystores, background time limits):
 *    client-lib/README.md, "Platform notes".
 *  - ABI: functions and status codes are only ever added; struct fn_options
 *    carries its own size so it can grow; struct fn_progress is only ever
 *    read through the library's pointer.
 *
 * Build with: cc app.c $(pkg-config --cflags --libs fieldnote)
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(FN_BUILDING_LIBRARY)
#define FN_API __attribute__((visibility("default")))
#else
#define FN_API
#endif

#define FN_VERSION_MAJOR 1
#define FN_VERSION_MINOR 0
#define FN_VERSION_STRING "1.0.0"

/*
 * Status codes. The same numbers travel on the wire (the server's error
 * replies carry them as "code") and are append-only: a number never changes
 * meaning. The project defines them once (schema/status.h); this copy keeps
 * the header self-contained and the build checks that the two agree.
 * FN_STATUS_CODES(X) calls X(NAME, number) for each, in order.
 */
#define FN_STATUS_CODES(X) \
	X(OK, 0)                         /* success */ \
	X(BAD_REQUEST, 1)                /* the server found the request malformed */ \
	X(MALFORMED_BODY, 2)             /* a body (sent or received) could not be decoded */ \
	X(VALIDATION_FAILED, 3)          /* a field failed validation; the detail names it */ \
	X(UNAUTHORIZED, 4)               /* not signed in, or wrong username or password */ \
	X(FORBIDDEN, 5)                  /* not allowed for this user */ \
	X(NOT_FOUND, 6)                  /* no such note, document or resource */ \
	X(METHOD_NOT_ALLOWED, 7) \
	X(NOT_ACCEPTABLE, 8) \
	X(CONFLICT, 9)                   /* a different record exists under this id and revision */ \
	X(PAYLOAD_TOO_LARGE, 10)         /* a body or a reply exceeds its cap */ \
	X(UNSUPPORTED_MEDIA_TYPE, 11) \
	X(TOO_MANY_REQUESTS, 12)         /* the server asks to wait and retry */ \
	X(INTERNAL, 13)                  /* the server failed */ \
	X(UNAVAILABLE, 14)               /* the server is unavailable; retry later */ \
	X(STORE_FULL, 15)                /* a store (local or the server's) is full */ \
	X(NO_MEMORY, 16)                 /* out of memory */ \
	X(IO_ERROR, 17)                  /* the local store or a file could not be read or written */ \
	X(LIMIT_EXCEEDED, 18)            /* a structural limit (nesting, count, length) */ \
	X(TOKEN_EXPIRED, 19)             /* the session expired: fn_login again */ \
	X(TOKEN_REVOKED, 20)             /* the session was revoked: fn_login again */ \
	X(DEVICE_REVOKED, 21)            /* this device was revoked centrally */ \
	X(NOT_MODIFIED, 22) \
	X(TLS_ERROR, 23)                 /* TLS failed: certificate not from the pinned CA, ... */ \
	X(NETWORK_ERROR, 24)             /* no route, refused, cut off */ \
	X(WRONG_KEY, 25)                 /* the store key is wrong or the store is damaged */ \
	X(CANCELLED, 26)                 /* the cancel flag was set */ \
	X(TIMEOUT, 27)                   /* connect or read timed out */ \
	X(BAD_ARGUMENT, 28)              /* a NULL or invalid argument */ \
	X(HEADERS_TOO_LARGE, 29)         /* headers (sent or received) exceed their cap */ \
	X(QUOTA_EXCEEDED, 30)            /* the user's daily write quota on the server is used up */

#ifndef FN_SCHEMA_STATUS_H /* the library's own sources see schema's copy */
enum fn_status {
#define FN_STATUS_ENUM_(name, value) FN_##name = value,
	FN_STATUS_CODES(FN_STATUS_ENUM_)
#undef FN_STATUS_ENUM_
};
#endif

/* Static text for a status code: "the store key is wrong or the data is
 * damaged" for FN_WRONG_KEY; "unknown status" for a number not in the list.
 * Never allocates, never NULL, safe from any thread. */
FN_API const char *fn_strerror(int status);

/* The code's stable upper-case name ("WRONG_KEY"), as the server's error
 * replies spell it; "UNKNOWN" for a number not in the list. Static text. */
FN_API const char *fn_status_name(int status);

/* Frees a string the library returned. NULL is a no-op. */
FN_API void fn_free(void *p);

/* ------------------------------------------------------------ handles --- */

/* An open store plus its server settings. Opaque. */
typedef struct fn_client fn_client;

/* Size of the at-rest key in bytes (AES-256). */
#define FN_KEY_SIZE 32
/* Room for a note id plus its NUL (ids are 26-character ULIDs). */
#define FN_ID_SIZE 65

/*
 * Settings for fn_client_open. Fill with fn_options_init() first, then set
 * what you need: members left zero or NULL take the default shown.
 */
typedef struct fn_options {
	size_t size;              /* sizeof(fn_options); set by fn_options_init */
	const char *store_dir;    /* required: directory of the local store,
	                             created (mode 0700) if missing */
	const unsigned char *key; /* required: FN_KEY_SIZE bytes from the
	                             platform keystore (or a random data key
	                             it wraps: see above); read during the
	                             call only: only the cipher's key
	                             schedule is kept (wiped at close), never
	                             on disk */
	const char *server_url;   /* "https://host:port"; NULL: offline only
	                             (login and sync then fail FN_BAD_ARGUMENT) */
	const char *ca_file;      /* PEM CA certificate(s) the server's chain
	                             must lead to: the only trust anchors used.
	                             (A certificate not yet valid by up to 48 h
	                             is accepted: a clock running behind.) */
	const char *cert_file;    /* optional PEM device certificate, shown when
	                             the server asks for one */
	const char *cert_key_file; /* its private key (PEM, unencrypted) */
	const char *device_id;    /* optional (1-128 of A-Za-z0-9._:-; the id a
	                             device certificate names); replaces the
	                             stored one. Default: the stored one, a
	                             random id made when the store was */
	unsigned connect_timeout_ms; /* default 10000 */
	unsigned read_timeout_ms;    /* longest wait for any byte; default 30000 */
	unsigned request_timeout_ms; /* longest one request may take; default 120000 */
	unsigned attempts;        /* tries per request during a sync (network
	                             failures, 5xx, 429); default 6 */
	unsigned backoff_ms;      /* first retry delay; doubles, jittered, capped
	                             at 30 s; default 500 */
	unsigned batch;           /* notes per upload; default 50 (at most 100) */
	size_t max_reply;         /* cap on one reply body; default 32 MiB */
	char *open_error;         /* optional: fn_client_open writes why it
	                             failed here (no handle exists to ask) */
	size_t open_error_size;   /* bytes at open_error, NUL included */
} fn_options;

/* Zeroes *opt and sets opt->size. */
FN_API void fn_options_init(fn_options *opt);

/*
 * Opens (creating if need be) the store in opt->store_dir under opt->key.
 * A new store gets an encrypted check record; an existing one must open it
 * with the key given, so a wrong key fails here and never yields garbage.
 * The CA file and device certificate, when given, are read now.
 *
 * On success *out is a new handle owned by the caller (fn_client_close it).
 * Returns FN_OK; FN_BAD_ARGUMENT (a NULL argument, no key or store_dir,
 * opt->size too small, a malformed server_url); FN_WRONG_KEY; FN_IO_ERROR
 * (directory or store not usable); FN_TLS_ERROR (CA or certificate file
 * unreadable or not PEM); FN_NO_MEMORY. On failure *out is NULL and, when
 * opt->open_error is set, the detail is written there.
 */
FN_API int fn_client_open(fn_client **out, const fn_options *opt);

/* Closes the handle, wiping the key from memory. NULL is a no-op. The
 * handle must not be in use by another thread. */
FN_API void fn_client_close(fn_client *c);

/*
 * Copies the detail of the last failed call on this handle into buf (at
 * most size bytes including the NUL; truncated if longer) and returns that
 * call's status (FN_OK and "" if nothing failed yet). When threads share a
 * handle, it is the most recent failure on any of them. buf may be NULL
 * when size is 0.
 */
FN_API int fn_client_last_error(fn_client *c, char *buf, size_t size);

/* ------------------------------------------------------------ session --- */

/*
 * Signs in: POST /v1/session with this device's id. The token, its expiry
 * and the user's details (role, agency, teams) are kept in the store,
 * encrypted; the password is not kept. Replaces any previous session.
 * Returns FN_OK; FN_UNAUTHORIZED (wrong username or password);
 * FN_DEVICE_REVOKED (this device was reported lost: kept in the store,
 * see fn_session_get; a later successful sign-in clears it); FN_FORBIDDEN (the
 * device id is not the one the device certificate names);
 * FN_TOO_MANY_REQUESTS; FN_NETWORK_ERROR, FN_TIMEOUT, FN_TLS_ERROR;
 * FN_BAD_ARGUMENT; the server's other codes; FN_IO_ERROR.
 */
FN_API int fn_login(fn_client *c, const char *username, const char *password);

/*
 * Ends the session: DELETE /v1/session, then forgets the token. The token
 * is forgotten locally even when the server cannot be reached (the status
 * says so: FN_NETWORK_ERROR, ...; the server lets it expire). Queued notes
 * stay queued. FN_OK also when no session was open.
 */
FN_API int fn_logout(fn_client *c);

/*
 * The session as JSON: {"signed_in":bool, "revoked":bool, "username",
 * "role", "agency", "teams":[...], "expires_at", "device_id"} (user fields
 * from the last sign-in, kept after logout so notes can still be captured
 * offline). revoked: the server said DEVICE_REVOKED for this device id
 * (kept across restarts; fn_sync_run then stops without the network):
 * export the outbox or re-enrol the device under a new device id
 * (client-lib/README.md, "Re-enrolment"), which is not revoked.
 * *out is owned by the caller (fn_free). FN_OK, FN_NO_MEMORY, FN_WRONG_KEY.
 */
FN_API int fn_session_get(fn_client *c, char **out);

/* -------------------------------------------------------------- notes --- */

/*
 * Saves a new voice-of-the-child note, durably (committed and fsync'ed to
 * the store) before returning, and queues it for the next sync.
 *
 * json: the note as a JSON object with the fields of the schema's note
 * record (child_ref, context, child_words, seen, ...). The library sets id
 * (a new ULID from a CSPRNG, strictly greater than every id this store
 * made before, even within one millisecond), revision 1, created_at (now)
 * and device_id,
 * replacing any value the JSON has for them, and drops replaces; it fills
 * author, team and agency from the session when absent, and occurred_at
 * with created_at when absent, and guidance_seen, when absent, with the
 * guidance versions opened (fn_guidance_get) since the last save or amend
 * (at most the last 50; the record then starts afresh, whether or not
 * the JSON had its own). The result must pass the schema's
 * validation (types, required fields, lengths, enum values); the server's
 * own rules are applied at sync, where a refused note stays in the outbox
 * marked invalid with the server's reason.
 *
 * id_out (may be NULL): receives the new note's id, NUL-terminated; at
 * least FN_ID_SIZE bytes.
 *
 * Returns FN_OK; FN_MALFORMED_BODY (not a JSON object); FN_VALIDATION_FAILED
 * (the detail names the field); FN_BAD_ARGUMENT; FN_STORE_FULL; FN_IO_ERROR;
 * FN_NO_MEMORY.
 */
FN_API int fn_note_save(fn_client *c, const char *json, char *id_out);

/*
 * Amends note `id` with the content in json (a whole note, as for
 * fn_note_save; id, revision, replaces, created_at and device_id are set by
 * the library). Allowed for a note still in the outbox and for a sent note
 * that has not been accepted or escalated (typically one a supervisor
 * returned).
 *  - outbox entry marked invalid (the server never stored it): replaced in
 *    place, same revision, queued again;
 *  - otherwise: a new revision (latest + 1) replacing the latest, queued;
 *    both revisions are sent in order.
 * guidance_seen is filled as for fn_note_save.
 * revision_out (may be NULL) receives the revision number queued.
 * Durable before returning, as fn_note_save. Returns as fn_note_save, plus
 * FN_NOT_FOUND (no such note on this device) and FN_FORBIDDEN (accepted or
 * escalated: no longer amendable here).
 */
FN_API int fn_note_amend(fn_client *c, const char *id, const char *json, int64_t *revision_out);

/* -------------------------------------------------------- attachments --- */

/* The largest attachment fn_attachment_add takes (the server's default
 * attachment_max_bytes). */
#define FN_ATTACHMENT_MAX ((size_t)10 << 20)

/*
 * Adds a file (a photo of a drawing, a worksheet) for a note the app is
 * composing: the file at `path`, or (path NULL) the n bytes at buf.
 * media_type: "image/jpeg", "image/png" or "application/pdf" (the server
 * checks the bytes); caption may be NULL. Stored encrypted like the outbox
 * (AES-256-GCM, 64 KiB chunks), durably before returning.
 * id_out (may be NULL, FN_ID_SIZE bytes) receives the attachment's id.
 * json_out (may be NULL; caller frees with fn_free) receives the entry to
 * put in the note's "attachments" array: {"id","sha256","size",
 * "media_type","caption"}. fn_note_save then binds the attachment to the
 * note; fn_sync_run uploads it after the note and deletes its bytes here
 * once the server stored them.
 *
 * Returns FN_OK; FN_BAD_ARGUMENT (no bytes, unknown media type);
 * FN_PAYLOAD_TOO_LARGE (over FN_ATTACHMENT_MAX); FN_IO_ERROR (the file);
 * FN_STORE_FULL; FN_NO_MEMORY.
 */
FN_API int fn_attachment_add(fn_client *c, const char *path, const void *buf, size_t n,
                             const char *media_type, const char *caption, char *id_out, char **json_out);

/*
 * Reads attachment `id` back: *bytes and *n (caller frees with fn_free;
 * NULL once sent), *json (may be NULL to skip; fn_free): {"id","sha256",
 * "size","media_type","caption","note_id","uploaded","state","reason"}.
 * state: pending (waiting for fn_note_save or a sync), refused (the server
 * refused the file, "reason" says why: kept here, never sent again; see
 * fn_attachment_delete) or sent (the bytes left the device).
 * FN_OK, FN_NOT_FOUND, FN_WRONG_KEY, FN_NO_MEMORY.
 */
FN_API int fn_attachment_get(fn_client *c, const char *id, void **bytes, size_t *n, char **json);

/* Every attachment on this device, in creation order: {"items":[
 * fn_attachment_get's json]} (*out: fn_free). Reads records, not bytes.
 * FN_OK, FN_BAD_ARGUMENT, FN_WRONG_KEY, FN_NO_MEMORY. */
FN_API int fn_attachment_list(fn_client *c, char **out);

/* Deletes attachment `id` (refused, unbound, or sent: its record) from
 * this device. FN_OK; FN_NOT_FOUND; FN_CONFLICT (a saved note waits for
 * it); FN_BAD_ARGUMENT; FN_IO_ERROR. */
FN_API int fn_attachment_delete(fn_client *c, const char *id);

/*
 * One note as JSON: {"id", "revision", "state", "note": {...}} where state
 * is queued, conflict or invalid (in the outbox), or submitted, accepted,
 * returned or escalated (sent; note is absent once it was accepted or
 * escalated: the device keeps no copy it no longer needs). The latest
 * revision is shown. FN_OK, FN_NOT_FOUND, FN_WRONG_KEY, FN_NO_MEMORY.
 */
FN_API int fn_note_get(fn_client *c, const char *id, char **out);

/*
 * The outbox as JSON: {"items":[{"id", "revision", "state", "child_ref",
 * "context", "occurred_at", "code", "name", "reason", "errors":[{"field",
 * "message"}]}]}, oldest first. state is queued (waiting for a sync),
 * conflict or invalid (refused by the server; code, name, reason and errors
 * are the server's and stay until the note is amended). Notes leave the
 * outbox only when the server answered stored or duplicate.
 * FN_OK, FN_WRONG_KEY, FN_NO_MEMORY.
 */
FN_API int fn_outbox_list(fn_client *c, char **out);

/* How many notes wait in the outbox, kept with every change (nothing is
 * decrypted): *queued (for a sync; other users' of a shared handheld too),
 * *refused (conflict or invalid, to be amended). Either may be NULL; both
 * 0 on failure. FN_OK, FN_IO_ERROR, FN_BAD_ARGUMENT. */
FN_API int fn_outbox_count(fn_client *c, uint64_t *queued, uint64_t *refused);

/* fn_outbox_count for attachments (fn_outbox_count counts notes only):
 * *queued, those of saved notes waiting to upload; *refused, state
 * "refused". Either may be NULL; both 0 on failure. FN_OK,
 * FN_BAD_ARGUMENT, FN_IO_ERROR, FN_WRONG_KEY. */
FN_API int fn_outbox_count_attachments(fn_client *c, uint64_t *queued, uint64_t *refused);

/*
 * Writes the whole outbox, note content included, to the file `path` the
 * app names, for notes that cannot be sent from this device any more (it
 * was revoked or retired; see client-lib/README.md, "Re-enrolment"):
 * {"warning": "PLAINTEXT: ...", "format", "device_id", "exported_at",
 * "items": [fn_outbox_list's items, each with "note": the note]}, oldest
 * first. The file is PLAINTEXT, outside the encrypted store: the warning
 * at its head says so, and the app must say so to the user too. It is
 * written as path.tmp (mode 0600, fsync'ed) then renamed over path, so
 * path is either absent, the old file, or a whole export. The outbox is
 * not changed. count_out (may be NULL) receives the number of notes.
 * FN_OK; FN_BAD_ARGUMENT (path NULL or ""; longer than 4090 bytes);
 * FN_IO_ERROR (the file could not be written: the detail names it);
 * FN_WRONG_KEY; FN_NO_MEMORY.
 */
FN_API int fn_outbox_export(fn_client *c, const char *path, uint64_t *count_out);

/*
 * Every note this device knows, read offline (no round trip):
 * {"items":[{"id", "revision", "state", "sent_state", "child_ref",
 * "context", "occurred_at"}]} by id, which is creation order. state is the
 * note's state on the device: queued, conflict or invalid while a revision
 * is in the outbox; else submitted (sent, no decision yet), returned,
 * accepted or escalated, as the last sync learnt. sent_state, present when
 * an earlier revision was sent, is the server's state of that one (a
 * returned note being amended: state queued, sent_state returned).
 * child_ref, context and occurred_at are absent once the device dropped
 * the note's content (accepted or escalated). Opens each note's record:
 * proportional to the notes kept. *out is owned by the caller (fn_free).
 * FN_OK, FN_BAD_ARGUMENT, FN_WRONG_KEY, FN_IO_ERROR, FN_NO_MEMORY.
 */
FN_API int fn_note_list(fn_client *c, char **out);

/* ----------------------------------------------- guidance and feedback --- */

/* One cached guidance document as JSON (the schema's guidance_doc: id,
 * version, title, tags, audience, reviewed, updated, seq, body), read
 * offline. Its id and version are recorded in the store for the next
 * note's guidance_seen (see fn_note_save; best effort: a store too full
 * to record it still gives the document). FN_OK, FN_NOT_FOUND,
 * FN_WRONG_KEY, FN_NO_MEMORY. */
FN_API int fn_guidance_get(fn_client *c, const char *id, char **out);

/*
 * Searches the cached guidance offline: {"items":[{"id", "version",
 * "title", "tags", "updated"}]} of the documents whose title, tags or body
 * contain every word of `words` (case-insensitive, ASCII folding), by id.
 * words "" or NULL lists every document. FN_OK, FN_WRONG_KEY, FN_NO_MEMORY.
 */
FN_API int fn_guidance_search(fn_client *c, const char *words, char **out);

/*
 * Supervisors' decisions on this user's notes, as pulled by sync:
 * {"items":[{"note_id", "revision", "decision", "comment", "target",
 * "stage", "by", "at", "seq"}]}, in the order the server recorded them.
 * A returned note (decision "returned") can then be amended with
 * fn_note_amend, offline. FN_OK, FN_WRONG_KEY, FN_NO_MEMORY.
 */
FN_API int fn_feedback_list(fn_client *c, char **out);

/*
 * What became of this user's referrals, as pulled by sync (the feedback
 * pull carries them): {"items":[{"id", "note_id", "revision", "type",
 * "agency", "state" (sent, received, outcome_recorded, withdrawn),
 * "sent_at", "ack_due", "outcome_due", "received_at", "outcome" (the
 * schema's sharing_outcome: no_further_action, early_help, assessment,
 * strategy_discussion, s47_enquiry, accepted, declined_with_advice),
 * "reference" (the receiving agency's own), "comment", "outcome_at",
 * "by", ...}]}, one item per note (its latest state), by note id. Read
 * offline. *out is owned by the caller (fn_free). FN_OK, FN_BAD_ARGUMENT,
 * FN_WRONG_KEY, FN_NO_MEMORY.
 */
FN_API int fn_referrals_list(fn_client *c, char **out);

/* fn_feedback_since's `after` for "what was not acknowledged yet". */
#define FN_FEEDBACK_UNACKED UINT64_MAX

/*
 * Feedback received after a cursor, so an app can show what is new:
 * {"items":[fn_feedback_list's items, each with "local_seq"], "next",
 * "acked"}. local_seq numbers the items in the order this device received
 * them (1, 2, ...; it never changes); items with local_seq > after are
 * given; next is the last local_seq given (`after` when none), to pass
 * to fn_feedback_ack once the user has seen them; acked is the acknowledged cursor. after ==
 * FN_FEEDBACK_UNACKED means the acknowledged cursor (0 when nothing was
 * ever acknowledged). *out is owned by the caller (fn_free). FN_OK,
 * FN_BAD_ARGUMENT, FN_WRONG_KEY, FN_IO_ERROR, FN_NO_MEMORY.
 */
FN_API int fn_feedback_since(fn_client *c, uint64_t after, char **out);

/*
 * Records that the user has seen feedback up to local_seq `upto` (kept in
 * the store; the cursor only moves forward: a smaller value is ignored;
 * a value beyond the newest item is clamped to it). FN_OK,
 * FN_BAD_ARGUMENT, FN_IO_ERROR, FN_STORE_FULL.
 */
FN_API int fn_feedback_ack(fn_client *c, uint64_t upto);

/* --------------------------------------------------------------- sync --- */

/* Points in a sync at which the progress callback is called. */
enum fn_sync_step {
	FN_STEP_CONNECT = 1,       /* about to connect (done: connection number) */
	FN_STEP_PUSH_SEND = 2,     /* a batch is about to be sent (done/total:
	                              notes answered so far / those plus the
	                              notes still queued: grows when notes are
	                              saved during the sync, never below done) */
	FN_STEP_PUSH_SENT = 3,     /* the batch was sent; the reply not yet read */
	FN_STEP_PUSH_REPLY = 4,    /* the reply was read; the outbox not yet changed */
	FN_STEP_PUSH_SAVED = 5,    /* the outbox change is committed */
	FN_STEP_GUIDANCE_REPLY = 6, /* a page of guidance changes was read (done:
	                              documents saved so far) */
	FN_STEP_GUIDANCE_SAVED = 7, /* the page and its cursor are committed */
	FN_STEP_FEEDBACK_REPLY = 8,
	FN_STEP_FEEDBACK_SAVED = 9,
	FN_STEP_RETRY = 10,        /* waiting delay_ms before another try (done:
	                              attempt number; status: why) */
	FN_STEP_DONE = 11,         /* finished (status: the result) */
	FN_STEP_ATTACH_SENT = 12   /* a chunk of an attachment was stored by the
	                              server (done/total: its bytes) */
};

/* What the progress callback sees; owned by the library and valid during
 * the call only. Members are only ever appended. */
typedef struct fn_progress {
	int step;              /* enum fn_sync_step */
	const char *step_name; /* "push_send", "push_reply", ...: static text */
	uint64_t done, total;  /* see enum fn_sync_step; total 0: unknown */
	int status;            /* FN_STEP_RETRY and FN_STEP_DONE: the status */
	unsigned delay_ms;     /* FN_STEP_RETRY: the wait */
} fn_progress;

/* Called on the syncing thread while no store lock is held, so it may call
 * the handle's other functions (fn_outbox_list, ...), but not fn_sync_run,
 * fn_login or fn_logout on the same handle (they wait for this sync). */
typedef void (*fn_progress_fn)(void *arg, const fn_progress *p);

/*
 * Synchronises with the server, in three steps, each resumable:
 *  1. push: the outbox in batches; a note leaves it only when the server
 *     answered stored or duplicate; conflict and invalid notes stay, marked
 *     with the server's reason (fn_outbox_list), and are not sent again
 *     until amended;
 *  2. guidance: changes after the stored cursor (new, changed, withdrawn),
 *     each page committed together with its cursor;
 *  3. feedback: supervisors' decisions after the stored cursor, likewise.
 * Network failures, timeouts, 5xx and 429 are retried with exponential
 * backoff and jitter (opt.attempts, opt.backoff_ms), waiting at least what
 * a Retry-After header asks (see fn_sync_run_with). An expired or revoked
 * session stops the sync at once with FN_TOKEN_EXPIRED, FN_TOKEN_REVOKED
 * or FN_UNAUTHORIZED: the outbox is kept, the token forgotten; fn_login,
 * then sync again. FN_DEVICE_REVOKED is kept too (fn_session_get): every
 * later sync returns it at once, without the network, until the device
 * is re-enrolled under a new device id. Notes saved during a sync are
 * sent in it (their ids sort after the ones being sent). Killed or cut off at any point, the
 * next sync resumes with nothing lost and (the server being idempotent on
 * note id and revision) nothing stored twice.
 *
 * progress (may be NULL) is called with arg at each step. cancel (may be
 * NULL): set *cancel non-zero from any thread to stop at the next step or
 * I/O wait (within about 0.2 s); the sync then returns FN_CANCELLED with
 * everything done so far kept. summary (may be NULL) receives, also on
 * failure, JSON owned by the caller (fn_free): {"status": the status name,
 * "pushed", "duplicates" (notes the server now holds: stored by this sync,
 * or already held), "conflicts", "invalid" (refused by this sync), "held"
 * (queued notes of another user, kept for when they sign in),
 * "guidance_saved", "guidance_withdrawn", "feedback" (items pulled),
 * "feedback_available" (false: the server or the role has no feedback
 * feed), "retries", "connections", "resumed" (connections that resumed a
 * TLS session), "tls" (protocol version), and "stopped", "phase",
 * "retry_after", "detail" as fn_sync_run_with describes}.
 *
 * Returns FN_OK when all three steps completed (notes refused by the
 * server are reported in the summary, not as an error); otherwise the
 * status that stopped it (the session codes above, FN_NETWORK_ERROR,
 * FN_TIMEOUT, FN_TLS_ERROR, FN_UNAVAILABLE, FN_CANCELLED, FN_WRONG_KEY,
 * FN_IO_ERROR, ...).
 */
FN_API int fn_sync_run(fn_client *c, fn_progress_fn progress, void *arg,
                       const volatile int *cancel, char **summary);

/* fn_sync_options.flags: one try per request, no waiting: "fail fast"
 * (an app's foreground "sync now" that must answer at once). */
#define FN_SYNC_ONCE 1u

/*
 * The retry policy of one fn_sync_run_with call. Fill with
 * fn_sync_options_init() first: members left zero take the handle's
 * settings (fn_options) or the default shown. Members are only appended.
 */
typedef struct fn_sync_options {
	size_t size;          /* sizeof(fn_sync_options); set by fn_sync_options_init */
	unsigned flags;       /* FN_SYNC_ONCE */
	unsigned attempts;    /* tries per request; default fn_options.attempts */
	unsigned deadline_ms; /* the whole sync ends within this (connects,
	                         replies and waits between tries included):
	                         FN_TIMEOUT, with what was done kept; 0: none */
	unsigned max_wait_ms; /* the longest Retry-After the sync waits for;
	                         a longer one ends it at once (stopped
	                         "retry_after"); default 30000 */
} fn_sync_options;

/* Zeroes *opt and sets opt->size. NULL is a no-op. */
FN_API void fn_sync_options_init(fn_sync_options *opt);

/*
 * fn_sync_run with a retry policy for this call (opt may be NULL: the
 * handle's; it is read during the call only, and one whose size is too
 * small for flags is ignored). Retry-After (seconds or an HTTP date, on 429, 503 or 507) is
 * honoured: the next try waits at least that long, or, when that is
 * longer than opt.max_wait_ms or passes the deadline, the sync stops
 * there with the server's status and the summary's "retry_after".
 *
 * The summary (see fn_sync_run) then also has "stopped": why the sync
 * ended, one of done, cancelled, deadline, retry_after (the server asked
 * for a longer wait: sync again after "retry_after" seconds), network
 * (unreachable or timed out after every try), tls, throttled, server (5xx
 * after every try), session (sign in again), revoked (this device:
 * fn_outbox_export / re-enrol), refused (the server refused a request),
 * local (the store); "phase" (start, push, guidance, feedback, end): where
 * it stopped; "retry_after" (seconds, when the server sent one); "detail"
 * (when not OK: as fn_client_last_error). Returns as fn_sync_run.
 */
FN_API int fn_sync_run_with(fn_client *c, const fn_sync_options *opt, fn_progress_fn progress, void *arg,
                            const volatile int *cancel, char **summary);

#ifdef __cplusplus
}
#endif

#endif
