/* sync.h - private to sync.c, pull.c and sync_attach.c: the state of one fn_sync_run. */
#ifndef FN_CLIENT_SYNC_H
#define FN_CLIENT_SYNC_H

#include <stdint.h>

#include "client.h"
#include "rpc.h"

struct sync {
	struct rpc x;
	fn_client *c;
	char user[65];
	unsigned batch;
	uint64_t total, answered;
	uint64_t pushed, duplicates, conflicts, invalid, held, guidance_saved, withdrawn, feedback;
	uint64_t attachments, attachments_refused; /* uploaded, refused this run */
	int feedback_unsupported;
	int local_stop; /* stopped before the network: the store said so */
	int phase;      /* 0 start, 1 push, 2 guidance, 3 feedback, 4 end */
};

/* Pulls one feed (guidance, or feedback when guidance is 0) page by page
 * after its stored cursor, each page committed with its cursor (pull.c). */
int fni_sync_pull(struct sync *s, int guidance);

#endif
