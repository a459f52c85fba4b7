/* tests/unit/domain/test_ops_sale.c
 * Goal: a till's sale (lty_ops_sale) keeps ops.h's contract: it redeems then earns through lots,
 * writes one journal entry (even with no postings), the sale record and its per-store receipt
 * index; it refuses every documented case (each field at max and max + 1, card and member
 * states, store, receipt, redemption rules, points limits) without changing anything; and the
 * ledger verifies after each case.
 * Method: a temporary store per test (domain_fixture.c); every write in its own transaction,
 * committed on success and aborted on refusal, as the writer does; a digest of the whole store
 * before and after every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lty/lty_card.h"
#include "lty/lty_err.h"
#include "ops.h"
#include "domain_fixture.h"

#include <cmocka.h>

static lty_diag_t diag;
static lty_sale_t record;

/* Submit sale_request as it stands; refused with err, the store unchanged. */
static void sale_refused(int err, const char *field)
{
    store_digest_t before = store_digest();
    lty_ops_sale_result_t result;
    lty_diag_clear(&diag);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_sale(txn, &till_actor, &programme, NOW, &sale_request,
                                              &result, &diag)),
                     err);
    if (field != NULL) assert_string_equal(diag.field, field);
    assert_unchanged(&before);
}

/* ---- Success ---------------------------------------------------------------------------- */

static void test_sale_earns_then_redeems_through_lots(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t result;
    assert_int_equal(sale(card.card_no, "R1", 2599, 0, NOW, &result), 0);
    assert_int_equal(result.points_earned, 25);
    assert_int_equal(result.points_balance, 25);
    assert_int_equal(result.member_id, member_id);
    /* 5.00 basket, 10 points = 0.10 off: eligible 4.90 -> 4 points. */
    assert_int_equal(sale(card.card_no, "R2", 500, 10, NOW, &result), 0);
    assert_int_equal(result.points_redeemed, 10);
    assert_int_equal(result.points_earned, 4);
    assert_int_equal(result.points_balance, 19);
    assert_int_equal(points_of(member_id), 19);
    assert_int_equal(lots_of(member_id), 2);
    assert_int_equal(count_of(LTY_DB_LOTS), 0); /* schema 4: lots live in member-ledger */
    assert_int_equal(count_of(LTY_DB_SALES), 2);
    /* A basket worth less than a point still records the sale (empty entry). */
    assert_int_equal(sale(card.card_no, "R3", 99, 0, NOW, &result), 0);
    assert_int_equal(result.points_earned, 0);
    assert_int_equal(count_of(LTY_DB_JOURNAL), 3);
    assert_sound();
}

static void test_sale_stores_its_record_entry_and_receipt_index(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t result;
    assert_int_equal(sale(card.card_no, "R1", 10000, 0, NOW, &result), 0); /* a lot of 100 */
    sale_request_fill(card.card_no, "R2", 3000, 40);
    sale_request.lines[1].qty_returned = 7; /* ignored */
    assert_int_equal(sale_submit(NOW + DAY, &result), 0);
    assert_int_equal(result.points_redeemed, 40);
    assert_int_equal(result.points_earned, 29); /* 30.00 - 0.40 */
    assert_int_equal(result.points_balance, 89);
    assert_int_equal(result.prepaid_cents, 0);
    assert_int_equal(result.tier, 0);
    assert_false(result.tier_upgraded);
    sale_record_get(result.sale_id, &record);
    assert_int_equal(record.sale_id, result.sale_id);
    assert_string_equal(record.card_no, card.card_no);
    assert_int_equal(record.member_id, member_id);
    assert_string_equal(record.store, "S001");
    assert_string_equal(record.till, "T01");
    assert_string_equal(record.receipt_no, "R2");
    assert_true(record.created_ms == NOW + DAY);
    assert_int_equal(record.status, LTY_SALE_COMPLETED);
    assert_int_equal(record.total_cents, 3000);
    assert_int_equal(record.redeem_value_cents, 40);
    assert_int_equal(record.points_earned, 29);
    assert_int_equal(record.points_redeemed, 40);
    assert_int_equal(record.tenders_count, 0);
    assert_int_equal(record.lots_count, 1); /* the 40 points came from R1's lot */
    assert_int_equal(record.lots[0].entry_id, 1);
    assert_int_equal(record.lots[0].points, 40);
    assert_int_equal(record.lines_count, 2);
    assert_string_equal(record.lines[0].category, "dairy");
    assert_int_equal(record.lines[1].qty, 3);
    assert_int_equal(record.lines[1].qty_returned, 0);
    lty_journal_entry_t entry;
    entry_get(result.sale_id, &entry);
    assert_int_equal(entry.kind, LTY_ENTRY_SALE);
    assert_int_equal(entry.member_id, member_id);
    assert_string_equal(entry.principal, "till:S001/T01");
    assert_string_equal(entry.reference, "R2");
    assert_int_equal(entry.postings_count, 4); /* redeem pair, earn pair */
    assert_int_equal(entry.postings[0].account_kind, LTY_ACCOUNT_MEMBER_POINTS);
    assert_int_equal(entry.postings[0].amount, -40);
    assert_int_equal(entry.postings[1].account_kind, LTY_ACCOUNT_POINTS_REDEEMED);
    assert_int_equal(entry.postings[2].amount, 29);
    assert_int_equal(entry.postings[3].account_kind, LTY_ACCOUNT_POINTS_ISSUED);
    lty_store_txn_t *txn = read_begin();
    lty_key_t key;
    lty_key_pair(&key, "S001", "R2");
    lty_bytes_t value;
    assert_int_equal(lty_store_get(txn, LTY_DB_SALES_BY_RECEIPT, lty_key_bytes(&key), &value), 0);
    uint64_t indexed = 0;
    assert_int_equal(lty_record_u64_decode(value, &indexed), 0);
    assert_int_equal(indexed, result.sale_id);
    lty_store_txn_abort(txn);
    assert_sound();
}

