/* tests/unit/domain/test_ops_purchase.c
 * Goal: the purchase-day records (ops_purchase.c, the analytics aggregate) follow
 * every sale, return and void: a sale adds one purchase and its total to the record of its UTC
 * day and store; a return takes the goods value back from the record of the sale it returns
 * (on the day of the sale), and the purchase once nothing of the sale is left; a void takes both;
 * the rebuild from the sale records (migration to schema 10) gives the same records; the verifier
 * names a record that does not add up.
 * Method: a temporary store per test (domain_fixture.c); records read back by key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "migrate.h"
#include "ops.h"
#include "records.h"
#include "verify.h"
#include "domain_fixture.h"

#include <cmocka.h>

static lty_ops_return_result_t result;

/* The record of (member, day of at_ms, store): false when there is none. */
static bool day_of(uint64_t member_id, int64_t at_ms, const char *store_id, lty_purchase_day_t *out)
{
    lty_key_t key;
    lty_key_purchase_day(&key, member_id, (uint32_t)lty_clock_day(at_ms), store_id);
    lty_store_txn_t *txn = read_begin();
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value);
    if (err == 0)
        assert_int_equal(lty_record_purchase_day_decode(lty_key_bytes(&key), value, out), 0);
    lty_store_txn_abort(txn);
    assert_true(err == 0 || err == LTY_E_NOT_FOUND);
    return err == 0;
}

static void day_expect(uint64_t member_id, int64_t at_ms, const char *store_id, uint32_t purchases,
                       int64_t cents)
{
    lty_purchase_day_t day;
    assert_true(day_of(member_id, at_ms, store_id, &day));
    assert_int_equal(day.purchases, purchases);
    assert_int_equal(day.sales_cents, cents);
    assert_int_equal(day.member_id, member_id);
    assert_string_equal(day.store, store_id);
}

static void test_purchase_sales_add_up_per_day_and_store(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t sold;
    assert_false(day_of(member_id, NOW, "S001", &(lty_purchase_day_t){0}));
    assert_int_equal(sale(card.card_no, "R1", 3000, 0, NOW, &sold), 0);
    day_expect(member_id, NOW, "S001", 1, 3000);
    assert_int_equal(sale(card.card_no, "R2", 1001, 0, NOW + 1000, &sold), 0);
    day_expect(member_id, NOW, "S001", 2, 4001);
    assert_int_equal(sale(card.card_no, "R3", 0, 0, NOW + DAY, &sold), 0); /* a zero basket */
    day_expect(member_id, NOW + DAY, "S001", 1, 0);
    lty_actor_t other = till_actor_at("S002");
    sale_request_fill(card.card_no, "R1", 500, 0);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_sale(txn, &other, &programme, NOW, &sale_request, &sold,
                                              NULL)),
                     0);
    day_expect(member_id, NOW, "S002", 1, 500);
    day_expect(member_id, NOW, "S001", 2, 4001);
    assert_sound();
}

/* A member whose sale of 30.00 (R1, today) had one of three units of its second line (1500 for
 * 3) returned the next day: 500 back, the purchase stays. */
static uint64_t member_with_partly_returned_sale(lty_ops_sale_result_t *sold_out)
{
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    assert_int_equal(sale(card.card_no, "R1", 3000, 0, NOW, sold_out), 0);
    assert_int_equal(sale_give_back(&till_actor, sold_out->sale_id, "6909876543210", 1, NOW + DAY),
                     0);
    return member_id;
}

static void test_purchase_returns_net_out_of_the_sale_they_return(void **state)
{
    (void)state;
    lty_ops_sale_result_t sold;
    uint64_t member_id = member_with_partly_returned_sale(&sold);
    day_expect(member_id, NOW, "S001", 1, 2500);
    assert_false(day_of(member_id, NOW + DAY, "S001", &(lty_purchase_day_t){0})); /* not today's */
    /* The rest, the next day (a till takes back only its own store's sales): nothing of the sale
     * is left, nor its purchase; the record stays the sale's day's, and no other gets one. */
    assert_int_equal(sale_give_back(&till_actor, sold.sale_id, NULL, 0, NOW + DAY), 0);
    day_expect(member_id, NOW, "S001", 0, 0);
    assert_false(day_of(member_id, NOW + DAY, "S001", &(lty_purchase_day_t){0}));
    assert_sound();
}

