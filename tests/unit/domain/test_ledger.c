/* tests/unit/daemon/test_ledger.c
 * Goal: the ledger rules earn and redeem exactly, never let a balance pass its limits, never
 * change state on refusal, and always build postings that sum to zero per asset.
 * Method: boundary values (0, exact, one short, max, max + 1), lots in several orders, and
 * expect_assert_failure for contract violations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ledger.h"
#include "lty/lty_err.h"

#include <cmocka.h>

static lty_programme_t demo(void)
{
    lty_programme_t programme;
    lty_programme_demo(&programme);
    return programme;
}

static void test_earn_rounds_down(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    int64_t points = -1;
    assert_int_equal(lty_ledger_points_earn(&programme, 0, &points), 0);
    assert_int_equal(points, 0);
    assert_int_equal(lty_ledger_points_earn(&programme, 99, &points), 0);
    assert_int_equal(points, 0);
    assert_int_equal(lty_ledger_points_earn(&programme, 100, &points), 0);
    assert_int_equal(points, 1);
    assert_int_equal(lty_ledger_points_earn(&programme, 1999, &points), 0);
    assert_int_equal(points, 19);
}

static void test_earn_at_per_txn_max_and_max_plus_one(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    programme.earn_cents_per_point = 1;
    int64_t points = -1;
    assert_int_equal(lty_ledger_points_earn(&programme, LTY_POINTS_PER_TXN_MAX, &points), 0);
    assert_int_equal(points, LTY_POINTS_PER_TXN_MAX);
    points = -1;
    assert_int_equal(lty_ledger_points_earn(&programme, LTY_POINTS_PER_TXN_MAX + 1, &points),
                     LTY_E_POINTS_LIMIT);
    assert_int_equal(points, -1);
}

static void test_earn_negative_amount_is_a_bug(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    int64_t points;
    expect_assert_failure(lty_ledger_points_earn(&programme, -1, &points));
}

static void test_sale_plan_earns_on_the_part_not_paid_with_points(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    lty_ledger_sale_plan_t plan;
    /* 25.99 basket, 500 points = 5.00 off: eligible 20.99 -> 20 points. */
    assert_int_equal(lty_ledger_sale_plan(&programme, 2599, 500, 800, &plan), 0);
    assert_int_equal(plan.redeem_value_cents, 500);
    assert_int_equal(plan.eligible_cents, 2099);
    assert_int_equal(plan.points_earned, 20);
    assert_int_equal(plan.points_balance_after, 800 - 500 + 20);
    programme.earn_on_redeemed_part = true;
    assert_int_equal(lty_ledger_sale_plan(&programme, 2599, 500, 800, &plan), 0);
    assert_int_equal(plan.points_earned, 25);
}

static void test_sale_plan_exact_balance_and_one_short(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    lty_ledger_sale_plan_t plan = {.points_earned = 77};
    assert_int_equal(lty_ledger_sale_plan(&programme, 1000, 300, 300, &plan), 0);
    assert_int_equal(plan.points_balance_after, 7);
    lty_ledger_sale_plan_t untouched = {.points_earned = 77};
    assert_int_equal(lty_ledger_sale_plan(&programme, 1000, 301, 300, &untouched),
                     LTY_E_INSUFFICIENT_POINTS);
    assert_int_equal(untouched.points_earned, 77);
}

static void test_sale_plan_redeem_equal_to_basket_and_one_over(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    lty_ledger_sale_plan_t plan;
    assert_int_equal(lty_ledger_sale_plan(&programme, 1000, 1000, 5000, &plan), 0);
    assert_int_equal(plan.points_earned, 0);
    assert_int_equal(plan.eligible_cents, 0);
    assert_int_equal(lty_ledger_sale_plan(&programme, 1000, 1001, 5000, &plan),
                     LTY_E_REDEEM_EXCEEDS_BASKET);
}

static void test_sale_plan_negative_balance_blocks_redemption(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    lty_ledger_sale_plan_t plan;
    assert_int_equal(lty_ledger_sale_plan(&programme, 1000, 1, -5, &plan),
                     LTY_E_REDEMPTION_BLOCKED);
    assert_int_equal(lty_ledger_sale_plan(&programme, 1000, 0, -5, &plan), 0);
    assert_int_equal(plan.points_balance_after, 5);
}

static void test_sale_plan_balance_at_max_and_over(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    lty_ledger_sale_plan_t plan;
    assert_int_equal(lty_ledger_sale_plan(&programme, 100, 0, LTY_POINTS_BALANCE_MAX - 1, &plan),
                     0);
    assert_int_equal(plan.points_balance_after, LTY_POINTS_BALANCE_MAX);
    assert_int_equal(lty_ledger_sale_plan(&programme, 200, 0, LTY_POINTS_BALANCE_MAX - 1, &plan),
                     LTY_E_POINTS_LIMIT);
}

