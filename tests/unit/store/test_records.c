/* tests/unit/daemon/test_records.c
 * Goal: every domain record survives encode/decode unchanged, and no malformed input decodes.
 * Method: round trips of full records (strings at their maximum length), then every truncation
 * of each encoding, flipped tag/version bytes, trailing bytes and out-of-range values, each of
 * which must yield LTY_E_CORRUPT; key builders sort as documented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "lty/lty_err.h"

#include <cmocka.h>

static uint8_t buffer[LTY_RECORD_SALE_BYTES_MAX + 16];

static void fill(char *text, size_t size, char c)
{
    memset(text, c, size);
    text[size] = '\0';
}

static uint8_t again[LTY_RECORD_SALE_BYTES_MAX];

/* Round trip without comparing struct padding: decoding then encoding gives the same bytes. */
#define REENCODED_EQUAL(encode, decoded, size)                                                  \
    do {                                                                                       \
        assert_int_equal(encode((decoded), again, sizeof(again)), (size));                     \
        assert_memory_equal(again, buffer, (size));                                            \
    } while (0)

/* Every strict prefix of an encoding, and one trailing byte, must be refused. */
#define EXPECT_TRUNCATIONS_CORRUPT(decode, type, size)                                          \
    do {                                                                                       \
        static type scratch_;                                                                  \
        for (size_t cut_ = 0; cut_ < (size); cut_++) {                                         \
            assert_int_equal(decode((lty_bytes_t){buffer, cut_}, &scratch_), LTY_E_CORRUPT);   \
        }                                                                                      \
        buffer[(size)] = 0;                                                                    \
        assert_int_equal(decode((lty_bytes_t){buffer, (size) + 1}, &scratch_), LTY_E_CORRUPT); \
        buffer[0] ^= 0x7f;                                                                     \
        assert_int_equal(decode((lty_bytes_t){buffer, (size)}, &scratch_), LTY_E_CORRUPT);     \
        buffer[0] ^= 0x7f;                                                                     \
        buffer[1] = 99;                                                                        \
        assert_int_equal(decode((lty_bytes_t){buffer, (size)}, &scratch_), LTY_E_CORRUPT);     \
        assert_int_equal(decode((lty_bytes_t){NULL, 0}, &scratch_), LTY_E_CORRUPT);            \
    } while (0)

static void test_member_round_trip_at_max_lengths(void **state)
{
    (void)state;
    lty_member_t member = {.member_id = 42, .status = LTY_MEMBER_ACTIVE, .tier = 2, .gender = 1,
                           .created_ms = 1000, .updated_ms = 2000, .consent_flags = 5,
                           .consent_ms = 1500};
    fill(member.name, LTY_NAME_BYTES_MAX, 'n');
    strcpy(member.phone, "+861380013800012");
    fill(member.email, LTY_EMAIL_BYTES_MAX, 'e');
    strcpy(member.birthday, "1990-01-31");
    strcpy(member.preferred_store, "S001");
    size_t size = lty_record_member_encode(&member, buffer, sizeof(buffer));
    assert_true(size <= LTY_RECORD_MEMBER_BYTES_MAX);
    lty_member_t decoded;
    assert_int_equal(lty_record_member_decode((lty_bytes_t){buffer, size}, &decoded), 0);
    REENCODED_EQUAL(lty_record_member_encode, &decoded, size);
    assert_string_equal(decoded.name, member.name);
    assert_true(decoded.consent_ms == 1500 && decoded.tier == 2);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_member_decode, lty_member_t, size);
}

static void test_member_closed_without_closed_time_is_corrupt(void **state)
{
    (void)state;
    lty_member_t member = {.member_id = 1, .status = LTY_MEMBER_ACTIVE, .created_ms = 1,
                           .updated_ms = 1};
    strcpy(member.phone, "+8613800138000");
    size_t size = lty_record_member_encode(&member, buffer, sizeof(buffer));
    buffer[2 + 8] = LTY_MEMBER_CLOSED; /* status byte follows tag, version, member_id */
    lty_member_t decoded;
    assert_int_equal(lty_record_member_decode((lty_bytes_t){buffer, size}, &decoded),
                     LTY_E_CORRUPT);
}

static void test_member_invalid_is_an_assertion_on_encode(void **state)
{
    (void)state;
    lty_member_t member = {.member_id = 0, .status = LTY_MEMBER_ACTIVE};
    expect_assert_failure(lty_record_member_encode(&member, buffer, sizeof(buffer)));
}

static void test_card_round_trip_and_replaced_link(void **state)
{
    (void)state;
    lty_card_t card = {.member_id = 7, .status = LTY_CARD_REPLACED, .issued_ms = 10,
                       .expires_ms = 20, .status_ms = 15};
    fill(card.card_no, LTY_CARD_NO_DIGITS_MAX, '8');
    strcpy(card.replaced_by, "8800000000000001");
    size_t size = lty_record_card_encode(&card, buffer, sizeof(buffer));
    lty_card_t decoded;
    assert_int_equal(lty_record_card_decode((lty_bytes_t){buffer, size}, &decoded), 0);
    REENCODED_EQUAL(lty_record_card_encode, &decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_card_decode, lty_card_t, size);
}

