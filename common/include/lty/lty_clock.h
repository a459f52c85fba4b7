/* SPDX-License-Identifier: MIT */
/**
 * @file lty_clock.h
 * The programme's wall clock in milliseconds since the Unix epoch (UTC), with a test offset.
 *
 * Owns: the only call to clock_gettime(CLOCK_REALTIME) for business time. Tests move time (card
 * expiry, tier review, void windows) by setting an offset; the daemon accepts one only when
 * started with --test-clock.
 */
#ifndef LTY_CLOCK_H
#define LTY_CLOCK_H

#include <stdint.h>

/** One day in milliseconds: the one definition every module uses. */
#define LTY_MS_PER_DAY INT64_C(86400000)

int64_t lty_clock_now_ms(void);
/** Monotonic milliseconds for timeouts and latency; unaffected by the test offset. */
int64_t lty_clock_monotonic_ms(void);
/** Shift business time by offset_ms (thread-safe, atomic). */
void lty_clock_offset_set(int64_t offset_ms);
int64_t lty_clock_offset_get(void);
/** Days since the epoch (UTC) of a millisecond timestamp. */
int64_t lty_clock_day(int64_t time_ms);
/** Format time_ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out (at least 25 bytes). */
void lty_clock_format(int64_t time_ms, char *out, unsigned long out_size);
/** Parse "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC, years 1970..9999, a real
 *  date): 0 and *time_ms_out, or -1 for anything else. */
int lty_clock_parse(const char *text, int64_t *time_ms_out);

#endif
