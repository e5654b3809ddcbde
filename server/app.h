/* app.h - the server-wide state handed to every request handler. */
#ifndef FN_APP_H
#define FN_APP_H

#include <stdatomic.h>
#include <stdint.h>

#include "attach.h"
#include "audit.h"
#include "auth.h"
#include "config.h"
#include "escalations.h"
#include "guidance.h"
#include "enquiries.h"
#include "holds.h"
#include "notes.h"
#include "referrals.h"
#include "review.h"
#include "store.h"
#include "throttle.h"

struct http_route;
struct metrics;

struct app {
	const struct config *cfg;
	struct store *store;
	struct audit *audit;
	struct auth *auth;
	struct guidance *guidance;
	struct notes *notes;
	struct review *review; /* the review queue, decisions, feedback, contacts */
	struct escalations *escalations;
	struct holds *holds; /* legal holds (retention) */
	struct referrals *referrals;
	struct enquiries *enquiries;
	struct attach *attach; /* attachments (issue 16) */
	struct throttle *throttle; /* sign-in attempts */
	struct connlimit *conns; /* open connections per address (serve only) */
	const struct http_route *routes; /* set by http_mount */
	size_t nroutes;
	struct metrics *metrics; /* made by http_mount, freed by the CLI's close */
};

#endif
