/* tests/unit/daemon/test_migrate_member_ledger.c
 * Goal: a schema-3 store (member accounts in accounts, journal-by-member, lots, spend-months
 * under their old keys) migrates to schema 4 with every record moved into member-ledger,
 * nothing lost or duplicated, balances and history unchanged, and the store sound; a second
 * run changes nothing.
 * Method: build a store with the ops (sales that earn and redeem, an adjustment), move its
 * member-ledger records back to the schema-3 places and keys by hand, set version 3, run
 * lty_migrate_apply, then verify, count and compare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lty/lty_err.h"
#include "migrate.h"
#include "ops.h"
#include "records.h"
#include "verify.h"
#include "domain_fixture.h"

#include <cmocka.h>

static void key_u64_add(lty_key_t *key, uint64_t value)
{
    for (int shift = 56; shift >= 0; shift -= 8) key->data[key->size++] = (uint8_t)(value >> shift);
}

/* The schema-3 place and key of one member-ledger record. */
static lty_db_t schema3_key(lty_bytes_t key, lty_key_t *out)
{
    uint64_t member_id = 0, first = 0, second = 0;
    assert_true(lty_key_u64_at(key, 0, &member_id));
    const uint8_t *bytes = key.data;
    out->size = 0;
    switch (bytes[8]) {
    case LTY_PART_ACCOUNT:
        assert_int_equal(key.size, 10);
        out->data[out->size++] = bytes[9];
        key_u64_add(out, member_id);
        return LTY_DB_ACCOUNTS;
    case LTY_PART_JOURNAL:
        assert_true(lty_key_u64_at(key, 9, &first));
        key_u64_add(out, member_id);
        key_u64_add(out, first);
        return LTY_DB_JOURNAL_BY_MEMBER;
    case LTY_PART_LOT:
        assert_true(lty_key_u64_at(key, 9, &first) && lty_key_u64_at(key, 17, &second));
        key_u64_add(out, member_id);
        key_u64_add(out, first);
        key_u64_add(out, second);
        return LTY_DB_LOTS;
    case LTY_PART_SPEND:
        assert_true(lty_key_u64_at(key, 9, &first));
        key_u64_add(out, member_id);
        key_u64_add(out, first);
        return LTY_DB_SPEND_MONTHS;
    case LTY_PART_PURCHASE: return LTY_DB_COUNT; /* schema 10: rebuilt from the sales */
    default: fail_msg("unknown part %u", bytes[8]); return LTY_DB_META;
    }
}

/* Move every member-ledger record back where schema 3 kept it and mark the store version 3. */
static uint64_t store_make_schema3(void)
{
    lty_store_txn_t *txn = write_begin();
    uint64_t moved = 0;
    for (;;) {
        lty_store_cursor_t *cursor = NULL;
        assert_int_equal(lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor), 0);
        lty_bytes_t key = {0}, value = {0};
        int err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
        lty_key_t new_key, old_key = {.size = key.size};
        uint8_t copy[256];
        if (err == 0) {
            assert_true(value.size <= sizeof(copy));
            memcpy(old_key.data, key.data, key.size);
            if (value.size > 0) memcpy(copy, value.data, value.size);
        }
        lty_store_cursor_close(cursor);
        if (err == LTY_E_NOT_FOUND) break;
        assert_int_equal(err, 0);
        lty_db_t db = schema3_key(lty_key_bytes(&old_key), &new_key);
        if (db != LTY_DB_COUNT) {
            assert_int_equal(lty_store_put(txn, db, lty_key_bytes(&new_key),
                                           (lty_bytes_t){.data = copy, .size = value.size}),
                             0);
        }
        assert_int_equal(lty_store_del(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&old_key)), 0);
        moved++; /* purchase days included: dropped, since schema 3 had none */
    }
    assert_int_equal(lty_migrate_version_put(txn, 3), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
    return moved;
}

static int migrate(void)
{
    lty_store_txn_t *txn = write_begin();
    int err = lty_migrate_apply(txn);
    return finish(txn, err);
}

static void test_schema3_store_moves_into_member_ledger(void **state)
{
    (void)state;
    uint64_t first = 0, second = 0;
    lty_card_t first_card, second_card;
    member_with_card("+8613800138001", &first, &first_card);
    member_with_card("+8613800138002", &second, &second_card);
    lty_ops_sale_result_t result;
    lty_ops_adjust_result_t adjusted;
    assert_int_equal(sale(first_card.card_no, "R1", 2599, 0, NOW, &result), 0);
    assert_int_equal(sale(first_card.card_no, "R2", 500, 10, NOW + DAY, &result), 0);
    assert_int_equal(sale(second_card.card_no, "R3", 12000, 0, NOW + 40 * DAY, &result), 0);
    assert_int_equal(adjust(second, 300, NOW + 41 * DAY, &adjusted), 0);
    int64_t first_points = points_of(first), second_points = points_of(second);
    uint64_t first_lots = lots_of(first), second_lots = lots_of(second);
    uint64_t records = count_of(LTY_DB_MEMBER_LEDGER);
    assert_true(first_lots >= 2 && second_lots >= 2);
    assert_sound();

    uint64_t moved = store_make_schema3();
    assert_int_equal(moved, records);
    assert_int_equal(count_of(LTY_DB_MEMBER_LEDGER), 0);
    assert_true(count_of(LTY_DB_LOTS) == first_lots + second_lots);
    assert_true(count_of(LTY_DB_SPEND_MONTHS) >= 2); /* two months of the second member's */
    lty_store_txn_t *txn = NULL;
    uint32_t version = 0;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_migrate_check(txn, &version), 1);
    lty_store_txn_abort(txn);
    assert_int_equal(version, 3);

    assert_int_equal(migrate(), 0);
    assert_int_equal(count_of(LTY_DB_MEMBER_LEDGER), records);
    assert_int_equal(count_of(LTY_DB_JOURNAL_BY_MEMBER), 0);
    assert_int_equal(count_of(LTY_DB_LOTS), 0);
    assert_int_equal(count_of(LTY_DB_SPEND_MONTHS), 0);
    assert_true(count_of(LTY_DB_ACCOUNTS) >= 2); /* the system accounts stay */
    assert_true(points_of(first) == first_points && points_of(second) == second_points);
    assert_true(lots_of(first) == first_lots && lots_of(second) == second_lots);
    assert_sound();
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_migrate_check(txn, &version), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(version, LTY_SCHEMA_VERSION);

    /* A second run is a no-op, and the migrated store keeps working: a redemption takes from
     * the moved lots and the member's history pages through the moved index. */
    assert_int_equal(migrate(), 0);
    assert_int_equal(count_of(LTY_DB_MEMBER_LEDGER), records);
    assert_int_equal(first_points, 19); /* 25 earned, 10 redeemed, 4 earned */
    assert_int_equal(sale(first_card.card_no, "R4", 1000, 15, NOW + 42 * DAY, &result), 0);
    assert_int_equal(result.points_redeemed, 15);
    static lty_ops_journal_page_t page;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_ops_journal_page(txn, first, 0, 10, &page), 0);
    lty_store_txn_abort(txn);
    assert_int_equal(page.entries_count, 3);
    assert_int_equal(page.entries[0].entry_id, result.sale_id); /* newest first */
    assert_sound();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema3_store_moves_into_member_ledger,
                                        domain_fixture_setup, domain_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
