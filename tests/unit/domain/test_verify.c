/* tests/unit/daemon/test_verify.c
 * Goal: the verifier passes a sound store and names the problem when one balance, one posting,
 * one lot or one index entry is damaged.
 * Method: build a small store through the domain operations, then overwrite one raw record
 * (still decodable, so only the invariant is broken) and read the report's sentences. */
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

static lty_verify_report_t report;

static void seed(uint64_t *member_id)
{
    lty_card_t card;
    member_with_card("+8613800138001", member_id, &card);
    lty_ops_adjust_result_t adjusted;
    assert_int_equal(adjust(*member_id, 100, NOW, &adjusted), 0);
    lty_ops_sale_result_t sold;
    assert_int_equal(sale(card.card_no, "R1", 2000, 30, NOW, &sold), 0);
    assert_sound();
}

static void raw_put(lty_db_t db, const lty_key_t *key, const uint8_t *bytes, size_t size)
{
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(lty_store_put(txn, db, lty_key_bytes(key), (lty_bytes_t){bytes, size}), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
}

static bool report_mentions(const char *text)
{
    for (size_t index = 0; index < report.problems_count; index++) {
        if (strstr(report.problems[index], text) != NULL) return true;
    }
    return false;
}

static void test_sound_store_verifies_with_counts(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    seed(&member_id);
    assert_int_equal(lty_verify_store(store, &report), 0);
    assert_int_equal(report.entries, 2);
    assert_int_equal(report.postings, 6);
    assert_int_equal(report.members, 1);
    assert_int_equal(report.cards, 1);
    assert_int_equal(report.lots, 2);
    assert_int_equal(report.sales, 1);
    assert_int_equal(report.accounts, 4); /* member-points, adjusted, issued, redeemed */
    assert_int_equal(report.problems_count, 0);
    assert_int_equal(points_of(member_id), 89);
    assert_int_equal(count_of(LTY_DB_LOTS), 0); /* schema 4: in member-ledger */
}

static void test_corrupt_balance_is_named(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    seed(&member_id);
    lty_account_t account = {.kind = LTY_ACCOUNT_MEMBER_POINTS,
                             .owner = member_id,
                             .balance = 120,
                             .entries_count = 2,
                             .updated_ms = NOW};
    uint8_t bytes[LTY_RECORD_ACCOUNT_BYTES_MAX];
    size_t size = lty_record_account_encode(&account, bytes, sizeof(bytes));
    lty_key_t key;
    raw_put(lty_key_account(&key, LTY_ACCOUNT_MEMBER_POINTS, member_id), &key, bytes, size);
    assert_int_equal(lty_verify_store(store, &report), LTY_E_CORRUPT);
    assert_true(report_mentions("account member-points/1: stored balance 120, journal says 89"));
    assert_true(report_mentions("sum to 31, not zero"));
}

static void test_corrupt_posting_is_named(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    seed(&member_id);
    lty_key_t key;
    lty_key_id(&key, 1);
    lty_store_txn_t *txn = NULL;
    lty_journal_entry_t entry;
    lty_bytes_t value;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_store_get(txn, LTY_DB_JOURNAL, lty_key_bytes(&key), &value), 0);
    assert_int_equal(lty_record_entry_decode(value, &entry), 0);
    lty_store_txn_abort(txn);
    entry.postings[1].amount = -99; /* points-adjusted side no longer matches +100 */
    uint8_t bytes[LTY_RECORD_ENTRY_BYTES_MAX];
    size_t size = lty_record_entry_encode(&entry, bytes, sizeof(bytes));
    raw_put(LTY_DB_JOURNAL, &key, bytes, size);
    assert_int_equal(lty_verify_store(store, &report), LTY_E_CORRUPT);
    assert_true(report_mentions("journal entry 1: postings do not sum to zero per asset"));
    assert_true(
        report_mentions("account points-adjusted/0: stored balance -100, journal says -99"));
}

static void test_corrupt_lot_is_named(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    seed(&member_id);
    /* The adjustment's lot (entry 1) had 30 taken by the sale: 70 remain. Claim 75. */
    lty_lot_t lot = {.member_id = member_id,
                     .expires_ms = NOW + 730 * DAY,
                     .entry_id = 1,
                     .points_initial = 100,
                     .points_remaining = 75};
    uint8_t bytes[LTY_RECORD_LOT_BYTES_MAX];
    size_t size = lty_record_lot_encode(&lot, bytes, sizeof(bytes));
    lty_key_t key;
    lty_key_lot(&key, member_id, lot.expires_ms, lot.entry_id);
    raw_put(LTY_DB_MEMBER_LEDGER, &key, bytes, size);
    assert_int_equal(lty_verify_store(store, &report), LTY_E_CORRUPT);
    assert_true(report_mentions("member 1: lots hold 94 points, balance is 89"));
}