/* ---- Refusals --------------------------------------------------------------------------- */

static void test_sale_refusals_change_nothing(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t result;
    assert_int_equal(sale(card.card_no, "R1", 10000, 0, NOW, &result), 0); /* 100 points */
    uint64_t entries = count_of(LTY_DB_JOURNAL);
    assert_int_equal(sale(card.card_no, "R2", 100000, 101, NOW, &result),
                     LTY_E_INSUFFICIENT_POINTS);
    assert_int_equal(sale(card.card_no, "R2", 99, 100, NOW, &result), LTY_E_REDEEM_EXCEEDS_BASKET);
    assert_int_equal(sale(card.card_no, "R2", 100, 100, NOW, &result), 0); /* exact */
    assert_int_equal(points_of(member_id), 0);
    assert_int_equal(sale(card.card_no, "R3", 100, 1, NOW, &result), LTY_E_INSUFFICIENT_POINTS);
    assert_int_equal(sale(card.card_no, "R3", 100, 0, NOW + 1096 * DAY, &result),
                     LTY_E_CARD_EXPIRED);
    assert_int_equal(sale("4111111111111111", "R3", 100, 0, NOW, &result), LTY_E_CARD_NOT_FOUND);
    assert_int_equal(sale("4111111111111112", "R3", 100, 0, NOW, &result), LTY_E_INVALID_CARD_NO);
    assert_int_equal(count_of(LTY_DB_JOURNAL), entries + 1);
    assert_int_equal(points_of(member_id), 0);
    assert_sound();
}

static void test_sale_with_lost_or_replaced_card_is_refused(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t result;
    card_status_set(&card, LTY_CARD_LOST);
    assert_int_equal(sale(card.card_no, "R1", 1000, 0, NOW, &result), LTY_E_CARD_LOST);
    card_status_set(&card, LTY_CARD_REPLACED);
    assert_int_equal(sale(card.card_no, "R1", 1000, 0, NOW, &result), LTY_E_CARD_REPLACED);
    card_status_set(&card, LTY_CARD_CLOSED);
    assert_int_equal(sale(card.card_no, "R1", 1000, 0, NOW, &result), LTY_E_CARD_CLOSED);
    assert_int_equal(count_of(LTY_DB_JOURNAL), 0);
}

