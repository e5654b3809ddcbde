/* main.c - the fieldnote command line: init, serve, user add, guidance. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "app.h"
#include "cli_backup.h"
#include "config.h"
#include "serve.h"
#include "buf.h"
#include "status.h"

static const char usage[] =
	"fieldnote - voice-of-the-child notes and operational guidance server\n"
	"\n"
	"Usage:\n"
	"  fieldnote init --data DIR\n"
	"      Create a store in DIR (nothing happens if one exists).\n"
	"  fieldnote serve [--config FILE] [--data DIR] [--listen [HOST:]PORT]\n"
	"                  [--cert FILE] [--key FILE] [--SETTING VALUE ...]\n"
	"      Serve HTTPS until SIGTERM or SIGINT; in-flight requests finish.\n"
	"      Port 0 picks a free port; the address is printed on stdout.\n"
	"  fieldnote user add --data DIR --username U --role ROLE --team T\n"
	"                     [--team T2 ...] [--agency A] [--replace]\n"
	"      ROLE is officer, worker, supervisor or admin. The password is\n"
	"      read from standard input (one line, 8 to 256 bytes).\n"
	"  fieldnote user disable|enable --data DIR --username U\n"
	"      Disabling ends every session of the user at once.\n"
	"  fieldnote user unlock --data DIR --username U\n"
	"      Clear U's sign-in throttling (failures and backoff). The counters\n"
	"      live in the server's memory; the unlock is stored, and a running\n"
	"      server applies it at U's next sign-in attempt (the admin API's\n"
	"      POST /v1/admin/users/U/unlock does the same).\n"
	"  fieldnote device revoke --data DIR --device ID\n"
	"      Report a handheld lost: its sessions end, it cannot sign in again.\n"
	"  fieldnote guidance import --data DIR FILE...\n"
	"      Load Markdown guidance documents; unchanged files change nothing.\n"
	"  fieldnote guidance withdraw --data DIR ID\n"
	"      Withdraw a document; devices learn of it on their next sync.\n"
	"  fieldnote audit verify --data DIR\n"
	"      Recompute the audit log's hash chain; report the first broken entry.\n"
	"  fieldnote backup --data DIR --out FILE (--key-file KEY | --unencrypted)\n"
	"  fieldnote backup keygen --out KEY\n"
	"      Verified, encrypted online backup (see fieldnote backup --help).\n"
	"  fieldnote restore --in FILE --data NEWDIR [--key-file KEY]\n"
	"      Restore a backup into a new store directory.\n"
	"  fieldnote migrate --data DIR --backup FILE (--key-file KEY | --unencrypted)\n"
	"      Back up, then bring the store to this program's schema version.\n"
	"  fieldnote convert --record NAME --from json|msgpack --to json|msgpack\n"
	"      Re-encode one record from stdin to stdout (for debugging).\n"
	"  fieldnote help | --help, fieldnote version\n"
	"\n"
	"Exit status: 0 success, 1 failure, 2 usage error.\n";

static int fail_usage(const char *msg)
{
	fprintf(stderr, "fieldnote: %s\n(see fieldnote --help)\n", msg);
	return 2;
}

/* Applies "--name value" pairs to the config; returns the index of the
 * first argument that is not an option, or -1 after printing an error. */
static int parse_settings(struct config *c, int argc, char **argv, int i)
{
	char detail[256];
	/* --config first, so that flags override the file. */
	for (int j = i; j < argc - 1; j++)
		if (strcmp(argv[j], "--config") == 0 && config_load(c, argv[j + 1], detail) != FN_OK) {
			fprintf(stderr, "fieldnote: %s\n", detail);
			return -1;
		}
	for (; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			break;
		if (strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			config_help(stdout);
			exit(0);
		}
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
		if (config_set(c, key, argv[i + 1], detail) != FN_OK) {
			fprintf(stderr, "fieldnote: %s\n", detail);
			return -1;
		}
		i++;
	}
	return i;
}

static int open_attach(struct app *app, const struct config *cfg)
{
	char detail[256] = "";
	struct attach_limits lim = {cfg->attachment_max_bytes, cfg->attachment_note_max_bytes,
	                            cfg->attachment_user_quota, cfg->attachment_chunk_max, 0};
	if (attach_types_parse(cfg->attachment_types, &lim.types, detail) != 0) {
		fprintf(stderr, "fieldnote: %s\n", detail);
		return FN_BAD_ARGUMENT;
	}
	int rc = attach_open(&app->attach, app->store, app->audit, &lim);
	if (rc != FN_OK)
		fprintf(stderr, "fieldnote: cannot open the attachment databases: %s\n", sc_status_message(rc));
	return rc;
}

