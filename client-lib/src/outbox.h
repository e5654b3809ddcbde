/* outbox.h - private to client-lib: the outbox entry and the sent-note record (notes.c), the outbox (outbox.c). */
#ifndef FN_CLIENT_OUTBOX_H
#define FN_CLIENT_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"

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

/* Puts entry e under key (e NULL: deletes it), keeping the per-state
 * counts in meta. Call inside a write transaction. */
int fni_ob_store(fn_client *c, MDB_txn *t, const void *key, size_t kn, const struct ob_entry *e);
/* Counts a store from before the counts existed, once. */
int fni_ob_counts_init(fn_client *c);
int fni_ob_counts(fn_client *c, MDB_txn *t, uint64_t *queued, uint64_t *refused);
/* The outbox as fn_outbox_list gives it; with_notes adds each note's
 * content ("note"). Takes mu. (notes.c) */
int fni_ob_list_json(fn_client *c, int with_notes, char **out);

#endif