static void test_sale_refuses_each_card_and_member_state(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    sale_request_fill(card.card_no, "R1", 1000, 0);
    static const struct {
        uint8_t status;
        int err;
    } states[] = {{LTY_CARD_LOST, LTY_E_CARD_LOST}, {LTY_CARD_EXPIRED, LTY_E_CARD_EXPIRED},
                  {LTY_CARD_CLOSED, LTY_E_CARD_CLOSED}};
    for (size_t index = 0; index < sizeof(states) / sizeof(states[0]); index++) {
        card_status_set(&card, states[index].status);
        sale_refused(states[index].err, NULL);
    }
    card_status_set(&card, LTY_CARD_ACTIVE);
    lty_card_t old_card, fresh;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_card_replace(txn, &operator_actor, &programme, NOW,
                                                      card.card_no, &old_card, &fresh)),
                     0);
    sale_refused(LTY_E_CARD_REPLACED, NULL);
    static lty_ops_card_batch_t batch;
    txn = write_begin();
    assert_int_equal(
        finish(txn, lty_ops_card_batch(txn, &operator_actor, &programme, NOW, 1, &batch)), 0);
    sale_request_fill(batch.cards[0], "R1", 1000, 0);
    sale_refused(LTY_E_CARD_NOT_ACTIVATED, NULL);
    /* Expiry by date: usable until the last millisecond before expires_ms. */
    sale_request_fill(fresh.card_no, "R1", 1000, 0);
    lty_ops_sale_result_t result;
    store_digest_t before = store_digest();
    assert_int_equal(sale_submit(fresh.expires_ms, &result), LTY_E_CARD_EXPIRED);
    assert_unchanged(&before);
    assert_int_equal(sale_submit(fresh.expires_ms - 1, &result), 0);
    lty_ops_close_result_t closed;
    assert_int_equal(member_close(member_id, fresh.expires_ms - 1, &closed), 0);
    sale_request_fill(fresh.card_no, "R2", 1000, 0);
    sale_refused(LTY_E_ACCOUNT_CLOSED, NULL); /* before the card's own (closed) status */
    sale_request_fill("4111111111111112", "R2", 1000, 0);
    sale_refused(LTY_E_INVALID_CARD_NO, NULL);
    sale_request_fill("4111111111111111", "R2", 1000, 0);
    sale_refused(LTY_E_CARD_NOT_FOUND, NULL);
}

static void test_sale_field_limits_at_max_and_over(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t result;
    /* receipt_no: empty, LTY_RECEIPT_NO_BYTES_MAX + 1 (fills the field), then the max. */
    sale_request_fill(card.card_no, "", 1000, 0);
    sale_refused(LTY_E_INVALID_FIELD, "/receipt_no");
    memset(sale_request.receipt_no, 'r', sizeof(sale_request.receipt_no));
    sale_refused(LTY_E_INVALID_FIELD, "/receipt_no");
    sale_request.receipt_no[LTY_RECEIPT_NO_BYTES_MAX] = '\0';
    assert_int_equal(sale_submit(NOW, &result), 0);
    /* redeem_points below zero and above LTY_POINTS_PER_TXN_MAX. */
    sale_request_fill(card.card_no, "R2", 1000, -1);
    sale_refused(LTY_E_INVALID_FIELD, "/redeem_points");
    sale_request.redeem_points = LTY_POINTS_PER_TXN_MAX + 1;
    sale_refused(LTY_E_INVALID_FIELD, "/redeem_points");
    /* No line at all. */
    sale_request_fill(card.card_no, "R2", 1000, 0);
    sale_request.lines_count = 0;
    sale_refused(LTY_E_INVALID_FIELD, "/lines");
    /* Each field of a line. */
    sale_request_fill(card.card_no, "R2", 1000, 0);
    sale_request.lines[1].sku[0] = '\0';
    sale_refused(LTY_E_INVALID_FIELD, "/lines");
    memset(sale_request.lines[1].sku, 's', sizeof(sale_request.lines[1].sku));
    sale_refused(LTY_E_INVALID_FIELD, "/lines");
    sale_request.lines[1].sku[LTY_SKU_BYTES_MAX] = '\0';
    memset(sale_request.lines[1].category, 'c', sizeof(sale_request.lines[1].category));
    sale_refused(LTY_E_INVALID_FIELD, "/lines");
    sale_request.lines[1].category[LTY_CATEGORY_BYTES_MAX] = '\0';
    sale_request.lines[1].qty = 0;
    sale_refused(LTY_E_INVALID_FIELD, "/lines");
    sale_request.lines[1].qty = LTY_LINE_QTY_MAX + 1;
    sale_refused(LTY_E_INVALID_FIELD, "/lines");
    sale_request.lines[1].qty = LTY_LINE_QTY_MAX;
    sale_request.lines[1].amount_cents = -1;
    sale_refused(LTY_E_INVALID_FIELD, "/lines");
    sale_request.lines[1].amount_cents = LTY_LINE_AMOUNT_CENTS_MAX + 1;
    sale_refused(LTY_E_INVALID_FIELD, "/lines");
    sale_request.lines[1].amount_cents = LTY_LINE_AMOUNT_CENTS_MAX; /* every field at its max */
    assert_int_equal(sale_submit(NOW, &result), 0);
    assert_int_equal(result.points_earned, (500 + LTY_LINE_AMOUNT_CENTS_MAX) / 100);
    sale_record_get(result.sale_id, &record);
    assert_int_equal(strlen(record.lines[1].sku), LTY_SKU_BYTES_MAX);
    assert_int_equal(record.lines[1].qty, LTY_LINE_QTY_MAX);
    assert_sound();
}

