/* tests/unit/domain/test_ops_return.c
 * Goal: returns (lty_ops_return) and voids (lty_ops_void) keep docs/api.md "Returns and voids":
 * the sale is found by id or by receipt_no at a store, the returning till's own (another store's
 * till is refused); lines by sku (optional amount and category must agree), units from same-sku
 * lines in order; every amount is cumulative, so
 * partial returns add up to the sale exactly; the value is split in the order points value,
 * prepaid, cash, bank card, outside; redeemed points go back into their lots (those of a lot
 * expired since go to breakage), earned points are taken back down to the programme's negative
 * floor; one RETURN/VOID entry and a return record; a void is the selling till's full return
 * within the window. Every documented refusal, each limit at max and max + 1, changes nothing;
 * the ledger verifies after each case.
 * Method: a temporary store per test (domain_fixture.c); a digest of the whole store before and
 * after every refusal. */
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

static lty_ops_return_t request;
static lty_ops_return_result_t result;
static lty_sale_t record;
static lty_diag_t diag;

static void request_of(uint64_t sale_id)
{
    memset(&request, 0, sizeof(request));
    request.sale_id = sale_id;
}

static void request_line(const char *sku, uint32_t qty)
{
    lty_ops_return_line_t *line = &request.lines[request.lines_count++];
    memset(line, 0, sizeof(*line));
    snprintf(line->sku, sizeof(line->sku), "%s", sku);
    line->qty = qty;
}

static int give_back(int64_t now_ms)
{
    lty_diag_clear(&diag);
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_return(txn, &till_actor, &programme, now_ms, &request, &result,
                                      &diag));
}

static int void_sale(uint64_t sale_id, int64_t now_ms)
{
    lty_diag_clear(&diag);
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_void(txn, &till_actor, &programme, now_ms, sale_id, &result,
                                    &diag));
}

static void return_refused(int err)
{
    store_digest_t before = store_digest();
    assert_int_equal(give_back(NOW), err);
    assert_unchanged(&before);
}

static void void_refused(uint64_t sale_id, int64_t now_ms, int err)
{
    store_digest_t before = store_digest();
    assert_int_equal(void_sale(sale_id, now_ms), err);
    assert_unchanged(&before);
}

/* A member with 500 points and 10.00 prepaid who buys a 30.00 basket (a dairy line 15.00 and
 * three units of a second sku for 15.00), 5.00 of it with points and the 25.00 left with prepaid
 * 10.00, cash 10.00 and bank card 5.00: it earns 25 points. */
static uint64_t split_sale(uint64_t *member_id_out, lty_card_t *card_out)
{
    member_with_card("+8613800138001", member_id_out, card_out);
    lty_ops_adjust_result_t adjusted;
    assert_int_equal(adjust(*member_id_out, 500, NOW, &adjusted), 0);
    lty_ops_balances_t balances;
    assert_int_equal(topup(card_out->card_no, 1000, NOW, &balances), 0);
    sale_request_fill(card_out->card_no, "R1", 3000, 500);
    sale_request.tenders_count = 3;
    sale_request.tenders[0] = (lty_sale_tender_t){LTY_TENDER_PREPAID, 1000};
    sale_request.tenders[1] = (lty_sale_tender_t){LTY_TENDER_CASH, 1000};
    sale_request.tenders[2] = (lty_sale_tender_t){LTY_TENDER_BANK_CARD, 500};
    lty_ops_sale_result_t sold;
    assert_int_equal(sale_submit(NOW, &sold), 0);
    assert_int_equal(sold.points_earned, 25);
    assert_int_equal(sold.points_balance, 25);
    assert_int_equal(sold.prepaid_cents, 0);
    return sold.sale_id;
}

/* ---- Whole returns ---------------------------------------------------------------------- */

