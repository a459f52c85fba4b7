/* tests/unit/daemon/test_ops.c
 * Goal: domain operations keep the ledger's promises over a real LMDB store: ids, unique phones,
 * Luhn card numbers, earning and redemption through lots, refusals that change nothing,
 * receipt uniqueness per store, and newest-first journal paging; the verifier passes after each.
 * Method: a temporary store per test; every write in its own transaction, committed on success
 * and aborted on refusal, as the writer does. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lty/lty_card.h"
#include "lty/lty_err.h"
#include "migrate.h"
#include "ops.h"
#include "verify.h"
#include "domain_fixture.h"

#include <cmocka.h>

/* ---- Members and cards ------------------------------------------------------------------ */

static void test_member_ids_start_at_one_and_phone_is_unique(void **state)
{
    (void)state;
    uint64_t first = 0;
    uint64_t second = 0;
    assert_int_equal(member_create("王芳", "+8613800138001", &first), 0);
    assert_int_equal(first, 1);
    assert_int_equal(member_create("李伟", "+8613800138002", &second), 0);
    assert_int_equal(second, 2);
    uint64_t third = 0;
    assert_int_equal(member_create("张敏", "+8613800138001", &third), LTY_E_PHONE_TAKEN);
    assert_int_equal(third, 0);
    assert_int_equal(count_of(LTY_DB_MEMBERS), 2);
    assert_int_equal(member_create("x", "+1234567", &third), LTY_E_INVALID_FIELD); /* 7 digits */
    assert_int_equal(member_create("x", "+12345678", &third), 0);                  /* 8 */
    assert_int_equal(member_create("x", "+123456789012345", &third), 0); /* 15: max; 16 cannot be
                                                                          * held (API edge) */
    assert_int_equal(member_create("x", "+86138001380a", &third), LTY_E_INVALID_FIELD);
    assert_int_equal(member_create("x", "8613800138009", &third), LTY_E_INVALID_FIELD);
    assert_int_equal(member_create("", "+8613800138009", &third), LTY_E_INVALID_FIELD);
    assert_int_equal(count_of(LTY_DB_AUDIT), 3 + 4); /* setup adds 3, four members created */
    assert_sound();
}

static void test_card_issue_mints_luhn_numbers_and_lookup_shows_the_member(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t first;
    lty_card_t second;
    member_with_card("+8613800138001", &member_id, &first);
    card_issue(member_id, &second);
    assert_int_equal(lty_card_no_check(first.card_no, strlen(first.card_no)), 0);
    assert_int_equal(strncmp(first.card_no, "88", 2), 0);
    assert_string_not_equal(first.card_no, second.card_no);
    assert_true(first.expires_ms == NOW + 1095 * DAY);
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    lty_ops_card_view_t view;
    assert_int_equal(lty_ops_card_lookup(txn, first.card_no, NOW, &view), 0);
    assert_int_equal(view.member_id, member_id);
    assert_string_equal(view.name, "王芳");
    assert_int_equal(view.card_status, LTY_CARD_ACTIVE);
    assert_false(view.expired);
    assert_int_equal(view.points, 0);
    assert_int_equal(lty_ops_card_lookup(txn, "4111111111111111", NOW, &view),
                     LTY_E_CARD_NOT_FOUND);
    assert_int_equal(lty_ops_card_lookup(txn, "4111111111111112", NOW, &view),
                     LTY_E_INVALID_CARD_NO);
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    assert_int_equal(member_view.cards_count, 2);
    assert_int_equal(lty_ops_member_get(txn, 99, &member_view), LTY_E_MEMBER_NOT_FOUND);
    lty_store_txn_abort(txn);
    txn = write_begin();
    lty_card_t none;
    assert_int_equal(lty_ops_card_issue(txn, &operator_actor, &programme, NOW, 99, &none),
                     LTY_E_MEMBER_NOT_FOUND);
    lty_store_txn_abort(txn);
    assert_sound();
}

/* ---- Sales ------------------------------------------------------------------------------ */

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

/* ---- Adjustments and journal ------------------------------------------------------------ */

static void test_adjust_credits_lots_and_debits_soonest_first(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    lty_ops_adjust_result_t result;
    assert_int_equal(adjust(member_id, 100, NOW + 10 * DAY, &result), 0); /* expires later */
    assert_int_equal(adjust(member_id, 50, NOW, &result), 0);             /* expires sooner */
    assert_int_equal(result.points_balance, 150);
    assert_int_equal(adjust(member_id, -60, NOW, &result), 0);
    assert_int_equal(result.points_balance, 90);
    /* The sooner lot (50) is empty, the later one holds 90. */
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    lty_key_t key;
    lty_key_lot(&key, member_id, NOW + 730 * DAY, 2);
    lty_bytes_t value;
    lty_lot_t lot;
    assert_int_equal(lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value), 0);
    assert_int_equal(lty_record_lot_decode(value, &lot), 0);
    assert_int_equal(lot.points_remaining, 0);
    lty_store_txn_abort(txn);
    assert_int_equal(adjust(member_id, -91, NOW, &result), LTY_E_INSUFFICIENT_POINTS);
    assert_int_equal(points_of(member_id), 90);
    assert_int_equal(adjust(member_id, -90, NOW, &result), 0);
    assert_int_equal(result.points_balance, 0);
    assert_int_equal(adjust(member_id, 0, NOW, &result), LTY_E_INVALID_FIELD);
    assert_int_equal(adjust(member_id, LTY_POINTS_PER_TXN_MAX, NOW, &result), 0);
    assert_int_equal(adjust(member_id, LTY_POINTS_PER_TXN_MAX + 1, NOW, &result),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(adjust(999, 5, NOW, &result), LTY_E_MEMBER_NOT_FOUND);
    assert_sound();
}