static void test_sale_basket_lines_at_max_and_over(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t result;
    memset(&sale_request, 0, sizeof(sale_request));
    strcpy(sale_request.card_no, card.card_no);
    strcpy(sale_request.receipt_no, "BIG");
    sale_request.lines_count = LTY_BASKET_LINES_MAX + 1;
    for (size_t index = 0; index < LTY_BASKET_LINES_MAX; index++) {
        snprintf(sale_request.lines[index].sku, sizeof(sale_request.lines[index].sku), "%zu",
                 index);
        sale_request.lines[index].qty = 1;
        sale_request.lines[index].amount_cents = 100;
    }
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(lty_ops_sale(txn, &till_actor, &programme, NOW, &sale_request, &result, NULL),
                     LTY_E_INVALID_FIELD);
    sale_request.lines_count = LTY_BASKET_LINES_MAX;
    assert_int_equal(lty_ops_sale(txn, &till_actor, &programme, NOW, &sale_request, &result, NULL),
                     0);
    assert_int_equal(finish(txn, 0), 0);
    assert_int_equal(result.points_earned, LTY_BASKET_LINES_MAX);
    assert_sound();
}

static void test_sale_receipt_is_unique_per_store(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t result;
    assert_int_equal(sale(card.card_no, "R1", 1000, 0, NOW, &result), 0);
    assert_int_equal(sale(card.card_no, "R1", 1000, 0, NOW, &result), LTY_E_EXISTS);
    assert_int_equal(points_of(member_id), 10);
    strcpy(till_actor.store, "S002");
    assert_int_equal(sale(card.card_no, "R1", 1000, 0, NOW, &result), 0);
    strcpy(till_actor.store, "S999");
    assert_int_equal(sale(card.card_no, "R2", 1000, 0, NOW, &result), LTY_E_STORE_NOT_FOUND);
    assert_int_equal(points_of(member_id), 20);
    assert_sound();
    strcpy(till_actor.store, "S001");
    sale_request_fill(card.card_no, "R1", 1000, 0);
    sale_refused(LTY_E_EXISTS, "/receipt_no");
    strcpy(till_actor.store, "S999");
    sale_refused(LTY_E_STORE_NOT_FOUND, NULL);
}

/* ---- Points rules and limits ------------------------------------------------------------ */

static void test_sale_redemption_blocked_while_the_balance_is_negative(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t first, result;
    assert_int_equal(sale(card.card_no, "R1", 10000, 0, NOW, &first), 0);  /* +100 */
    assert_int_equal(sale(card.card_no, "R2", 100, 100, NOW, &result), 0); /* -100 */
    static lty_ops_return_t request;
    static lty_ops_return_result_t returned;
    memset(&request, 0, sizeof(request));
    request.sale_id = first.sale_id; /* everything back: the 100 earned are taken back */
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_return(txn, &till_actor, &programme, NOW, &request,
                                                &returned, NULL)),
                     0);
    assert_int_equal(points_of(member_id), -100);
    sale_request_fill(card.card_no, "R3", 1000, 1);
    sale_refused(LTY_E_REDEMPTION_BLOCKED, NULL);
    /* Earning repays the debt first: no lot for the part that lifts the balance to zero. */
    uint64_t lots = lots_of(member_id);
    assert_int_equal(sale(card.card_no, "R3", 5000, 0, NOW, &result), 0);
    assert_int_equal(result.points_balance, -50);
    assert_int_equal(lots_of(member_id), lots);
    assert_int_equal(sale(card.card_no, "R4", 7000, 0, NOW, &result), 0);
    assert_int_equal(result.points_balance, 20);
    assert_int_equal(lots_of(member_id), lots + 1);
    assert_int_equal(sale(card.card_no, "R5", 1000, 20, NOW, &result), 0);
    assert_sound();
}