static void test_return_of_everything_splits_the_value_over_what_paid(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    uint64_t sale_id = split_sale(&member_id, &card);
    request_of(sale_id);
    assert_int_equal(give_back(NOW + DAY), 0);
    assert_int_equal(result.sale_id, sale_id);
    assert_int_equal(result.member_id, member_id);
    assert_int_equal(result.refund_cents, 3000);
    assert_int_equal(result.refund_prepaid_cents, 1000);
    assert_int_equal(result.refund_cash_cents, 1000);
    assert_int_equal(result.refund_bank_card_cents, 500);
    assert_int_equal(result.refund_outside_cents, 0);
    assert_int_equal(result.points_refunded, 500);
    assert_int_equal(result.points_taken_back, 25);
    assert_int_equal(result.sale_status, LTY_SALE_RETURNED);
    assert_int_equal(result.points_balance, 500);
    assert_int_equal(result.prepaid_cents, 1000);
    assert_int_equal(result.qty_returned, 4);
    assert_string_equal(result.receipt_no, "R1");
    assert_string_equal(result.store, "S001");
    assert_int_equal(result.lines_count, 2);
    assert_int_equal(result.lines[1].qty_returned, 3);
    lty_journal_entry_t entry;
    entry_get(result.entry_id, &entry);
    assert_int_equal(entry.kind, LTY_ENTRY_RETURN);
    assert_int_equal(entry.related_entry_id, sale_id);
    assert_string_equal(entry.reference, "R1");
    sale_record_get(sale_id, &record);
    assert_int_equal(record.status, LTY_SALE_RETURNED);
    assert_int_equal(record.lines[0].qty_returned, 1);
    lty_store_txn_t *txn = read_begin();
    lty_key_t key;
    lty_key_id(&key, result.entry_id);
    lty_bytes_t value;
    lty_return_t stored;
    assert_int_equal(lty_store_get(txn, LTY_DB_RETURNS, lty_key_bytes(&key), &value), 0);
    assert_int_equal(lty_record_return_decode(value, &stored), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(stored.refund_points_value_cents, 500);
    assert_int_equal(stored.refund_cash_cents, 1000);
    assert_int_equal(stored.qty_returned, 4);
    assert_sound();
    /* Everything is back: a second return of everything is refused. */
    request_of(sale_id);
    return_refused(LTY_E_ALREADY_RETURNED);
}

/* points_remaining of the lot credited by entry_id, expiring at expires_ms. */
static int64_t lot_points(uint64_t member_id, int64_t expires_ms, uint64_t entry_id)
{
    lty_store_txn_t *txn = read_begin();
    lty_key_t key;
    lty_key_lot(&key, member_id, expires_ms, entry_id);
    lty_bytes_t value;
    lty_lot_t lot;
    assert_int_equal(lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value), 0);
    assert_int_equal(lty_record_lot_decode(value, &lot), 0);
    lty_store_txn_abort(txn);
    return lot.points_remaining;
}

static void test_return_puts_redeemed_points_back_into_their_lots_unless_expired(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_adjust_result_t early, late;
    assert_int_equal(adjust(member_id, 30, NOW, &early), 0);          /* expires first */
    assert_int_equal(adjust(member_id, 50, NOW + 9 * DAY, &late), 0); /* expires later */
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", 99, 60, NOW + 10 * DAY, &sold), 0); /* 30 + 30 */
    sale_record_get(sold.sale_id, &record);
    assert_int_equal(record.lots_count, 2);
    assert_int_equal(record.lots[0].entry_id, early.entry_id);
    assert_int_equal(record.lots[0].points, 30);
    assert_int_equal(record.lots[1].points, 30);
    request_of(sold.sale_id);
    /* The first lot has expired meanwhile, the second not: its 30 go back into it, the first
     * lot's 30 go to breakage (an expired lot is never refilled). */
    int64_t lot_ms = programme.points_lot_days * DAY;
    assert_int_equal(give_back(NOW + lot_ms + 5 * DAY), 0);
    assert_int_equal(result.points_refunded, 30);
    assert_int_equal(result.points_balance, 50);
    assert_int_equal(lot_points(member_id, NOW + lot_ms, early.entry_id), 0);
    assert_int_equal(lot_points(member_id, NOW + 9 * DAY + lot_ms, late.entry_id), 50);
    assert_sound();
}

/* ---- Partial returns -------------------------------------------------------------------- */

