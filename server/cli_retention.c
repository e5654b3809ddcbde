/* cli_retention.c - fieldnote hold, retention run and export child: the
 * operator's side of retention, legal holds and subject access. */
#include "cli_retention.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "cli_backup.h"
#include "clock.h"
#include "export.h"
#include "retention.h"
#include "status.h"

static const char usage[] =
	"Usage:\n"
	"  fieldnote hold add --data DIR --child REF [--reason TEXT]\n"
	"  fieldnote hold remove --data DIR --child REF\n"
	"  fieldnote hold list --data DIR\n"
	"      A legal hold keeps everything about one child reference from\n"
	"      deletion by retention until it is removed (audited either way).\n"
	"  fieldnote retention run --data DIR [--dry-run] [--config FILE] [--SETTING VALUE]\n"
	"      Delete every note past retention whose child has no hold: its\n"
	"      revisions, reviews and index entries. retention_days counts from\n"
	"      a reviewed note's last revision or review (default 2555, 7 years),\n"
	"      retention_days_unreviewed from an unreviewed one's (default 0:\n"
	"      never). Runs beside a serving server, retention_batch notes per\n"
	"      write transaction. Each deleted note gets an audit entry naming\n"
	"      its id, latest revision and the SHA-256 of what was deleted.\n"
	"      --dry-run changes nothing and prints what a run would delete.\n"
	"  fieldnote export child REF --data DIR --out FILE\n"
	"      Everything held about one child reference as JSON (notes with\n"
	"      every revision and review, the hold, and every audit entry about\n"
	"      the child or its notes: who stored, reviewed and read them, and\n"
	"      when). FILE is written with mode 600; the export is audited.\n"
	"Admin API: GET /v1/admin/holds, POST and DELETE /v1/admin/holds/{ref},\n"
	"GET /v1/admin/children/{ref}/export.\n";

struct opts {
	const char *child, *reason, *out;
	int dry_run;
};

/* Options after the subcommand: our own, --config, and any setting. */
static int parse(struct config *cfg, struct opts *o, int argc, char **argv, int i)
{
	struct sc_error err = {0};
	for (int j = i; j < argc - 1; j++)
		if (!strcmp(argv[j], "--config") && config_load(cfg, argv[j + 1], &err) != FN_OK) {
			fprintf(stderr, "fieldnote: %s\n", err.message);
			return 1;
		}
	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--dry-run")) {
			o->dry_run = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0 || !v)
			return cli_usage_error(strncmp(a, "--", 2) ? "unexpected argument" : "an option is missing its value",
			                       usage);
		i++;
		if (!strcmp(a, "--child"))
			o->child = v;
		else if (!strcmp(a, "--reason"))
			o->reason = v;
		else if (!strcmp(a, "--out"))
			o->out = v;
		else if (strcmp(a, "--config") != 0) {
			char key[64];
			snprintf(key, sizeof key, "%s", a + 2);
			for (char *k = key; *k; k++)
				if (*k == '-')
					*k = '_';
			if (config_set(cfg, key, v, &err) != FN_OK)
				return cli_usage_error(err.message, usage);
		}
	}
	return 0;
}

static int open_parts(struct app *app, const struct config *cfg)
{
	struct sc_error err = {0};
	memset(app, 0, sizeof *app);
	app->cfg = cfg;
	struct store_options sopt = {cfg->map_size, cfg->map_max, cfg->store_reserve, 0};
	int rc = store_open(&app->store, cfg->data_dir, 0, &sopt, &err);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return rc;
	}
	if ((rc = audit_open(&app->audit, app->store)) != FN_OK ||
	    (rc = notes_open(&app->notes, app->store, &cfg->rules, app->audit, NULL)) != FN_OK ||
	    /* retention erases a note's reviews too (through the notes module) */
	    (rc = review_open(&app->review, app->store, &cfg->rules, app->audit, app->notes)) != FN_OK ||
	    (rc = holds_open(&app->holds, app->store, app->audit)) != FN_OK)
		fprintf(stderr, "fieldnote: cannot open the store's databases: %s\n", sc_status_message(rc));
	return rc;
}

static void close_parts(struct app *app)
{
	holds_close(app->holds);
	review_close(app->review);
	notes_close(app->notes);
	audit_close(app->audit);
	store_close(app->store);
}

static const struct holds_actor cli_actor = {SC_STR_INIT("cli"), "admin", NULL};

static int hold_list(struct app *app)
{
	struct store_txn *t;
	struct sc_hold_list l;
	struct sc_arena *a = sc_arena_new(0);
	int rc = a ? store_read_begin(app->store, &t) : FN_NO_MEMORY;
	if (rc == FN_OK) {
		rc = holds_list(app->holds, t, a, &l);
		store_read_end(t);
	}
	for (size_t i = 0; rc == FN_OK && i < l.items.n; i++) {
		time_t at = (time_t)l.items.v[i].at;
		char when[32];
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&at));
		printf("%s\t%s\t%s\t%s\n", l.items.v[i].child_ref.p, when, l.items.v[i].by.p,
		       SC_HAS(hold, &l.items.v[i], reason) ? l.items.v[i].reason.p : "");
	}
	if (rc == FN_OK)
		printf("%zu hold%s\n", l.items.n, l.items.n == 1 ? "" : "s");
	else
		fprintf(stderr, "fieldnote: cannot list the holds: %s\n", sc_status_message(rc));
	sc_arena_free(a);
	return rc == FN_OK ? 0 : 1;
}

