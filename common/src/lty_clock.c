/* SPDX-License-Identifier: MIT */
/* Business time and monotonic time. The offset is an atomic so the writer thread and the loops
 * read it without a lock. */
#include "lty/lty_clock.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
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

/* Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t year, int64_t month, int64_t day)
{
    year -= month <= 2;
    int64_t era = year / 400;
    int64_t year_of_era = year - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

/* Read count digits at text into *value_out; false if any is not a digit. */
static int digits_read(const char *text, int count, int64_t *value_out)
{
    int64_t value = 0;
    for (int index = 0; index < count; index++) {
        if (text[index] < '0' || text[index] > '9') return -1;
        value = value * 10 + (text[index] - '0');
    }
    *value_out = value;
    return 0;
}

int lty_clock_parse(const char *text, int64_t *time_ms_out)
{
    if (text == NULL || time_ms_out == NULL) return -1;
    size_t size = 0;
    while (size < 32 && text[size] != '\0') size++;
    if (size != 20 && size != 24) return -1;
    if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':' || text[size - 1] != 'Z' || (size == 24 && text[19] != '.')) {
        return -1;
    }
    int64_t year, month, day, hour, minute, second, milli = 0;
    if (digits_read(text, 4, &year) || digits_read(text + 5, 2, &month) ||
        digits_read(text + 8, 2, &day) || digits_read(text + 11, 2, &hour) ||
        digits_read(text + 14, 2, &minute) || digits_read(text + 17, 2, &second) ||
        (size == 24 && digits_read(text + 20, 3, &milli))) {
        return -1;
    }
    static const int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > month_days[month - 1] ||
        (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 || second > 59) {
        return -1;
    }
    int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                      second;
    *time_ms_out = seconds * 1000 + milli;
    return 0;
}
