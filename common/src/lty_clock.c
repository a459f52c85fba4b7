/* SPDX-License-Identifier: MIT */
/* Business time and monotonic time. The offset is an atomic so the writer thread and the loops
 * read it without a lock. */
#include "lty/lty_clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static _Atomic int64_t clock_offset_ms;

int64_t lty_clock_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + atomic_load(&clock_offset_ms);
}

int64_t lty_clock_monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void lty_clock_offset_set(int64_t offset_ms)
{
    atomic_store(&clock_offset_ms, offset_ms);
}

int64_t lty_clock_offset_get(void)
{
    return atomic_load(&clock_offset_ms);
}

int64_t lty_clock_day(int64_t time_ms)
{
    int64_t day_ms = LTY_MS_PER_DAY;
    return time_ms >= 0 ? time_ms / day_ms : -((-time_ms + day_ms - 1) / day_ms);
}

void lty_clock_format(int64_t time_ms, char *out, unsigned long out_size)
{
    time_t seconds = (time_t)(time_ms / 1000);
    struct tm utc;
    gmtime_r(&seconds, &utc);
    snprintf(out, out_size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
             utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
             (int)(time_ms % 1000));
}
