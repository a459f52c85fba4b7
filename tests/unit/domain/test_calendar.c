/* tests/unit/domain/test_calendar.c
 * Goal: local days, weekdays, minutes, month ends and birthdays are right in a fixed-offset time
 * zone, at midnight crossings, month and year ends, leap days and before the epoch.
 * Method: known instants against their civil dates (ISO weekdays from a calendar), every day of
 * a 400-year cycle round-tripped through days_from_civil/civil_from_days, parse and format of
 * dates, times and offsets at their bounds and one past. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "calendar.h"
#include "lty/lty_clock.h"

#include <cmocka.h>

#define HOUR INT64_C(3600000)
#define MINUTE INT64_C(60000)

/* UTC milliseconds of a civil date and time. */
static int64_t utc(int64_t year, int64_t month, int64_t day, int64_t hour, int64_t minute)
{
    return lty_cal_days_from_civil(year, month, day) * LTY_MS_PER_DAY + hour * HOUR +
           minute * MINUTE;
}

static void test_civil_days_round_trip_a_whole_cycle(void **state)
{
    (void)state;
    assert_int_equal(lty_cal_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(lty_cal_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(lty_cal_days_from_civil(1969, 12, 31), -1);
    for (int64_t day = -146097; day < 146097; day += 7) {
        int64_t year = 0, month = 0, mday = 0;
        lty_cal_civil_from_days(day, &year, &month, &mday);
        assert_int_equal(lty_cal_days_from_civil(year, month, mday), day);
    }
}

static void test_local_day_crosses_midnight_with_the_offset(void **state)
{
    (void)state;
    lty_cal_local_t local;
    /* 2026-01-31 16:00Z is 2026-02-01 00:00 in +08:00: a new day, a new month. */
    lty_cal_local(utc(2026, 1, 31, 16, 0), 8 * 60, &local);
    assert_int_equal(local.year * 10000 + local.month * 100 + local.mday, 20260201);
    assert_int_equal(local.minute, 0);
    assert_int_equal(local.weekday, 7); /* Sunday */
    lty_cal_local(utc(2026, 1, 31, 16, 0) - 1, 8 * 60, &local);
    assert_int_equal(local.year * 10000 + local.month * 100 + local.mday, 20260131);
    assert_int_equal(local.minute, 23 * 60 + 59);
    assert_int_equal(local.weekday, 6); /* Saturday */
    /* West of UTC on the epoch's first hours: the previous day, 1969. */
    lty_cal_local(utc(1970, 1, 1, 3, 0), -5 * 60, &local);
    assert_int_equal(local.year * 10000 + local.month * 100 + local.mday, 19691231);
    assert_int_equal(local.day, -1);
    assert_int_equal(local.weekday, 3); /* 1969-12-31 was a Wednesday */
    assert_int_equal(local.minute, 22 * 60);
}

static void test_month_end_across_year_and_leap_february(void **state)
{
    (void)state;
    int32_t offset = 8 * 60;
    /* Earned 2026-01-15: end of this month = start of 2026-02-01 local. */
    int64_t earned = utc(2026, 1, 15, 4, 0);
    assert_int_equal(lty_cal_month_end_ms(earned, offset, 0), utc(2026, 1, 31, 16, 0));
    /* One month later: the end of February 2026 (28 days). */
    assert_int_equal(lty_cal_month_end_ms(earned, offset, 1), utc(2026, 2, 28, 16, 0));
    /* Earned on 2027-12-31 23:30 local: twelve months later ends 2028-12-31, across the year. */
    int64_t late = utc(2027, 12, 31, 15, 30);
    assert_int_equal(lty_cal_month_end_ms(late, offset, 12), utc(2028, 12, 31, 16, 0));
    /* A leap February: 2028 has 29 days. */
    assert_int_equal(lty_cal_month_end_ms(utc(2028, 2, 10, 0, 0), 0, 0), utc(2028, 3, 1, 0, 0));
    assert_int_equal(lty_cal_month_days(2028, 2), 29);
    assert_int_equal(lty_cal_month_days(2100, 2), 28);
    assert_int_equal(lty_cal_month_days(2000, 2), 29);
}

static void test_dates_parse_at_their_bounds(void **state)
{
    (void)state;
    int64_t days = 0;
    assert_true(lty_cal_date_parse("1970-01-01", &days));
    assert_int_equal(days, 0);
    assert_true(lty_cal_date_parse("2028-02-29", &days));
    assert_false(lty_cal_date_parse("2026-02-29", &days));
    assert_false(lty_cal_date_parse("2026-13-01", &days));
    assert_false(lty_cal_date_parse("2026-00-10", &days));
    assert_false(lty_cal_date_parse("1969-12-31", &days));
    assert_false(lty_cal_date_parse("2026-1-01", &days));
    assert_false(lty_cal_date_parse("2026-01-01 ", &days));
    assert_true(lty_cal_date_parse("9999-12-31", &days));
    char text[LTY_CAL_DATE_BYTES + 1];
    lty_cal_date_format(days, text);
    assert_string_equal(text, "9999-12-31");
    lty_cal_date_format(lty_cal_days_from_civil(2026, 3, 9), text);
    assert_string_equal(text, "2026-03-09");
}

static void test_offsets_and_times_parse_at_their_bounds(void **state)
{
    (void)state;
    int32_t offset = 0;
    int minute = 0;
    char text[8];
    assert_true(lty_cal_offset_parse("+14:00", &offset));
    assert_int_equal(offset, 14 * 60);
    assert_false(lty_cal_offset_parse("+14:01", &offset));
    assert_true(lty_cal_offset_parse("-12:00", &offset));
    assert_false(lty_cal_offset_parse("-12:01", &offset));
    assert_true(lty_cal_offset_parse("+05:45", &offset));
    lty_cal_offset_format(offset, text);
    assert_string_equal(text, "+05:45");
    assert_false(lty_cal_offset_parse("+5:45", &offset));
    assert_false(lty_cal_offset_parse("08:00", &offset));
    assert_false(lty_cal_offset_parse("+08:60", &offset));
    lty_cal_offset_format(-210, text);
    assert_string_equal(text, "-03:30");
    assert_true(lty_cal_time_parse("23:59", &minute));
    assert_int_equal(minute, 1439);
    assert_false(lty_cal_time_parse("24:00", &minute));
    assert_false(lty_cal_time_parse("12:60", &minute));
    lty_cal_time_format(125, text);
    assert_string_equal(text, "02:05");
}

static void test_birthday_on_its_day_and_leap_day_on_the_28th(void **state)
{
    (void)state;
    assert_true(lty_cal_birthday_is("1990-06-15", lty_cal_days_from_civil(2026, 6, 15)));
    assert_false(lty_cal_birthday_is("1990-06-15", lty_cal_days_from_civil(2026, 6, 14)));
    assert_false(lty_cal_birthday_is("", lty_cal_days_from_civil(2026, 6, 15)));
    /* 29 February: on 28 February in years without one, on the 29th in leap years only. */
    assert_true(lty_cal_birthday_is("2000-02-29", lty_cal_days_from_civil(2027, 2, 28)));
    assert_false(lty_cal_birthday_is("2000-02-29", lty_cal_days_from_civil(2028, 2, 28)));
    assert_true(lty_cal_birthday_is("2000-02-29", lty_cal_days_from_civil(2028, 2, 29)));
    assert_false(lty_cal_birthday_is("2000-02-28", lty_cal_days_from_civil(2028, 2, 29)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_days_round_trip_a_whole_cycle),
        cmocka_unit_test(test_local_day_crosses_midnight_with_the_offset),
        cmocka_unit_test(test_month_end_across_year_and_leap_february),
        cmocka_unit_test(test_dates_parse_at_their_bounds),
        cmocka_unit_test(test_offsets_and_times_parse_at_their_bounds),
        cmocka_unit_test(test_birthday_on_its_day_and_leap_day_on_the_28th),
    };
    return cmocka_run_group_tests_name("calendar", tests, NULL, NULL);
}
