/* export.h - everything held about one child reference (subject access,
 * a court): fieldnote export child and GET /v1/admin/children/{ref}/export. */
#ifndef FN_EXPORT_H
#define FN_EXPORT_H

#include <stdint.h>

#include "buf.h"
#include "holds.h"

struct app;

/* Records the export ("child.exported", by `who`) in the audit log first,
 * then encodes a child_export record (schema/records.h) in `fmt` (SC_JSON
 * or SC_MSGPACK) into *out, which the caller frees with sc_buf_free:
 * every note about the child with all its revisions and reviews, the hold
 * if any, and every audit entry naming the child or one of its notes (who
 * stored, reviewed, read or erased them, and when; this export included).
 * No read transaction is held when it returns. FN_OK (also when nothing is
 * held: an export with no notes is an answer too), FN_VALIDATION_FAILED for
 * a reference that is not pseudonymous (rules_child_ref_ok), or an error
 * with *err (may be NULL) saying why. */
int export_child(struct app *app, struct sc_str child_ref, const struct holds_actor *who, int64_t now,
                 int fmt, struct sc_buf *out, struct sc_error *err);

#endif