static void test_card_with_letters_is_corrupt(void **state)
{
    (void)state;
    lty_card_t card = {.member_id = 7, .status = LTY_CARD_ACTIVE, .issued_ms = 1, .expires_ms = 2};
    strcpy(card.card_no, "8800000000000001");
    size_t size = lty_record_card_encode(&card, buffer, sizeof(buffer));
    buffer[2 + 2 + 3] = 'x';
    lty_card_t decoded;
    assert_int_equal(lty_record_card_decode((lty_bytes_t){buffer, size}, &decoded), LTY_E_CORRUPT);
}

static void test_account_round_trip_and_negative_prepaid_is_corrupt(void **state)
{
    (void)state;
    lty_account_t account;
    memset(&account, 0, sizeof(account)); /* padding too, for memcmp */
    account.kind = LTY_ACCOUNT_MEMBER_POINTS;
    account.owner = 9;
    account.balance = -5;
    account.entries_count = 3;
    account.updated_ms = 77;
    size_t size = lty_record_account_encode(&account, buffer, sizeof(buffer));
    assert_int_equal(size, LTY_RECORD_ACCOUNT_BYTES_MAX);
    lty_account_t decoded;
    assert_int_equal(lty_record_account_decode((lty_bytes_t){buffer, size}, &decoded), 0);
    REENCODED_EQUAL(lty_record_account_encode, &decoded, size);
    buffer[2] = LTY_ACCOUNT_MEMBER_PREPAID;
    assert_int_equal(lty_record_account_decode((lty_bytes_t){buffer, size}, &decoded),
                     LTY_E_CORRUPT);
    buffer[2] = LTY_ACCOUNT_POINTS_ISSUED; /* a system kind with owner 9 */
    assert_int_equal(lty_record_account_decode((lty_bytes_t){buffer, size}, &decoded),
                     LTY_E_CORRUPT);
    buffer[2] = 200;
    assert_int_equal(lty_record_account_decode((lty_bytes_t){buffer, size}, &decoded),
                     LTY_E_CORRUPT);
    buffer[2] = LTY_ACCOUNT_MEMBER_POINTS;
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_account_decode, lty_account_t, size);
}

static void entry_full(lty_journal_entry_t *entry)
{
    memset(entry, 0, sizeof(*entry));
    *entry = (lty_journal_entry_t){.entry_id = 5, .kind = LTY_ENTRY_SALE, .created_ms = 100,
                                   .member_id = 3, .related_entry_id = 0};
    fill(entry->principal, LTY_PRINCIPAL_BYTES_MAX, 'p');
    fill(entry->store, LTY_STORE_ID_BYTES_MAX, 's');
    fill(entry->till, LTY_TILL_ID_BYTES_MAX, 't');
    fill(entry->reference, LTY_REFERENCE_BYTES_MAX, 'r');
    entry->postings_count = LTY_POSTINGS_PER_ENTRY_MAX;
    for (uint32_t index = 0; index < LTY_POSTINGS_PER_ENTRY_MAX; index += 2) {
        entry->postings[index] = (lty_posting_t){LTY_ACCOUNT_MEMBER_POINTS, LTY_ASSET_POINTS, 3,
                                                 (int64_t)index + 1};
        entry->postings[index + 1] = (lty_posting_t){LTY_ACCOUNT_POINTS_ISSUED, LTY_ASSET_POINTS,
                                                     0, -(int64_t)index - 1};
    }
}

static void test_entry_round_trip_with_max_postings(void **state)
{
    (void)state;
    static lty_journal_entry_t entry;
    static lty_journal_entry_t decoded;
    entry_full(&entry);
    size_t size = lty_record_entry_encode(&entry, buffer, sizeof(buffer));
    assert_int_equal(size, LTY_RECORD_ENTRY_BYTES_MAX);
    assert_int_equal(lty_record_entry_decode((lty_bytes_t){buffer, size}, &decoded), 0);
    REENCODED_EQUAL(lty_record_entry_encode, &decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_entry_decode, lty_journal_entry_t, size);
}

static void test_entry_posting_with_wrong_asset_is_corrupt(void **state)
{
    (void)state;
    static lty_journal_entry_t entry;
    entry_full(&entry);
    entry.postings_count = 2;
    size_t size = lty_record_entry_encode(&entry, buffer, sizeof(buffer));
    buffer[size - 2 * LTY_RECORD_POSTING_BYTES + 1] = LTY_ASSET_CURRENCY;
    assert_int_equal(lty_record_entry_decode((lty_bytes_t){buffer, size}, &entry), LTY_E_CORRUPT);
}

static void test_entry_posting_count_over_max_is_corrupt(void **state)
{
    (void)state;
    static lty_journal_entry_t entry;
    entry_full(&entry);
    size_t size = lty_record_entry_encode(&entry, buffer, sizeof(buffer));
    size_t count_offset = size - LTY_POSTINGS_PER_ENTRY_MAX * LTY_RECORD_POSTING_BYTES - 1;
    assert_int_equal(buffer[count_offset], LTY_POSTINGS_PER_ENTRY_MAX);
    buffer[count_offset] = LTY_POSTINGS_PER_ENTRY_MAX + 1;
    assert_int_equal(lty_record_entry_decode((lty_bytes_t){buffer, size}, &entry), LTY_E_CORRUPT);
}