static void test_partial_returns_add_up_to_the_sale_exactly(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    uint64_t sale_id = split_sale(&member_id, &card);
    int64_t sums[7] = {0};
    static const struct {
        const char *sku;
        uint32_t qty;
        uint8_t status;
    } steps[] = {{"6909876543210", 1, LTY_SALE_PARTLY_RETURNED},
                 {"6901234567890", 1, LTY_SALE_PARTLY_RETURNED},
                 {"6909876543210", 2, LTY_SALE_RETURNED}};
    for (size_t step = 0; step < sizeof(steps) / sizeof(steps[0]); step++) {
        request_of(sale_id);
        request_line(steps[step].sku, steps[step].qty);
        assert_int_equal(give_back(NOW + (int64_t)step), 0);
        assert_int_equal(result.sale_status, steps[step].status);
        assert_int_equal(result.qty_returned, steps[step].qty);
        sums[0] += result.refund_cents;
        sums[1] += result.refund_prepaid_cents;
        sums[2] += result.refund_cash_cents;
        sums[3] += result.refund_bank_card_cents;
        sums[4] += result.points_refunded;
        sums[5] += result.points_taken_back;
        sums[6] += result.refund_outside_cents;
        assert_sound();
    }
    assert_int_equal(sums[0], 3000);
    assert_int_equal(sums[1], 1000);
    assert_int_equal(sums[2], 1000);
    assert_int_equal(sums[3], 500);
    assert_int_equal(sums[4], 500);
    assert_int_equal(sums[5], 25);
    assert_int_equal(sums[6], 0);
    assert_int_equal(points_of(member_id), 500);
    assert_int_equal(prepaid_of(member_id), 1000);
}

static void test_return_by_receipt_at_the_selling_store_and_same_sku_lines_in_order(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    sale_request_fill(card.card_no, "R7", 0, 0); /* paid outside the programme */
    sale_request.lines_count = 3;
    for (size_t index = 0; index < 3; index++) {
        strcpy(sale_request.lines[index].sku, "SKU");
        sale_request.lines[index].qty = 2;
        sale_request.lines[index].amount_cents = 1000 * (int64_t)(index + 1);
    }
    lty_ops_sale_result_t sold;
    assert_int_equal(sale_submit(NOW, &sold), 0);
    strcpy(till_actor.store, "S002"); /* a till of another store of the chain */
    memset(&request, 0, sizeof(request));
    strcpy(request.receipt_no, "R7");
    request_line("SKU", 3); /* both units of the first line, one of the second */
    return_refused(LTY_E_SALE_NOT_FOUND); /* the till's own store recorded no R7 */
    strcpy(request.store, "S001");
    return_refused(LTY_E_FORBIDDEN); /* a till takes back its own store's sales only */
    assert_string_equal(diag.field, "/store");
    memset(&request, 0, sizeof(request));
    request_of(sold.sale_id);
    request_line("SKU", 3);
    return_refused(LTY_E_FORBIDDEN); /* by id neither */
    assert_string_equal(diag.field, "/sale_id");
    strcpy(till_actor.store, "S001"); /* another till of the store that sold */
    strcpy(till_actor.till, "T02");
    memset(&request, 0, sizeof(request));
    strcpy(request.receipt_no, "R7");
    request_line("SKU", 3);
    assert_int_equal(give_back(NOW), 0);
    assert_int_equal(result.sale_id, sold.sale_id);
    assert_int_equal(result.lines[0].qty_returned, 2);
    assert_int_equal(result.lines[1].qty_returned, 1);
    assert_int_equal(result.lines[2].qty_returned, 0);
    assert_int_equal(result.refund_cents, 1000 + 1000);
    assert_int_equal(result.refund_outside_cents, 2000);
    assert_string_equal(result.store, "S001"); /* the sale's store */
    lty_journal_entry_t entry;
    entry_get(result.entry_id, &entry);
    assert_string_equal(entry.till, "T02"); /* the entry: where the goods came back */
    /* Optional fields must agree with the sale's line. */
    memset(&request.lines[0], 0, sizeof(request.lines[0]));
    request.lines_count = 0;
    request_line("SKU", 1);
    request.lines[0].amount_given = true;
    request.lines[0].amount_cents = 999;
    return_refused(LTY_E_INVALID_FIELD);
    request.lines[0].amount_cents = 3000;
    request.lines[0].category_given = true;
    strcpy(request.lines[0].category, "dairy");
    return_refused(LTY_E_INVALID_FIELD);
    request.lines[0].category[0] = '\0';
    assert_int_equal(give_back(NOW), 0); /* the third line, named by its amount */
    assert_int_equal(result.lines[2].qty_returned, 1);
    assert_sound();
}