static void test_basket_total_at_max_and_over(void **state)
{
    (void)state;
    static lty_sale_line_t lines[LTY_BASKET_LINES_MAX];
    for (size_t index = 0; index < LTY_BASKET_LINES_MAX; index++) {
        lines[index].amount_cents = LTY_LINE_AMOUNT_CENTS_MAX;
    }
    int64_t total = 0;
    /* 500 maximal lines = 5e10 > the per-sale max 1e10. */
    assert_int_equal(lty_ledger_basket_total(lines, LTY_BASKET_LINES_MAX, &total),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(lty_ledger_basket_total(lines, 100, &total), 0);
    assert_int_equal(total, LTY_SALE_AMOUNT_CENTS_MAX);
    lines[100].amount_cents = 1;
    assert_int_equal(lty_ledger_basket_total(lines, 101, &total), LTY_E_INVALID_FIELD);
    lines[0].amount_cents = LTY_LINE_AMOUNT_CENTS_MAX + 1;
    assert_int_equal(lty_ledger_basket_total(lines, 1, &total), LTY_E_INVALID_FIELD);
    expect_assert_failure(lty_ledger_basket_total(lines, LTY_BASKET_LINES_MAX + 1, &total));
}

static void lots_three(lty_lot_t lots[3])
{
    for (int index = 0; index < 3; index++) {
        lots[index] = (lty_lot_t){.member_id = 1, .expires_ms = 1000 * (index + 1),
                                  .entry_id = (uint64_t)index + 1, .points_initial = 100,
                                  .points_remaining = 100};
    }
    lots[1].points_remaining = 40;
}

static void test_lots_consume_soonest_first_across_lots(void **state)
{
    (void)state;
    lty_lot_t lots[3];
    lots_three(lots);
    size_t touched = 0;
    /* 100 + 40 from the two soonest lots, the last 10 from the third. */
    assert_int_equal(lty_ledger_lots_consume(lots, 3, 150, &touched), 0);
    assert_int_equal(touched, 3);
    assert_int_equal(lots[0].points_remaining, 0);
    assert_int_equal(lots[1].points_remaining, 0);
    assert_int_equal(lots[2].points_remaining, 90);
}

static void test_lots_consume_exact_total_and_one_short_unchanged(void **state)
{
    (void)state;
    lty_lot_t lots[3];
    lots_three(lots);
    size_t touched = 99;
    assert_int_equal(lty_ledger_lots_consume(lots, 3, 241, &touched), LTY_E_INSUFFICIENT_POINTS);
    assert_int_equal(touched, 99);
    assert_int_equal(lots[0].points_remaining, 100);
    assert_int_equal(lots[1].points_remaining, 40);
    assert_int_equal(lots[2].points_remaining, 100);
    assert_int_equal(lty_ledger_lots_consume(lots, 3, 240, &touched), 0);
    assert_int_equal(touched, 3);
    assert_int_equal(lots[2].points_remaining, 0);
}

static void test_lots_out_of_order_is_a_bug(void **state)
{
    (void)state;
    lty_lot_t lots[3];
    lots_three(lots);
    lots[1].expires_ms = 1;
    size_t touched;
    expect_assert_failure(lty_ledger_lots_consume(lots, 3, 200, &touched));
    expect_assert_failure(lty_ledger_lots_consume(lots, 3, 0, &touched));
}

static void test_lot_credit_only_above_zero(void **state)
{
    (void)state;
    assert_int_equal(lty_ledger_lot_credit(0, 10), 10);
    assert_int_equal(lty_ledger_lot_credit(50, 10), 10);
    assert_int_equal(lty_ledger_lot_credit(-30, 10), 0);
    assert_int_equal(lty_ledger_lot_credit(-30, 45), 15);
}

static void test_postings_sum_to_zero_and_unbalanced_is_detected(void **state)
{
    (void)state;
    lty_journal_entry_t entry;
    memset(&entry, 0, sizeof(entry));
    lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_POINTS, 7, 25);
    lty_ledger_posting_add(&entry, LTY_ACCOUNT_POINTS_ISSUED, 0, -25);
    lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_PREPAID, 7, 500);
    lty_ledger_posting_add(&entry, LTY_ACCOUNT_CASH_IN, 0, -500);
    assert_true(lty_ledger_entry_balanced(&entry));
    assert_int_equal(entry.postings[2].asset, LTY_ASSET_CURRENCY);
    entry.postings[3].amount = -499;
    assert_false(lty_ledger_entry_balanced(&entry));
    /* Points and currency must balance separately, not together. */
    entry.postings[3].amount = -500;
    entry.postings[1].amount = -24;
    entry.postings[3].amount = -501;
    assert_false(lty_ledger_entry_balanced(&entry));
}