static void test_missing_index_and_garbage_record_are_named(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    seed(&member_id);
    lty_key_t key;
    lty_key_member_journal(&key, member_id, 2);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(lty_store_del(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key)), 0);
    lty_key_id(&key, 1);
    assert_int_equal(
        lty_store_put(txn, LTY_DB_SALES, lty_key_bytes(&key), (lty_bytes_t){"garbage", 7}), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
    assert_int_equal(lty_verify_store(store, &report), LTY_E_CORRUPT);
    assert_true(report_mentions("journal entry 2: missing from the journal index of member 1"));
    assert_true(report_mentions("sale 1: record does not decode"));
    assert_true(report.problems_total >= 2);
}

/* Schema 4: a record left in a database member-ledger replaced, a member-ledger
 * record of an unknown part, and a member account stored in ACCOUNTS are all named. */
static void test_member_ledger_misplacements_are_named(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    seed(&member_id);
    lty_key_t key;
    lty_key_member_entry(&key, member_id, 2); /* the schema-3 journal-by-member key */
    raw_put(LTY_DB_JOURNAL_BY_MEMBER, &key, (const uint8_t *)"", 0);
    lty_key_member_part(&key, member_id, LTY_PART_SPEND);
    key.data[8] = 9; /* no such part */
    key.data[key.size++] = 1;
    raw_put(LTY_DB_MEMBER_LEDGER, &key, (const uint8_t *)"x", 1);
    lty_account_t account = {.kind = LTY_ACCOUNT_MEMBER_POINTS, .owner = member_id,
                             .balance = 89, .entries_count = 2, .updated_ms = NOW};
    uint8_t bytes[LTY_RECORD_ACCOUNT_BYTES_MAX];
    size_t size = lty_record_account_encode(&account, bytes, sizeof(bytes));
    key.size = 0;
    key.data[key.size++] = LTY_ACCOUNT_MEMBER_POINTS; /* the schema-3 accounts key */
    for (int shift = 56; shift >= 0; shift -= 8) key.data[key.size++] = (uint8_t)(member_id >> shift);
    raw_put(LTY_DB_ACCOUNTS, &key, bytes, size);
    assert_int_equal(lty_verify_store(store, &report), LTY_E_CORRUPT);
    assert_true(report_mentions("journal-by-member: holds a record (key of 16 bytes) though "
                                "schema 4 moved them to member-ledger"));
    assert_true(report_mentions("member-ledger: member 1 has a record of unknown part 9"));
    assert_true(report_mentions("account member-points/1: stored under another key"));
}

/* Prepaid: a closed member still holding points, and a return record with no entry behind
 * it pointing at a sale that was never returned, are both named. */
static void test_closed_member_and_stray_return_are_named(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    seed(&member_id);
    lty_member_t member;
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty__ops_member_load(txn, member_id, &member), 0);
    lty_store_txn_abort(txn);
    member.status = LTY_MEMBER_CLOSED;
    member.closed_ms = NOW;
    uint8_t bytes[LTY_RECORD_MEMBER_BYTES_MAX];
    size_t size = lty_record_member_encode(&member, bytes, sizeof(bytes));
    lty_key_t key;
    lty_key_id(&key, member_id);
    raw_put(LTY_DB_MEMBERS, &key, bytes, size);
    lty_return_t record = {.entry_id = 9, .sale_id = 2, .member_id = member_id,
                           .kind = LTY_ENTRY_RETURN, .created_ms = NOW, .store = "S001",
                           .till = "T01", .refund_cents = 100, .refund_outside_cents = 100};
    uint8_t record_bytes[LTY_RECORD_RETURN_BYTES_MAX];
    size = lty_record_return_encode(&record, record_bytes, sizeof(record_bytes));
    lty_key_id(&key, 9);
    raw_put(LTY_DB_RETURNS, &key, record_bytes, size);
    assert_int_equal(lty_verify_store(store, &report), LTY_E_CORRUPT);
    assert_true(report_mentions("member 1: closed but still holds points or prepaid"));
    assert_true(report_mentions("return 9: its journal entry is missing or differs"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sound_store_verifies_with_counts, domain_fixture_setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_balance_is_named, domain_fixture_setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_posting_is_named, domain_fixture_setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_lot_is_named, domain_fixture_setup,
                                        domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_missing_index_and_garbage_record_are_named,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_member_ledger_misplacements_are_named,
                                        domain_fixture_setup, domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_closed_member_and_stray_return_are_named,
                                        domain_fixture_setup, domain_fixture_teardown),
    };
    return cmocka_run_group_tests_name("verify", tests, NULL, NULL);
}
