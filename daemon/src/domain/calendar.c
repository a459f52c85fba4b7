/* SPDX-License-Identifier: MIT */
/* Civil dates and fixed-offset local time, pure (calendar.h). Day numbers use H. Hinnant's
 * days_from_civil / civil_from_days, exact for the proleptic Gregorian calendar; every division
 * of a possibly negative number goes through floor_div so times before the epoch, or local days
 * west of UTC on 1970-01-01, still land on the right day.
 *
 * Not here: which time zone a programme uses (programme.c) or what a date means for expiry,
 * rules and birthdays (ops_expiry.c, rules.c, ops_bonus.c). */
#include "calendar.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"

#include <stdio.h>
#include <string.h>

static int64_t floor_div(int64_t value, int64_t divisor)
{
    LTY_ASSERT(divisor > 0);
    int64_t quotient = value / divisor;
    return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

int64_t lty_cal_days_from_civil(int64_t year, int64_t month, int64_t day)
{
    LTY_ASSERT(month >= 1 && month <= 12);
    LTY_ASSERT(day >= 1 && day <= 31);
    int64_t shifted = month <= 2 ? year - 1 : year;
    int64_t era = floor_div(shifted, 400);
    int64_t year_of_era = shifted - era * 400;
    int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

void lty_cal_civil_from_days(int64_t days, int64_t *year_out, int64_t *month_out,
                             int64_t *day_out)
{
    LTY_ASSERT(year_out != NULL && month_out != NULL && day_out != NULL);
    int64_t shifted = days + 719468;
    int64_t era = floor_div(shifted, 146097);
    int64_t day_of_era = shifted - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_shifted = (5 * day_of_year + 2) / 153; /* 0 = March */
    int64_t month = month_shifted < 10 ? month_shifted + 3 : month_shifted - 9;
    *day_out = day_of_year - (153 * month_shifted + 2) / 5 + 1;
    *month_out = month;
    *year_out = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
    LTY_ASSERT(*month_out >= 1 && *month_out <= 12 && *day_out >= 1 && *day_out <= 31);
}

int64_t lty_cal_month_days(int64_t year, int64_t month)
{
    static const int64_t days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    LTY_ASSERT(month >= 1 && month <= 12);
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

static bool digits_read(const char *text, size_t count, int64_t *value_out)
{
    int64_t value = 0;
    for (size_t index = 0; index < count; index++) {
        if (text[index] < '0' || text[index] > '9') return false;
        value = value * 10 + (text[index] - '0');
    }
    *value_out = value;
    return true;
}

bool lty_cal_date_parse(const char *text, int64_t *days_out)
{
    LTY_ASSERT(text != NULL && days_out != NULL);
    int64_t year = 0, month = 0, day = 0;
    if (strlen(text) != LTY_CAL_DATE_BYTES || text[4] != '-' || text[7] != '-') return false;
    if (!digits_read(text, 4, &year) || !digits_read(text + 5, 2, &month) ||
        !digits_read(text + 8, 2, &day)) {
        return false;
    }
    if (year < 1970 || month < 1 || month > 12 || day < 1 ||
        day > lty_cal_month_days(year, month)) {
        return false;
    }
    *days_out = lty_cal_days_from_civil(year, month, day);
    return true;
}

void lty_cal_date_format(int64_t days, char *out)
{
    LTY_ASSERT(out != NULL);
    int64_t year = 0, month = 0, day = 0;
    lty_cal_civil_from_days(days, &year, &month, &day);
    if (year < 0 || year > 9999) year = year < 0 ? 0 : 9999; /* formats stay 10 bytes */
    char text[48];
    snprintf(text, sizeof(text), "%04d-%02d-%02d", (int)year, (int)month, (int)day);
    memcpy(out, text, LTY_CAL_DATE_BYTES + 1);
}

bool lty_cal_offset_parse(const char *text, int32_t *minutes_out)
{
    LTY_ASSERT(text != NULL && minutes_out != NULL);
    int64_t hours = 0, minutes = 0;
    if (strlen(text) != LTY_CAL_OFFSET_BYTES || (text[0] != '+' && text[0] != '-') ||
        text[3] != ':' || !digits_read(text + 1, 2, &hours) ||
        !digits_read(text + 4, 2, &minutes) || minutes > 59) {
        return false;
    }
    int64_t total = (hours * 60 + minutes) * (text[0] == '-' ? -1 : 1);
    if (total < LTY_CAL_OFFSET_MINUTES_MIN || total > LTY_CAL_OFFSET_MINUTES_MAX) return false;
    *minutes_out = (int32_t)total;
    return true;
}

void lty_cal_offset_format(int32_t minutes, char *out)
{
    LTY_ASSERT(out != NULL);
    LTY_ASSERT(minutes >= LTY_CAL_OFFSET_MINUTES_MIN && minutes <= LTY_CAL_OFFSET_MINUTES_MAX);
    int32_t magnitude = minutes < 0 ? -minutes : minutes;
    char text[32]; /* the range is asserted; the compiler cannot see it */
    snprintf(text, sizeof(text), "%c%02d:%02d", minutes < 0 ? '-' : '+', (int)(magnitude / 60),
             (int)(magnitude % 60));
    memcpy(out, text, LTY_CAL_OFFSET_BYTES + 1);
}

bool lty_cal_time_parse(const char *text, int *minute_out)
{
    LTY_ASSERT(text != NULL && minute_out != NULL);
    int64_t hours = 0, minutes = 0;
    if (strlen(text) != LTY_CAL_TIME_BYTES || text[2] != ':' || !digits_read(text, 2, &hours) ||
        !digits_read(text + 3, 2, &minutes) || hours > 23 || minutes > 59) {
        return false;
    }
    *minute_out = (int)(hours * 60 + minutes);
    return true;
}

void lty_cal_time_format(int minute, char *out)
{
    LTY_ASSERT(out != NULL);
    LTY_ASSERT(minute >= 0 && minute < LTY_CAL_MINUTES_PER_DAY);
    char text[32]; /* the range is asserted; the compiler cannot see it */
    snprintf(text, sizeof(text), "%02d:%02d", minute / 60, minute % 60);
    memcpy(out, text, LTY_CAL_TIME_BYTES + 1);
}

void lty_cal_local(int64_t time_ms, int32_t offset_minutes, lty_cal_local_t *local_out)
{
    LTY_ASSERT(local_out != NULL);
    LTY_ASSERT(offset_minutes >= LTY_CAL_OFFSET_MINUTES_MIN);
    LTY_ASSERT(offset_minutes <= LTY_CAL_OFFSET_MINUTES_MAX);
    int64_t local_ms = time_ms + (int64_t)offset_minutes * LTY_CAL_MS_PER_MINUTE;
    int64_t day = floor_div(local_ms, LTY_MS_PER_DAY);
    local_out->day = day;
    local_out->minute = (int)((local_ms - day * LTY_MS_PER_DAY) / LTY_CAL_MS_PER_MINUTE);
    lty_cal_civil_from_days(day, &local_out->year, &local_out->month, &local_out->mday);
    /* 1970-01-01 was a Thursday (ISO weekday 4). */
    local_out->weekday = (int)(day + 3 - floor_div(day + 3, 7) * 7) + 1;
    LTY_ASSERT(local_out->weekday >= 1 && local_out->weekday <= 7);
    LTY_ASSERT(local_out->minute >= 0 && local_out->minute < LTY_CAL_MINUTES_PER_DAY);
}

int64_t lty_cal_day_start_ms(int64_t day, int32_t offset_minutes)
{
    return day * LTY_MS_PER_DAY - (int64_t)offset_minutes * LTY_CAL_MS_PER_MINUTE;
}

int64_t lty_cal_month_end_ms(int64_t time_ms, int32_t offset_minutes, int64_t months_after)
{
    LTY_ASSERT(months_after >= 0 && months_after <= 12 * 10000);
    lty_cal_local_t local;
    lty_cal_local(time_ms, offset_minutes, &local);
    int64_t month_index = local.year * 12 + (local.month - 1) + months_after + 1; /* the next */
    int64_t first = lty_cal_days_from_civil(month_index / 12, month_index % 12 + 1, 1);
    return lty_cal_day_start_ms(first, offset_minutes);
}

bool lty_cal_birthday_is(const char *birthday, int64_t today)
{
    LTY_ASSERT(birthday != NULL);
    int64_t born = 0;
    if (!lty_cal_date_parse(birthday, &born)) return false;
    int64_t born_year = 0, born_month = 0, born_day = 0;
    int64_t year = 0, month = 0, day = 0;
    lty_cal_civil_from_days(born, &born_year, &born_month, &born_day);
    lty_cal_civil_from_days(today, &year, &month, &day);
    if (born_month != month) return false;
    if (born_day == day) return true;
    return born_month == 2 && born_day == 29 && day == 28 && lty_cal_month_days(year, 2) == 28;
}
