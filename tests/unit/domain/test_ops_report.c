/* tests/unit/domain/test_ops_report.c
 * Goal: the liability, prepaid-float and breakage figures are sums of what the ledger holds:
 * points and prepaid by tier, points by the store where they were earned, the 30/60/90-day
 * expiry windows at their edges, the float accounts, and monthly breakage with migrated points
 * counted as issued.
 * Method: a temporary store (domain_fixture); an imported member, a sale at S001, an operator
 * adjustment; reports read in a read transaction at chosen times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lty/lty_err.h"
#include "ops.h"
#include "domain_fixture.h"

#include <cmocka.h>

static lty_ops_balances_report_t *balances_at(int64_t now_ms)
{
    lty_ops_balances_report_t *report = malloc(sizeof(*report));
    assert_non_null(report);
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_report_balances(txn, &programme, now_ms, report), 0);
    lty_store_txn_abort(txn);
    return report;
}

static uint64_t gold_member_import(void)
{
    lty_ops_member_import_t row;
    memset(&row, 0, sizeof(row));
    snprintf(row.member.name, sizeof(row.member.name), "Alice");
    snprintf(row.member.phone, sizeof(row.member.phone), "+8613710000001");
    snprintf(row.tier, sizeof(row.tier), "Gold");
    row.points = 1000;
    row.prepaid_cents = 2500;
    lty_ops_member_import_result_t result;
    lty_diag_t diag;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_member_import(txn, &operator_actor, &programme, NOW, &row,
                                                       &result, &diag)),
                     0);
    return result.member_id;
}

static void test_liability_by_tier_store_and_expiry_window(void **state)
{
    (void)state;
    gold_member_import();
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613710000002", &member_id, &card);
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", 5000, 0, NOW, &sold), 0); /* 50 points at S001 */
    lty_ops_balances_report_t *report = balances_at(NOW);
    assert_int_equal(report->points_outstanding, 1050);
    assert_int_equal(report->prepaid_outstanding_cents, 2500);
    assert_int_equal(report->tiers[2].points, 1000);
    assert_int_equal(report->tiers[2].prepaid_cents, 2500);
    assert_int_equal(report->tiers[0].points, 50);
    assert_int_equal(report->members_with_points, 2);
    int64_t head_office = -1, s001 = -1;
    for (size_t index = 0; index < report->stores_count; index++) {
        if (report->stores[index].store[0] == '\0') head_office = report->stores[index].points;
        if (strcmp(report->stores[index].store, "S001") == 0) s001 = report->stores[index].points;
    }
    assert_int_equal(head_office, 1000); /* migrated points: no store */
    assert_int_equal(s001, 50);
    assert_int_equal(report->expiring_points[2], 0);
    free(report);
    /* Lots live points_lot_days: 30 days before, the 30-day window holds them (edge included);
     * 31 days before, only the 60- and 90-day ones. */
    int64_t lot_days = programme.points_lot_days;
    report = balances_at(NOW + (lot_days - 30) * DAY);
    assert_int_equal(report->expiring_points[0], 1050);
    free(report);
    report = balances_at(NOW + (lot_days - 31) * DAY);
    assert_int_equal(report->expiring_points[0], 0);
    assert_int_equal(report->expiring_points[1], 1050);
    assert_int_equal(report->expiring_points[2], 1050);
    free(report);
}

static void test_prepaid_float_accounts_balance_the_members(void **state)
{
    (void)state;
    gold_member_import();
    lty_ops_balances_report_t *report = balances_at(NOW);
    int64_t migrated = 0;
    for (size_t index = 0; index < LTY_OPS_FLOAT_ACCOUNTS; index++) {
        if (report->float_accounts[index].kind == LTY_ACCOUNT_PREPAID_MIGRATED) {
            migrated = report->float_accounts[index].balance;
        }
    }
    assert_int_equal(migrated, -2500);
    assert_int_equal(report->members_with_prepaid, 1);
    free(report);
}

static void test_breakage_counts_migrated_points_as_issued_per_month(void **state)
{
    (void)state;
    gold_member_import();
    lty_ops_breakage_t *report = malloc(sizeof(*report));
    assert_non_null(report);
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_report_breakage(txn, NOW - DAY, NOW + DAY, report), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(report->months_count, 1);
    assert_int_equal(report->months[0].points_migrated, 1000);
    assert_int_equal(report->months[0].points_expired + report->months[0].points_forfeited, 0);
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_report_breakage(txn, NOW + DAY, NOW + 2 * DAY, report), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(report->months_count, 0); /* nothing in that period */
    free(report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_liability_by_tier_store_and_expiry_window,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_prepaid_float_accounts_balance_the_members,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_breakage_counts_migrated_points_as_issued_per_month,
                                        domain_fixture_setup, domain_fixture_teardown),
    };
    return cmocka_run_group_tests_name("ops_report", tests, NULL, NULL);
}
