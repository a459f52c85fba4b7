/* SPDX-License-Identifier: MIT */
/**
 * @file calendar.h
 * Civil dates and local time in the programme's time zone, pure integer arithmetic: which day
 * "today" is, the day of the week and the minute of the day of a sale, where a month ends,
 * birthdays.
 *
 * Owns: the proleptic Gregorian calendar (H. Hinnant's days-from-civil algorithms) and fixed
 * UTC offsets. A programme's time zone is a fixed offset such as "+08:00" (China has no daylight
 * saving time); named zones with DST rules are not supported, because C11/POSIX converts them
 * only through the process-wide TZ variable, which is unsafe across the daemon's threads
 * (docs/programme.md).
 *
 * Caveats:
 * - Days count from 1970-01-01 and may be negative; divisions round toward minus infinity.
 * - Dates are accepted from 1970-01-01 to 9999-12-31.
 */
#ifndef LTY_CALENDAR_H
#define LTY_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#define LTY_CAL_OFFSET_MINUTES_MIN (-12 * 60)
#define LTY_CAL_OFFSET_MINUTES_MAX (14 * 60)
#define LTY_CAL_DATE_BYTES 10   /* "YYYY-MM-DD" */
#define LTY_CAL_OFFSET_BYTES 6  /* "+08:00" */
#define LTY_CAL_TIME_BYTES 5    /* "22:30" */
#define LTY_CAL_MS_PER_MINUTE INT64_C(60000)
#define LTY_CAL_MINUTES_PER_DAY 1440

/** A moment seen in local time. */
typedef struct lty_cal_local_s {
    int64_t day;     /* local days since 1970-01-01 */
    int64_t year;
    int64_t month;   /* 1..12 */
    int64_t mday;    /* 1..31 */
    int weekday;     /* ISO 8601: 1 Monday .. 7 Sunday */
    int minute;      /* minutes since local midnight: 0..1439 */
} lty_cal_local_t;

/** Days since 1970-01-01 of a civil date (month 1..12, day 1..31; not range-checked). */
int64_t lty_cal_days_from_civil(int64_t year, int64_t month, int64_t day);
/** The civil date of a day number. */
void lty_cal_civil_from_days(int64_t days, int64_t *year_out, int64_t *month_out,
                             int64_t *day_out);
/** Days in month (1..12) of year. */
int64_t lty_cal_month_days(int64_t year, int64_t month);

/** Parse "YYYY-MM-DD" (a real date, 1970..9999): true and *days_out, else false. */
bool lty_cal_date_parse(const char *text, int64_t *days_out);
/** Format a day number as "YYYY-MM-DD" (out: at least LTY_CAL_DATE_BYTES + 1 bytes). */
void lty_cal_date_format(int64_t days, char *out);

/** Parse a fixed offset "+HH:MM" / "-HH:MM" within -12:00..+14:00 (minutes 00..59). */
bool lty_cal_offset_parse(const char *text, int32_t *minutes_out);
/** Format an offset as "+HH:MM" (out: at least LTY_CAL_OFFSET_BYTES + 1 bytes). */
void lty_cal_offset_format(int32_t minutes, char *out);
/** Parse "HH:MM" (00:00..23:59) into minutes since midnight. */
bool lty_cal_time_parse(const char *text, int *minute_out);
/** Format minutes since midnight (0..1439) as "HH:MM" (out: LTY_CAL_TIME_BYTES + 1 bytes). */
void lty_cal_time_format(int minute, char *out);

/** time_ms (UTC) seen at offset_minutes. */
void lty_cal_local(int64_t time_ms, int32_t offset_minutes, lty_cal_local_t *local_out);
/** The UTC millisecond at which local day `day` begins at offset_minutes. */
int64_t lty_cal_day_start_ms(int64_t day, int32_t offset_minutes);
/**
 * The end of the local month months_after (>= 0) months after the month of time_ms: the UTC
 * millisecond at which the next month begins (exclusive, so a lot expiring then is expired from
 * that instant on). months_after 0 is the end of time_ms's own month.
 */
int64_t lty_cal_month_end_ms(int64_t time_ms, int32_t offset_minutes, int64_t months_after);
/** Whether a birthday "YYYY-MM-DD" falls on local day `today`: same month and day, and a 29
 *  February birthday falls on 28 February in a year without one. */
bool lty_cal_birthday_is(const char *birthday, int64_t today);

#endif
