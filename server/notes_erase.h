/* notes_erase.h - the notes module's side of retention and subject access:
 * walking note heads, a child's notes, and erasing a note with everything
 * stored about it (revisions, reviews, feedback copies, index entries). */
#ifndef FN_NOTES_ERASE_H
#define FN_NOTES_ERASE_H

#include <stdint.h>

#include "dbkey.h"
#include "mbedtls/sha256.h"
#include "notes.h"

/* Calls fn for each note head whose id sorts after `after` (n bytes; n 0:
 * from the first), in id order, decoded into `a`. fn answers as a
 * store_scan callback does (STORE_SCAN_CONTINUE, STORE_SCAN_STOP or an
 * error, which is returned). The head and its strings are valid until the
 * transaction ends or `a` is reset. */
typedef int (*notes_head_fn)(const struct sc_note_head *h, void *arg);
int notes_heads_scan(struct notes *ns, struct store_txn *t, const char *after, size_t n,
                     struct sc_arena *a, notes_head_fn fn, void *arg);

/* The head of note `id`: FN_OK, or FN_NOT_FOUND. Decoded into `a`. */
int notes_head(struct notes *ns, struct store_txn *t, struct sc_str id, struct sc_arena *a,
               struct sc_note_head *out);

/* The ids of every note about child_ref (the child index, so by each
 * note's latest revision), copied into `a`. */
int notes_child_ids(struct notes *ns, struct store_txn *t, struct sc_str child_ref,
                    struct sc_arena *a, struct sc_strs *out);

/* What erasing a note removes (or, dry, would remove). */
struct notes_erased {
	uint64_t revisions, reviews, index_entries;
	char hash[65]; /* SHA-256 (hex) over the revisions' then the reviews'
	                  stored bytes, in key order: what the audit names */
};

/* Erases note `h` (a head read in this transaction): every revision, its
 * receipt time, every review and the author's feedback copy, the head and
 * its author, queue and child index entries. dry: counts and hashes only,
 * in any transaction. Adds to *out. Auditing is the caller's. */
int notes_erase(struct notes *ns, struct store_txn *t, const struct sc_note_head *h, int dry,
                struct notes_erased *out);

/* The keys under one note id in db (each `suffix` bytes past "id 0":
 * revisions 4, reviews 8), each value hashed into sha as it is collected.
 * Erasers collect, then delete: a delete would move the scan's cursor.
 * Up to 1000 keys (the note view's caps; more is FN_INTERNAL): too big for
 * a thread's stack, so callers allocate it. */
#define NOTES_ERASE_KEYS_MAX 1000
struct notes_erase_keys {
	struct sc_str prefix; /* its length only is valid after the scan */
	size_t suffix;
	mbedtls_sha256_context *sha;
	struct dbkey keys[NOTES_ERASE_KEYS_MAX];
	size_t n;
};
int notes_erase_collect(struct store_txn *t, store_db db, struct sc_str id, size_t suffix,
                        struct notes_erase_keys *c);

/* Deletes key k from db, counting it in *count; an absent key is FN_OK. */
int notes_erase_del(struct store_txn *t, store_db db, const void *k, size_t n, uint64_t *count);

#endif
