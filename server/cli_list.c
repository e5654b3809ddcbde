/* cli_list.c - user list and passwd, device list, guidance list, audit export. */
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "auth_list.h"
#include "status.h"

static void print_time(FILE *f, int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;
	if (t <= 0 || !gmtime_r(&tt, &tm))
		fputs("-", f);
	else if (strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
		fputs(buf, f);
}

static int print_user(const struct sc_user_record *u, void *arg)
{
	(void)arg;
	printf("%-24.*s %-10.*s %-8s ", (int)u->username.n, u->username.p, (int)u->role.n, u->role.p,
	       SC_HAS(user_record, u, disabled) && u->disabled ? "disabled" : "active");
	for (size_t i = 0; i < u->teams.n; i++)
		printf("%s%.*s", i ? "," : "", (int)u->teams.v[i].n, u->teams.v[i].p);
	printf(" %.*s\n", (int)u->agency.n, u->agency.p ? u->agency.p : "");
	return 0;
}

/* The frame every list command shares: the store opened, list() printing
 * what it finds, the store closed, and a failure said as "cannot list
 * <what>". The exit code: 0 or 1. */
static int run_list(struct config *cfg, const char *what, int (*list)(struct app *app))
{
	struct app app;
	if (cli_open_app(&app, cfg, 0) != FN_OK)
		return 1;
	int rc = list(&app);
	cli_close_app(&app);
	if (rc != FN_OK)
		fprintf(stderr, "fieldnote: cannot list %s: %s\n", what, sc_status_message(rc));
	return rc == FN_OK ? 0 : 1;
}

static int list_users(struct app *app)
{
	printf("%-24s %-10s %-8s %s\n", "USERNAME", "ROLE", "STATE", "TEAMS AGENCY");
	return auth_user_each(app->auth, print_user, NULL);
}

int cli_user_list(struct config *cfg)
{
	return run_list(cfg, "users", list_users);
}

static int print_device(const char *user, const char *device, int64_t last, int revoked, void *arg)
{
	(void)arg;
	printf("%-32s %-24s %-8s ", device, user, revoked ? "revoked" : "active");
	print_time(stdout, last);
	putchar('\n');
	return 0;
}

static int list_devices(struct app *app)
{
	printf("%-32s %-24s %-8s %s\n", "DEVICE", "USER", "STATE", "LAST SIGN-IN (UTC)");
	return auth_device_each(app->auth, print_device, NULL);
}

int cli_device_list(struct config *cfg)
{
	return run_list(cfg, "devices", list_devices);
}

/* A copy of one user's record, taken during the scan (the write that
 * follows may not run inside the scan's read transaction). */
struct found_user {
	const char *want;
	int found;
	struct sc_user_record u;
	char name[80], role[32], agency[80], teams[16][80];
	struct sc_str team_v[16];
};

static int find_user(const struct sc_user_record *u, void *arg)
{
	struct found_user *f = arg;
	if (!sc_str_eq(u->username, f->want))
		return 0;
	f->found = 1;
	f->u = *u;
	snprintf(f->name, sizeof f->name, "%.*s", (int)u->username.n, u->username.p);
	snprintf(f->role, sizeof f->role, "%.*s", (int)u->role.n, u->role.p);
	snprintf(f->agency, sizeof f->agency, "%.*s", (int)u->agency.n, u->agency.p ? u->agency.p : "");
	f->u.username = (struct sc_str){f->name, strlen(f->name)};
	f->u.role = (struct sc_str){f->role, strlen(f->role)};
	f->u.agency = (struct sc_str){f->agency, strlen(f->agency)};
	for (size_t i = 0; i < u->teams.n && i < 16; i++) {
		snprintf(f->teams[i], sizeof f->teams[i], "%.*s", (int)u->teams.v[i].n, u->teams.v[i].p);
		f->team_v[i] = (struct sc_str){f->teams[i], strlen(f->teams[i])};
	}
	f->u.teams = (struct sc_strs){f->team_v, u->teams.n < 16 ? u->teams.n : 16};
	return 1;
}

/* A new password from standard input for an existing user: the same
 * record, saved as `user add --replace` does (which ends their sessions). */
int cli_user_passwd(struct config *cfg, const char *username)
{
	struct app app;
	struct found_user f = {.want = username};
	char pw[300];
	struct sc_error err = {0};
	if (cli_open_app(&app, cfg, 0) != FN_OK)
		return 1;
	int rc = auth_user_each(app.auth, find_user, &f);
	if (rc == FN_OK && !f.found) {
		fprintf(stderr, "fieldnote: no user %s\n", username);
		cli_close_app(&app);
		return 1;
	}
	if (isatty(0))
		fprintf(stderr, "new password for %s: ", username);
	if (rc != FN_OK || !fgets(pw, sizeof pw, stdin)) {
		fprintf(stderr, "fieldnote: %s\n", rc != FN_OK ? sc_status_message(rc) : "no password on standard input");
		cli_close_app(&app);
		return 1;
	}
	size_t n = strcspn(pw, "\r\n");
	pw[n] = 0;
	rc = auth_user_add(app.auth, &f.u, pw, n, 1, &err);
	explicit_bzero(pw, sizeof pw);
	cli_close_app(&app);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: %s\n", err.message);
		return 1;
	}
	printf("user %s: password changed, sessions ended\n", username);
	return 0;
}

