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

#include <cmocka.h>

#define NOW INT64_C(1780000000000)
#define DAY INT64_C(86400000)

static char dir[64];
static lty_store_t *store;
static lty_programme_t programme;
static lty_actor_t operator_actor;
static lty_actor_t till_actor;

static void remove_tree(const char *path)
{
    DIR *handle = opendir(path);
    if (handle == NULL) return;
    for (struct dirent *entry = readdir(handle); entry != NULL; entry = readdir(handle)) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        char child[512];
        snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
        unlink(child);
    }
    closedir(handle);
    rmdir(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/lty_test_verify.XXXXXX");
    if (mkdtemp(dir) == NULL) return -1;
    lty_store_options_t options = {.path = dir, .map_bytes = 64 << 20, .create = true};
    if (lty_store_open(&store, &options) != 0) return -1;
    lty_programme_demo(&programme);
    memset(&operator_actor, 0, sizeof(operator_actor));
    operator_actor.role = LTY_ROLE_OPERATOR;
    strcpy(operator_actor.operator_name, "alice");
    strcpy(operator_actor.principal, "operator:alice");
    memset(&till_actor, 0, sizeof(till_actor));
    till_actor.role = LTY_ROLE_TILL;
    strcpy(till_actor.store, "S001");
    strcpy(till_actor.till, "T01");
    strcpy(till_actor.principal, "till:S001/T01");
    lty_store_txn_t *txn = NULL;
    if (lty_store_txn_begin(store, NULL, &txn) != 0) return -1;
    int err = lty_ops_setup_init(txn, &programme);
    if (err == 0) err = lty_ops_store_add(txn, &operator_actor, NOW, "S001", "Central");
    if (err == 0) err = lty_ops_store_add(txn, &operator_actor, NOW, "S002", "East");
    if (err == 0) err = lty_ops_till_add(txn, &operator_actor, NOW, "S001", "T01");
    if (err != 0) {
        lty_store_txn_abort(txn);
        return -1;
    }
    return lty_store_txn_commit(txn) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    lty_store_close(store);
    store = NULL;
    remove_tree(dir);
    return 0;
}

static lty_store_txn_t *write_begin(void)
{
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_txn_begin(store, NULL, &txn), 0);
    return txn;
}

static int finish(lty_store_txn_t *txn, int err)
{
    if (err == 0) {
        assert_int_equal(lty_store_txn_commit(txn), 0);
    } else {
        lty_store_txn_abort(txn);
    }
    return err;
}

static int member_create(const char *name, const char *phone, uint64_t *member_id_out)
{
    lty_ops_member_new_t member_new;
    memset(&member_new, 0, sizeof(member_new));
    snprintf(member_new.name, sizeof(member_new.name), "%s", name);
    snprintf(member_new.phone, sizeof(member_new.phone), "%s", phone);
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_member_create(txn, &operator_actor, NOW, &member_new,
                                             member_id_out, NULL));
}

static void card_issue(uint64_t member_id, lty_card_t *card_out)
{
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(finish(txn, lty_ops_card_issue(txn, &operator_actor, &programme, NOW,
                                                    member_id, card_out)),
                     0);
}

static int adjust(uint64_t member_id, int64_t points, int64_t now_ms,
                  lty_ops_adjust_result_t *result_out)
{
    lty_ops_adjust_t request = {.member_id = member_id, .points = points};
    strcpy(request.reason, "test");
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_adjust(txn, &operator_actor, &programme, now_ms, &request,
                                      result_out, NULL));
}

static lty_ops_sale_t sale_request;

static int sale(const char *card_no, const char *receipt_no, int64_t total_cents,
                int64_t redeem_points, int64_t now_ms, lty_ops_sale_result_t *result_out)
{
    memset(&sale_request, 0, sizeof(sale_request));
    snprintf(sale_request.card_no, sizeof(sale_request.card_no), "%s", card_no);
    snprintf(sale_request.receipt_no, sizeof(sale_request.receipt_no), "%s", receipt_no);
    sale_request.redeem_points = redeem_points;
    sale_request.lines_count = 2;
    strcpy(sale_request.lines[0].sku, "6901234567890");
    strcpy(sale_request.lines[0].category, "dairy");
    sale_request.lines[0].qty = 1;
    sale_request.lines[0].amount_cents = total_cents / 2;
    strcpy(sale_request.lines[1].sku, "6909876543210");
    sale_request.lines[1].qty = 3;
    sale_request.lines[1].amount_cents = total_cents - total_cents / 2;
    lty_store_txn_t *txn = write_begin();
    return finish(txn, lty_ops_sale(txn, &till_actor, &programme, now_ms, &sale_request,
                                    result_out, NULL));
}

