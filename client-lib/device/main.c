/* main.c - fieldnote-device: a command-line handheld built only on fieldnote.h, for tests, demos and benchmarks. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "device.h"
#include "fieldnote.h"

static const char usage[] =
	"fieldnote-device - a command-line handheld for fieldnote\n"
	"\n"
	"Usage: fieldnote-device [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Options (before the command):\n"
	"  --store DIR        the device's encrypted store (required)\n"
	"  --key-file FILE    the at-rest key: 32 raw bytes or 64 hex digits (required)\n"
	"  --server URL       https://host:port of the fieldnote server\n"
	"  --ca FILE          PEM CA the server's certificate must chain to (pinned)\n"
	"  --cert FILE --cert-key FILE   a device certificate, if the server asks\n"
	"  --device-id ID     this device's id (default: made when the store is)\n"
	"  --attempts N --backoff-ms N --timeout-ms N --batch N   sync tuning\n"
	"\n"
	"Commands:\n"
	"  keygen FILE               write a new random key to FILE (mode 600)\n"
	"  login USER                sign in; the password is read from stdin\n"
	"  logout                    sign out (queued notes stay queued)\n"
	"  status                    the session, as JSON\n"
	"  note add --json FILE|-    save a note (fields as flags too; see note --help)\n"
	"  note amend ID --json FILE amend a note (outbox, or returned by a supervisor)\n"
	"  note show ID              one note, as JSON\n"
	"  attach add FILE TYPE [CAPTION]  store a file for a note; prints the entry for\n"
	"                            the note's \"attachments\" list\n"
	"  attach get ID [OUT]       the attachment's state as JSON; its bytes to OUT\n"
	"  attach list               every attachment here and its state, as JSON\n"
	"  attach delete ID          delete a refused (or unbound, or sent) attachment here\n"
	"  attach count              attachments queued and refused (outbox)\n"
	"  outbox                    queued and refused notes, as JSON\n"
	"  outbox count              how many are queued and refused (nothing decrypted)\n"
	"  outbox export FILE        the outbox with the notes, as PLAINTEXT JSON (mode 600)\n"
	"  notes                     every note on the device with its state, as JSON\n"
	"  sync [--once] [--deadline-ms N] [--max-wait-ms N]\n"
	"                            push notes, pull guidance and feedback\n"
	"  guidance get ID           one cached guidance document, as JSON\n"
	"  guidance search WORDS...  search cached guidance offline\n"
	"  feedback                  supervisors' decisions on your notes, as JSON\n"
	"  feedback since N|unacked  those received after local_seq N (or not acknowledged)\n"
	"  feedback ack N            the user has seen feedback up to local_seq N\n"
	"  referrals                 what the receiving agencies did with your referrals, as JSON\n"
	"\n"
	"COMMAND --help says more. Exit status: 0 success, 1 failure, 2 usage,\n"
	"3 sync finished but the server refused notes (see outbox).\n";

static const char note_usage[] =
	"Usage: fieldnote-device [OPTIONS] note add [--json FILE|-] [FIELD FLAGS]\n"
	"       fieldnote-device [OPTIONS] note amend ID --json FILE|- [FIELD FLAGS]\n"
	"       fieldnote-device [OPTIONS] note show ID\n"
	"\n"
	"The JSON is a note as the schema describes it (schema/examples/note.json).\n"
	"The library sets id, revision, created_at and device_id, and fills\n"
	"author, team and agency from the session and occurred_at with now when\n"
	"absent. Field flags add fields (a field both in the file and a flag is\n"
	"refused as a duplicate):\n"
	"  --child-ref REF  --context CONTEXT  --words TEXT  --not-spoken REASON\n"
	"  --seen yes|no  --seen-alone yes|no  --not-alone-reason TEXT\n"
	"  --occurred-at UNIX  --age-band BAND  --location TEXT  --wishes TEXT\n"
	"  --demeanour TEXT\n"
	"Prints the note's id (add) or revision (amend).\n";

static const char sync_usage[] =
	"Usage: fieldnote-device [OPTIONS] sync [--once] [--deadline-ms N] [--max-wait-ms N]\n"
	"\n"
	"Pushes the outbox (a note leaves it only once the server has it), then\n"
	"pulls guidance changes and supervisors' feedback. Shows progress on a\n"
	"terminal and prints a JSON summary (\"stopped\" says why it ended).\n"
	"Ctrl-C cancels at the next step, keeping what is done. Exit status 3\n"
	"when the server refused notes.\n"
	"  --once            one try per request, no waiting (fail fast)\n"
	"  --deadline-ms N   the whole sync ends within N ms\n"
	"  --max-wait-ms N   the longest Retry-After waited for (default 30000)\n"
	"\n"
	"Test hook: FN_TEST_CRASH_AT=STEP makes sync exit at once with status 86\n"
	"at that step (push_send, push_sent, push_reply, push_saved,\n"
	"guidance_reply, ...; or before_send, after_send, after_reply,\n"
	"before_delete, after_delete), the FN_TEST_CRASH_COUNT-th time.\n"
	"FN_TEST_SAVE_AT=STEP saves the note in FN_TEST_SAVE_JSON=FILE from the\n"
	"progress callback the first time STEP comes; FN_TEST_PROGRESS=FILE\n"
	"writes \"step done total\" for every progress call.\n";

static const char login_usage[] =
	"Usage: fieldnote-device [OPTIONS] login USER   (password: one line on stdin)\n"
	"       fieldnote-device [OPTIONS] logout\n"
	"       fieldnote-device [OPTIONS] status\n";

static const char guidance_usage[] =
	"Usage: fieldnote-device [OPTIONS] guidance get ID\n"
	"       fieldnote-device [OPTIONS] guidance search [WORDS...]\n"
	"Read offline from what the last sync cached.\n";

static const char keygen_usage[] =
	"Usage: fieldnote-device keygen FILE\n"
	"Writes 32 random bytes as 64 hex digits to FILE, mode 600; never overwrites.\n";


/* Each command's --help; a command not listed answers with the whole usage. */
static const struct {
	const char *cmd, *text;
} helps[] = {
	{ "note", note_usage },     { "sync", sync_usage },   { "guidance", guidance_usage },
	{ "keygen", keygen_usage }, { "login", login_usage }, { "logout", login_usage },
	{ "status", login_usage },
};

