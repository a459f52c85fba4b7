/* tests/unit/domain/test_migrate_schema7.c
 * Goal: a schema-6 store (version-1 audit records outside any chain, no card-minting key)
 * migrates to schema 7 once: every audit record rewritten in id order into one hash chain with
 * its content unchanged, a card key stored, the store sound; running the chain build again
 * changes nothing (same hashes). Keyed minting keeps already-minted numbers valid and skips a
 * new number that an existing card already has.
 * Method: build a store with the ops, rewrite its audit records as version-1 bytes by hand (the
 * version-2 encoding without the address and hashes), drop META card_key, set version 6, run
 * lty_migrate_apply, then decode, verify and compare; for the collision, store a card under the
 * number the next sequence would mint and issue a card. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lty/lty_card.h"
#include "lty/lty_err.h"
#include "migrate.h"
#include "ops.h"
#include "records.h"
#include "verify.h"
#include "domain_fixture.h"

#include <cmocka.h>

#define TRAIL_MAX 64

static lty_audit_t before[TRAIL_MAX];
static size_t before_count;

static lty_bytes_t meta_key(const char *name, lty_key_t *key)
{
    lty_key_text(key, name);
    return lty_key_bytes(key);
}

/* Rewrite every audit record as version 1 (and remember them), drop the card key, version 6. */
static void store_make_schema6(void)
{
    lty_store_txn_t *txn = write_begin();
    before_count = 0;
    for (uint64_t id = 1;; id++) {
        lty_key_t key;
        lty_key_id(&key, id);
        lty_bytes_t value;
        int err = lty_store_get(txn, LTY_DB_AUDIT, lty_key_bytes(&key), &value);
        if (err == LTY_E_NOT_FOUND) break;
        assert_int_equal(err, 0);
        assert_true(before_count < TRAIL_MAX);
        lty_audit_t *audit = &before[before_count++];
        assert_int_equal(lty_record_audit_decode(value, audit), 0);
        uint8_t bytes[LTY_RECORD_AUDIT_BYTES_MAX];
        size_t size = lty_record_audit_encode(audit, bytes, sizeof(bytes));
        size -= 2 + strlen(audit->remote_addr) + 2 * LTY_AUDIT_HASH_BYTES;
        bytes[1] = 1; /* version 1: the fields up to new_value */
        assert_int_equal(lty_store_put(txn, LTY_DB_AUDIT, lty_key_bytes(&key),
                                       (lty_bytes_t){.data = bytes, .size = size}), 0);
    }
    lty_key_t key;
    assert_int_equal(lty_store_del(txn, LTY_DB_META, meta_key(LTY_META_CARD_KEY, &key)), 0);
    assert_int_equal(lty_migrate_version_put(txn, 6), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
}

static void trail_make(void)
{
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613900000011", &member_id, &card);
    lty_ops_adjust_result_t result;
    assert_int_equal(adjust(member_id, 20, NOW, &result), 0);
}

static void audit_load(uint64_t id, lty_audit_t *audit)
{
    uint8_t bytes[LTY_RECORD_AUDIT_BYTES_MAX];
    size_t size = 0;
    audit_record_read(id, bytes, &size);
    assert_int_equal(lty_record_audit_decode((lty_bytes_t){bytes, size}, audit), 0);
}

static void test_migrate_schema5_store_gets_one_audit_chain_and_a_card_key(void **state)
{
    (void)state;
    trail_make();
    store_make_schema6();
    lty_audit_t audit;
    audit_load(1, &audit);
    assert_false(audit.chained); /* version 1 as written */

    lty_store_txn_t *txn = write_begin();
    assert_int_equal(lty_migrate_apply(txn), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);

    uint8_t prev[LTY_AUDIT_HASH_BYTES] = {0};
    for (size_t index = 0; index < before_count; index++) {
        audit_load(before[index].audit_id, &audit);
        assert_true(audit.chained);
        assert_string_equal(audit.principal, before[index].principal);
        assert_string_equal(audit.action, before[index].action);
        assert_string_equal(audit.detail, before[index].detail);
        assert_int_equal(audit.created_ms, before[index].created_ms);
        assert_memory_equal(audit.prev_hash, prev, sizeof(prev));
        memcpy(prev, audit.hash, sizeof(prev));
    }
    txn = NULL;
    uint32_t version = 0;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    assert_int_equal(lty_migrate_version_get(txn, &version), 0);
    lty_key_t key;
    lty_bytes_t value;
    assert_int_equal(lty_store_get(txn, LTY_DB_META, meta_key(LTY_META_CARD_KEY, &key), &value), 0);
    assert_int_equal(value.size, LTY_CARD_KEY_BYTES);
    lty_store_txn_abort(txn);
    assert_int_equal(version, LTY_SCHEMA_VERSION);
    assert_sound();

    /* The chain build is idempotent: the same records give the same hashes. */
    txn = write_begin();
    uint64_t records = 0;
    assert_int_equal(lty_ops_audit_chain_build(txn, &records), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);
    assert_int_equal(records, before_count);
    audit_load(before[before_count - 1].audit_id, &audit);
    assert_memory_equal(audit.hash, prev, sizeof(prev));

    /* And the migrated store mints keyed numbers and appends to the chain. */
    uint64_t member_id = 0;
    lty_card_t card;
    member_with_card("+8613900000012", &member_id, &card);
    assert_int_equal(lty_card_no_check(card.card_no, strlen(card.card_no)), 0);
    assert_sound();
}

/* The number the next sequence would mint is already a card's (as an affine-minted one might
 * be): issuing skips it and takes the sequence after. */
static void test_card_issue_skips_a_number_an_existing_card_has(void **state)
{
    (void)state;
    lty_store_txn_t *txn = NULL;
    assert_int_equal(lty_store_read_begin(store, &txn), 0);
    lty_key_t key;
    lty_bytes_t value;
    uint8_t secret[LTY_CARD_KEY_BYTES];
    uint64_t sequence = 1;
    assert_int_equal(lty_store_get(txn, LTY_DB_META, meta_key(LTY_META_CARD_KEY, &key), &value), 0);
    memcpy(secret, value.data, sizeof(secret));
    if (lty_store_get(txn, LTY_DB_META, meta_key(LTY_META_CARD_SEQUENCE, &key), &value) == 0) {
        assert_int_equal(lty_record_u64_decode(value, &sequence), 0);
    }
    lty_store_txn_abort(txn);
    lty_card_t taken;
    memset(&taken, 0, sizeof(taken));
    assert_int_equal(lty_card_no_mint(programme.card_prefix, secret, sequence, taken.card_no), 0);
    taken.status = LTY_CARD_UNASSIGNED;
    taken.issued_ms = NOW;
    taken.status_ms = NOW;
    taken.expires_ms = NOW;
    uint8_t bytes[LTY_RECORD_CARD_BYTES_MAX];
    size_t size = lty_record_card_encode(&taken, bytes, sizeof(bytes));
    txn = write_begin();
    lty_key_text(&key, taken.card_no);
    assert_int_equal(lty_store_put(txn, LTY_DB_CARDS, lty_key_bytes(&key),
                                   (lty_bytes_t){.data = bytes, .size = size}), 0);
    assert_int_equal(lty_store_txn_commit(txn), 0);

    uint64_t member_id = 0;
    assert_int_equal(member_create("Skip", "+8613900000013", &member_id), 0);
    lty_card_t card;
    card_issue(member_id, &card);
    char expected[LTY_CARD_NO_SIZE];
    assert_int_equal(lty_card_no_mint(programme.card_prefix, secret, sequence + 1, expected), 0);
    assert_string_not_equal(card.card_no, taken.card_no);
    assert_string_equal(card.card_no, expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_migrate_schema5_store_gets_one_audit_chain_and_a_card_key, domain_fixture_setup,
            domain_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_card_issue_skips_a_number_an_existing_card_has,
                                        domain_fixture_setup, domain_fixture_teardown),
    };
    return cmocka_run_group_tests_name("migrate_schema7", tests, NULL, NULL);
}