/* ---- Refusals and limits ---------------------------------------------------------------- */

static void test_return_refusals_change_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    uint64_t sale_id = split_sale(&member_id, &card);
    memset(&request, 0, sizeof(request));
    return_refused(LTY_E_INVALID_FIELD); /* neither sale_id nor receipt_no */
    assert_string_equal(diag.field, "/sale_id");
    request_of(sale_id + 100);
    return_refused(LTY_E_SALE_NOT_FOUND);
    memset(&request, 0, sizeof(request));
    strcpy(request.receipt_no, "R1");
    strcpy(request.store, "S999");
    return_refused(LTY_E_FORBIDDEN); /* another store's receipts, known or not */
    request.store[0] = '\0';
    strcpy(request.receipt_no, "R-NONE");
    return_refused(LTY_E_SALE_NOT_FOUND);
    request_of(sale_id);
    request_line("6909876543210", 0);
    return_refused(LTY_E_INVALID_FIELD);
    request.lines[0].qty = LTY_LINE_QTY_MAX + 1;
    return_refused(LTY_E_INVALID_FIELD);
    request.lines[0].qty = 4; /* three were sold */
    return_refused(LTY_E_RETURN_EXCEEDS_SALE);
    assert_string_equal(diag.field, "/lines/0");
    request.lines[0].qty = 3;
    request.lines[0].sku[0] = '\0';
    return_refused(LTY_E_INVALID_FIELD);
    strcpy(request.lines[0].sku, "NOT-SOLD");
    return_refused(LTY_E_INVALID_FIELD);
    strcpy(request.lines[0].sku, "6909876543210");
    assert_int_equal(give_back(NOW), 0);
    request.lines[0].qty = 1;
    return_refused(LTY_E_ALREADY_RETURNED); /* nothing of that sku is left */
    request.lines_count = LTY_BASKET_LINES_MAX + 1;
    return_refused(LTY_E_INVALID_FIELD);
    request_of(sale_id);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, NOW, &closed), 0);
    return_refused(LTY_E_ACCOUNT_CLOSED);
}

static void test_return_of_a_basket_of_max_lines(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    sale_request_fill(card.card_no, "BIG", 0, 0);
    sale_request.lines_count = LTY_BASKET_LINES_MAX;
    for (size_t index = 0; index < LTY_BASKET_LINES_MAX; index++) {
        snprintf(sale_request.lines[index].sku, sizeof(sale_request.lines[index].sku), "S%zu",
                 index);
        sale_request.lines[index].qty = 2;
        sale_request.lines[index].amount_cents = 100;
    }
    lty_ops_sale_result_t sold;
    assert_int_equal(sale_submit(NOW, &sold), 0);
    request_of(sold.sale_id);
    for (size_t index = 0; index < LTY_BASKET_LINES_MAX; index++) {
        char sku[16];
        snprintf(sku, sizeof(sku), "S%zu", index);
        request_line(sku, 1);
    }
    assert_int_equal(give_back(NOW), 0);
    assert_int_equal(result.qty_returned, LTY_BASKET_LINES_MAX);
    assert_int_equal(result.refund_cents, 50 * LTY_BASKET_LINES_MAX);
    assert_int_equal(result.points_taken_back, 250);
    assert_int_equal(result.sale_status, LTY_SALE_PARTLY_RETURNED);
    assert_sound();
}

static void test_return_points_floor_at_max_and_over(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t first, spent;
    assert_int_equal(sale(card.card_no, "R1", 10000, 0, NOW, &first), 0);  /* +100 */
    assert_int_equal(sale(card.card_no, "R2", 100, 100, NOW, &spent), 0); /* all spent */
    programme.points_negative_floor = -99;
    request_of(first.sale_id);
    return_refused(LTY_E_POINTS_FLOOR);
    programme.points_negative_floor = -100; /* exactly at the floor */
    assert_int_equal(give_back(NOW), 0);
    assert_int_equal(result.points_balance, -100);
    assert_int_equal(result.points_taken_back, 100);
    assert_sound();
}

