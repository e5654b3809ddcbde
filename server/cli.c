/* cli.c - the command line's shared plumbing (settings, opening the store)
 * and the init, serve and user/device account commands. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "app.h"
#include "clock.h"
#include "metrics.h"
#include "serve.h"
#include "status.h"

int cli_fail_usage(const char *msg)
{
	fprintf(stderr, "fieldnote: %s\n(see fieldnote --help)\n", msg);
	return 2;
}

/* Applies "--name value" pairs to the config; returns the index of the
 * first argument that is not an option, or -1 after printing an error. */
int cli_parse_settings(struct config *c, int argc, char **argv, int i)
{
	struct sc_error err = {0};
	/* --config first, so that flags override the file. */
	for (int j = i; j < argc - 1; j++)
		if (strcmp(argv[j], "--config") == 0 && config_load(c, argv[j + 1], &err) != FN_OK) {
			fprintf(stderr, "fieldnote: %s\n", err.message);
			return -1;
		}
	for (; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			break;
		if (i + 1 >= argc) {
			fprintf(stderr, "fieldnote: %s needs a value\n", argv[i]);
			return -1;
		}
		if (strcmp(argv[i], "--config") == 0) {
			i++;
			continue;
		}
		char key[64];
		snprintf(key, sizeof key, "%s", argv[i] + 2);
		for (char *k = key; *k; k++)
			if (*k == '-')
				*k = '_';
		if (config_set(c, key, argv[i + 1], &err) != FN_OK) {
			fprintf(stderr, "fieldnote: %s\n", err.message);
			return -1;
		}
		i++;
	}
	return i;
}

static int open_sharing(struct app *app, const struct config *cfg)
{
	struct referrals_config rc = cfg->sharing;
	struct sc_error e = {0};
	rc.outcome_days = cfg->rules.referral_outcome_days;
	int err = referrals_open(&app->referrals, app->store, app->audit, &rc, &e);
	if (err != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", e.message[0] ? e.message : sc_status_message(err));
		return err;
	}
	notes_set_referrals(app->notes, app->referrals);
	if ((err = enquiries_open(&app->enquiries, app->store, app->audit)) != FN_OK)
		return err;
	notes_set_enquiries(app->notes, app->enquiries);
	return FN_OK;
}

static int open_attach(struct app *app, const struct config *cfg)
{
	struct sc_error err = {0};
	struct attach_limits lim = {cfg->attachment_max_bytes, cfg->attachment_note_max_bytes,
	                            cfg->attachment_user_quota, cfg->attachment_chunk_max, 0,
	                            (int64_t)cfg->upload_expiry_hours * 3600};
	if (attach_types_parse(cfg->attachment_types, &lim.types, &err) != 0) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return FN_BAD_ARGUMENT;
	}
	int rc = attach_open(&app->attach, app->store, app->audit, &lim);
	if (rc != FN_OK)
		fprintf(stderr, "fieldnote: cannot open the attachment databases: %s\n", sc_status_message(rc));
	return rc;
}

int cli_open_app(struct app *app, const struct config *cfg, int create)
{
	struct sc_error err = {0};
	int rc;

	memset(app, 0, sizeof *app);
	app->cfg = cfg;
	struct store_options sopt = {cfg->map_size, cfg->map_max, cfg->store_reserve, 0};
	rc = store_open(&app->store, cfg->data_dir, create, &sopt, &err);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return rc;
	}
	if ((rc = audit_open(&app->audit, app->store)) != FN_OK ||
	    (rc = auth_open(&app->auth, app->store, &cfg->auth, app->audit)) != FN_OK ||
	    (rc = guidance_open(&app->guidance, app->store, app->audit)) != FN_OK ||
	    (rc = notes_open(&app->notes, app->store, &cfg->rules, app->audit, app->auth)) != FN_OK ||
	    (rc = notes_set_write_quota(app->notes, cfg->write_quota_daily)) != FN_OK ||
	    (rc = review_open(&app->review, app->store, &cfg->rules, app->audit, app->notes)) != FN_OK ||
	    (rc = escalations_open(&app->escalations, app->store, &cfg->rules, app->audit, app->auth)) != FN_OK ||
	    (rc = holds_open(&app->holds, app->store, app->audit)) != FN_OK ||
	    (rc = open_sharing(app, cfg)) != FN_OK ||
	    (rc = throttle_open(&app->throttle, &cfg->login)) != FN_OK) {
		fprintf(stderr, "fieldnote: cannot open the store's databases: %s\n", sc_status_message(rc));
		return rc;
	}
	notes_set_escalations(app->notes, app->escalations);
	review_set_escalations(app->review, app->escalations);
	return open_attach(app, cfg);
}