static void test_purchase_void_takes_the_purchase_back(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t sold, kept;
    assert_int_equal(sale(card.card_no, "R1", 3000, 0, NOW, &kept), 0);
    assert_int_equal(sale(card.card_no, "R2", 700, 0, NOW + 1000, &sold), 0);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_void(txn, &till_actor, &programme, NOW + 2000,
                                              sold.sale_id, &result, NULL)),
                     0);
    day_expect(member_id, NOW, "S001", 1, 3000);
    assert_sound();
}

static void test_purchase_rebuild_gives_the_same_records(void **state)
{
    (void)state;
    uint64_t member_id = 0, other_id = 0;
    lty_card_t card, other_card;
    member_with_card("+8613800138001", &member_id, &card);
    member_with_card("+8613800138002", &other_id, &other_card);
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", 3000, 0, NOW, &sold), 0);
    assert_int_equal(sale_give_back(&till_actor, sold.sale_id, "6909876543210", 2, NOW + DAY), 0);
    assert_int_equal(sale(card.card_no, "R2", 999, 0, NOW + 3 * DAY, &sold), 0);
    assert_int_equal(sale(other_card.card_no, "R3", 12345, 0, NOW + 40 * DAY, &sold), 0);
    assert_int_equal(sale_give_back(&till_actor, sold.sale_id, NULL, 0, NOW + DAY), 0);
    store_digest_t before = store_digest();

    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty__ops_purchase_clear(txn)), 0);
    assert_false(day_of(member_id, NOW, "S001", &(lty_purchase_day_t){0}));
    txn = write_begin();
    uint64_t sales = 0;
    assert_int_equal(finish(txn, lty_ops_purchase_backfill(txn, &sales)), 0);
    assert_int_equal(sales, 3);
    assert_unchanged(&before);
    day_expect(member_id, NOW, "S001", 1, 2000);
    day_expect(other_id, NOW + 40 * DAY, "S001", 0, 0);
}

/* Schema 10's step: a schema-9 store (no purchase days yet) migrates to the same records (the
 * earlier steps may touch META, so the records are compared, not the whole store). */
static void test_purchase_schema9_store_migrates_to_the_same_records(void **state)
{
    (void)state;
    lty_ops_sale_result_t sold;
    uint64_t member_id = member_with_partly_returned_sale(&sold);

    lty_store_txn_t *txn = write_begin();
    int err = lty__ops_purchase_clear(txn);
    if (err == 0) err = lty_migrate_version_put(txn, 9);
    assert_int_equal(finish(txn, err), 0);
    assert_false(day_of(member_id, NOW, "S001", &(lty_purchase_day_t){0}));
    txn = write_begin();
    assert_int_equal(finish(txn, lty_migrate_apply(txn)), 0);
    uint32_t version = 0;
    txn = read_begin();
    assert_int_equal(lty_migrate_version_get(txn, &version), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(version, LTY_SCHEMA_VERSION);
    assert_int_equal(version, 10);
    day_expect(member_id, NOW, "S001", 1, 2500);
    assert_sound(); /* every member's purchase days add up to the sale records again */
}

static void test_purchase_verify_names_a_record_that_does_not_add_up(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", 3000, 0, NOW, &sold), 0);
    lty_purchase_day_t day;
    assert_true(day_of(member_id, NOW, "S001", &day));
    day.sales_cents += 1;
    uint8_t bytes[LTY_RECORD_PURCHASE_DAY_BYTES_MAX];
    size_t size = lty_record_purchase_day_encode(&day, bytes, sizeof(bytes));
    lty_key_t key;
    lty_key_purchase_day(&key, member_id, day.day, "S001");
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key),
                                   (lty_bytes_t){.data = bytes, .size = size}),
                     0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
    lty_verify_report_t *report = test_malloc(sizeof(*report));
    assert_int_equal(lty_verify_store(store, report), LTY_E_CORRUPT);
    assert_int_equal(report->problems_total, 1);
    assert_non_null(strstr(report->problems[0], "purchase days say 1 purchases of 3001"));
    test_free(report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        DOMAIN_TEST(test_purchase_sales_add_up_per_day_and_store),
        DOMAIN_TEST(test_purchase_returns_net_out_of_the_sale_they_return),
        DOMAIN_TEST(test_purchase_void_takes_the_purchase_back),
        DOMAIN_TEST(test_purchase_schema9_store_migrates_to_the_same_records),
        DOMAIN_TEST(test_purchase_rebuild_gives_the_same_records),
        DOMAIN_TEST(test_purchase_verify_names_a_record_that_does_not_add_up),
    };
    return cmocka_run_group_tests_name("ops_purchase", tests, NULL, NULL);
}