static void test_lot_round_trip_and_remaining_over_initial_is_corrupt(void **state)
{
    (void)state;
    lty_lot_t lot = {.member_id = 1, .expires_ms = 99, .entry_id = 4, .points_initial = 10,
                     .points_remaining = 10};
    size_t size = lty_record_lot_encode(&lot, buffer, sizeof(buffer));
    lty_lot_t decoded;
    assert_int_equal(lty_record_lot_decode((lty_bytes_t){buffer, size}, &decoded), 0);
    REENCODED_EQUAL(lty_record_lot_encode, &decoded, size);
    buffer[size - 1] = 11; /* remaining (last field) = 11 > initial */
    assert_int_equal(lty_record_lot_decode((lty_bytes_t){buffer, size}, &decoded), LTY_E_CORRUPT);
    buffer[size - 1] = 10;
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_lot_decode, lty_lot_t, size);
}

static void test_sale_round_trip_with_max_lines(void **state)
{
    (void)state;
    lty_sale_t *sale = calloc(1, sizeof(*sale));
    lty_sale_t *decoded = calloc(1, sizeof(*decoded));
    assert_non_null(sale);
    assert_non_null(decoded);
    *sale = (lty_sale_t){.sale_id = 8, .member_id = 2, .created_ms = 5,
                         .status = LTY_SALE_COMPLETED, .total_cents = 1000,
                         .redeem_value_cents = 100, .points_earned = 9, .points_redeemed = 100,
                         .tenders_count = 1, .lines_count = LTY_BASKET_LINES_MAX};
    sale->tenders[0] = (lty_sale_tender_t){LTY_TENDER_CASH, 900};
    strcpy(sale->card_no, "8800000000000001");
    strcpy(sale->store, "S001");
    strcpy(sale->till, "T01");
    fill(sale->receipt_no, LTY_RECEIPT_NO_BYTES_MAX, 'R');
    for (size_t index = 0; index < LTY_BASKET_LINES_MAX; index++) {
        fill(sale->lines[index].sku, LTY_SKU_BYTES_MAX, 'k');
        fill(sale->lines[index].category, LTY_CATEGORY_BYTES_MAX, 'c');
        sale->lines[index].qty = LTY_LINE_QTY_MAX;
        sale->lines[index].amount_cents = 2;
    }
    size_t size = lty_record_sale_encode(sale, buffer, sizeof(buffer));
    assert_true(size <= LTY_RECORD_SALE_BYTES_MAX);
    assert_int_equal(lty_record_sale_decode((lty_bytes_t){buffer, size}, decoded), 0);
    REENCODED_EQUAL(lty_record_sale_encode, decoded, size);
    assert_int_equal(decoded->lines_count, LTY_BASKET_LINES_MAX);
    assert_int_equal(decoded->lines[499].qty, LTY_LINE_QTY_MAX);
    /* Truncations at a sample of offsets (every offset would take seconds). */
    for (size_t cut = 0; cut < size; cut += 997) {
        assert_int_equal(lty_record_sale_decode((lty_bytes_t){buffer, cut}, decoded),
                         LTY_E_CORRUPT);
    }
    assert_int_equal(lty_record_sale_decode((lty_bytes_t){buffer, size - 1}, decoded),
                     LTY_E_CORRUPT);
    free(sale);
    free(decoded);
}

static void test_store_till_operator_audit_round_trip(void **state)
{
    (void)state;
    lty_store_record_t store = {.created_ms = 1, .active = 1};
    strcpy(store.store_id, "S001");
    strcpy(store.name, "Demo Supermarket Central");
    size_t size = lty_record_store_encode(&store, buffer, sizeof(buffer));
    lty_store_record_t store_decoded;
    assert_int_equal(lty_record_store_decode((lty_bytes_t){buffer, size}, &store_decoded), 0);
    REENCODED_EQUAL(lty_record_store_encode, &store_decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_store_decode, lty_store_record_t, size);

    lty_till_t till = {.created_ms = 2, .active = 1};
    strcpy(till.store_id, "S001");
    strcpy(till.till_id, "T01");
    size = lty_record_till_encode(&till, buffer, sizeof(buffer));
    lty_till_t till_decoded;
    assert_int_equal(lty_record_till_decode((lty_bytes_t){buffer, size}, &till_decoded), 0);
    REENCODED_EQUAL(lty_record_till_encode, &till_decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_till_decode, lty_till_t, size);

    lty_operator_t operator_record = {.created_ms = 3, .scopes = 0, .active = 1};
    fill(operator_record.name, LTY_OPERATOR_NAME_BYTES_MAX, 'o');
    size = lty_record_operator_encode(&operator_record, buffer, sizeof(buffer));
    lty_operator_t operator_decoded;
    assert_int_equal(lty_record_operator_decode((lty_bytes_t){buffer, size}, &operator_decoded),
                     0);
    REENCODED_EQUAL(lty_record_operator_encode, &operator_decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_operator_decode, lty_operator_t, size);

    static lty_audit_t audit;
    static lty_audit_t audit_decoded;
    audit = (lty_audit_t){.audit_id = 1, .created_ms = 4};
    strcpy(audit.principal, "operator:alice");
    strcpy(audit.action, "member.create");
    strcpy(audit.target, "member:1");
    fill(audit.detail, LTY_AUDIT_VALUE_BYTES_MAX, 'd');
    strcpy(audit.old_value, "old");
    strcpy(audit.new_value, "new");
    fill(audit.target, LTY_AUDIT_TARGET_BYTES_MAX, 't');
    fill(audit.remote_addr, LTY_REMOTE_ADDR_BYTES_MAX, 'a');
    memset(audit.prev_hash, 0x5a, sizeof(audit.prev_hash));
    lty_record_audit_hash(&audit, audit.hash);
    size = lty_record_audit_encode(&audit, buffer, sizeof(buffer));
    assert_int_equal(lty_record_audit_decode((lty_bytes_t){buffer, size}, &audit_decoded), 0);
    assert_true(audit_decoded.chained);
    assert_memory_equal(audit_decoded.hash, audit.hash, LTY_AUDIT_HASH_BYTES);
    assert_string_equal(audit_decoded.remote_addr, audit.remote_addr);
    REENCODED_EQUAL(lty_record_audit_encode, &audit_decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_audit_decode, lty_audit_t, size);
}