void cli_close_app(struct app *app)
{
	api_session_flush(app);
	throttle_close(app->throttle);
	attach_close(app->attach);
	review_close(app->review);
	notes_close(app->notes);
	escalations_close(app->escalations);
	holds_close(app->holds);
	enquiries_close(app->enquiries);
	referrals_close(app->referrals);
	guidance_close(app->guidance);
	auth_close(app->auth);
	audit_close(app->audit);
	store_close(app->store);
	metrics_destroy(app->metrics); /* after the store: its commit observer */
}

/* mkdir -p for the parents of dir (mode 700: they lead to the store). */
static int make_parents(const char *dir)
{
	char path[1024];
	snprintf(path, sizeof path, "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		struct stat st;
		/* an existing parent on a read-only mount (ProtectSystem=strict)
		 * may answer EROFS rather than EEXIST */
		if (mkdir(path, 0700) != 0 && errno != EEXIST && !(stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
			fprintf(stderr, "fieldnote: cannot create %s: %s\n", path, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	return 0;
}

int cli_init(struct config *cfg)
{
	struct app app;
	if (make_parents(cfg->data_dir) != 0)
		return 1;
	if (cli_open_app(&app, cfg, 1) != FN_OK)
		return 1;
	cli_close_app(&app);
	printf("store ready in %s\n", cfg->data_dir);
	return 0;
}

/* serve: the checks and TLS set-up first (serve_prepare), then the store,
 * then civetweb until a signal (serve_run). */
int cli_serve(struct config *cfg)
{
	struct serve_plan plan;
	struct app app;
	int rc = serve_prepare(cfg, &plan);
	if (rc != 0)
		return rc;
	if (cli_open_app(&app, cfg, 0) != FN_OK)
		return 1;
	rc = serve_run(&app, &plan);
	cli_close_app(&app);
	return rc;
}

static int read_password(char *buf, size_t cap, size_t *n)
{
	if (!fgets(buf, (int)cap, stdin))
		return -1;
	size_t len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[--len] = 0;
	if (len && buf[len - 1] == '\r')
		buf[--len] = 0;
	*n = len;
	return 0;
}

static int cmd_user_add(struct config *cfg, int argc, char **argv, int i)
{
	struct sc_user_record u = {0};
	struct sc_str teams[16];
	size_t nteams = 0;
	int replace = 0;
	struct sc_error err = {0};

	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--replace") == 0) {
			replace = 1;
			continue;
		}
		if (!v)
			return cli_fail_usage("an option is missing its value");
		if (strcmp(a, "--username") == 0) {
			u.username = (struct sc_str){v, strlen(v)};
			SC_SET(user_record, &u, username);
		} else if (strcmp(a, "--role") == 0) {
			if (auth_role_parse(v, strlen(v)) == ROLE_NONE)
				return cli_fail_usage("--role must be one of:" AUTH_ROLES_TEXT);
			u.role = (struct sc_str){v, strlen(v)};
			SC_SET(user_record, &u, role);
		} else if (strcmp(a, "--team") == 0) {
			if (nteams == 16)
				return cli_fail_usage("at most 16 teams");
			teams[nteams++] = (struct sc_str){v, strlen(v)};
		} else if (strcmp(a, "--agency") == 0) {
			u.agency = (struct sc_str){v, strlen(v)};
			SC_SET(user_record, &u, agency);
		} else {
			return cli_fail_usage("unknown option for user add");
		}
		i++;
	}
	/* A partner is an agency, not a member of a team. */
	int partner = SC_HAS(user_record, &u, role) && auth_role_parse(u.role.p, u.role.n) == ROLE_PARTNER;
	if (!SC_HAS(user_record, &u, username) || !SC_HAS(user_record, &u, role) || (nteams == 0 && !partner))
		return cli_fail_usage("user add needs --username, --role and at least one --team");
	if (partner && !SC_HAS(user_record, &u, agency))
		return cli_fail_usage("a partner needs --agency (mash, csc, early_help, camhs, yot...)");
	if (nteams) {
		u.teams = (struct sc_strs){teams, nteams};
		SC_SET(user_record, &u, teams);
	}
	u.created = clock_now();
	SC_SET(user_record, &u, created);

	char pw[300];
	size_t pwlen;
	if (isatty(0))
		fprintf(stderr, "password for %s: ", u.username.p);
	if (read_password(pw, sizeof pw, &pwlen) != 0) {
		fprintf(stderr, "fieldnote: no password on standard input\n");
		return 1;
	}
	struct app app;
	if (cli_open_app(&app, cfg, 0) != FN_OK)
		return 1;
	int rc = auth_user_add(app.auth, &u, pw, pwlen, replace, &err);
	explicit_bzero(pw, sizeof pw);
	cli_close_app(&app);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return 1;
	}
	printf("user %s (%s) %s\n", u.username.p, u.role.p, replace ? "saved" : "added");
	return 0;
}

/* fieldnote user add: --data and any setting may come anywhere; the
 * user's own options are collected and passed on. */
int cli_user_add(struct config *cfg, int argc, char **argv)
{
	char *rest[64];
	int nrest = 0, i;
	static const char *const own[] = {"--username", "--role", "--team", "--agency", NULL};
	for (i = 3; i < argc; i++) {
		int mine = !strcmp(argv[i], "--replace");
		for (int k = 0; own[k]; k++)
			if (!strcmp(argv[i], own[k]))
				mine = 2;
		if (mine && nrest < 62) {
			rest[nrest++] = argv[i];
			if (mine == 2 && i + 1 < argc)
				rest[nrest++] = argv[++i];
		} else if (!strncmp(argv[i], "--", 2) && i + 1 < argc) {
			/* --data and any setting, e.g. --argon2-memory-kib */
			char key[64];
			struct sc_error err = {0};
			snprintf(key, sizeof key, "%s", argv[i] + 2);
			for (char *k = key; *k; k++)
				if (*k == '-')
					*k = '_';
			if (config_set(cfg, key, argv[++i], &err) != FN_OK)
				return cli_fail_usage(err.message);
		} else {
			return cli_fail_usage("unexpected argument for user add");
		}
	}
	return cmd_user_add(cfg, nrest, rest, 0);
}
/* user disable|enable|unlock --username U, device revoke --device ID */
int cli_account(struct config *cfg, int argc, char **argv)
{
	const char *who = NULL;
	int device = !strcmp(argv[1], "device");
	const char *flag = device ? "--device" : "--username";
	char key[64];
	struct sc_error err = {0};
	for (int i = 3; i < argc; i += 2) {
		if (i + 1 >= argc)
			return cli_fail_usage("an option is missing its value");
		if (!strcmp(argv[i], flag)) {
			who = argv[i + 1];
			continue;
		}
		snprintf(key, sizeof key, "%s", argv[i] + 2);
		for (char *k = key; *k; k++)
			if (*k == '-')
				*k = '_';
		if (strncmp(argv[i], "--", 2) != 0 || config_set(cfg, key, argv[i + 1], &err) != FN_OK)
			return cli_fail_usage(device ? "device revoke needs --data DIR --device ID"
			                         : "user disable|enable|unlock needs --data DIR --username U");
	}
	if (!who)
		return cli_fail_usage(device ? "device revoke needs --device ID" : "needs --username U");
	struct app app;
	if (cli_open_app(&app, cfg, 0) != FN_OK)
		return 1;
	int unlock = !device && !strcmp(argv[2], "unlock");
	int rc = device ? auth_device_revoke(app.auth, who, SC_STR_LIT("cli"), &err)
	         : unlock ? auth_user_unlock(app.auth, who, SC_STR_LIT("cli"), &err)
	                  : auth_user_set_disabled(app.auth, who, !strcmp(argv[2], "disable"), &err);
	cli_close_app(&app);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return 1;
	}
	if (unlock)
		printf("user %s: unlocked (a running server applies it at the next sign-in attempt)\n", who);
	else
		printf("%s %s: %s\n", device ? "device" : "user", who, device ? "revoked" : argv[2][0] == 'd' ? "disabled" : "enabled");
	return 0;
}

