/* sync_cmd.c - fieldnote-device sync: the call's retry options, progress on a terminal, the test hooks. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"

static volatile int cancel_flag;

static void on_sigint(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

struct prog {
	fn_client *c;
	int tty;
	const char *crash_at;
	long crash_count;
	const char *save_at; /* FN_TEST_SAVE_AT: save a note at this step, once */
	char *save_json;
	FILE *log;           /* FN_TEST_PROGRESS: "step done total" per call */
};

/* FN_TEST_CRASH_AT takes a step name, or one of these names for the
 * moments of a push. */
static const char *const crash_aliases[][2] = {
	{"before_send", "push_send"},   {"after_send", "push_sent"},
	{"after_reply", "push_reply"},  {"before_delete", "push_reply"},
	{"after_delete", "push_saved"},
};

/* Test hooks: what an app may do from the callback (save a note while
 * the sync runs), and a record of every call. */
static void hooks(struct prog *pr, const fn_progress *p)
{
	if (pr->log) {
		fprintf(pr->log, "%s %llu %llu\n", p->step_name, (unsigned long long)p->done,
		        (unsigned long long)p->total);
		fflush(pr->log);
	}
	if (pr->save_at && pr->save_json && !strcmp(pr->save_at, p->step_name)) {
		char id[FN_ID_SIZE];
		pr->save_at = NULL;
		if (fn_note_save(pr->c, pr->save_json, id) != 0)
			report(pr->c, 1, "note saved during the sync");
	}
}

static void on_progress(void *arg, const fn_progress *p)
{
	struct prog *pr = arg;
	/* Test hook: die at exactly this step, as a killed app would. */
	if (pr->crash_at && !strcmp(pr->crash_at, p->step_name) && --pr->crash_count <= 0)
		_exit(86);
	hooks(pr, p);
	if (!pr->tty)
		return;
	switch (p->step) {
	case FN_STEP_PUSH_SEND:
		fprintf(stderr, "\rsync: sending notes %llu/%llu   ", (unsigned long long)p->done,
		        (unsigned long long)p->total);
		break;
	case FN_STEP_GUIDANCE_SAVED:
		fprintf(stderr, "\rsync: guidance %llu documents   ", (unsigned long long)p->done);
		break;
	case FN_STEP_FEEDBACK_SAVED:
		fprintf(stderr, "\rsync: feedback %llu   ", (unsigned long long)p->done);
		break;
	case FN_STEP_RETRY:
		fprintf(stderr, "\rsync: %s; retrying in %u ms   ", fn_strerror(p->status), p->delay_ms);
		break;
	case FN_STEP_DONE:
		fprintf(stderr, "\r%60s\r", "");
		break;
	}
	fflush(stderr);
}

static long summary_int(const char *json, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof pat, "\"%s\":", key);
	const char *p = json ? strstr(json, pat) : NULL;
	return p ? strtol(p + strlen(pat), NULL, 10) : 0;
}

static int sync_options(int argc, char **argv, fn_sync_options *so)
{
	fn_sync_options_init(so);
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--once"))
			so->flags |= FN_SYNC_ONCE;
		else if (!strcmp(argv[i], "--deadline-ms") && i + 1 < argc)
			so->deadline_ms = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--max-wait-ms") && i + 1 < argc)
			so->max_wait_ms = (unsigned)strtoul(argv[++i], NULL, 10);
		else
			return usage_error("sync [--once] [--deadline-ms N] [--max-wait-ms N]");
	}
	return 0;
}

static void prog_init(struct prog *pr, fn_client *c)
{
	memset(pr, 0, sizeof *pr);
	pr->c = c;
	pr->tty = isatty(2);
	pr->crash_at = getenv("FN_TEST_CRASH_AT");
	pr->crash_count = 1;
	for (size_t i = 0; pr->crash_at && i < sizeof crash_aliases / sizeof crash_aliases[0]; i++)
		if (!strcmp(pr->crash_at, crash_aliases[i][0]))
			pr->crash_at = crash_aliases[i][1];
	const char *cnt = getenv("FN_TEST_CRASH_COUNT");
	if (cnt)
		pr->crash_count = strtol(cnt, NULL, 10);
	pr->save_at = getenv("FN_TEST_SAVE_AT");
	const char *json = getenv("FN_TEST_SAVE_JSON");
	pr->save_json = json ? slurp(json) : NULL;
	const char *log = getenv("FN_TEST_PROGRESS");
	pr->log = log ? fopen(log, "w") : NULL;
}

int cmd_sync(fn_client *c, int argc, char **argv)
{
	struct prog pr;
	fn_sync_options so;
	char *summary = NULL;
	int rc = sync_options(argc, argv, &so);
	if (rc)
		return rc;
	prog_init(&pr, c);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = fn_sync_run_with(c, &so, on_progress, &pr, &cancel_flag, &summary);
	free(pr.save_json);
	if (pr.log)
		fclose(pr.log);
	if (summary)
		puts(summary);
	long refused = summary_int(summary, "conflicts") + summary_int(summary, "invalid");
	fn_free(summary);
	if (rc != 0)
		return report(c, rc, "sync");
	if (refused) {
		fprintf(stderr, "fieldnote-device: the server refused %ld note%s (see fieldnote-device outbox)\n",
		        refused, refused == 1 ? "" : "s");
		return 3;
	}
	return 0;
}