static void test_journal_pages_newest_first_with_cursor(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    uint64_t other_id = 0;
    lty_card_t card;
    member_with_card("+8613800138001", &member_id, &card);
    assert_int_equal(member_create("李伟", "+8613800138002", &other_id), 0);
    lty_ops_adjust_result_t result;
    for (int index = 1; index <= 5; index++) {
        assert_int_equal(adjust(member_id, index, NOW, &result), 0);
        assert_int_equal(adjust(other_id, index, NOW, &result), 0);
    }
    static lty_ops_journal_page_t page;
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_journal_page(txn, member_id, 0, 2, &page), 0);
    assert_int_equal(page.entries_count, 2);
    assert_int_equal(page.entries[0].entry_id, 9);
    assert_int_equal(page.entries[1].entry_id, 7);
    assert_int_equal(page.entries[0].postings[0].amount, 5);
    assert_string_equal(page.entries[0].reference, "test");
    assert_int_equal(page.next_after, 7);
    assert_int_equal(lty_ops_journal_page(txn, member_id, page.next_after, 2, &page), 0);
    assert_int_equal(page.entries[0].entry_id, 5);
    assert_int_equal(page.entries[1].entry_id, 3);
    assert_int_equal(lty_ops_journal_page(txn, member_id, page.next_after, 2, &page), 0);
    assert_int_equal(page.entries_count, 1);
    assert_int_equal(page.entries[0].entry_id, 1);
    assert_int_equal(page.next_after, 0);
    assert_int_equal(lty_ops_journal_page(txn, other_id, 0, LTY_JOURNAL_PAGE_MAX, &page), 0);
    assert_int_equal(page.entries_count, 5);
    assert_int_equal(page.entries[0].entry_id, 10);
    assert_int_equal(page.next_after, 0);
    assert_int_equal(lty_ops_journal_page(txn, other_id, 0, LTY_JOURNAL_PAGE_MAX + 1, &page),
                     LTY_E_INVALID_FIELD);
    assert_int_equal(lty_ops_journal_page(txn, other_id, 0, 0, &page), LTY_E_INVALID_FIELD);
    assert_int_equal(lty_ops_journal_page(txn, 77, 0, 10, &page), LTY_E_MEMBER_NOT_FOUND);
    lty_store_txn_abort(txn);
}

/* ---- Setup ------------------------------------------------------------------------------ */

static void test_demo_seed_and_schema_version(void **state)
{
    (void)state;
    static lty_ops_demo_t demo;
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(lty_ops_demo_seed(txn, &programme, NOW, &demo), LTY_E_EXISTS); /* S001 */
    lty_store_txn_abort(txn);
    domain_fixture_teardown(NULL);
    snprintf(dir, sizeof(dir), "/tmp/lty_test_ops.XXXXXX");
    assert_non_null(mkdtemp(dir));
    lty_store_options_t options = {.path = dir, .map_bytes = 64 << 20, .create = true};
    assert_int_equal(lty_store_open(&store, &options), 0);
    txn = write_begin();
    uint32_t version = 0;
    assert_int_equal(lty_migrate_check(txn, &version), LTY_E_STORE_VERSION);
    assert_int_equal(lty_ops_setup_init(txn, &programme), 0);
    assert_int_equal(lty_ops_setup_init(txn, &programme), LTY_E_EXISTS);
    assert_int_equal(lty_ops_demo_seed(txn, &programme, NOW, &demo), 0);
    assert_int_equal(finish(txn, 0), 0);
    assert_int_equal(demo.members_count, LTY_OPS_DEMO_MEMBERS);
    assert_int_equal(demo.members[0].points, 1200);
    assert_int_equal(points_of(demo.members[0].member_id), 1200);
    assert_int_equal(lty_card_no_check(demo.members[5].card_no, strlen(demo.members[5].card_no)),
                     0);
    assert_int_equal(count_of(LTY_DB_STORES), 3);
    txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_migrate_check(txn, &version), 0);
    assert_int_equal(version, LTY_SCHEMA_VERSION);
    lty_programme_t loaded;
    assert_int_equal(lty_programme_load(txn, &loaded), 0);
    assert_int_equal(loaded.earn_cents_per_point, 100);
    lty_store_txn_abort(txn);
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_member_ids_start_at_one_and_phone_is_unique,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(
            test_card_issue_mints_luhn_numbers_and_lookup_shows_the_member, domain_fixture_setup,
            domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sale_earns_then_redeems_through_lots,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sale_refusals_change_nothing, domain_fixture_setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sale_with_lost_or_replaced_card_is_refused,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sale_receipt_is_unique_per_store, domain_fixture_setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sale_basket_lines_at_max_and_over,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_adjust_credits_lots_and_debits_soonest_first,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_journal_pages_newest_first_with_cursor,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_demo_seed_and_schema_version, domain_fixture_setup,
                                        domain_fixture_teardown),
    };
    return cmocka_run_group_tests_name("ops", tests, NULL, NULL);
}
