/* tests/unit/daemon/test_ledger_tier.c
 * Goal: the pure tier rules: UTC month indexes at month and year edges, the tier for a
 * qualifying value at each threshold and one short of it, the earning multiplier (rounding
 * down, limits, refusal leaves the plan unchanged), the review's grace rule (never raises a
 * tier), the next tier and its missing amount, and the programme's tier validation.
 * Method: boundary values on the demo programme (Member 0 / Silver 1,000,000 / Gold 5,000,000 /
 * Platinum 20,000,000 cents; 100 / 125 / 150 / 200 percent). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ledger.h"
#include "lty/lty_err.h"

#include <cmocka.h>

#define DAY INT64_C(86400000)

static lty_programme_t demo(void)
{
    lty_programme_t programme;
    lty_programme_demo(&programme);
    return programme;
}

static void test_month_index_edges(void **state)
{
    (void)state;
    assert_int_equal(lty_ledger_month_index(0), 0);                 /* 1970-01-01 */
    assert_int_equal(lty_ledger_month_index(31 * DAY - 1), 0);      /* 1970-01-31 23:59:59.999 */
    assert_int_equal(lty_ledger_month_index(31 * DAY), 1);          /* 1970-02-01 */
    assert_int_equal(lty_ledger_month_index(59 * DAY), 2);          /* 1970-03-01 */
    assert_int_equal(lty_ledger_month_index(365 * DAY - 1), 11);    /* 1970-12-31 */
    assert_int_equal(lty_ledger_month_index(365 * DAY), 12);        /* 1971-01-01 */
    /* 2024-02-29 (leap day) is day 19782; 2024-03-01 is 19783. 2024-02 = (54*12)+1 = 649. */
    assert_int_equal(lty_ledger_month_index(19782 * DAY), 649);
    assert_int_equal(lty_ledger_month_index(19783 * DAY), 650);
}

static void test_tier_for_thresholds(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    assert_int_equal(lty_ledger_tier_for(&programme, 0), 0);
    assert_int_equal(lty_ledger_tier_for(&programme, 999999), 0);
    assert_int_equal(lty_ledger_tier_for(&programme, 1000000), 1);
    assert_int_equal(lty_ledger_tier_for(&programme, 4999999), 1);
    assert_int_equal(lty_ledger_tier_for(&programme, 5000000), 2);
    assert_int_equal(lty_ledger_tier_for(&programme, 20000000), 3);
    assert_int_equal(lty_ledger_tier_for(&programme, INT64_MAX / 2), 3);
}

static void test_multiplier_rounds_down_and_refuses_unchanged(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    lty_ledger_sale_plan_t plan = {.points_earned = 101, .points_balance_after = 1101};
    assert_int_equal(lty_ledger_sale_plan_tier(&programme, 1, &plan), 0); /* 1.25x */
    assert_int_equal(plan.points_earned, 126);                            /* 126.25 -> 126 */
    assert_int_equal(plan.points_balance_after, 1126);
    plan = (lty_ledger_sale_plan_t){.points_earned = 7, .points_balance_after = 7};
    assert_int_equal(lty_ledger_sale_plan_tier(&programme, 0, &plan), 0);
    assert_int_equal(plan.points_earned, 7);
    plan = (lty_ledger_sale_plan_t){.points_earned = LTY_POINTS_PER_TXN_MAX,
                                    .points_balance_after = LTY_POINTS_PER_TXN_MAX};
    lty_ledger_sale_plan_t before = plan;
    assert_int_equal(lty_ledger_sale_plan_tier(&programme, 3, &plan), LTY_E_POINTS_LIMIT);
    assert_memory_equal(&plan, &before, sizeof(plan));
    plan = (lty_ledger_sale_plan_t){.points_earned = 10,
                                    .points_balance_after = LTY_POINTS_BALANCE_MAX};
    before = plan;
    assert_int_equal(lty_ledger_sale_plan_tier(&programme, 3, &plan), LTY_E_POINTS_LIMIT);
    assert_memory_equal(&plan, &before, sizeof(plan));
}