static const char *usage_of(const char *cmd)
{
	for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++)
		if (!strcmp(cmd, helps[i].cmd))
			return helps[i].text;
	return usage;
}

int usage_error(const char *msg)
{
	fprintf(stderr, "fieldnote-device: %s\n(see fieldnote-device --help)\n", msg);
	return 2;
}

static int wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static int keygen(const char *path)
{
	unsigned char k[FN_KEY_SIZE];
	char hex[FN_KEY_SIZE * 2 + 2];
	if (getrandom(k, sizeof k, 0) != (ssize_t)sizeof k) {
		fprintf(stderr, "fieldnote-device: no randomness: %s\n", strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < sizeof k; i++)
		snprintf(hex + 2 * i, 3, "%02x", k[i]);
	hex[FN_KEY_SIZE * 2] = '\n';
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, hex, FN_KEY_SIZE * 2 + 1) != FN_KEY_SIZE * 2 + 1 || fsync(fd) != 0) {
		fprintf(stderr, "fieldnote-device: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	memset(k, 0, sizeof k);
	memset(hex, 0, sizeof hex);
	return 0;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* 32 raw bytes, or 64 hex digits with optional white space around. */
static int read_key(const char *path, unsigned char key[FN_KEY_SIZE])
{
	unsigned char buf[200];
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "fieldnote-device: cannot read the key file %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (n == FN_KEY_SIZE) {
		memcpy(key, buf, FN_KEY_SIZE);
		return 0;
	}
	size_t s = 0;
	while (s < n && isspace(buf[s]))
		s++;
	while (n > s && isspace(buf[n - 1]))
		n--;
	if (n - s == FN_KEY_SIZE * 2) {
		int ok = 1;
		for (size_t i = 0; i < FN_KEY_SIZE && ok; i++) {
			int hi = hexval(buf[s + 2 * i]), lo = hexval(buf[s + 2 * i + 1]);
			ok = hi >= 0 && lo >= 0;
			key[i] = (unsigned char)(hi << 4 | lo);
		}
		if (ok)
			return 0;
	}
	fprintf(stderr, "fieldnote-device: %s holds neither 32 raw bytes nor 64 hex digits\n", path);
	return -1;
}

/* A whole file (or stdin for "-") as a NUL-terminated string. */
char *slurp(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t n = 0, cap = 4096;
	char *p = malloc(cap);
	if (!f || !p) {
		fprintf(stderr, "fieldnote-device: cannot read %s: %s\n", path, strerror(errno));
		free(p);
		return NULL;
	}
	for (;;) {
		if (n + 1 >= cap) {
			char *q = realloc(p, cap *= 2);
			if (!q) {
				free(p);
				p = NULL;
				break;
			}
			p = q;
		}
		size_t k = fread(p + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
	}
	if (f != stdin)
		fclose(f);
	if (p)
		p[n] = 0;
	return p;
}

int report(fn_client *c, int rc, const char *what)
{
	char detail[600];
	fn_client_last_error(c, detail, sizeof detail);
	fprintf(stderr, "fieldnote-device: %s: %s (%s)%s%s\n", what, fn_strerror(rc), fn_status_name(rc),
	        detail[0] ? ": " : "", detail);
	return 1;
}

/* Prints the JSON a call left in *json: taken by address, since the call is
 * an argument of this one and sets it only when it runs. */
int print_json(fn_client *c, int rc, char **json, const char *what)
{
	if (rc != 0)
		return report(c, rc, what);
	puts(*json);
	fn_free(*json);
	return 0;
}

/* Prints an outbox count (notes or attachments) as {"queued":Q,"refused":R}. */
static int print_counts(fn_client *c, int (*count)(fn_client *c, uint64_t *queued, uint64_t *refused),
                        const char *what)
{
	uint64_t q, r;
	int rc = count(c, &q, &r);
	if (rc)
		return report(c, rc, what);
	printf("{\"queued\":%llu,\"refused\":%llu}\n", (unsigned long long)q, (unsigned long long)r);
	return 0;
}

static int cmd_login(fn_client *c, const char *user)
{
	char pw[300];
	if (!fgets(pw, sizeof pw, stdin)) {
		fprintf(stderr, "fieldnote-device: no password on standard input\n");
		return 1;
	}
	pw[strcspn(pw, "\r\n")] = 0;
	int rc = fn_login(c, user, pw);
	memset(pw, 0, sizeof pw);
	return rc ? report(c, rc, "login") : 0;
}

static int cmd_attach(fn_client *c, int argc, char **argv)
{
	char *out = NULL;
	if ((argc == 3 || argc == 4) && !strcmp(argv[0], "add"))
		return print_json(c, fn_attachment_add(c, argv[1], NULL, 0, argv[2], argc == 4 ? argv[3] : NULL, NULL, &out),
		                  &out, "attach add");
	if ((argc == 2 || argc == 3) && !strcmp(argv[0], "get")) {
		void *bytes = NULL;
		size_t n = 0;
		int rc = fn_attachment_get(c, argv[1], argc == 3 ? &bytes : NULL, &n, &out);
		if (rc == 0 && argc == 3) {
			FILE *f = fopen(argv[2], "wb");
			if (!f || (n && fwrite(bytes, 1, n, f) != n) || fclose(f) != 0) {
				fprintf(stderr, "fieldnote-device: cannot write %s\n", argv[2]);
				fn_free(bytes);
				fn_free(out);
				return 1;
			}
		}
		fn_free(bytes);
		return print_json(c, rc, &out, "attach get");
	}
	if (argc == 2 && !strcmp(argv[0], "delete")) {
		int rc = fn_attachment_delete(c, argv[1]);
		return rc ? report(c, rc, "attach delete") : 0;
	}
	if (argc == 1 && !strcmp(argv[0], "list"))
		return print_json(c, fn_attachment_list(c, &out), &out, "attach list");
	if (argc == 1 && !strcmp(argv[0], "count"))
		return print_counts(c, fn_outbox_count_attachments, "attach count");
	return usage_error("attach add FILE TYPE [CAPTION] | attach get ID [OUT] | attach list | attach count | attach delete ID");
}

static int cmd_outbox(fn_client *c, int argc, char **argv)
{
	char *out = NULL;
	if (argc == 0)
		return print_json(c, fn_outbox_list(c, &out), &out, "outbox");
	if (argc == 1 && !strcmp(argv[0], "count"))
		return print_counts(c, fn_outbox_count, "outbox count");
	if (argc == 2 && !strcmp(argv[0], "export")) {
		uint64_t n;
		int rc = fn_outbox_export(c, argv[1], &n);
		if (rc)
			return report(c, rc, "outbox export");
		printf("%llu\n", (unsigned long long)n);
		return 0;
	}
	return usage_error("outbox [count | export FILE]");
}

static int cmd_feedback(fn_client *c, int argc, char **argv)
{
	char *out = NULL;
	if (argc == 0)
		return print_json(c, fn_feedback_list(c, &out), &out, "feedback");
	if (argc == 2 && !strcmp(argv[0], "since")) {
		uint64_t after = strcmp(argv[1], "unacked") ? strtoull(argv[1], NULL, 10) : FN_FEEDBACK_UNACKED;
		return print_json(c, fn_feedback_since(c, after, &out), &out, "feedback since");
	}
	if (argc == 2 && !strcmp(argv[0], "ack")) {
		int rc = fn_feedback_ack(c, strtoull(argv[1], NULL, 10));
		return rc ? report(c, rc, "feedback ack") : 0;
	}
	return usage_error("feedback [since N|unacked | ack N]");
}

/* The global options that set one fn_options field: a string, or a number
 * (unsigned). */
static const struct {
	const char *flag;
	size_t off;
	int number;
} options[] = {
	{ "--store", offsetof(fn_options, store_dir), 0 },
	{ "--server", offsetof(fn_options, server_url), 0 },
	{ "--ca", offsetof(fn_options, ca_file), 0 },
	{ "--cert", offsetof(fn_options, cert_file), 0 },
	{ "--cert-key", offsetof(fn_options, cert_key_file), 0 },
	{ "--device-id", offsetof(fn_options, device_id), 0 },
	{ "--attempts", offsetof(fn_options, attempts), 1 },
	{ "--backoff-ms", offsetof(fn_options, backoff_ms), 1 },
	{ "--batch", offsetof(fn_options, batch), 1 },
};

/* Applies option a with value v; -1 for an unknown option. */
static int set_option(fn_options *o, const char **key_file, const char *a, const char *v)
{
	if (!strcmp(a, "--key-file")) {
		*key_file = v;
		return 0;
	}
	if (!strcmp(a, "--timeout-ms")) {
		o->read_timeout_ms = o->connect_timeout_ms = (unsigned)strtoul(v, NULL, 10);
		return 0;
	}
	for (size_t k = 0; k < sizeof options / sizeof options[0]; k++) {
		if (strcmp(a, options[k].flag))
			continue;
		char *field = (char *)o + options[k].off;
		if (options[k].number)
			*(unsigned *)(void *)field = (unsigned)strtoul(v, NULL, 10);
		else
			*(const char **)(void *)field = v;
		return 0;
	}
	return -1;
}

/* One command on an open client; returns the process's exit status. */
static int run_command(fn_client *c, const char *cmd, int nargs, char **args)
{
	char *out = NULL;
	int rc;
	if (!strcmp(cmd, "login"))
		rc = nargs == 1 ? cmd_login(c, args[0]) : usage_error("login USER");
	else if (!strcmp(cmd, "logout"))
		rc = (rc = fn_logout(c)) != 0 ? report(c, rc, "logout") : 0;
	else if (!strcmp(cmd, "status"))
		rc = print_json(c, fn_session_get(c, &out), &out, "status");
	else if (!strcmp(cmd, "note"))
		rc = cmd_note(c, nargs, args);
	else if (!strcmp(cmd, "referrals") && nargs == 0)
		rc = print_json(c, fn_referrals_list(c, &out), &out, "referrals");
	else if (!strcmp(cmd, "outbox"))
		rc = cmd_outbox(c, nargs, args);
	else if (!strcmp(cmd, "attach"))
		rc = cmd_attach(c, nargs, args);
	else if (!strcmp(cmd, "notes") && nargs == 0)
		rc = print_json(c, fn_note_list(c, &out), &out, "notes");
	else if (!strcmp(cmd, "sync"))
		rc = cmd_sync(c, nargs, args);
	else if (!strcmp(cmd, "guidance") && nargs == 2 && !strcmp(args[0], "get"))
		rc = print_json(c, fn_guidance_get(c, args[1], &out), &out, "guidance get");
	else if (!strcmp(cmd, "guidance") && nargs >= 1 && !strcmp(args[0], "search")) {
		char words[1024] = "";
		for (int k = 1; k < nargs; k++)
			snprintf(words + strlen(words), sizeof words - strlen(words), "%s%s", k > 1 ? " " : "", args[k]);
		rc = print_json(c, fn_guidance_search(c, words, &out), &out, "guidance search");
	} else if (!strcmp(cmd, "feedback"))
		rc = cmd_feedback(c, nargs, args);
	else
		rc = usage_error("unknown command or arguments");
	return rc;
}

int main(int argc, char **argv)
{
	fn_options o;
	unsigned char key[FN_KEY_SIZE];
	const char *key_file = NULL;
	char open_error[512] = "";
	int i;

	fn_options_init(&o);
	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help"))
			return fputs(usage, stdout), 0;
		if (i + 1 >= argc)
			return usage_error("an option needs a value");
		if (set_option(&o, &key_file, a, argv[++i]) != 0)
			return usage_error("unknown option");
	}
	if (i >= argc)
		return usage_error("no command");
	const char *cmd = argv[i++];
	int nargs = argc - i;
	char **args = argv + i;
	if (!strcmp(cmd, "help"))
		return fputs(usage, stdout), 0;
	if (wants_help(nargs, args))
		return fputs(usage_of(cmd), stdout), 0;
	if (!strcmp(cmd, "keygen"))
		return nargs == 1 ? keygen(args[0]) : usage_error("keygen FILE");
	if (!o.store_dir || !key_file)
		return usage_error("--store and --key-file are required");
	if (read_key(key_file, key) != 0)
		return 1;
	o.key = key;
	o.open_error = open_error;
	o.open_error_size = sizeof open_error;
	fn_client *c;
	int rc = fn_client_open(&c, &o);
	memset(key, 0, sizeof key);
	if (rc != 0) {
		fprintf(stderr, "fieldnote-device: cannot open the store: %s (%s)%s%s\n", fn_strerror(rc),
		        fn_status_name(rc), open_error[0] ? ": " : "", open_error);
		return 1;
	}
	rc = run_command(c, cmd, nargs, args);
	fn_client_close(c);
	return rc;
}