static int open_app(struct app *app, const struct config *cfg, int create)
{
	char detail[256] = "";
	int rc;

	memset(app, 0, sizeof *app);
	app->cfg = cfg;
	struct store_options sopt = {cfg->map_size, cfg->map_max, cfg->store_reserve, 0};
	rc = store_open(&app->store, cfg->data_dir, create, &sopt, detail);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", detail);
		return rc;
	}
	if ((rc = audit_open(&app->audit, app->store)) != FN_OK ||
	    (rc = auth_open(&app->auth, app->store, &cfg->auth, app->audit)) != FN_OK ||
	    (rc = guidance_open(&app->guidance, app->store, app->audit)) != FN_OK ||
	    (rc = notes_open(&app->notes, app->store, &cfg->rules, app->audit, app->auth)) != FN_OK ||
	    (rc = notes_set_write_quota(app->notes, cfg->write_quota_daily)) != FN_OK ||
	    (rc = throttle_open(&app->throttle, &cfg->login)) != FN_OK) {
		fprintf(stderr, "fieldnote: cannot open the store's databases: %s\n", sc_status_message(rc));
		return rc;
	}
	return open_attach(app, cfg);
}

static void close_app(struct app *app)
{
	api_session_flush(app);
	throttle_close(app->throttle);
	attach_close(app->attach);
	notes_close(app->notes);
	guidance_close(app->guidance);
	auth_close(app->auth);
	audit_close(app->audit);
	store_close(app->store);
}

static int cmd_init(struct config *cfg)
{
	struct app app;
	if (open_app(&app, cfg, 1) != FN_OK)
		return 1;
	close_app(&app);
	printf("store ready in %s\n", cfg->data_dir);
	return 0;
}

/* serve: the checks and TLS set-up first (serve_prepare), then the store,
 * then civetweb until a signal (serve_run). */
static int cmd_serve(struct config *cfg)
{
	struct serve_plan plan;
	struct app app;
	int rc = serve_prepare(cfg, &plan);
	if (rc != 0)
		return rc;
	if (open_app(&app, cfg, 0) != FN_OK)
		return 1;
	rc = serve_run(&app, &plan);
	close_app(&app);
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
	char detail[256];

	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--replace") == 0) {
			replace = 1;
			continue;
		}
		if (!v)
			return fail_usage("an option is missing its value");
		if (strcmp(a, "--username") == 0) {
			u.username = (struct sc_str){v, strlen(v)};
			SC_SET(user_record, &u, username);
		} else if (strcmp(a, "--role") == 0) {
			if (auth_role_parse(v, strlen(v)) == ROLE_NONE)
				return fail_usage("--role must be officer, worker, supervisor or admin");
			u.role = (struct sc_str){v, strlen(v)};
			SC_SET(user_record, &u, role);
		} else if (strcmp(a, "--team") == 0) {
			if (nteams == 16)
				return fail_usage("at most 16 teams");
			teams[nteams++] = (struct sc_str){v, strlen(v)};
		} else if (strcmp(a, "--agency") == 0) {
			u.agency = (struct sc_str){v, strlen(v)};
			SC_SET(user_record, &u, agency);
		} else {
			return fail_usage("unknown option for user add");
		}
		i++;
	}
	if (!SC_HAS(user_record, &u, username) || !SC_HAS(user_record, &u, role) || nteams == 0)
		return fail_usage("user add needs --username, --role and at least one --team");
	u.teams = (struct sc_strs){teams, nteams};
	SC_SET(user_record, &u, teams);
	u.created = time(NULL);
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
	if (open_app(&app, cfg, 0) != FN_OK)
		return 1;
	int rc = auth_user_add(app.auth, &u, pw, pwlen, replace, detail);
	explicit_bzero(pw, sizeof pw);
	close_app(&app);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", detail);
		return 1;
	}
	printf("user %s (%s) %s\n", u.username.p, u.role.p, replace ? "saved" : "added");
	return 0;
}

