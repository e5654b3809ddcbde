/* attach.h - private to client-lib: attachments bound to notes (attach.c) and uploaded by the sync (sync_attach.c). */
#ifndef FN_CLIENT_ATTACH_H
#define FN_CLIENT_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"

struct sync;

/* Inside fn_note_save's write transaction: every attachment the composed
 * note (msgpack) lists must be on this device with that sha256; each is
 * bound to the note (uploaded after it). Sets the handle's error. */
int fni_attach_bind(fn_client *c, MDB_txn *t, const void *note_mp, size_t n);
/* The sync's last phase: uploads the attachments of notes the server has
 * acknowledged (tus 1.0, resuming at the server's offset), each removed
 * from the device once the server has stored it (sync_attach.c). */
int fni_attach_push(struct sync *s);
/* Chunks [from, to) of an attachment's bytes, opened, appended to out. */
int fni_attach_read_range(fn_client *c, MDB_txn *t, const char *id, uint32_t from, uint32_t to,
                          struct sc_buf *out);

#endif
