/* serve.h - the serve command: HTTPS on the configured address until
 * SIGTERM or SIGINT, then a graceful stop. */
#ifndef FN_SERVE_H
#define FN_SERVE_H

#include "listen.h"

struct app;
struct config;

/* What serve_prepare found out, for serve_run. */
struct serve_plan {
	struct listen_addr where;
	char ports[300]; /* civetweb's listening_ports value */
};

/* Parses --listen (warning on stderr about a non-loopback address), checks
 * the certificate and key can be read, and registers them with the TLS
 * adapter. Returns 0, or the exit status after saying why on stderr. */
int serve_prepare(const struct config *cfg, struct serve_plan *p);

/* Serves app until SIGTERM or SIGINT, then stops gracefully. The caller
 * opened app (and closes it afterwards); p comes from serve_prepare.
 * Returns the exit status. */
int serve_run(struct app *app, struct serve_plan *p);

#endif
