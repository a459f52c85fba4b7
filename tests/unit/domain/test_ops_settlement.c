/* tests/unit/domain/test_ops_settlement.c
 * Goal: the settlement report (lty_ops_settlement) keeps docs/api.md "Settlement": one row per
 * store, till and UTC day; every points and money column is the sum of the period's postings by
 * account (net of returns and voids), the tender columns come from the sale and return records;
 * operator entries form rows with an empty till at the store they name ("" = head office); the
 * period is from_ms inclusive, to_ms exclusive; the store filter keeps one store; more than
 * LTY_OPS_SETTLEMENT_ROWS_MAX rows set truncated (the max itself does not).
 * Method: a temporary store per test (domain_fixture.c); a known day of till and operator
 * activity, then the report read back row by row; the ledger verifier after each test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lty/lty_err.h"
#include "ops.h"
#include "domain_fixture.h"

#include <cmocka.h>

static lty_ops_settlement_t report;

static void settle(const char *store_id, int64_t from_ms, int64_t to_ms)
{
    lty_store_txn_t *txn = read_begin();
    assert_int_equal(lty_ops_settlement(txn, store_id, from_ms, to_ms, &report), 0);
    lty_store_txn_abort(txn);
}

static const lty_ops_settlement_row_t *row_of(const char *store_id, const char *till_id,
                                               int64_t day)
{
    for (size_t index = 0; index < report.rows_count; index++) {
        const lty_ops_settlement_row_t *row = &report.rows[index];
        if (strcmp(row->store, store_id) == 0 && strcmp(row->till, till_id) == 0 &&
            row->day == day) {
            return row;
        }
    }
    fail_msg("no row %s/%s day %lld", store_id, till_id, (long long)day);
    return NULL;
}

/* A known day at NOW: an adjustment and a top-up at head office, cash and bank-card top-ups, a
 * sale paid four ways, a return of half of it and a voided sale at S001/T01, a member paid out
 * at S002; the next day one more sale at S001/T01. */
static void day_of_activity(void)
{
    uint64_t member_id = 0, leaver_id = 0;
    lty_card_t card, leaver_card;
    member_with_card("+8613800138001", &member_id, &card);
    member_with_card("+8613800138002", &leaver_id, &leaver_card);
    lty_ops_adjust_result_t adjusted;
    assert_int_equal(adjust(member_id, 500, NOW, &adjusted), 0);        /* head office */
    lty_ops_balances_t balances;
    assert_int_equal(topup(card.card_no, 10000, NOW, &balances), 0);   /* cash */
    lty_ops_topup_t bank = {.amount_cents = 5000, .tender = LTY_TENDER_BANK_CARD};
    strcpy(bank.card_no, card.card_no);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_topup(txn, &till_actor, &programme, NOW, &bank,
                                               &balances, NULL)),
                     0);
    lty_ops_topup_t office = {.member_id = leaver_id, .amount_cents = 300,
                              .tender = LTY_TENDER_CASH};
    strcpy(office.reason, "goodwill");
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_topup(txn, &operator_actor, &programme, NOW, &office,
                                               &balances, NULL)),
                     0);
    /* Sale A: 30.00, 5.00 in points, then prepaid 10.00, cash 10.00, bank card 5.00: +25. */
    sale_request_fill(card.card_no, "A", 3000, 500);
    sale_request.tenders_count = 3;
    sale_request.tenders[0] = (lty_sale_tender_t){LTY_TENDER_PREPAID, 1000};
    sale_request.tenders[1] = (lty_sale_tender_t){LTY_TENDER_CASH, 1000};
    sale_request.tenders[2] = (lty_sale_tender_t){LTY_TENDER_BANK_CARD, 500};
    lty_ops_sale_result_t sale_a, sale_b;
    assert_int_equal(sale_submit(NOW, &sale_a), 0);
    /* Its dairy line (15.00) back: 2.50 points value, 5.00 prepaid, 5.00 cash, 2.50 bank. */
    static lty_ops_return_t request;
    static lty_ops_return_result_t returned;
    memset(&request, 0, sizeof(request));
    request.sale_id = sale_a.sale_id;
    request.lines_count = 1;
    strcpy(request.lines[0].sku, "6901234567890");
    request.lines[0].qty = 1;
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_return(txn, &till_actor, &programme, NOW + 2000,
                                                &request, &returned, NULL)),
                     0);
    /* Sale B: 10.00 outside the programme, +10, voided. */
    assert_int_equal(sale(card.card_no, "B", 1000, 0, NOW, &sale_b), 0);
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_void(txn, &till_actor, &programme, NOW + 1000,
                                              sale_b.sale_id, &returned, NULL)),
                     0);
    /* The leaver is paid out 3.00 at S002. */
    lty_ops_close_t close = {.member_id = leaver_id};
    strcpy(close.reason, "moved");
    strcpy(close.payout, "cash");
    strcpy(close.store, "S002");
    lty_ops_close_result_t closed;
    txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_member_close(txn, &operator_actor, NOW, &close, &closed,
                                                      NULL)),
                     0);
    /* The next day, one more sale at the till. */
    lty_ops_sale_result_t next;
    assert_int_equal(sale(card.card_no, "C", 700, 0, NOW + DAY, &next), 0);
}