static void test_return_prepaid_at_the_ledger_balance_max_and_over(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    prepaid_to_ledger_max(card.card_no);
    lty_ops_balances_t balances;
    sale_request_fill(card.card_no, "R1", 2, 0); /* two lines of one cent */
    sale_request.tenders_count = 1;
    sale_request.tenders[0] = (lty_sale_tender_t){LTY_TENDER_PREPAID, 2};
    lty_ops_sale_result_t sold;
    assert_int_equal(sale_submit(NOW, &sold), 0);
    assert_int_equal(topup(card.card_no, 1, NOW, &balances), 0);
    request_of(sold.sale_id);
    request_line("6909876543210", 3); /* one cent back: the balance at its max */
    assert_int_equal(give_back(NOW), 0);
    assert_int_equal(result.prepaid_cents, LTY_PREPAID_BALANCE_CENTS_MAX);
    request_of(sold.sale_id); /* the other cent: one more than the max */
    return_refused(LTY_E_PREPAID_BALANCE_LIMIT);
}

/* ---- Voids ------------------------------------------------------------------------------ */

static void test_void_reverses_the_whole_sale_within_the_window(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    uint64_t sale_id = split_sale(&member_id, &card);
    void_refused(sale_id, NOW + programme.void_window_ms + 1, LTY_E_VOID_WINDOW_CLOSED);
    assert_int_equal(void_sale(sale_id, NOW + programme.void_window_ms), 0); /* the last ms */
    assert_int_equal(result.sale_status, LTY_SALE_VOIDED);
    assert_int_equal(result.refund_cents, 3000);
    assert_int_equal(result.points_balance, 500);
    assert_int_equal(result.prepaid_cents, 1000);
    lty_journal_entry_t entry;
    entry_get(result.entry_id, &entry);
    assert_int_equal(entry.kind, LTY_ENTRY_VOID);
    assert_int_equal(entry.related_entry_id, sale_id);
    assert_sound();
    void_refused(sale_id, NOW, LTY_E_ALREADY_VOIDED);
    request_of(sale_id);
    return_refused(LTY_E_ALREADY_VOIDED);
}

static void test_void_refusals_change_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    uint64_t sale_id = split_sale(&member_id, &card);
    void_refused(sale_id + 100, NOW, LTY_E_SALE_NOT_FOUND);
    strcpy(till_actor.till, "T02"); /* another till of the same store */
    void_refused(sale_id, NOW, LTY_E_VOID_NOT_ALLOWED);
    strcpy(till_actor.till, "T01");
    strcpy(till_actor.store, "S002");
    void_refused(sale_id, NOW, LTY_E_VOID_NOT_ALLOWED);
    strcpy(till_actor.store, "S001");
    request_of(sale_id);
    request_line("6901234567890", 1);
    assert_int_equal(give_back(NOW), 0);
    void_refused(sale_id, NOW, LTY_E_ALREADY_RETURNED); /* something came back: a return */
    /* The floor: earned points already spent. */
    lty_ops_sale_result_t earned, spent;
    assert_int_equal(sale(card.card_no, "R8", 10000, 0, NOW, &earned), 0);
    int64_t balance = points_of(member_id); /* spent on a basket of its value: earns nothing */
    assert_int_equal(sale(card.card_no, "R9", balance, balance, NOW, &spent), 0);
    assert_int_equal(spent.points_balance, 0);
    programme.points_negative_floor = 0;
    void_refused(earned.sale_id, NOW, LTY_E_POINTS_FLOOR);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, NOW, &closed), 0);
    void_refused(earned.sale_id, NOW, LTY_E_ACCOUNT_CLOSED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_return_of_everything_splits_the_value_over_what_paid),
        DOMAIN_TEST(test_return_puts_redeemed_points_back_into_their_lots_unless_expired),
        DOMAIN_TEST(test_partial_returns_add_up_to_the_sale_exactly),
        DOMAIN_TEST(test_return_by_receipt_at_the_selling_store_and_same_sku_lines_in_order),
        DOMAIN_TEST(test_return_refusals_change_nothing),
        DOMAIN_TEST(test_return_of_a_basket_of_max_lines),
        DOMAIN_TEST(test_return_points_floor_at_max_and_over),
        DOMAIN_TEST(test_return_prepaid_at_the_ledger_balance_max_and_over),
        DOMAIN_TEST(test_void_reverses_the_whole_sale_within_the_window),
        DOMAIN_TEST(test_void_refusals_change_nothing),
    };
    return cmocka_run_group_tests_name("ops_return", tests, NULL, NULL);
}
