/* log.c - operational log lines on stderr: JSON while serving, plain text
 * at the terminal (log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const char *const log_level_names[4] = {"error", "warn", "info", "debug"};

/* Process-wide because stderr is: set once before threads start. */
static int log_json;
static int log_level = LOG_INFO;

void log_setup(int json, int level)
{
	log_json = json;
	log_level = level;
}

int log_enabled(int level)
{
	return level <= log_level;
}

void log_time(char *out, size_t cap)
{
	struct timespec now;
	struct tm tm;
	char ts[32];
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, cap, "%s.%03ldZ", ts, now.tv_nsec / 1000000);
}

void log_json_str(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
	if (*n + 2 >= cap)
		return;
	out[(*n)++] = '"';
	for (size_t i = 0; i < len && *n + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			*n += (size_t)snprintf(out + *n, cap - *n, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			*n += (size_t)snprintf(out + *n, cap - *n, "\\u%04x", c);
		else
			out[(*n)++] = (char)c;
	}
	out[(*n)++] = '"';
	out[*n] = 0;
}

void log_event(int level, const char *event, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	char msg[512], line[1024], ts[40];
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	size_t mn = m < 0 ? 0 : (size_t)m < sizeof msg ? (size_t)m : sizeof msg - 1;
	if (!log_json) {
		fprintf(stderr, "fieldnote: %.*s\n", (int)mn, msg);
		return;
	}
	log_time(ts, sizeof ts);
	size_t n = (size_t)snprintf(line, sizeof line, "{\"time\":\"%s\",\"level\":\"%s\",\"event\":\"%s\",\"message\":",
	                            ts, log_level_names[level], event);
	log_json_str(line, sizeof line - 3, &n, msg, mn);
	memcpy(line + n, "}\n", 3);
	fputs(line, stderr);
}
