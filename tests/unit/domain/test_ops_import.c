/* tests/unit/domain/test_ops_import.c
 * Goal: a member imported from another system gets its profile, its card, its tier and its
 * opening balances as one migration entry, in one transaction the verifier finds sound; every
 * refusal (negative balance, unknown tier, bad or taken card, taken phone, prepaid over the
 * limit) is reported with its field; minting steps over an imported number of the programme's
 * own range; export pages give the same columns back.
 * Method: a temporary store per test (domain_fixture), each import in its own write transaction,
 * committed on success and aborted on refusal, as the batch route does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lty/lty_card.h"
#include "lty/lty_err.h"
#include "ops.h"
#include "domain_fixture.h"

#include <cmocka.h>

static lty_ops_member_import_t row_make(const char *name, const char *phone)
{
    lty_ops_member_import_t row;
    memset(&row, 0, sizeof(row));
    snprintf(row.member.name, sizeof(row.member.name), "%s", name);
    snprintf(row.member.phone, sizeof(row.member.phone), "%s", phone);
    return row;
}

static int import_one(const lty_ops_member_import_t *row, lty_ops_member_import_result_t *result,
                      lty_diag_t *diag)
{
    lty_store_txn_t *txn = write_begin();
    lty_diag_clear(diag);
    int err = lty_ops_member_import(txn, &operator_actor, &programme, NOW, row, result, diag);
    return finish(txn, err);
}

static void test_import_opens_balances_as_one_migration_entry(void **state)
{
    (void)state;
    lty_ops_member_import_t row = row_make("Alice", "+8613710000001");
    snprintf(row.card_no, sizeof(row.card_no), "4111111111111111");
    snprintf(row.tier, sizeof(row.tier), "gold");
    row.points = 1200;
    row.prepaid_cents = 5000;
    lty_ops_member_import_result_t result;
    lty_diag_t diag;
    assert_int_equal(import_one(&row, &result, &diag), 0);
    assert_int_equal(result.tier, 2);
    assert_true(result.entry_id != 0);
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_member_get(txn, result.member_id, &member_view), 0);
    lty_ops_journal_page_t *page = malloc(sizeof(*page));
    assert_non_null(page);
    assert_int_equal(lty_ops_journal_page(txn, result.member_id, 0, 10, page), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(member_view.points, 1200);
    assert_int_equal(member_view.prepaid_cents, 5000);
    assert_int_equal(member_view.member.tier, 2);
    assert_int_equal(member_view.cards_count, 1);
    assert_string_equal(member_view.cards[0].card_no, "4111111111111111");
    assert_int_equal(member_view.cards[0].status, LTY_CARD_ACTIVE);
    assert_int_equal(page->entries_count, 1);
    assert_int_equal(page->entries[0].kind, LTY_ENTRY_MIGRATION);
    assert_int_equal(page->entries[0].postings_count, 4);
    free(page);
    assert_int_equal(lots_of(result.member_id), 1);
    assert_sound();
}

static void test_import_without_balances_writes_no_entry(void **state)
{
    (void)state;
    lty_ops_member_import_t row = row_make("Bob", "+8613710000002");
    lty_ops_member_import_result_t result;
    lty_diag_t diag;
    uint64_t entries = count_of(LTY_DB_JOURNAL);
    assert_int_equal(import_one(&row, &result, &diag), 0);
    assert_int_equal(result.entry_id, 0);
    assert_int_equal(count_of(LTY_DB_JOURNAL), entries);
    assert_sound();
}

static void test_import_refusals_name_the_field_and_change_nothing(void **state)
{
    (void)state;
    lty_ops_member_import_t good = row_make("Alice", "+8613710000001");
    snprintf(good.card_no, sizeof(good.card_no), "4111111111111111");
    lty_ops_member_import_result_t result;
    lty_diag_t diag;
    assert_int_equal(import_one(&good, &result, &diag), 0);
    uint64_t members = count_of(LTY_DB_MEMBERS);
    uint64_t cards = count_of(LTY_DB_CARDS);

    lty_ops_member_import_t row = row_make("Neg", "+8613710000003");
    row.points = -1;
    assert_int_equal(import_one(&row, &result, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/points");
    row = row_make("Neg", "+8613710000003");
    row.prepaid_cents = -1;
    assert_int_equal(import_one(&row, &result, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/prepaid_cents");
    row = row_make("Rich", "+8613710000003");
    row.prepaid_cents = programme.prepaid_balance_cents_max + 1;
    assert_int_equal(import_one(&row, &result, &diag), LTY_E_PREPAID_BALANCE_LIMIT);
    row = row_make("Tier", "+8613710000003");
    snprintf(row.tier, sizeof(row.tier), "Diamond");
    assert_int_equal(import_one(&row, &result, &diag), LTY_E_INVALID_FIELD);
    assert_string_equal(diag.field, "/tier");
    row = row_make("Luhn", "+8613710000003");
    snprintf(row.card_no, sizeof(row.card_no), "4111111111111112");
    assert_int_equal(import_one(&row, &result, &diag), LTY_E_INVALID_CARD_NO);
    row = row_make("Taken", "+8613710000003");
    snprintf(row.card_no, sizeof(row.card_no), "4111111111111111");
    assert_int_equal(import_one(&row, &result, &diag), LTY_E_CARD_TAKEN);
    row = row_make("Phone", "+8613710000001");
    assert_int_equal(import_one(&row, &result, &diag), LTY_E_PHONE_TAKEN);
    assert_int_equal(count_of(LTY_DB_MEMBERS), members);
    assert_int_equal(count_of(LTY_DB_CARDS), cards);
    assert_sound();
}

static void test_minting_steps_over_an_imported_number_of_the_programme(void **state)
{
    (void)state;
    /* The number the next card issue would mint, imported first for someone else. */
    lty_store_txn_t *txn = write_begin();
    char next[LTY_CARD_NO_SIZE];
    assert_int_equal(lty__ops_card_no_next(txn, &programme, next), 0);
    lty_store_txn_abort(txn); /* the sequence is not taken */
    lty_ops_member_import_t row = row_make("Imported", "+8613710000004");
    snprintf(row.card_no, sizeof(row.card_no), "%s", next);
    lty_ops_member_import_result_t result;
    lty_diag_t diag;
    assert_int_equal(import_one(&row, &result, &diag), 0);
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613710000005", &member_id, &card);
    assert_string_not_equal(card.card_no, next);
    assert_sound();
}

static void test_export_pages_active_members_with_their_card(void **state)
{
    (void)state;
    lty_ops_member_import_t row = row_make("Alice", "+8613710000001");
    snprintf(row.card_no, sizeof(row.card_no), "4111111111111111");
    row.points = 7;
    lty_ops_member_import_result_t result;
    lty_diag_t diag;
    assert_int_equal(import_one(&row, &result, &diag), 0);
    lty_ops_export_page_t *page = malloc(sizeof(*page));
    assert_non_null(page);
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_export_page(txn, result.member_id - 1, 1, page), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(page->members_count, 1);
    assert_string_equal(page->members[0].card_no, "4111111111111111");
    assert_int_equal(page->members[0].points, 7);
    free(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_opens_balances_as_one_migration_entry,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_import_without_balances_writes_no_entry,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_import_refusals_name_the_field_and_change_nothing,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_minting_steps_over_an_imported_number_of_the_programme,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_export_pages_active_members_with_their_card,
                                        domain_fixture_setup, domain_fixture_teardown),
    };
    return cmocka_run_group_tests_name("ops_import", tests, NULL, NULL);
}
