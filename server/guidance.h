/* guidance.h - guidance documents: import from Markdown, versions, the
 * change feed, lookup and search. Owns the "guidance.*" databases. */
#ifndef FN_GUIDANCE_H
#define FN_GUIDANCE_H

#include <stdint.h>

#include "arena.h"
#include "records.h"
#include "store.h"

struct guidance;

struct audit;

/* Imports and withdrawals are recorded in `audit`. */
int guidance_open(struct guidance **out, struct store *s, struct audit *audit);
void guidance_close(struct guidance *g);

/* Imports one Markdown file (a "---" header with id, title, tags, audience,
 * reviewed, then the body). *changed is set to 1 when a new version was
 * stored, 0 when the stored version already had this content. *err (may
 * be NULL) says what was wrong with a file that is refused. */
int guidance_import_file(struct guidance *g, const char *path, int *changed,
                         int64_t *version, struct sc_error *err);
/* Imports from memory; `origin` names the source in error details. */
int guidance_import(struct guidance *g, const char *text, size_t n,
                    const char *origin, int *changed, int64_t *version,
                    struct sc_error *err);

/* Withdraws a document: it leaves lookups and the feed announces it.
 * FN_NOT_FOUND when there is no current one; *err (may be NULL) says why. */
int guidance_withdraw(struct guidance *g, const char *id, struct sc_error *err);

/* Reading. `role` is the reader's role name ("officer"): a document whose
 * audience does not name it is absent for that reader, as if it did not
 * exist (a document with no audience is for every role). NULL reads every
 * document. Everything handed back is copied into `arena`, so that the
 * caller can end the read transaction before it sends any of it. */

/* The stored encoding of one document in `fmt`, ready to send (in arena).
 * *gzip: on entry 1 when the reader accepts gzip; on return 1 when bytes are
 * the gzip copy stored at import (a document imported before gzip copies
 * existed has none until it is imported again, and comes plain).
 * FN_NOT_FOUND for no such document, a withdrawn one, or one not for role. */
int guidance_get(struct guidance *g, struct store_txn *t, const char *role,
                 const char *id, size_t idlen, int fmt, int *gzip,
                 struct sc_arena *arena, struct sc_str *bytes, int64_t *version);

/* Every current document's summary, or those matching every word of
 * `q` (case-insensitive, in title, tags or body) when q is not NULL. */
int guidance_list(struct guidance *g, struct store_txn *t, const char *role,
                  const char *q, struct sc_arena *arena,
                  struct sc_guidance_list *out);

/* Changes after `since`, at most `limit`, documents included. Documents not
 * for role are left out (`next` moves past them); withdrawals, which carry
 * only the id, are announced to every role. */
int guidance_changes(struct guidance *g, struct store_txn *t, const char *role,
                     uint64_t since, size_t limit, struct sc_arena *arena,
                     struct sc_change_page *out);

/* Whether an Accept-Encoding value (RFC 9110 12.5.3; NULL: absent) lets us
 * send gzip: named (or x-gzip) with q above 0, or, when not named, "*" with
 * q above 0. A malformed q counts as 0. (api_guidance.c) */
int guidance_accepts_gzip(const char *accept_encoding);

/* gzip (RFC 1952) of n bytes at p, at zlib `level` (1 fast .. 9 small),
 * into arena memory. FN_OK, FN_NO_MEMORY, FN_INTERNAL (zlib refused).
 * (guidance_gzip.c) */
int guidance_gzip(const void *p, size_t n, int level, struct sc_arena *arena, struct sc_str *out);

#endif
