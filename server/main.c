/* main.c - the fieldnote command table: each command's usage and entry
 * point (the commands live in cli*.c). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "cli_backup.h"
#include "cli_retention.h"
#include "clock.h"
#include "config.h"

/* How each command reads its arguments. */
enum form {
	F_SETTINGS, /* only settings (--data DIR, --SETTING VALUE) */
	F_OWN,      /* parses its own argv (argv[0] is "fieldnote") */
	F_TOOL,     /* takes argc - 1, argv + 1 (the backup family) */
};

struct command {
	const char *name, *sub; /* sub NULL: a command without subcommands */
	enum form form;
	const char *usage;
	const char *opt; /* its one option that is not a setting, or NULL */
	/* The entry point, called as it is declared: one of these is set. */
	int (*cfg_only)(struct config *cfg);
	int (*cfg_argv)(struct config *cfg, int argc, char **argv);
	int (*argv_only)(int argc, char **argv);
	/* the few that need the settings' end (i) or their option (opt) */
	int (*run)(struct config *cfg, int argc, char **argv, int i, const char *opt);
};

static int run_guidance(struct config *c, int n, char **v, int i, const char *opt)
{
	(void)opt;
	return cli_guidance(c, v[2], n, v, i);
}

/* user passwd --username U: the one option that is not a setting. */
static int run_user_passwd(struct config *c, int n, char **v, int i, const char *opt)
{
	(void)n; (void)v; (void)i;
	return opt ? cli_user_passwd(c, opt) : cli_fail_usage("user passwd needs --data DIR --username U");
}

static int run_audit_export(struct config *c, int n, char **v, int i, const char *opt)
{
	(void)n; (void)v; (void)i;
	return cli_audit_export(c, opt);
}

static int run_config(struct config *c, int n, char **v, int i, const char *opt)
{
	(void)c; (void)n; (void)i; (void)opt;
	(v[2][0] == 's' ? config_sample : config_roff)(stdout);
	return 0;
}