static void test_review_grace_rule(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    /* Qualified neither now nor at the grace point: down to what now qualifies. */
    assert_int_equal(lty_ledger_tier_review(&programme, 2, 0, 0), 0);
    assert_int_equal(lty_ledger_tier_review(&programme, 2, 1000000, 0), 1);
    /* Qualified at the grace point: kept. */
    assert_int_equal(lty_ledger_tier_review(&programme, 2, 0, 5000000), 2);
    assert_int_equal(lty_ledger_tier_review(&programme, 2, 0, 4999999), 1);
    /* A review never raises a tier. */
    assert_int_equal(lty_ledger_tier_review(&programme, 0, 20000000, 20000000), 0);
    assert_int_equal(lty_ledger_tier_review(&programme, 1, 20000000, 0), 1);
}

static void test_next_tier(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    uint32_t next = 99;
    int64_t needed = -1;
    assert_true(lty_ledger_tier_next(&programme, 0, 900000, &next, &needed));
    assert_int_equal(next, 1);
    assert_int_equal(needed, 100000);
    assert_true(lty_ledger_tier_next(&programme, 1, 6000000, &next, &needed)); /* already past */
    assert_int_equal(needed, 0);
    next = 99;
    assert_false(lty_ledger_tier_next(&programme, 3, 0, &next, &needed));
    assert_int_equal(next, 99);
}

static void test_programme_tiers_parse(void **state)
{
    (void)state;
    lty_programme_t programme;
    static const char good[] = "{\"tier_basis\":\"points\",\"tier_grace_days\":0,\"tiers\":["
                               "{\"name\":\"Base\",\"threshold\":0},"
                               "{\"name\":\"VIP\",\"threshold\":500,\"earn_percent\":300}]}";
    assert_int_equal(lty_programme_parse(good, strlen(good), &programme, NULL), 0);
    assert_int_equal(programme.tiers_count, 2);
    assert_int_equal(programme.tier_basis, LTY_TIER_BASIS_POINTS);
    assert_int_equal(programme.tiers[0].earn_percent, 100);
    assert_int_equal(programme.tiers[1].earn_percent, 300);
    static const char *const bad[] = {
        "{\"tiers\":[]}",
        "{\"tiers\":[{\"name\":\"A\",\"threshold\":1}]}",                       /* first not 0 */
        "{\"tiers\":[{\"name\":\"A\",\"threshold\":0},{\"name\":\"B\",\"threshold\":0}]}",
        "{\"tiers\":[{\"name\":\"A\",\"threshold\":0,\"earn_percent\":1001}]}",
        "{\"tiers\":[{\"name\":\"\",\"threshold\":0}]}",
        "{\"tiers\":[{\"name\":\"A\",\"threshold\":0,\"x\":1}]}",
        "{\"tier_basis\":\"visits\"}",
    };
    for (size_t index = 0; index < sizeof(bad) / sizeof(bad[0]); index++) {
        assert_int_equal(lty_programme_parse(bad[index], strlen(bad[index]), &programme, NULL),
                         LTY_E_CONFIG);
    }
    lty_programme_t demo_programme = demo();
    lty_buf_t buf;
    lty_buf_init(&buf, LTY_PROGRAMME_JSON_BYTES_MAX);
    lty_programme_render(&demo_programme, &buf);
    assert_int_equal(lty_programme_parse(buf.data, buf.size, &programme, NULL), 0);
    assert_memory_equal(programme.tiers, demo_programme.tiers, sizeof(programme.tiers));
    lty_buf_deinit(&buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_index_edges),
        cmocka_unit_test(test_tier_for_thresholds),
        cmocka_unit_test(test_multiplier_rounds_down_and_refuses_unchanged),
        cmocka_unit_test(test_review_grace_rule),
        cmocka_unit_test(test_next_tier),
        cmocka_unit_test(test_programme_tiers_parse),
    };
    return cmocka_run_group_tests_name("ledger_tier", tests, NULL, NULL);
}