static void test_posting_contract_violations(void **state)
{
    (void)state;
    lty_journal_entry_t entry;
    memset(&entry, 0, sizeof(entry));
    expect_assert_failure(lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_POINTS, 7, 0));
    expect_assert_failure(lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_POINTS, 0, 5));
    expect_assert_failure(lty_ledger_posting_add(&entry, LTY_ACCOUNT_POINTS_ISSUED, 3, 5));
    entry.postings_count = LTY_POSTINGS_PER_ENTRY_MAX;
    expect_assert_failure(lty_ledger_posting_add(&entry, LTY_ACCOUNT_POINTS_ISSUED, 0, 5));
}

static void test_account_apply_limits_and_refusal_unchanged(void **state)
{
    (void)state;
    lty_account_t points = {.kind = LTY_ACCOUNT_MEMBER_POINTS, .owner = 1,
                            .balance = LTY_POINTS_BALANCE_MAX - 1, .entries_count = 1};
    assert_int_equal(lty_ledger_account_apply(&points, 1, 5), 0);
    assert_int_equal(points.balance, LTY_POINTS_BALANCE_MAX);
    assert_int_equal(points.entries_count, 2);
    assert_int_equal(lty_ledger_account_apply(&points, 1, 6), LTY_E_POINTS_LIMIT);
    assert_int_equal(points.balance, LTY_POINTS_BALANCE_MAX);
    assert_int_equal(points.entries_count, 2);
    assert_int_equal(points.updated_ms, 5);

    lty_account_t prepaid = {.kind = LTY_ACCOUNT_MEMBER_PREPAID, .owner = 1, .balance = 100,
                             .entries_count = 1};
    assert_int_equal(lty_ledger_account_apply(&prepaid, -101, 1), LTY_E_INSUFFICIENT_FUNDS);
    assert_int_equal(lty_ledger_account_apply(&prepaid, -100, 1), 0);
    assert_int_equal(prepaid.balance, 0);
    prepaid.balance = LTY_PREPAID_BALANCE_CENTS_MAX;
    assert_int_equal(lty_ledger_account_apply(&prepaid, 1, 1), LTY_E_PREPAID_BALANCE_LIMIT);

    lty_account_t issued = {.kind = LTY_ACCOUNT_POINTS_ISSUED,
                            .balance = -LTY_LEDGER_SYSTEM_BALANCE_MAX, .entries_count = 1};
    assert_int_equal(lty_ledger_account_apply(&issued, -1, 1), LTY_E_POINTS_LIMIT);
    assert_int_equal(issued.balance, -LTY_LEDGER_SYSTEM_BALANCE_MAX);
    expect_assert_failure(lty_ledger_account_apply(&issued, LTY_LEDGER_POSTING_AMOUNT_MAX + 1, 1));
}

static void test_points_value_overflow_is_refused(void **state)
{
    (void)state;
    lty_programme_t programme = demo();
    programme.redeem_cents_per_point = LTY_PROGRAMME_CENTS_PER_POINT_MAX;
    int64_t cents = 0;
    assert_int_equal(lty_ledger_points_value(&programme, LTY_POINTS_PER_TXN_MAX, &cents), 0);
    assert_true(cents == LTY_POINTS_PER_TXN_MAX * LTY_PROGRAMME_CENTS_PER_POINT_MAX);
    assert_int_equal(lty_ledger_points_value(&programme, INT64_MAX / 2, &cents),
                     LTY_E_POINTS_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_earn_rounds_down),
        cmocka_unit_test(test_earn_at_per_txn_max_and_max_plus_one),
        cmocka_unit_test(test_earn_negative_amount_is_a_bug),
        cmocka_unit_test(test_sale_plan_earns_on_the_part_not_paid_with_points),
        cmocka_unit_test(test_sale_plan_exact_balance_and_one_short),
        cmocka_unit_test(test_sale_plan_redeem_equal_to_basket_and_one_over),
        cmocka_unit_test(test_sale_plan_negative_balance_blocks_redemption),
        cmocka_unit_test(test_sale_plan_balance_at_max_and_over),
        cmocka_unit_test(test_basket_total_at_max_and_over),
        cmocka_unit_test(test_lots_consume_soonest_first_across_lots),
        cmocka_unit_test(test_lots_consume_exact_total_and_one_short_unchanged),
        cmocka_unit_test(test_lots_out_of_order_is_a_bug),
        cmocka_unit_test(test_lot_credit_only_above_zero),
        cmocka_unit_test(test_postings_sum_to_zero_and_unbalanced_is_detected),
        cmocka_unit_test(test_posting_contract_violations),
        cmocka_unit_test(test_account_apply_limits_and_refusal_unchanged),
        cmocka_unit_test(test_points_value_overflow_is_refused),
    };
    return cmocka_run_group_tests_name("ledger", tests, NULL, NULL);
}
