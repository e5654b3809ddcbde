/* serve.c - the serve command: listening address, civetweb's options and
 * callbacks, the banner, and the graceful stop. */
#include "serve.h"

#include <civetweb.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "app.h"
#include "config.h"
#include "connlimit.h"
#include "http.h"
#include "log.h"
#include "tls.h"

/* civetweb's listening_ports value, whose trailing "s" (TLS) is not shown. */
static const char *serve_spec = "";

/* text with serve_spec written without its "s", into out. */
static void spec_plain(char *out, size_t cap, const char *text)
{
	size_t sn = strlen(serve_spec);
	const char *at = sn ? strstr(text, serve_spec) : NULL;
	if (at)
		snprintf(out, cap, "%.*s%.*s%s", (int)(at - text), text, (int)(sn - 1), serve_spec, at + sn);
	else
		snprintf(out, cap, "%s", text);
}

/* civetweb's own diagnostics, without request details. */
static int log_message(const struct mg_connection *conn, const char *message)
{
	char text[400];
	(void)conn;
	spec_plain(text, sizeof text, message);
	log_event(LOG_WARN, "civetweb", "civetweb: %s", text);
	return 1;
}

/* civetweb's options from the settings; the numbers are kept in o. */
struct serve_options {
	char threads[16], timeout[16], deadline[16], first_byte[16];
	const char *v[32];
};

static void serve_options(const struct config *cfg, const char *ports, struct serve_options *o)
{
	snprintf(o->threads, sizeof o->threads, "%u", cfg->threads);
	snprintf(o->timeout, sizeof o->timeout, "%u", cfg->request_timeout_ms);
	snprintf(o->deadline, sizeof o->deadline, "%u", cfg->request_deadline_ms);
	snprintf(o->first_byte, sizeof o->first_byte, "%u", cfg->first_byte_timeout_ms);
	const char *v[] = {
		"listening_ports", ports,
		"ssl_certificate", cfg->cert,
		"num_threads", o->threads,
		"request_timeout_ms", o->timeout,
		"request_deadline_ms", o->deadline,
		"first_byte_timeout_ms", o->first_byte,
		"keep_alive_timeout_ms", "30000",
		"enable_keep_alive", "yes",
		"tcp_nodelay", "1",
		"max_request_size", "16384",
		/* No linger_timeout_ms: civetweb turns 0 into SO_LINGER {1, 0},
		 * an abortive close whose reset discarded the unsent end of every
		 * large reply sent with Connection: close. Without it, close()
		 * returns at once and the kernel finishes sending. */
		NULL,
	};
	memcpy(o->v, v, sizeof v);
}

/* Graceful stop: no new connections, handshakes and idle connections
 * closed at once, requests in progress finish (each within its deadline
 * and write timeout), then civetweb stops. */
static void serve_stop(struct mg_context *ctx, struct app *app)
{
	const struct config *cfg = app->cfg;
	mg_drain(ctx);
	tls_drain();
	if (connlimit_wait_idle(app->conns, cfg->request_deadline_ms + cfg->request_timeout_ms) != 0)
		log_event(LOG_WARN, "connections_closed", "%zu connections still open; closing them",
		          connlimit_total(app->conns));
	mg_stop(ctx);
}

int serve_prepare(const struct config *cfg, struct serve_plan *p)
{
	char url[128];
	struct sc_error err = {0};

	log_setup(1, cfg->log_level);
	if (listen_parse(cfg->listen, &p->where, &err) != FN_OK ||
	    listen_civetweb_spec(&p->where, p->ports, sizeof p->ports) != 0) {
		log_event(LOG_ERROR, "bad_listen", "%s", err.message);
		return 2;
	}
	/* Before anything else, so it is the first thing an operator sees. */
	if (!p->where.loopback) {
		listen_url(&p->where, p->where.port, url, sizeof url);
		log_event(LOG_WARN, "listen_not_loopback", "WARNING: serving on %s, reachable from %s; "
		          "use --listen 127.0.0.1:PORT to serve this machine only", url,
		          p->where.any ? "every network this machine is on" : "other machines");
	}
	if (access(cfg->cert, R_OK) != 0 || access(cfg->key, R_OK) != 0) {
		log_event(LOG_ERROR, "tls_setup_failed", "cannot read certificate %s or key %s: %s (make certs creates dev ones)",
		          cfg->cert, cfg->key, strerror(errno));
		return 1;
	}
	/* --help promises mode 600: a key others can read is no longer secret. */
	struct stat kst;
	if (stat(cfg->key, &kst) == 0 && (kst.st_mode & 077)) {
		log_event(LOG_ERROR, "tls_setup_failed", "the server key %s is readable by %s (mode %03o); refusing to use it: "
		          "run chmod 600 %s", cfg->key, kst.st_mode & 07 ? "every user" : "its group",
		        (unsigned)(kst.st_mode & 0777), cfg->key);
		return 1;
	}
	struct tls_options topt = {cfg->cert, cfg->key, cfg->device_ca[0] ? cfg->device_ca : NULL, 0,
	                           cfg->handshake_timeout_ms};
	if (tls_configure(&topt) != 0) {
		struct sc_error te;
		tls_last_error(&te);
		log_event(LOG_ERROR, "tls_setup_failed", "TLS set-up failed: %s", te.message);
		return 1;
	}
	return 0;
}

