/* review_internal.h - the review module's private parts, shared by its
 * files (review.c: open, decisions, reviews and feedback; review_queue.c;
 * review_contacts.c). Nothing outside the module includes this. */
#ifndef FN_REVIEW_INTERNAL_H
#define FN_REVIEW_INTERNAL_H

#include "dbkey.h"
#include "notes.h"
#include "review.h"

#define REVIEW_DAY 86400

struct review {
	struct store *store;
	struct notes *notes;
	struct rules_config rc;
	struct audit *audit;
	struct escalations *esc; /* NULL: escalations not kept (tools) */
	store_db reviews;   /* "notes.reviews": note id 0 seq(8) -> review */
	store_db feedback;  /* "notes.feedback": author 0 seq(8) -> review */
};

#endif