/* sale_request: lines_count lines of LTY_LINE_AMOUNT_CENTS_MAX, then one of extra_cents if > 0. */
static void basket_of_max_lines(const char *card_no, const char *receipt_no, size_t lines_count,
                                int64_t extra_cents)
{
    sale_request_fill(card_no, receipt_no, 0, 0);
    sale_request.lines_count = lines_count + (extra_cents > 0 ? 1 : 0);
    for (size_t index = 0; index < sale_request.lines_count; index++) {
        lty_sale_line_t *line = &sale_request.lines[index];
        snprintf(line->sku, sizeof(line->sku), "L%zu", index);
        line->qty = 1;
        line->amount_cents = index < lines_count ? LTY_LINE_AMOUNT_CENTS_MAX : extra_cents;
    }
}

static void test_sale_points_per_transaction_at_max_and_over(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t result;
    /* Earning: 10 lines of 1,000,000.00 earn exactly LTY_POINTS_PER_TXN_MAX points. */
    basket_of_max_lines(card.card_no, "E1", 10, 100);
    sale_refused(LTY_E_POINTS_LIMIT, NULL);
    basket_of_max_lines(card.card_no, "E1", 10, 0);
    assert_int_equal(sale_submit(NOW, &result), 0);
    assert_int_equal(result.points_earned, LTY_POINTS_PER_TXN_MAX);
    assert_true(result.tier_upgraded); /* and the member is Platinum now: x2 */
    assert_int_equal(result.tier, 3);
    /* Through the tier multiplier: 5,000,000 points x 2 is the max, one point more is over. */
    basket_of_max_lines(card.card_no, "E2", 5, 100);
    sale_refused(LTY_E_POINTS_LIMIT, NULL);
    basket_of_max_lines(card.card_no, "E2", 5, 0);
    assert_int_equal(sale_submit(NOW, &result), 0);
    assert_int_equal(result.points_earned, LTY_POINTS_PER_TXN_MAX);
    /* Redeeming: exactly LTY_POINTS_PER_TXN_MAX points (over it: test_sale_field_limits). */
    sale_request_fill(card.card_no, "E3", LTY_POINTS_PER_TXN_MAX, LTY_POINTS_PER_TXN_MAX);
    assert_int_equal(sale_submit(NOW, &result), 0);
    assert_int_equal(result.points_redeemed, LTY_POINTS_PER_TXN_MAX);
    assert_int_equal(result.points_earned, 0);
    assert_int_equal(result.points_balance, LTY_POINTS_PER_TXN_MAX);
    assert_sound();
}

static void test_sale_points_balance_at_max_and_over(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    points_grant(member_id, LTY_POINTS_BALANCE_MAX - 5);
    assert_sound();
    lty_ops_sale_result_t result;
    assert_int_equal(sale(card.card_no, "R1", 500, 0, NOW, &result), 0); /* +5: at the max */
    assert_int_equal(result.points_balance, LTY_POINTS_BALANCE_MAX);
    sale_request_fill(card.card_no, "R2", 100, 0); /* +1 */
    sale_refused(LTY_E_POINTS_LIMIT, NULL);
    assert_int_equal(sale(card.card_no, "R2", 99, 0, NOW, &result), 0); /* earns nothing */
    assert_int_equal(points_of(member_id), LTY_POINTS_BALANCE_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_sale_earns_then_redeems_through_lots),
        DOMAIN_TEST(test_sale_stores_its_record_entry_and_receipt_index),
        DOMAIN_TEST(test_sale_refusals_change_nothing),
        DOMAIN_TEST(test_sale_with_lost_or_replaced_card_is_refused),
        DOMAIN_TEST(test_sale_refuses_each_card_and_member_state),
        DOMAIN_TEST(test_sale_field_limits_at_max_and_over),
        DOMAIN_TEST(test_sale_basket_lines_at_max_and_over),
        DOMAIN_TEST(test_sale_receipt_is_unique_per_store),
        DOMAIN_TEST(test_sale_redemption_blocked_while_the_balance_is_negative),
        DOMAIN_TEST(test_sale_points_per_transaction_at_max_and_over),
        DOMAIN_TEST(test_sale_points_balance_at_max_and_over),
    };
    return cmocka_run_group_tests_name("ops_sale", tests, NULL, NULL);
}