/* Version 1 audit records (before schema 5) still decode, outside the chain; the hash covers
 * the previous hash and every field, so any change changes it. */
static void test_audit_version1_decodes_unchained_and_hash_covers_every_field(void **state)
{
    (void)state;
    static lty_audit_t audit;
    static lty_audit_t decoded;
    uint8_t record[LTY_RECORD_AUDIT_BYTES_MAX];
    audit = (lty_audit_t){.audit_id = 7, .created_ms = 4};
    strcpy(audit.principal, "operator:alice");
    strcpy(audit.action, "card.lost");
    strcpy(audit.target, "member:3");
    size_t size = lty_record_audit_encode(&audit, record, sizeof(record));
    /* The version-1 layout is version 2's up to new_value: no address, no hashes. */
    size_t v1_size = size - 2 - 2 * LTY_AUDIT_HASH_BYTES;
    record[1] = 1;
    assert_int_equal(lty_record_audit_decode((lty_bytes_t){record, v1_size}, &decoded), 0);
    assert_false(decoded.chained);
    assert_string_equal(decoded.target, "member:3");
    assert_string_equal(decoded.remote_addr, "");
    record[1] = 2; /* a version-2 record cut short is corrupt */
    assert_int_equal(lty_record_audit_decode((lty_bytes_t){record, v1_size}, &decoded),
                     LTY_E_CORRUPT);

    uint8_t hash[LTY_AUDIT_HASH_BYTES], changed[LTY_AUDIT_HASH_BYTES];
    lty_record_audit_hash(&audit, hash);
    audit.prev_hash[31] ^= 1;
    lty_record_audit_hash(&audit, changed);
    assert_memory_not_equal(hash, changed, sizeof(hash));
    audit.prev_hash[31] ^= 1;
    strcpy(audit.remote_addr, "10.0.0.1");
    lty_record_audit_hash(&audit, changed);
    assert_memory_not_equal(hash, changed, sizeof(hash));
    audit.remote_addr[0] = '\0';
    memset(audit.hash, 0xff, sizeof(audit.hash)); /* the stored hash is not hashed */
    lty_record_audit_hash(&audit, changed);
    assert_memory_equal(hash, changed, sizeof(hash));
}

static void test_string_with_embedded_nul_is_corrupt(void **state)
{
    (void)state;
    lty_store_record_t store = {.created_ms = 1, .active = 1};
    strcpy(store.store_id, "S001");
    strcpy(store.name, "abc");
    size_t size = lty_record_store_encode(&store, buffer, sizeof(buffer));
    buffer[2 + 2 + 4 + 2 + 1] = '\0'; /* inside "abc" */
    assert_int_equal(lty_record_store_decode((lty_bytes_t){buffer, size}, &store), LTY_E_CORRUPT);
}

static void test_garbage_never_decodes_as_a_valid_lot_or_account(void **state)
{
    (void)state;
    srand(7);
    for (int round = 0; round < 20000; round++) {
        size_t size = (size_t)(rand() % 64);
        for (size_t index = 0; index < size; index++) buffer[index] = (uint8_t)rand();
        lty_lot_t lot;
        lty_account_t account;
        if (lty_record_lot_decode((lty_bytes_t){buffer, size}, &lot) == 0) {
            assert_true(lty_record_lot_valid(&lot));
        }
        if (lty_record_account_decode((lty_bytes_t){buffer, size}, &account) == 0) {
            assert_true(lty_record_account_valid(&account));
        }
    }
}

static void test_meta_counters_need_exact_sizes(void **state)
{
    (void)state;
    uint8_t bytes[9] = {0};
    lty_record_u64_encode(UINT64_C(0x0102030405060708), bytes);
    uint64_t value = 0;
    assert_int_equal(lty_record_u64_decode((lty_bytes_t){bytes, 8}, &value), 0);
    assert_true(value == UINT64_C(0x0102030405060708));
    assert_int_equal(lty_record_u64_decode((lty_bytes_t){bytes, 7}, &value), LTY_E_CORRUPT);
    assert_int_equal(lty_record_u64_decode((lty_bytes_t){bytes, 9}, &value), LTY_E_CORRUPT);
    uint32_t version = 0;
    lty_record_u32_encode(1, bytes);
    assert_int_equal(lty_record_u32_decode((lty_bytes_t){bytes, 4}, &version), 0);
    assert_int_equal(version, 1);
    assert_int_equal(lty_record_u32_decode((lty_bytes_t){bytes, 3}, &version), LTY_E_CORRUPT);
}

