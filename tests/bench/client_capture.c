/* client_capture.c - device capture benchmark: fn_note_save (durable, sealed) in a loop, through the public API.
 *
 *   client_capture STORE_DIR NOTE_JSON [-n N] [-t SECONDS]
 *
 * Opens (creating) an offline store under a fixed benchmark key and saves
 * the note N times (default 1000), each call committed durably before it
 * returns, stopping early after SECONDS (default 10). Prints one line:
 *   "capture: N notes, S s, R notes/s"
 * The raw-LMDB reference (tests/bench/rawlmdb.c -b 1) commits the note's
 * msgpack bytes one record per durable commit, the same work minus ours.
 * Also fills stores for the sync benchmark (tests/bench/client.sh); an
 * "@N@" in the JSON becomes the note's number (six digits), so that notes
 * can differ (a child reference per note, say).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fieldnote.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = 1000;
	double limit = 10;
	int opt;

	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		if (opt == 'n')
			n = atol(optarg);
		else if (opt == 't')
			limit = atof(optarg);
		else
			return fprintf(stderr, "usage: client_capture STORE_DIR NOTE_JSON [-n N] [-t SECONDS]\n"), 2;
	}
	if (argc - optind != 2)
		return fprintf(stderr, "usage: client_capture STORE_DIR NOTE_JSON [-n N] [-t SECONDS]\n"), 2;

	FILE *f = fopen(argv[optind + 1], "rb");
	static char json[1 << 20];
	size_t len = f ? fread(json, 1, sizeof json - 1, f) : 0;
	if (f)
		fclose(f);
	if (!len)
		return fprintf(stderr, "client_capture: cannot read %s\n", argv[optind + 1]), 1;
	json[len] = 0;

	unsigned char key[FN_KEY_SIZE];
	memset(key, 0x42, sizeof key);
	fn_options o;
	fn_options_init(&o);
	o.store_dir = argv[optind];
	o.key = key;
	fn_client *c;
	int rc = fn_client_open(&c, &o);
	if (rc)
		return fprintf(stderr, "client_capture: open: %s\n", fn_strerror(rc)), 1;

	char *mark = strstr(json, "@N@"), *text = json;
	static char numbered[sizeof json + 8];
	double t0 = now_s(), t = 0;
	long done = 0;
	while (done < n) {
		char id[FN_ID_SIZE];
		if (mark) {
			snprintf(numbered, sizeof numbered, "%.*s%06ld%s", (int)(mark - json), json, done % 1000000,
			         mark + 3);
			text = numbered;
		}
		if ((rc = fn_note_save(c, text, id)) != 0) {
			char d[512];
			fn_client_last_error(c, d, sizeof d);
			fprintf(stderr, "client_capture: save: %s: %s\n", fn_strerror(rc), d);
			fn_client_close(c);
			return 1;
		}
		done++;
		t = now_s() - t0;
		if (t > limit)
			break;
	}
	fn_client_close(c);
	printf("capture: %ld notes, %.3f s, %.0f notes/s\n", done, t, t > 0 ? (double)done / t : 0.0);
	return 0;
}