/* civetweb's connection callbacks (the patched accept/release hooks):
 * user_data is the struct app, whose conns member counts per address. */
static int accept_cb(const void *addr, void *user_data)
{
	struct app *app = user_data;
	return connlimit_admit(app->conns, addr);
}

static void release_cb(const void *addr, void *user_data)
{
	struct app *app = user_data;
	connlimit_release(app->conns, addr);
}

/* Starts civetweb; NULL after saying why. */
static struct mg_context *serve_start(struct app *app, struct serve_plan *p)
{
	struct serve_options so;
	struct mg_callbacks cb = {0};
	struct mg_error_data err = {0};
	char errtext[256] = "";

	serve_options(app->cfg, p->ports, &so);
	cb.log_message = log_message;
	cb.http_error = http_civetweb_error;
	cb.accept_connection = accept_cb;
	cb.release_connection = release_cb;
	struct mg_init_data init = {&cb, app, so.v};
	err.text = errtext;
	err.text_buffer_size = sizeof errtext;
	struct mg_context *ctx = mg_start2(&init, &err);
	if (!ctx) {
		char text[300];
		struct sc_error te;
		spec_plain(text, sizeof text, errtext);
		tls_last_error(&te);
		log_event(LOG_ERROR, "listen_failed", "cannot serve on %.*s: %s%s%s", (int)strlen(p->ports) - 1, p->ports,
		          text, te.message[0] ? ": " : "", te.message);
	}
	return ctx;
}

int serve_run(struct app *app, struct serve_plan *p)
{
	const struct config *cfg = app->cfg;
	char url[128];
	sigset_t sigs;
	int sig;

	/* Room for every connection that can be open: waiting for a first
	 * byte (civetweb's 1024), queued, and served. */
	app->conns = connlimit_new(cfg->max_conns_per_address, 2048 + (size_t)cfg->threads);
	if (!app->conns) {
		log_event(LOG_ERROR, "out_of_memory", "out of memory");
		return 1;
	}
	/* Workers inherit this mask; only the main thread takes the signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	serve_spec = p->ports;
	mg_init_library(MG_FEATURES_TLS);
	struct mg_context *ctx = serve_start(app, p);
	if (!ctx) {
		mg_exit_library();
		connlimit_free(app->conns);
		return 1;
	}
	http_mount(ctx, app, api_routes, api_nroutes);

	struct mg_server_port sp[4];
	int np = mg_get_server_ports(ctx, 4, sp);
	listen_url(&p->where, np > 0 ? (unsigned)sp[0].port : p->where.port, url, sizeof url);
	/* The banner on stdout is for people and scripts (tests/lib.sh reads
	 * it); the log line is for the journal. */
	printf("fieldnote: serving %s (store %s)\n", url, cfg->data_dir);
	fflush(stdout);
	log_event(LOG_INFO, "serving", "serving %s (store %s)", url, cfg->data_dir);

	sigwait(&sigs, &sig);
	log_event(LOG_INFO, "stopping", "%s received, finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
	serve_stop(ctx, app);
	mg_exit_library();
	connlimit_free(app->conns);
	app->conns = NULL;
	serve_spec = "";
	log_event(LOG_INFO, "stopped", "stopped cleanly");
	return 0;
}