static const struct command commands[] = {
	{"init", NULL, F_SETTINGS, .cfg_only = cli_init, .usage =
	 "fieldnote init --data DIR\n"
	 "    Create a store in DIR and any missing parent directories (nothing\n"
	 "    happens if one exists).\n"},
	{"serve", NULL, F_SETTINGS, .cfg_only = cli_serve, .usage =
	 "fieldnote serve [--config FILE] [--data DIR] [--listen [HOST:]PORT]\n"
	 "                [--cert FILE] [--key FILE] [--SETTING VALUE ...]\n"
	 "    Serve HTTPS until SIGTERM or SIGINT; in-flight requests finish.\n"
	 "    Port 0 picks a free port; the address is printed on stdout. The key\n"
	 "    file must be mode 600. One JSON line per request goes to stderr.\n"},
	{"user", "add", F_OWN, .cfg_argv = cli_user_add, .usage =
	 "fieldnote user add --data DIR --username U --role ROLE --team T\n"
	 "                   [--team T2 ...] [--agency A] [--replace]\n"
	 "                   (--role partner: --agency A required, no --team)\n"
	 "    ROLE is officer, worker, supervisor, admin or partner. The password\n"
	 "    is read from standard input (one line, 8 to 256 bytes).\n"},
	{"user", "list", F_SETTINGS, .cfg_only = cli_user_list, .usage =
	 "fieldnote user list --data DIR\n"
	 "    Every user: name, role, state (active or disabled), teams, agency.\n"},
	{"user", "passwd", F_SETTINGS, .run = run_user_passwd, .usage =
	 "fieldnote user passwd --data DIR --username U\n"
	 "    Set U's password from standard input; U's sessions end.\n", "--username"},
	{"user", "disable", F_OWN, .cfg_argv = cli_account, .usage =
	 "fieldnote user disable --data DIR --username U\n"
	 "    Disabling ends every session of the user at once.\n"},
	{"user", "enable", F_OWN, .cfg_argv = cli_account, .usage =
	 "fieldnote user enable --data DIR --username U\n"
	 "    Let a disabled user sign in again.\n"},
	{"user", "unlock", F_OWN, .cfg_argv = cli_account, .usage =
	 "fieldnote user unlock --data DIR --username U\n"
	 "    Clear U's sign-in throttling (failures and backoff). The counters\n"
	 "    live in the server's memory; the unlock is stored, and a running\n"
	 "    server applies it at U's next sign-in attempt (the admin API's\n"
	 "    POST /v1/admin/users/U/unlock does the same).\n"},
	{"device", "list", F_SETTINGS, .cfg_only = cli_device_list, .usage =
	 "fieldnote device list --data DIR\n"
	 "    Every device that has signed in: its user, state (active or\n"
	 "    revoked) and last sign-in.\n"},
	{"device", "revoke", F_OWN, .cfg_argv = cli_account, .usage =
	 "fieldnote device revoke --data DIR --device ID\n"
	 "    Report a handheld lost: its sessions end, it cannot sign in again.\n"},
	{"guidance", "import", F_SETTINGS, .run = run_guidance, .usage =
	 "fieldnote guidance import --data DIR FILE...\n"
	 "    Load Markdown guidance documents; unchanged files change nothing.\n"},
	{"guidance", "list", F_SETTINGS, .cfg_only = cli_guidance_list, .usage =
	 "fieldnote guidance list --data DIR\n"
	 "    Every current document's summary, as JSON.\n"},
	{"guidance", "withdraw", F_SETTINGS, .run = run_guidance, .usage =
	 "fieldnote guidance withdraw --data DIR ID...\n"
	 "    Withdraw documents; devices learn of it on their next sync.\n"},
	{"audit", "verify", F_SETTINGS, .cfg_only = cli_audit_verify, .usage =
	 "fieldnote audit verify --data DIR\n"
	 "    Recompute the audit log's hash chain; report the first broken entry.\n"},
	{"audit", "export", F_SETTINGS, .run = run_audit_export, .usage =
	 "fieldnote audit export --data DIR [--out FILE]\n"
	 "    The audit log as JSON lines, oldest first (to FILE, made new, or stdout).\n", "--out"},
	{"backup", NULL, F_TOOL, .argv_only = cli_backup, .usage =
	 "fieldnote backup --data DIR --out FILE (--key-file KEY | --unencrypted)\n"
	 "  fieldnote backup keygen --out KEY\n"
	 "    Verified, encrypted online backup (fieldnote backup --help says more).\n"},
	{"restore", NULL, F_TOOL, .argv_only = cli_restore, .usage =
	 "fieldnote restore --in FILE --data NEWDIR [--key-file KEY]\n"
	 "    Restore a backup into a new store directory.\n"},
	{"migrate", NULL, F_TOOL, .argv_only = cli_migrate, .usage =
	 "fieldnote migrate --data DIR --backup FILE (--key-file KEY | --unencrypted)\n"
	 "    Back up, then bring the store to this program's schema version.\n"},
	{"hold", NULL, F_TOOL, .argv_only = cli_retention, .usage =
	 "fieldnote hold add|remove|list --data DIR [--child REF] [--reason TEXT]\n"
	 "    Legal holds: retention deletes nothing about a held child.\n"},
	{"retention", NULL, F_TOOL, .argv_only = cli_retention, .usage =
	 "fieldnote retention run --data DIR [--dry-run]\n"
	 "    Delete notes past retention and not held (fieldnote retention --help).\n"},
	{"export", NULL, F_TOOL, .argv_only = cli_retention, .usage =
	 "fieldnote export child REF --data DIR --out FILE\n"
	 "    Everything held about one child, as JSON (subject access).\n"},
	{"config", "sample", F_OWN, .run = run_config, .usage =
	 "fieldnote config sample\n"
	 "    Print a settings file with every setting at its default, commented out.\n"},
	{"config", "roff", F_OWN, .run = run_config, .usage =
	 "fieldnote config roff\n"
	 "    Print the settings as roff, for the fieldnote.conf(5) page.\n"},
	{"convert", NULL, F_OWN, .argv_only = cli_convert, .usage =
	 "fieldnote convert --record NAME --from json|msgpack --to json|msgpack\n"
	 "    Re-encode one record from stdin to stdout (for debugging).\n"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage_all(FILE *out)
{
	fputs("fieldnote - voice-of-the-child notes and operational guidance server\n\nUsage:\n", out);
	for (size_t k = 0; k < NCOMMANDS; k++)
		fprintf(out, "  %s", commands[k].usage);
	fputs("  fieldnote help | --help, fieldnote version\n"
	      "  fieldnote COMMAND [SUBCOMMAND] --help: that command's usage.\n"
	      "\nExit status: 0 success, 1 failure, 2 usage error.\n", out);
}

/* `fieldnote user --help` and the like: every subcommand's usage. */
static int usage_of(const char *name, FILE *out)
{
	int n = 0;
	for (size_t k = 0; k < NCOMMANDS; k++)
		if (!strcmp(commands[k].name, name)) {
			fprintf(out, "%sUsage: %s", n++ ? "\n" : "", commands[k].usage);
		}
	return n;
}

static int wants_help(int argc, char **argv, int from)
{
	for (int i = from; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static int call(const struct command *c, struct config *cfg, int argc, char **argv, int i, const char *opt)
{
	if (c->cfg_only)
		return c->cfg_only(cfg);
	if (c->cfg_argv)
		return c->cfg_argv(cfg, argc, argv);
	if (c->argv_only)
		return c->argv_only(argc, argv);
	return c->run(cfg, argc, argv, i, opt);
}

static int run(const struct command *c, struct config *cfg, int argc, char **argv)
{
	int first = c->sub ? 3 : 2, i = first;
	/* The backup family prints its own, longer help. */
	if (c->form != F_TOOL && wants_help(argc, argv, 2)) {
		printf("Usage: %s", c->usage);
		if (c->form == F_SETTINGS)
			config_help(stdout);
		return 0;
	}
	if (c->form == F_TOOL)
		return call(c, cfg, argc - 1, argv + 1, 0, NULL);
	/* The command's own option comes out first; the rest are settings. */
	const char *opt = NULL;
	for (int k = first; c->opt && k + 1 < argc; k++)
		if (!strcmp(argv[k], c->opt)) {
			opt = argv[k + 1];
			memmove(&argv[k], &argv[k + 2], (size_t)(argc - k - 2) * sizeof *argv);
			argc -= 2;
			break;
		}
	if (c->form == F_SETTINGS && (i = cli_parse_settings(cfg, argc, argv, first)) < 0)
		return 2;
	if (c->form == F_SETTINGS && i < argc && c->run != run_guidance)
		return cli_fail_usage("unexpected argument");
	return call(c, cfg, argc, argv, i, opt);
}

int main(int argc, char **argv)
{
	struct config cfg;

	setvbuf(stderr, NULL, _IOLBF, 0);
	const char *test_clock = clock_init();
	/* serve logs JSON lines from here on (log_level is applied once the
	 * settings are read); every other command talks to a terminal. */
	if (argc > 1 && !strcmp(argv[1], "serve"))
		log_setup(1, LOG_INFO);
	if (test_clock && argc > 1 && !strcmp(argv[1], "serve"))
		log_event(LOG_WARN, "test_clock", "test clock: real time plus the seconds in %s", test_clock);
	config_defaults(&cfg);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
		usage_all(argc < 2 ? stderr : stdout);
		if (argc >= 2)
			config_help(stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("fieldnote 0.1.0\n");
		return 0;
	}
	for (size_t k = 0; k < NCOMMANDS; k++) {
		const struct command *c = &commands[k];
		if (strcmp(c->name, argv[1]) != 0 || (c->sub && (argc < 3 || strcmp(c->sub, argv[2]) != 0)))
			continue;
		return run(c, &cfg, argc, argv);
	}
	/* A command without (or with an unknown) subcommand: its usage. */
	if (argc >= 2 && wants_help(argc, argv, 2) && usage_of(argv[1], stdout))
		return 0;
	if (usage_of(argv[1], stderr))
		return 2;
	return cli_fail_usage("unknown command");
}