static void test_keys_sort_numerically_and_by_expiry(void **state)
{
    (void)state;
    lty_key_t low;
    lty_key_t high;
    lty_key_id(&low, 255);
    lty_key_id(&high, 256);
    assert_true(memcmp(low.data, high.data, 8) < 0);
    lty_key_lot(&low, 1, 1000, 9);
    lty_key_lot(&high, 1, 2000, 1);
    assert_int_equal(low.size, 25);
    assert_true(memcmp(low.data, high.data, 25) < 0);
    assert_true(lty_key_member_part_is(lty_key_bytes(&low), 1, LTY_PART_LOT));
    assert_false(lty_key_member_part_is(lty_key_bytes(&low), 2, LTY_PART_LOT));
    assert_false(lty_key_member_part_is(lty_key_bytes(&low), 1, LTY_PART_SPEND));
    /* schema 4: a member's parts sort together and in part order, before the next member */
    lty_key_spend_month(&high, 1, 0);
    assert_true(memcmp(low.data, high.data, 9) < 0);
    lty_key_member_journal(&high, 1, UINT64_MAX);
    assert_true(memcmp(high.data, low.data, 9) < 0);
    lty_key_member_part(&high, 2, LTY_PART_ACCOUNT);
    assert_true(memcmp(low.data, high.data, 9) < 0);
    lty_key_pair(&low, "S001", "R1");
    assert_int_equal(low.size, 7);
    assert_int_equal(low.data[4], 0);
    assert_int_equal(lty_key_account(&low, LTY_ACCOUNT_MEMBER_POINTS, 5), LTY_DB_MEMBER_LEDGER);
    assert_int_equal(low.size, 10);
    assert_true(lty_key_member_part_is(lty_key_bytes(&low), 5, LTY_PART_ACCOUNT));
    assert_int_equal(lty_key_account(&low, LTY_ACCOUNT_POINTS_ISSUED, 0), LTY_DB_ACCOUNTS);
    assert_int_equal(low.size, 9);
    uint64_t value = 0;
    lty_key_member_entry(&high, 5, 6);
    assert_true(lty_key_u64_at(lty_key_bytes(&high), 8, &value));
    assert_true(value == 6);
    assert_false(lty_key_u64_at(lty_key_bytes(&high), 9, &value));
}


/* ---- Analytics: purchase days, segments, runs --------------------------------------------- */

static void test_purchase_day_round_trip_and_key(void **state)
{
    (void)state;
    lty_purchase_day_t day = {.member_id = 42, .day = 20600, .purchases = 3, .sales_cents = 12345};
    fill(day.store, LTY_STORE_ID_BYTES_MAX, 's');
    lty_key_t key;
    lty_key_purchase_day(&key, 42, 20600, day.store);
    assert_int_equal(key.size, LTY_KEY_PURCHASE_DAY_BYTES_MAX);
    size_t size = lty_record_purchase_day_encode(&day, buffer, sizeof(buffer));
    assert_int_equal(size, LTY_RECORD_PURCHASE_DAY_BYTES_MAX);
    lty_purchase_day_t decoded;
    assert_int_equal(lty_record_purchase_day_decode(lty_key_bytes(&key),
                                                    (lty_bytes_t){buffer, size}, &decoded),
                     0);
    assert_int_equal(decoded.member_id, 42);
    assert_int_equal(decoded.day, 20600);
    assert_string_equal(decoded.store, day.store);
    assert_int_equal(decoded.purchases, 3);
    assert_int_equal(decoded.sales_cents, 12345);
    for (size_t cut = 0; cut < size; cut++) {
        assert_int_equal(lty_record_purchase_day_decode(lty_key_bytes(&key),
                                                        (lty_bytes_t){buffer, cut}, &decoded),
                         LTY_E_CORRUPT);
    }
    lty_key_t short_key = key;
    short_key.size = LTY_MEMBER_PART_PREFIX_BYTES + 4; /* no store */
    assert_int_equal(lty_record_purchase_day_decode(lty_key_bytes(&short_key),
                                                    (lty_bytes_t){buffer, size}, &decoded),
                     LTY_E_CORRUPT);
    key.data[key.size - 1] = '\0'; /* a NUL in the store */
    assert_int_equal(lty_record_purchase_day_decode(lty_key_bytes(&key),
                                                    (lty_bytes_t){buffer, size}, &decoded),
                     LTY_E_CORRUPT);
    day.sales_cents = -1;
    expect_assert_failure(lty_record_purchase_day_encode(&day, buffer, sizeof(buffer)));
    /* Days sort after the member's spend months and in day order. */
    lty_key_t later, month;
    lty_key_purchase_day(&later, 42, 20601, "A");
    lty_key_purchase_day(&key, 42, 20600, "ZZZ");
    lty_key_spend_month(&month, 42, 99999);
    assert_true(memcmp(month.data, key.data, LTY_MEMBER_PART_PREFIX_BYTES) < 0);
    assert_true(memcmp(key.data, later.data, LTY_MEMBER_PART_PREFIX_BYTES + 4) < 0);
}

