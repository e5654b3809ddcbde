/* app.h - the server-wide state handed to every request handler. */
#ifndef FN_APP_H
#define FN_APP_H

#include <stdatomic.h>
#include <stdint.h>

#include "attach.h"
#include "audit.h"
#include "auth.h"
#include "config.h"
#include "guidance.h"
#include "notes.h"
#include "store.h"
#include "throttle.h"

struct http_route;

struct app {
	const struct config *cfg;
	struct store *store;
	struct audit *audit;
	struct auth *auth;
	struct guidance *guidance;
	struct notes *notes;
	struct attach *attach; /* attachments (issue 16) */
	struct throttle *throttle; /* sign-in attempts */
	struct connlimit *conns; /* open connections per address (serve only) */
	const struct http_route *routes; /* set by http_mount */
	size_t nroutes;
	/* metrics: requests by status class 2xx..5xx, and all */
	atomic_uint_fast64_t requests, by_class[6];
};

#endif
