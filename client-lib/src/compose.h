/* compose.h - private to client-lib: a note completed from the app's JSON and encoded canonically (compose.c). */
#ifndef FN_CLIENT_COMPOSE_H
#define FN_CLIENT_COMPOSE_H

#include <stdint.h>

#include "client.h"

/* The app's note JSON completed (id, revision, replaces when > 0,
 * created_at, device_id; author, team, agency and occurred_at when
 * absent), validated by the schema and encoded canonically into mp.
 * seen: a JSON array of guidance_ref (the guidance opened since the last
 * save), set as guidance_seen when the app's JSON has none; or NULL.
 * Sets the handle's error on failure. */
int fni_note_compose(fn_client *c, const char *json, const char *id, int64_t rev, int64_t replaces,
                     const char *seen, struct sc_arena *a, struct sc_buf *mp);

#endif