static void test_segment_and_run_round_trip(void **state)
{
    (void)state;
    lty_segment_t segment = {.segment_id = 7, .created_ms = 99,
                             .filter = {.rfm_mask = 3, .stage_mask = 2, .tier_mask = 5,
                                        .spend_given = 1, .spend_min_cents = 10,
                                        .spend_max_cents = 20, .window_days = 90,
                                        .birthday_month = 12, .category_days = 30,
                                        .consent_mask = 1}};
    fill(segment.name, LTY_SEGMENT_NAME_BYTES_MAX, 'g');
    fill(segment.principal, LTY_PRINCIPAL_BYTES_MAX, 'p');
    fill(segment.filter.home_store, LTY_STORE_ID_BYTES_MAX, 'h');
    fill(segment.filter.category, LTY_CATEGORY_BYTES_MAX, 'c');
    size_t size = lty_record_segment_encode(&segment, buffer, sizeof(buffer));
    assert_int_equal(size, LTY_RECORD_SEGMENT_BYTES_MAX);
    static lty_segment_t decoded;
    assert_int_equal(lty_record_segment_decode((lty_bytes_t){buffer, size}, &decoded), 0);
    REENCODED_EQUAL(lty_record_segment_encode, &decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_segment_decode, lty_segment_t, size);

    lty_segment_run_t run = {.run_id = 3, .segment_id = 7, .action = LTY_RUN_ACTION_BONUS,
                             .state = LTY_RUN_DONE, .marketing = 1, .holdout_percent = 50,
                             .created_ms = 5, .finished_ms = 6, .points = 100,
                             .members_count = 10, .recorded_count = 10, .holdout_count = 2,
                             .skipped_count = 3, .granted_count = 5, .grant_next = 11};
    fill(run.principal, LTY_PRINCIPAL_BYTES_MAX, 'p');
    fill(run.key, LTY_RUN_KEY_BYTES_MAX, 'k');
    fill(run.reason, LTY_REASON_BYTES_MAX, 'r');
    fill(run.ref, LTY_RUN_REF_BYTES_MAX, 'f');
    size = lty_record_segment_run_encode(&run, buffer, sizeof(buffer));
    assert_int_equal(size, LTY_RECORD_SEGMENT_RUN_BYTES_MAX);
    static lty_segment_run_t run_decoded;
    assert_int_equal(lty_record_segment_run_decode((lty_bytes_t){buffer, size}, &run_decoded), 0);
    REENCODED_EQUAL(lty_record_segment_run_encode, &run_decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_segment_run_decode, lty_segment_run_t, size);
    run.granted_count = 6; /* more placed than recorded */
    assert_false(lty_record_segment_run_valid(&run));
    run.granted_count = 5;
    run.finished_ms = 0; /* done without a finish time */
    assert_false(lty_record_segment_run_valid(&run));

    lty_run_member_t member = {.state = LTY_RUN_MEMBER_GRANTED, .result_id = 9, .changed_ms = 1};
    size = lty_record_run_member_encode(&member, buffer, sizeof(buffer));
    assert_int_equal(size, LTY_RECORD_RUN_MEMBER_BYTES_MAX);
    lty_run_member_t member_decoded;
    assert_int_equal(lty_record_run_member_decode((lty_bytes_t){buffer, size}, &member_decoded), 0);
    assert_int_equal(member_decoded.result_id, 9);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_run_member_decode, lty_run_member_t, size);
    member.result_id = 0; /* granted without a result */
    assert_false(lty_record_run_member_valid(&member));
}

static void test_enum_names(void **state)
{
    (void)state;
    assert_string_equal(lty_account_kind_name(LTY_ACCOUNT_MEMBER_POINTS), "member-points");
    assert_string_equal(lty_account_kind_name(99), "unknown");
    assert_string_equal(lty_entry_kind_name(LTY_ENTRY_ADJUST), "adjust");
    assert_string_equal(lty_entry_kind_name(0), "unknown");
    assert_int_equal(lty_account_kind_asset(LTY_ACCOUNT_CASH_IN), LTY_ASSET_CURRENCY);
    expect_assert_failure(lty_account_kind_asset((lty_account_kind_t)99));
}

/* Webhook subscriptions and delivery records (schema 5) round-trip, and any truncation is
 * refused as corrupt. */
static void test_webhook_and_delivery_round_trip(void **state)
{
    (void)state;
    static lty_webhook_t webhook;
    static lty_webhook_t webhook_decoded;
    webhook = (lty_webhook_t){.subscription_id = 7, .created_ms = 5, .cursor_seq = 42,
                              .failures = 3, .next_attempt_ms = 99, .delivered_count = 40,
                              .dead_count = 1, .log_next = 44};
    strcpy(webhook.url, "http://127.0.0.1:9000/hooks");
    strcpy(webhook.event_types, "points.earned,prepaid.topped_up");
    fill(webhook.secret, LTY_WEBHOOK_SECRET_BYTES, 'a');
    size_t size = lty_record_webhook_encode(&webhook, buffer, sizeof(buffer));
    assert_true(size <= LTY_RECORD_WEBHOOK_BYTES_MAX);
    assert_int_equal(lty_record_webhook_decode((lty_bytes_t){buffer, size}, &webhook_decoded), 0);
    assert_int_equal(webhook_decoded.cursor_seq, 42);
    assert_string_equal(webhook_decoded.event_types, webhook.event_types);
    REENCODED_EQUAL(lty_record_webhook_encode, &webhook_decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_webhook_decode, lty_webhook_t, size);

    lty_webhook_delivery_t delivery = {.seq = 42, .at_ms = 6, .attempt = 2, .http_status = 503,
                                       .outcome = LTY_WEBHOOK_FAILED};
    strcpy(delivery.detail, "HTTP 503");
    size = lty_record_webhook_delivery_encode(&delivery, buffer, sizeof(buffer));
    lty_webhook_delivery_t delivery_decoded;
    assert_int_equal(
        lty_record_webhook_delivery_decode((lty_bytes_t){buffer, size}, &delivery_decoded), 0);
    assert_int_equal(delivery_decoded.http_status, 503);
    REENCODED_EQUAL(lty_record_webhook_delivery_encode, &delivery_decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_webhook_delivery_decode, lty_webhook_delivery_t, size);
    delivery.outcome = 9;
    assert_false(lty_record_webhook_delivery_valid(&delivery));
}