static int cmd_hold(struct app *app, const char *sub, const struct opts *o)
{
	struct sc_error err = {0};
	if (!strcmp(sub, "list"))
		return hold_list(app);
	struct sc_str ref = {o->child, strlen(o->child)};
	int add = !strcmp(sub, "add");
	int rc = add ? holds_add(app->holds, ref, (struct sc_str){o->reason ? o->reason : "", o->reason ? strlen(o->reason) : 0},
	                         &cli_actor, clock_now(), &err)
	             : holds_remove(app->holds, ref, &cli_actor, clock_now(), &err);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return 1;
	}
	printf("child %s: %s\n", o->child, add ? "held (retention will delete nothing about it)" : "hold removed");
	return 0;
}

static int cmd_run(struct app *app, const struct opts *o)
{
	struct retention_report r;
	struct sc_error err = {0};
	int rc = retention_run(app->store, app->notes, app->holds, app->attach, app->audit, &app->cfg->retention, o->dry_run,
	                       cli_actor.name, clock_now(), &r, &err);
	printf("%sscanned %llu notes: %llu past retention, %llu of them kept under a legal hold\n",
	       o->dry_run ? "dry run: " : "", (unsigned long long)r.scanned, (unsigned long long)r.expired,
	       (unsigned long long)r.held);
	printf("%s %llu notes (%llu revisions, %llu reviews, %llu index entries, %llu attachments)%s\n",
	       o->dry_run ? "would delete" : "deleted", (unsigned long long)r.notes, (unsigned long long)r.revisions,
	       (unsigned long long)r.reviews, (unsigned long long)r.index_entries, (unsigned long long)r.attachments,
	       o->dry_run ? "; nothing was changed" : "");
	if (!o->dry_run)
		printf("%llu audit entries written\n", (unsigned long long)r.audit_entries);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return 1;
	}
	return 0;
}

/* Written beside FILE with mode 600, fsynced, then renamed over it. */
static int write_file(const char *path, const struct sc_buf *b, struct sc_error *err)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.partialXXXXXX", path);
	int fd = mkstemp(tmp); /* mode 600 */
	if (fd < 0) {
		return sc_error_set(err, FN_IO_ERROR, NULL, "cannot create %s: %s", tmp, strerror(errno));
	}
	size_t off = 0;
	while (off < b->n) {
		ssize_t w = write(fd, b->p + off, b->n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	int ok = off == b->n && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, path) == 0)
		return FN_OK;
	sc_error_set(err, FN_IO_ERROR, NULL, "cannot write %s: %s", path, strerror(errno));
	unlink(tmp);
	return FN_IO_ERROR;
}

static int cmd_export(struct app *app, const char *ref, const struct opts *o)
{
	struct sc_buf b;
	struct sc_error err = {0};
	int rc = export_child(app, (struct sc_str){ref, strlen(ref)}, &cli_actor, clock_now(), SC_JSON, &b, &err);
	if (rc == FN_OK)
		rc = write_file(o->out, &b, &err);
	sc_buf_free(&b);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return 1;
	}
	printf("child %s: exported to %s (mode 600); the export is in the audit log\n", ref, o->out);
	return 0;
}

int cli_retention(int argc, char **argv)
{
	struct config cfg;
	struct opts o = {0};
	const char *cmd = argv[0], *sub = argc > 1 ? argv[1] : "";
	int first = 2;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		}
	int is_hold = !strcmp(cmd, "hold"), is_export = !strcmp(cmd, "export");
	if (is_hold && strcmp(sub, "add") && strcmp(sub, "remove") && strcmp(sub, "list"))
		return cli_usage_error("hold needs add, remove or list", usage);
	if (!strcmp(cmd, "retention") && strcmp(sub, "run"))
		return cli_usage_error("retention needs run", usage);
	if (is_export && (strcmp(sub, "child") || argc < 3 || !strncmp(argv[2], "--", 2)))
		return cli_usage_error("export needs child REF", usage);
	first += is_export;
	config_defaults(&cfg);
	int rc = parse(&cfg, &o, argc, argv, first);
	if (rc)
		return rc;
	if (is_hold && strcmp(sub, "list") && !o.child)
		return cli_usage_error("hold add and hold remove need --child REF", usage);
	if (is_export && !o.out)
		return cli_usage_error("export child needs --out FILE", usage);
	struct app app;
	if (open_parts(&app, &cfg) != FN_OK) {
		close_parts(&app);
		return 1;
	}
	rc = is_hold ? cmd_hold(&app, sub, &o) : is_export ? cmd_export(&app, argv[2], &o) : cmd_run(&app, &o);
	close_parts(&app);
	return rc;
}
