/* notes_erase.h - the notes module's side of retention and subject access:
 * walking note heads, a child's notes, and erasing a note with everything
 * stored about it (revisions, reviews, feedback copies, index entries). */
#ifndef FN_NOTES_ERASE_H
#define FN_NOTES_ERASE_H

#include <stdint.h>

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

#endif