/* ---- Staff, rules, usage, bonus grants, sale v3, store v2 ---------------------------------- */

static void test_programme_records_round_trip(void **state)
{
    (void)state;
    lty_staff_t staff = {.staff_no = 7, .active = 1, .created_ms = 1, .updated_ms = 2};
    fill(staff.staff_id, LTY_STAFF_ID_BYTES_MAX, 'E');
    fill(staff.name, LTY_NAME_BYTES_MAX, 'n');
    strcpy(staff.store_id, "S001");
    size_t size = lty_record_staff_encode(&staff, buffer, sizeof(buffer));
    lty_staff_t staff_decoded;
    assert_int_equal(lty_record_staff_decode((lty_bytes_t){buffer, size}, &staff_decoded), 0);
    REENCODED_EQUAL(lty_record_staff_encode, &staff_decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_staff_decode, lty_staff_t, size);

    static lty_rule_record_t rule, rule_decoded;
    rule = (lty_rule_record_t){.rule_id = 3, .status = LTY_RULE_PAUSED, .created_ms = 4,
                               .updated_ms = 5};
    strcpy(rule.json, "{\"name\":\"x\",\"effect\":{\"exclude\":true}}");
    rule.json_size = strlen(rule.json);
    size = lty_record_rule_encode(&rule, buffer, sizeof(buffer));
    assert_int_equal(lty_record_rule_decode((lty_bytes_t){buffer, size}, &rule_decoded), 0);
    REENCODED_EQUAL(lty_record_rule_encode, &rule_decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_rule_decode, lty_rule_record_t, size);
    buffer[2 + 8] = 4; /* no such status */
    assert_int_equal(lty_record_rule_decode((lty_bytes_t){buffer, size}, &rule_decoded),
                     LTY_E_CORRUPT);

    lty_rule_usage_t usage = {.member_id = 1, .rule_id = 2, .day = 20000, .points = 150};
    size = lty_record_rule_usage_encode(&usage, buffer, sizeof(buffer));
    lty_rule_usage_t usage_decoded;
    assert_int_equal(lty_record_rule_usage_decode((lty_bytes_t){buffer, size}, &usage_decoded), 0);
    REENCODED_EQUAL(lty_record_rule_usage_encode, &usage_decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_rule_usage_decode, lty_rule_usage_t, size);

    lty_bonus_grant_t grant = {.member_id = 9, .entry_id = 10, .points = 100, .granted_ms = 11};
    fill(grant.bonus_key, LTY_BONUS_KEY_BYTES_MAX, 'k');
    size = lty_record_bonus_grant_encode(&grant, buffer, sizeof(buffer));
    lty_bonus_grant_t grant_decoded;
    assert_int_equal(lty_record_bonus_grant_decode((lty_bytes_t){buffer, size}, &grant_decoded),
                     0);
    REENCODED_EQUAL(lty_record_bonus_grant_encode, &grant_decoded, size);
    EXPECT_TRUNCATIONS_CORRUPT(lty_record_bonus_grant_decode, lty_bonus_grant_t, size);
}

/* Older versions written by an earlier build still decode: a version-1 store (no region) and
 * a version-2 sale (no staff, no rules), with the new fields at their defaults. */
