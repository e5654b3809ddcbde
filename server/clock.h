/* clock.h - the server's one wall clock. Everything that stamps or compares
 * times of day (tokens, deadlines, audit entries, flags) asks clock_now();
 * durations use CLOCK_MONOTONIC directly and are not affected.
 *
 * Tests move the clock instead of sleeping: when FN_TEST_CLOCK_FILE names a
 * file at start-up, clock_now() is the real time plus the whole seconds
 * written in that file (read at every call, so a test can advance a running
 * server: `echo 86400 >"$file"`). The server says so on stderr when it
 * starts; nothing else changes. Unit tests set an offset directly. */
#ifndef FN_CLOCK_H
#define FN_CLOCK_H

#include <stdint.h>

/* Reads FN_TEST_CLOCK_FILE; returns the file name when set, else NULL. */
const char *clock_init(void);

/* Seconds since the epoch, as the server should see them. */
int64_t clock_now(void);

/* Sets a fixed offset (seconds) added to the real time: for unit tests. */
void clock_set_offset(int64_t seconds);

#endif
