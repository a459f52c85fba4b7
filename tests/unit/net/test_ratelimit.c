/* SPDX-License-Identifier: MIT */
/* tests/unit/net/test_ratelimit.c
 * Goal: a key gets exactly its burst at once and then its rate, is told how long to wait, keys
 * do not share buckets, a full table fails open and counts it, a bucket that refilled gives its
 * entry to a new key, and the table never grows.
 * Method: lty_rate_take with explicit monotonic times (no clock, no sleeps). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "lty/lty_limits.h"
#include "ratelimit.h"

#include <cmocka.h>

#define SECOND_NS UINT64_C(1000000000)
#define T0 (UINT64_C(1000) * SECOND_NS)

static void test_rate_burst_then_one_per_interval(void **state)
{
    (void)state;
    lty_rate_table_t *table = NULL;
    assert_int_equal(lty_rate_table_create(&table, 64), 0);
    lty_rate_limit_t limit;
    lty_rate_limit_set(&limit, 10, 3); /* 10/s, bursts of 3 */
    for (int index = 0; index < 3; index++) {
        assert_int_equal(lty_rate_take(table, 7, &limit, T0), 0);
    }
    uint64_t wait_ns = lty_rate_take(table, 7, &limit, T0);
    assert_int_equal(wait_ns, SECOND_NS / 10); /* the next one is due in one interval */
    assert_int_equal(lty_rate_take(table, 7, &limit, T0 + SECOND_NS / 10 - 1), 1);
    assert_int_equal(lty_rate_take(table, 7, &limit, T0 + SECOND_NS / 10), 0);
    assert_true(lty_rate_take(table, 7, &limit, T0 + SECOND_NS / 10) > 0);
    /* After a quiet second the whole burst is back, never more. */
    uint64_t later = T0 + 2 * SECOND_NS;
    for (int index = 0; index < 3; index++) {
        assert_int_equal(lty_rate_take(table, 7, &limit, later), 0);
    }
    assert_true(lty_rate_take(table, 7, &limit, later) > 0);
    lty_rate_table_destroy(table);
}

static void test_rate_keys_have_their_own_buckets(void **state)
{
    (void)state;
    lty_rate_table_t *table = NULL;
    assert_int_equal(lty_rate_table_create(&table, 64), 0);
    lty_rate_limit_t limit;
    lty_rate_limit_set(&limit, 1, 1);
    assert_int_equal(lty_rate_take(table, 5, &limit, T0), 0);
    assert_true(lty_rate_take(table, 5, &limit, T0) > 0);
    assert_int_equal(lty_rate_take(table, 6, &limit, T0), 0); /* collides in the table: probes on */
    assert_int_equal(lty_rate_take(table, 5 + 64, &limit, T0), 0);
    lty_rate_table_destroy(table);
}

static void test_rate_zero_is_no_limit(void **state)
{
    (void)state;
    lty_rate_table_t *table = NULL;
    assert_int_equal(lty_rate_table_create(&table, 64), 0);
    lty_rate_limit_t limit;
    lty_rate_limit_set(&limit, 0, 0);
    for (int index = 0; index < 1000; index++) {
        assert_int_equal(lty_rate_take(table, 9, &limit, T0), 0);
    }
    lty_rate_table_destroy(table);
}

/* 16 active keys on the same probe run fill it: a 17th is let through and counted. Once the
 * others' buckets refilled, the 17th takes over an entry and is limited again. */
static void test_rate_full_table_fails_open_then_reuses_refilled_entries(void **state)
{
    (void)state;
    lty_rate_table_t *table = NULL;
    assert_int_equal(lty_rate_table_create(&table, LTY_RATE_PROBES_MAX), 0);
    lty_rate_limit_t limit;
    lty_rate_limit_set(&limit, 1, 1);
    for (uint64_t key = 1; key <= LTY_RATE_PROBES_MAX; key++) {
        assert_int_equal(lty_rate_take(table, key, &limit, T0), 0);
    }
    uint64_t extra = LTY_RATE_PROBES_MAX + 1;
    assert_int_equal(lty_rate_take(table, extra, &limit, T0), 0);
    assert_int_equal(lty_rate_take(table, extra, &limit, T0), 0);
    assert_int_equal(lty_rate_table_saturated(table), 2);
    uint64_t later = T0 + 2 * SECOND_NS;
    assert_int_equal(lty_rate_take(table, extra, &limit, later), 0);
    assert_true(lty_rate_take(table, extra, &limit, later) > 0);
    assert_int_equal(lty_rate_table_saturated(table), 2);
    lty_rate_table_destroy(table);
}

static void test_rate_key_hash_is_never_zero_and_depends_on_the_seed(void **state)
{
    (void)state;
    uint64_t one = lty_rate_key_hash(1, "127.0.0.1", 9);
    uint64_t two = lty_rate_key_hash(2, "127.0.0.1", 9);
    assert_true(one != 0 && two != 0);
    assert_true(one != two);
    assert_true(lty_rate_key_hash(1, "127.0.0.2", 9) != one);
    assert_int_equal(lty_rate_key_hash(1, "127.0.0.1", 9), one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_burst_then_one_per_interval),
        cmocka_unit_test(test_rate_keys_have_their_own_buckets),
        cmocka_unit_test(test_rate_zero_is_no_limit),
        cmocka_unit_test(test_rate_full_table_fails_open_then_reuses_refilled_entries),
        cmocka_unit_test(test_rate_key_hash_is_never_zero_and_depends_on_the_seed),
    };
    return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