static void test_store_v1_and_sale_v2_still_decode(void **state)
{
    (void)state;
    lty_store_record_t store = {.created_ms = 1, .active = 0, .updated_ms = 9};
    strcpy(store.store_id, "S001");
    strcpy(store.name, "abc");
    strcpy(store.region, "East");
    size_t size = lty_record_store_encode(&store, buffer, sizeof(buffer));
    buffer[1] = 1; /* version 1: the region and updated_ms appended by version 2 go */
    size_t v1_size = size - (2 + strlen("East")) - 8;
    lty_store_record_t decoded;
    assert_int_equal(lty_record_store_decode((lty_bytes_t){buffer, v1_size}, &decoded), 0);
    assert_string_equal(decoded.region, "");
    assert_int_equal(decoded.updated_ms, 0);
    assert_int_equal(decoded.active, 0);
    assert_int_equal(lty_record_store_decode((lty_bytes_t){buffer, size}, &decoded),
                     LTY_E_CORRUPT); /* a version-1 record has no tail */

    lty_sale_t *sale = calloc(1, sizeof(*sale));
    lty_sale_t *sale_decoded = calloc(1, sizeof(*sale_decoded));
    assert_non_null(sale);
    assert_non_null(sale_decoded);
    *sale = (lty_sale_t){.sale_id = 8, .member_id = 2, .created_ms = 5,
                         .status = LTY_SALE_COMPLETED, .total_cents = 1000,
                         .points_earned = 10, .lines_count = 1, .staff_no = 3,
                         .commission_cents = 5, .rules_count = 2};
    strcpy(sale->card_no, "8800000000000001");
    strcpy(sale->store, "S001");
    strcpy(sale->receipt_no, "R1");
    strcpy(sale->staff_id, "E001");
    strcpy(sale->lines[0].sku, "A");
    sale->lines[0].qty = 1;
    sale->lines[0].amount_cents = 1000;
    sale->rules[0] = (lty_sale_rule_t){.rule_id = 1, .points = 5};
    sale->rules[1] = (lty_sale_rule_t){.rule_id = 0, .points = -2};
    size = lty_record_sale_encode(sale, buffer, sizeof(buffer));
    assert_int_equal(lty_record_sale_decode((lty_bytes_t){buffer, size}, sale_decoded), 0);
    REENCODED_EQUAL(lty_record_sale_encode, sale_decoded, size);
    assert_string_equal(sale_decoded->staff_id, "E001");
    assert_int_equal(sale_decoded->rules[1].points, -2);
    size_t v3_tail = (2 + strlen("E001")) + 8 + 8 + 1 + 2 * 16;
    buffer[1] = 2;
    assert_int_equal(lty_record_sale_decode((lty_bytes_t){buffer, size - v3_tail}, sale_decoded),
                     0);
    assert_string_equal(sale_decoded->staff_id, "");
    assert_int_equal(sale_decoded->rules_count, 0);
    assert_int_equal(sale_decoded->commission_cents, 0);
    /* A staff id without its number (or the reverse) is corrupt. */
    sale->staff_no = 0;
    buffer[1] = 3;
    expect_assert_failure(lty_record_sale_encode(sale, buffer, sizeof(buffer)));
    free(sale);
    free(sale_decoded);
}

static void test_lot_expiry_key_sorts_by_expiry_then_entry(void **state)
{
    (void)state;
    lty_key_t early, late, later_entry;
    lty_key_lot_expiry(&early, -5, 9);
    lty_key_lot_expiry(&late, 1000, 2);
    lty_key_lot_expiry(&later_entry, 1000, 3);
    assert_true(memcmp(early.data, late.data, 16) < 0);
    assert_true(memcmp(late.data, later_entry.data, 16) < 0);
    int64_t expires = 0;
    uint64_t entry = 0;
    assert_true(lty_key_lot_expiry_split(lty_key_bytes(&early), &expires, &entry));
    assert_int_equal(expires, -5);
    assert_int_equal(entry, 9);
    assert_false(lty_key_lot_expiry_split((lty_bytes_t){early.data, 15}, &expires, &entry));
    lty_key_t usage_total, usage_day;
    lty_key_rule_usage(&usage_total, 1, 2, 0);
    lty_key_rule_usage(&usage_day, 1, 2, 20000);
    assert_true(lty_key_member_part_is(lty_key_bytes(&usage_total), 1, LTY_PART_RULE));
    assert_true(memcmp(usage_total.data, usage_day.data, usage_total.size) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_member_round_trip_at_max_lengths),
        cmocka_unit_test(test_member_closed_without_closed_time_is_corrupt),
        cmocka_unit_test(test_member_invalid_is_an_assertion_on_encode),
        cmocka_unit_test(test_card_round_trip_and_replaced_link),
        cmocka_unit_test(test_card_with_letters_is_corrupt),
        cmocka_unit_test(test_account_round_trip_and_negative_prepaid_is_corrupt),
        cmocka_unit_test(test_entry_round_trip_with_max_postings),
        cmocka_unit_test(test_entry_posting_with_wrong_asset_is_corrupt),
        cmocka_unit_test(test_entry_posting_count_over_max_is_corrupt),
        cmocka_unit_test(test_lot_round_trip_and_remaining_over_initial_is_corrupt),
        cmocka_unit_test(test_sale_round_trip_with_max_lines),
        cmocka_unit_test(test_store_till_operator_audit_round_trip),
        cmocka_unit_test(test_webhook_and_delivery_round_trip),
        cmocka_unit_test(test_string_with_embedded_nul_is_corrupt),
        cmocka_unit_test(test_audit_version1_decodes_unchained_and_hash_covers_every_field),
        cmocka_unit_test(test_garbage_never_decodes_as_a_valid_lot_or_account),
        cmocka_unit_test(test_meta_counters_need_exact_sizes),
        cmocka_unit_test(test_keys_sort_numerically_and_by_expiry),
        cmocka_unit_test(test_purchase_day_round_trip_and_key),
        cmocka_unit_test(test_segment_and_run_round_trip),
        cmocka_unit_test(test_enum_names),
        cmocka_unit_test(test_programme_records_round_trip),
        cmocka_unit_test(test_store_v1_and_sale_v2_still_decode),
        cmocka_unit_test(test_lot_expiry_key_sorts_by_expiry_then_entry),
    };
    return cmocka_run_group_tests_name("records", tests, NULL, NULL);
}