static int cmd_guidance(struct config *cfg, const char *sub, int argc, char **argv, int i)
{
	struct app app;
	char detail[256];
	int failed = 0;

	if (i >= argc)
		return fail_usage("guidance needs a file or an id");
	if (open_app(&app, cfg, 0) != FN_OK)
		return 1;
	if (strcmp(sub, "withdraw") == 0) {
		for (; i < argc; i++) {
			if (guidance_withdraw(app.guidance, argv[i], detail) != FN_OK) {
				fprintf(stderr, "fieldnote: %s\n", detail);
				failed++;
			} else {
				printf("%s: withdrawn\n", argv[i]);
			}
		}
	} else {
		int total = argc - i, done = 0;
		for (; i < argc; i++) {
			int changed;
			int64_t version;
			done++;
			if (guidance_import_file(app.guidance, argv[i], &changed, &version, detail) != FN_OK) {
				fprintf(stderr, "fieldnote: [%d/%d] %s\n", done, total, detail);
				failed++;
			} else {
				printf("[%d/%d] %s: %s version %lld\n", done, total, argv[i],
				       changed ? "stored" : "unchanged at", (long long)version);
			}
		}
	}
	close_app(&app);
	return failed ? 1 : 0;
}

/* user disable|enable|unlock --username U, device revoke --device ID */
static int cmd_account(struct config *cfg, int argc, char **argv)
{
	const char *who = NULL;
	int device = !strcmp(argv[1], "device");
	const char *flag = device ? "--device" : "--username";
	char detail[256], key[64];
	for (int i = 3; i < argc; i += 2) {
		if (i + 1 >= argc)
			return fail_usage("an option is missing its value");
		if (!strcmp(argv[i], flag)) {
			who = argv[i + 1];
			continue;
		}
		snprintf(key, sizeof key, "%s", argv[i] + 2);
		for (char *k = key; *k; k++)
			if (*k == '-')
				*k = '_';
		if (strncmp(argv[i], "--", 2) != 0 || config_set(cfg, key, argv[i + 1], detail) != FN_OK)
			return fail_usage(device ? "device revoke needs --data DIR --device ID"
			                         : "user disable|enable|unlock needs --data DIR --username U");
	}
	if (!who)
		return fail_usage(device ? "device revoke needs --device ID" : "needs --username U");
	struct app app;
	if (open_app(&app, cfg, 0) != FN_OK)
		return 1;
	int unlock = !device && !strcmp(argv[2], "unlock");
	int rc = device ? auth_device_revoke(app.auth, who, SC_STR_LIT("cli"), detail)
	         : unlock ? auth_user_unlock(app.auth, who, SC_STR_LIT("cli"), detail)
	                  : auth_user_set_disabled(app.auth, who, !strcmp(argv[2], "disable"), detail);
	close_app(&app);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", detail);
		return 1;
	}
	if (unlock)
		printf("user %s: unlocked (a running server applies it at the next sign-in attempt)\n", who);
	else
		printf("%s %s: %s\n", device ? "device" : "user", who, device ? "revoked" : argv[2][0] == 'd' ? "disabled" : "enabled");
	return 0;
}

static int cmd_audit_verify(struct config *cfg)
{
	struct app app;
	uint64_t checked, bad;
	char detail[256];
	if (open_app(&app, cfg, 0) != FN_OK)
		return 1;
	int rc = audit_verify(app.audit, &checked, &bad, detail, sizeof detail);
	close_app(&app);
	if (rc == FN_OK) {
		printf("audit chain intact: %llu entries verified\n", (unsigned long long)checked);
		return 0;
	}
	if (rc == FN_CONFLICT)
		fprintf(stderr, "fieldnote: audit chain BROKEN at entry %llu: %s (%llu entries before it verified)\n",
		        (unsigned long long)bad, detail, (unsigned long long)checked);
	else
		fprintf(stderr, "fieldnote: cannot verify the audit log: %s\n", sc_status_message(rc));
	return 1;
}

static const struct {
	const char *name;
	const struct sc_record *rec;
} records[] = {
#define R(n) {#n, &sc_rec_##n},
	SC_RECORDS(R)
#undef R
};

static int format_arg(const char *s)
{
	return !strcmp(s, "json") ? SC_JSON : !strcmp(s, "msgpack") ? SC_MSGPACK : 0;
}

/* fieldnote convert: one record between JSON and msgpack, through the same
 * decoder and encoder the server uses (a debugging and test tool). */