static lty_ops_member_view_t member_view;

static int64_t points_of(uint64_t member_id)
{
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_member_get(txn, member_id, &member_view), 0);
    lty_store_txn_abort(txn);
    return member_view.points;
}

static uint64_t count_of(lty_db_t db)
{
    lty_store_txn_t *txn = NULL;
    uint64_t count = 0;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_store_count(txn, db, &count), 0);
    lty_store_txn_abort(txn);
    return count;
}

static void assert_sound(void)
{
    static lty_verify_report_t report;
    int err = lty_verify_store(store, &report);
    for (size_t index = 0; index < report.problems_count; index++) {
        print_message("problem: %s\n", report.problems[index]);
    }
    assert_int_equal(err, 0);
}

static void member_with_card(const char *phone, uint64_t *member_id, lty_card_t *card)
{
    assert_int_equal(member_create("王芳", phone, member_id), 0);
    card_issue(*member_id, card);
}


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
    assert_int_equal(count_of(LTY_DB_LOTS), report.lots);
}

static void test_corrupt_balance_is_named(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    seed(&member_id);
    lty_account_t account = {.kind = LTY_ACCOUNT_MEMBER_POINTS, .owner = member_id,
                             .balance = 120, .entries_count = 2, .updated_ms = NOW};
    uint8_t bytes[LTY_RECORD_ACCOUNT_BYTES_MAX];
    size_t size = lty_record_account_encode(&account, bytes, sizeof(bytes));
    lty_key_t key;
    lty_key_account(&key, LTY_ACCOUNT_MEMBER_POINTS, member_id);
    raw_put(LTY_DB_ACCOUNTS, &key, bytes, size);
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
    assert_true(report_mentions("account points-adjusted/0: stored balance -100, journal says -99"));
}

static void test_corrupt_lot_is_named(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    seed(&member_id);
    /* The adjustment's lot (entry 1) had 30 taken by the sale: 70 remain. Claim 75. */
    lty_lot_t lot = {.member_id = member_id, .expires_ms = NOW + 730 * DAY, .entry_id = 1,
                     .points_initial = 100, .points_remaining = 75};
    uint8_t bytes[LTY_RECORD_LOT_BYTES_MAX];
    size_t size = lty_record_lot_encode(&lot, bytes, sizeof(bytes));
    lty_key_t key;
    lty_key_lot(&key, member_id, lot.expires_ms, lot.entry_id);
    raw_put(LTY_DB_LOTS, &key, bytes, size);
    assert_int_equal(lty_verify_store(store, &report), LTY_E_CORRUPT);
    assert_true(report_mentions("member 1: lots hold 94 points, balance is 89"));
}

static void test_missing_index_and_garbage_record_are_named(void **state)
{
    (void)state;
    uint64_t member_id = 0;
    seed(&member_id);
    lty_key_t key;
    lty_key_member_entry(&key, member_id, 2);
    lty_store_txn_t *txn = write_begin();
    assert_int_equal(lty_store_del(txn, LTY_DB_JOURNAL_BY_MEMBER, lty_key_bytes(&key)), 0);
    lty_key_id(&key, 1);
    assert_int_equal(lty_store_put(txn, LTY_DB_SALES, lty_key_bytes(&key),
                                   (lty_bytes_t){"garbage", 7}),
                     0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
    assert_int_equal(lty_verify_store(store, &report), LTY_E_CORRUPT);
    assert_true(report_mentions("journal entry 2: missing from journal-by-member of member 1"));
    assert_true(report_mentions("sale 1: record does not decode"));
    assert_true(report.problems_total >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sound_store_verifies_with_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_balance_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_posting_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_lot_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_index_and_garbage_record_are_named, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("verify", tests, NULL, NULL);
}