static void test_settlement_rows_sum_the_days_postings_and_records(void **state)
{
    (void)state;
    day_of_activity();
    int64_t day = NOW / DAY;
    settle("", day * DAY, (day + 2) * DAY);
    assert_int_equal(report.rows_count, 4);
    assert_false(report.truncated);
    const lty_ops_settlement_row_t *till = row_of("S001", "T01", day);
    assert_int_equal(till->sales_count, 2);
    assert_int_equal(till->returns_count, 1);
    assert_int_equal(till->voids_count, 1);
    assert_int_equal(till->points_earned, 25 - 12 + 10 - 10);
    assert_int_equal(till->points_redeemed, 500 - 250);
    assert_int_equal(till->prepaid_topped_up_cash, 10000);
    assert_int_equal(till->prepaid_topped_up_bank_card, 5000);
    assert_int_equal(till->prepaid_spent, 1000);
    assert_int_equal(till->prepaid_refunded, 500);
    assert_int_equal(till->prepaid_paid_out, 0);
    assert_int_equal(till->sales_cash_cents, 1000);
    assert_int_equal(till->sales_bank_card_cents, 500);
    assert_int_equal(till->sales_prepaid_cents, 1000);
    assert_int_equal(till->refunded_cash_cents, 500);
    assert_int_equal(till->refunded_bank_card_cents, 250);
    assert_int_equal(till->points_adjusted, 0);
    const lty_ops_settlement_row_t *office = row_of("", "", day);
    assert_int_equal(office->points_adjusted, 500);
    assert_int_equal(office->prepaid_topped_up_cash, 300);
    assert_int_equal(office->sales_count, 0);
    const lty_ops_settlement_row_t *payout = row_of("S002", "", day);
    assert_int_equal(payout->prepaid_paid_out, 300);
    assert_int_equal(payout->points_forfeited, 0);
    const lty_ops_settlement_row_t *next = row_of("S001", "T01", day + 1);
    assert_int_equal(next->sales_count, 1);
    assert_int_equal(next->points_earned, 7);
    assert_sound();
}

static void test_settlement_period_and_store_filter(void **state)
{
    (void)state;
    day_of_activity();
    int64_t day = NOW / DAY;
    settle("S001", day * DAY, (day + 2) * DAY);
    assert_int_equal(report.rows_count, 2);
    settle("S002", day * DAY, (day + 2) * DAY);
    assert_int_equal(report.rows_count, 1);
    assert_int_equal(report.rows[0].prepaid_paid_out, 300);
    settle("S003", day * DAY, (day + 2) * DAY);
    assert_int_equal(report.rows_count, 0);
    /* from inclusive, to exclusive: the entries at NOW itself. */
    settle("S001", NOW, NOW + 1);
    assert_int_equal(row_of("S001", "T01", day)->sales_count, 2);
    assert_int_equal(row_of("S001", "T01", day)->returns_count, 0); /* at NOW + 2000 */
    settle("S001", NOW + 1, NOW + DAY);
    assert_int_equal(report.rows_count, 1);
    assert_int_equal(report.rows[0].sales_count, 0);
    assert_int_equal(report.rows[0].voids_count, 1);
    assert_int_equal(report.rows[0].returns_count, 1);
    settle("", NOW, NOW); /* an empty period */
    assert_int_equal(report.rows_count, 0);
    settle("", NOW + DAY, NOW + DAY + 1);
    assert_int_equal(report.rows_count, 1);
    assert_int_equal(report.rows[0].day, day + 1);
    lty_store_txn_t *txn = read_begin();
    expect_assert_failure(lty_ops_settlement(txn, "", NOW + 1, NOW, &report));
    lty_store_txn_abort(txn);
}

static void test_settlement_rows_at_max_and_one_more_is_truncated(void **state)
{
    (void)state;
    settle("", 0, NOW);
    assert_int_equal(report.rows_count, 0); /* no entry at all */
    uint64_t member_id = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &member_id), 0);
    adjust_many(member_id, LTY_OPS_SETTLEMENT_ROWS_MAX + 1, DAY); /* a head-office row a day */
    int64_t first = (NOW / DAY) * DAY;
    settle("", first, first + LTY_OPS_SETTLEMENT_ROWS_MAX * DAY);
    assert_int_equal(report.rows_count, LTY_OPS_SETTLEMENT_ROWS_MAX);
    assert_false(report.truncated);
    settle("", first, first + (LTY_OPS_SETTLEMENT_ROWS_MAX + 1) * DAY);
    assert_int_equal(report.rows_count, LTY_OPS_SETTLEMENT_ROWS_MAX);
    assert_true(report.truncated);
    assert_int_equal(report.rows[LTY_OPS_SETTLEMENT_ROWS_MAX - 1].points_adjusted, 1);
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_settlement_rows_sum_the_days_postings_and_records),
        DOMAIN_TEST(test_settlement_period_and_store_filter),
        DOMAIN_TEST(test_settlement_rows_at_max_and_one_more_is_truncated),
    };
    return cmocka_run_group_tests_name("ops_settlement", tests, NULL, NULL);
}