static int cmd_convert(int argc, char **argv)
{
	const struct sc_record *rec = NULL;
	int from = 0, to = 0;
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--record")) {
			for (size_t k = 0; k < sizeof records / sizeof records[0]; k++)
				if (!strcmp(records[k].name, argv[i + 1]))
					rec = records[k].rec;
		} else if (!strcmp(argv[i], "--from")) {
			from = format_arg(argv[i + 1]);
		} else if (!strcmp(argv[i], "--to")) {
			to = format_arg(argv[i + 1]);
		}
	}
	if (!rec || !from || !to) {
		fprintf(stderr, "usage: fieldnote convert --record NAME --from json|msgpack --to json|msgpack < IN > OUT\nrecords:");
		for (size_t k = 0; k < sizeof records / sizeof records[0]; k++)
			fprintf(stderr, " %s", records[k].name);
		fputc('\n', stderr);
		return 2;
	}
	struct sc_buf in = {0}, out = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		if (sc_buf_append(&in, chunk, n) != 0)
			return 1;
	struct sc_arena *a = sc_arena_new(0);
	void *obj = a ? sc_arena_alloc(a, rec->size) : NULL;
	struct sc_error err = {0};
	int rc = obj ? sc_decode(rec, from, in.p, in.n, &sc_limits_default, a, obj, &err) : FN_NO_MEMORY;
	if (rc == FN_OK)
		rc = sc_encode(rec, to, obj, &out);
	if (rc == FN_OK)
		fwrite(out.p, 1, out.n, stdout);
	else
		fprintf(stderr, "fieldnote: %s%s%s: %s\n", sc_status_name(rc), err.field[0] ? " at " : "", err.field, err.message);
	sc_buf_free(&in);
	sc_buf_free(&out);
	sc_arena_free(a);
	return rc == FN_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct config cfg;
	int i;

	setvbuf(stderr, NULL, _IOLBF, 0);
	config_defaults(&cfg);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		if (argc >= 2)
			config_help(stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("fieldnote 0.1.0\n");
		return 0;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "convert"))
		return cmd_convert(argc, argv);
	if (!strcmp(cmd, "backup"))
		return cli_backup(argc - 1, argv + 1);
	if (!strcmp(cmd, "restore"))
		return cli_restore(argc - 1, argv + 1);
	if (!strcmp(cmd, "migrate"))
		return cli_migrate(argc - 1, argv + 1);
	if (!strcmp(cmd, "init") || !strcmp(cmd, "serve")) {
		if ((i = parse_settings(&cfg, argc, argv, 2)) < 0)
			return 2;
		if (i < argc)
			return fail_usage("unexpected argument");
		return !strcmp(cmd, "init") ? cmd_init(&cfg) : cmd_serve(&cfg);
	}
	if (!strcmp(cmd, "user") && argc > 2 && !strcmp(argv[2], "add")) {
		/* --data comes first or anywhere; pull it out, pass the rest. */
		char *rest[64];
		int nrest = 0;
		static const char *const own[] = {"--username", "--role", "--team", "--agency", NULL};
		for (i = 3; i < argc; i++) {
			int mine = !strcmp(argv[i], "--replace");
			for (int k = 0; own[k]; k++)
				if (!strcmp(argv[i], own[k]))
					mine = 2;
			if (!strcmp(argv[i], "--help")) {
				fputs(usage, stdout);
				return 0;
			} else if (mine && nrest < 62) {
				rest[nrest++] = argv[i];
				if (mine == 2 && i + 1 < argc)
					rest[nrest++] = argv[++i];
			} else if (!strncmp(argv[i], "--", 2) && i + 1 < argc) {
				/* --data and any setting, e.g. --argon2-memory-kib */
				char key[64], detail[256];
				snprintf(key, sizeof key, "%s", argv[i] + 2);
				for (char *k = key; *k; k++)
					if (*k == '-')
						*k = '_';
				if (config_set(&cfg, key, argv[++i], detail) != FN_OK)
					return fail_usage(detail);
			} else {
				return fail_usage("unexpected argument for user add");
			}
		}
		return cmd_user_add(&cfg, nrest, rest, 0);
	}
	if ((!strcmp(cmd, "user") && argc > 2 &&
	     (!strcmp(argv[2], "disable") || !strcmp(argv[2], "enable") || !strcmp(argv[2], "unlock"))) ||
	    (!strcmp(cmd, "device") && argc > 2 && !strcmp(argv[2], "revoke")))
		return cmd_account(&cfg, argc, argv);
	if (!strcmp(cmd, "audit") && argc > 2 && !strcmp(argv[2], "verify")) {
		if ((i = parse_settings(&cfg, argc, argv, 3)) < 0)
			return 2;
		if (i < argc)
			return fail_usage("unexpected argument");
		return cmd_audit_verify(&cfg);
	}
	if (!strcmp(cmd, "guidance") && argc > 2 &&
	    (!strcmp(argv[2], "import") || !strcmp(argv[2], "withdraw"))) {
		if ((i = parse_settings(&cfg, argc, argv, 3)) < 0)
			return 2;
		return cmd_guidance(&cfg, argv[2], argc, argv, i);
	}
	return fail_usage("unknown command");
}