static int list_guidance(struct app *app)
{
	struct store_txn *t;
	struct sc_guidance_list list;
	struct sc_arena *a = sc_arena_new(0);
	int rc = a ? store_read_begin(app->store, &t) : FN_NO_MEMORY;
	if (rc == FN_OK) {
		rc = guidance_list(app->guidance, t, NULL, NULL, a, &list); /* NULL role: every document */
		store_read_end(t);
	}
	if (rc == FN_OK) {
		struct sc_buf b = {0};
		if ((rc = sc_encode(&sc_rec_guidance_list, SC_JSON, &list, &b)) == FN_OK)
			printf("%.*s\n", (int)b.n, b.p);
		sc_buf_free(&b);
	}
	sc_arena_free(a);
	return rc;
}

int cli_guidance_list(struct config *cfg)
{
	return run_list(cfg, "guidance", list_guidance);
}

/* The whole audit log as JSON lines (one entry each), oldest first: for a
 * court or an auditor. Entries carry ids and hashes, never note text. */
int cli_audit_export(struct config *cfg, const char *path)
{
	struct app app;
	FILE *out = path ? fopen(path, "wx") : stdout;
	if (!out) {
		perror(path);
		return 1;
	}
	if (cli_open_app(&app, cfg, 0) != FN_OK)
		return 1;
	uint64_t since = 0, count = 0;
	int rc = FN_OK;
	for (;;) {
		struct sc_arena *a = sc_arena_new(0);
		struct store_txn *t;
		struct sc_audit_page page;
		if (!a || (rc = store_read_begin(app.store, &t)) != FN_OK) {
			rc = a ? rc : FN_NO_MEMORY;
			sc_arena_free(a);
			break;
		}
		rc = audit_page(app.audit, t, since, 1000, a, &page);
		store_read_end(t);
		for (size_t i = 0; rc == FN_OK && i < page.items.n; i++) {
			struct sc_buf b = {0};
			if ((rc = sc_encode(&sc_rec_audit_entry, SC_JSON, &page.items.v[i], &b)) == FN_OK)
				fprintf(out, "%.*s\n", (int)b.n, b.p);
			sc_buf_free(&b);
			since = (uint64_t)page.items.v[i].seq;
			count++;
		}
		size_t got = rc == FN_OK ? page.items.n : 0;
		sc_arena_free(a);
		if (rc != FN_OK || got == 0)
			break;
	}
	cli_close_app(&app);
	if (path && (fflush(out) != 0 || fsync(fileno(out)) != 0))
		rc = FN_IO_ERROR;
	if (path)
		fclose(out);
	if (rc != FN_OK) {
		fprintf(stderr, "fieldnote: audit export failed: %s\n", sc_status_message(rc));
		return 1;
	}
	fprintf(stderr, "fieldnote: %llu audit entries exported\n", (unsigned long long)count);
	return 0;
}
