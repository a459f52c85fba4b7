/* tests/unit/store/test_records_coupons.c
 * Goal: every coupon and gift record (records_coupons.c) decodes to what was encoded, and a
 * damaged value (any truncation, a trailing byte, the wrong tag, a value out of range) is
 * LTY_E_CORRUPT, never a crash; keys sort as their fields do.
 * Method: one full record of each kind; each encoding cut at every length; single fields set
 * out of range in the bytes; expect_assert_failure for encoding an invalid record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lty/lty_err.h"
#include "records_coupons.h"

#include <cmocka.h>

static lty_campaign_t campaign_full(void)
{
    lty_campaign_t campaign;
    memset(&campaign, 0, sizeof(campaign));
    campaign.campaign_id = 42;
    campaign.status = LTY_CAMPAIGN_PAUSED;
    campaign.kind = LTY_COUPON_PERCENT_OFF;
    strcpy(campaign.name, "Spring 15% 春季");
    campaign.percent_off = 15;
    campaign.cap_cents = 2000;
    campaign.min_spend_cents = 5000;
    campaign.matches_count = 2;
    campaign.matches[0] = (lty_campaign_match_t){.type = LTY_MATCH_SKU, .value = "6901"};
    campaign.matches[1] = (lty_campaign_match_t){.type = LTY_MATCH_CATEGORY, .value = "dairy"};
    campaign.valid_from_ms = 1000;
    campaign.valid_to_ms = 2000;
    campaign.stores_count = 2;
    strcpy(campaign.stores[0], "S001");
    strcpy(campaign.stores[1], "S003");
    campaign.tiers_mask = 6;
    campaign.per_member_limit = 3;
    campaign.uses_per_code = 2;
    campaign.budget_cents = 1000000;
    campaign.redemptions_max = 500;
    campaign.code_valid_days = 30;
    campaign.created_ms = 10;
    campaign.updated_ms = 20;
    campaign.issued_count = 9;
    campaign.redeemed_count = 4;
    campaign.discount_cents = 800;
    campaign.sales_count = 3;
    campaign.restored_count = 1;
    return campaign;
}

/* Every cut of an encoding, and one byte more, is refused. */
#define CUTS_REFUSED(decode, bytes, size, out)                                                \
    do {                                                                                       \
        for (size_t cut = 0; cut < (size); cut++) {                                            \
            assert_int_equal(decode((lty_bytes_t){.data = (bytes), .size = cut}, (out)),       \
                             LTY_E_CORRUPT);                                                   \
        }                                                                                      \
        uint8_t longer[4096];                                                                  \
        memcpy(longer, (bytes), (size));                                                       \
        longer[(size)] = 0;                                                                    \
        assert_int_equal(decode((lty_bytes_t){.data = longer, .size = (size) + 1}, (out)),     \
                         LTY_E_CORRUPT);                                                       \
    } while (0)

static void test_campaign_round_trip_and_damage(void **state)
{
    (void)state;
    lty_campaign_t campaign = campaign_full();
    uint8_t bytes[LTY_RECORD_CAMPAIGN_BYTES_MAX];
    size_t size = lty_record_campaign_encode(&campaign, bytes, sizeof(bytes));
    lty_campaign_t read;
    assert_int_equal(lty_record_campaign_decode((lty_bytes_t){.data = bytes, .size = size}, &read),
                     0);
    uint8_t again[LTY_RECORD_CAMPAIGN_BYTES_MAX];
    assert_int_equal(lty_record_campaign_encode(&read, again, sizeof(again)), size);
    assert_memory_equal(again, bytes, size);
    assert_string_equal(read.stores[1], "S003");
    CUTS_REFUSED(lty_record_campaign_decode, bytes, size, &read);
    bytes[0] = LTY_RECORD_TAG_COUPON; /* another record's tag */
    assert_int_equal(lty_record_campaign_decode((lty_bytes_t){.data = bytes, .size = size}, &read),
                     LTY_E_CORRUPT);
}

static void test_campaign_terms_checked_by_kind(void **state)
{
    (void)state;
    lty_campaign_t campaign = campaign_full();
    assert_true(lty_record_campaign_valid(&campaign));
    campaign.amount_off_cents = 5; /* a percent campaign with an amount */
    assert_false(lty_record_campaign_valid(&campaign));
    campaign = campaign_full();
    campaign.percent_off = 101;
    assert_false(lty_record_campaign_valid(&campaign));
    campaign = campaign_full();
    campaign.campaign_id = (uint64_t)UINT32_MAX + 1; /* codes carry a u32 */
    assert_false(lty_record_campaign_valid(&campaign));
    campaign = campaign_full();
    campaign.valid_to_ms = campaign.valid_from_ms;
    assert_false(lty_record_campaign_valid(&campaign));
    campaign = campaign_full();
    campaign.uses_per_code = 0;
    assert_false(lty_record_campaign_valid(&campaign));
    uint8_t bytes[LTY_RECORD_CAMPAIGN_BYTES_MAX];
    expect_assert_failure(lty_record_campaign_encode(&campaign, bytes, sizeof(bytes)));
}

static void test_coupon_use_offer_conflict_round_trip(void **state)
{
    (void)state;
    lty_coupon_t coupon = {.campaign_id = 42, .serial = UINT64_C(0xfedcba9876543210),
                           .member_id = 7, .source = LTY_COUPON_SOURCE_VOUCHER, .offer_id = 3,
                           .entry_id = 99, .points = 500, .expiry_day = 21000, .issued_ms = 5,
                           .uses_count = 1, .last_sale_id = 77};
    memset(coupon.signature, 0xa5, sizeof(coupon.signature));
    uint8_t bytes[LTY_RECORD_COUPON_BYTES_MAX];
    size_t size = lty_record_coupon_encode(&coupon, bytes, sizeof(bytes));
    lty_coupon_t read;
    assert_int_equal(lty_record_coupon_decode((lty_bytes_t){.data = bytes, .size = size}, &read), 0);
    uint8_t again[LTY_RECORD_COUPON_BYTES_MAX];
    assert_int_equal(lty_record_coupon_encode(&read, again, sizeof(again)), size);
    assert_memory_equal(again, bytes, size);
    assert_true(read.serial == coupon.serial);
    CUTS_REFUSED(lty_record_coupon_decode, bytes, size, &read);
    coupon.member_id = 0; /* a voucher always has its member */
    assert_false(lty_record_coupon_valid(&coupon));

    lty_coupon_use_t use = {.campaign_id = 42, .serial = 9, .sale_id = 12, .member_id = 7,
                            .created_ms = 100, .store = "S001", .till = "T01",
                            .discount_cents = 500, .restored_ms = 200, .offline = 1};
    uint8_t use_bytes[LTY_RECORD_COUPON_USE_BYTES_MAX];
    size = lty_record_coupon_use_encode(&use, use_bytes, sizeof(use_bytes));
    lty_coupon_use_t use_read;
    assert_int_equal(lty_record_coupon_use_decode((lty_bytes_t){.data = use_bytes, .size = size},
                                                  &use_read),
                     0);
    uint8_t use_again[LTY_RECORD_COUPON_USE_BYTES_MAX];
    assert_int_equal(lty_record_coupon_use_encode(&use_read, use_again, sizeof(use_again)), size);
    assert_memory_equal(use_again, use_bytes, size);
    CUTS_REFUSED(lty_record_coupon_use_decode, use_bytes, size, &use_read);

    lty_offer_t offer = {.offer_id = 3, .campaign_id = 42, .name = "500 points -> 5.00",
                         .points_price = 500, .active = 1, .created_ms = 1, .updated_ms = 2,
                         .converted_count = 8};
    uint8_t offer_bytes[LTY_RECORD_OFFER_BYTES_MAX];
    size = lty_record_offer_encode(&offer, offer_bytes, sizeof(offer_bytes));
    lty_offer_t offer_read;
    assert_int_equal(lty_record_offer_decode((lty_bytes_t){.data = offer_bytes, .size = size},
                                             &offer_read),
                     0);
    uint8_t offer_again[LTY_RECORD_OFFER_BYTES_MAX];
    assert_int_equal(lty_record_offer_encode(&offer_read, offer_again, sizeof(offer_again)), size);
    assert_memory_equal(offer_again, offer_bytes, size);
    CUTS_REFUSED(lty_record_offer_decode, offer_bytes, size, &offer_read);

    lty_coupon_conflict_t conflict = {.conflict_id = 1, .campaign_id = 42, .serial = 9,
                                      .err = LTY_E_COUPON_USED, .sale_id = 30, .member_id = 7,
                                      .store = "S002", .till = "T01", .created_ms = 300,
                                      .first_sale_id = 12, .first_store = "S001",
                                      .first_till = "T01", .first_ms = 100};
    uint8_t conflict_bytes[LTY_RECORD_COUPON_CONFLICT_BYTES_MAX];
    size = lty_record_coupon_conflict_encode(&conflict, conflict_bytes, sizeof(conflict_bytes));
    lty_coupon_conflict_t conflict_read;
    assert_int_equal(lty_record_coupon_conflict_decode(
                         (lty_bytes_t){.data = conflict_bytes, .size = size}, &conflict_read),
                     0);
    uint8_t conflict_again[LTY_RECORD_COUPON_CONFLICT_BYTES_MAX]; /* padding aside */
    assert_int_equal(lty_record_coupon_conflict_encode(&conflict_read, conflict_again, sizeof(conflict_again)), size);
    assert_memory_equal(conflict_again, conflict_bytes, size);
    assert_int_equal(conflict_read.err, LTY_E_COUPON_USED);
    assert_string_equal(conflict_read.first_store, "S001");
    CUTS_REFUSED(lty_record_coupon_conflict_decode, conflict_bytes, size, &conflict_read);
    conflict.err = LTY_E_OUT_OF_STOCK; /* not a coupon refusal */
    assert_false(lty_record_coupon_conflict_valid(&conflict));
}

static void test_gift_stock_redemption_round_trip(void **state)
{
    (void)state;
    lty_gift_t gift = {.gift_id = 5, .name = "Tea towel", .points_price = 300, .cash_cents = 990,
                       .stock_mode = LTY_GIFT_STOCK_PER_STORE, .active = 1, .valid_from_ms = 0,
                       .valid_to_ms = 9000, .per_member_limit = 2, .reservation_days = 14,
                       .created_ms = 1, .updated_ms = 1};
    uint8_t bytes[LTY_RECORD_GIFT_BYTES_MAX];
    size_t size = lty_record_gift_encode(&gift, bytes, sizeof(bytes));
    lty_gift_t read;
    assert_int_equal(lty_record_gift_decode((lty_bytes_t){.data = bytes, .size = size}, &read), 0);
    uint8_t again[LTY_RECORD_GIFT_BYTES_MAX];
    assert_int_equal(lty_record_gift_encode(&read, again, sizeof(again)), size);
    assert_memory_equal(again, bytes, size);
    CUTS_REFUSED(lty_record_gift_decode, bytes, size, &read);

    lty_gift_stock_t stock = {.gift_id = 5, .store = "S001", .added = 10, .reserved = 3,
                              .handed_over = 7, .updated_ms = 4};
    uint8_t stock_bytes[LTY_RECORD_GIFT_STOCK_BYTES_MAX];
    size = lty_record_gift_stock_encode(&stock, stock_bytes, sizeof(stock_bytes));
    lty_gift_stock_t stock_read;
    assert_int_equal(lty_record_gift_stock_decode(
                         (lty_bytes_t){.data = stock_bytes, .size = size}, &stock_read),
                     0);
    uint8_t stock_again[LTY_RECORD_GIFT_STOCK_BYTES_MAX];
    assert_int_equal(lty_record_gift_stock_encode(&stock_read, stock_again, sizeof(stock_again)), size);
    assert_memory_equal(stock_again, stock_bytes, size);
    CUTS_REFUSED(lty_record_gift_stock_decode, stock_bytes, size, &stock_read);
    stock.reserved = 4; /* more out than ever came in: the stock would be negative */
    assert_false(lty_record_gift_stock_valid(&stock));

    static lty_gift_redemption_t redemption, redemption_read;
    memset(&redemption, 0, sizeof(redemption));
    redemption = (lty_gift_redemption_t){.redemption_id = 8, .gift_id = 5, .member_id = 7,
                                         .store = "S001", .status = LTY_GIFT_CANCELLED,
                                         .points = 300, .cash_cents = 990, .entry_id = 20,
                                         .reverse_entry_id = 25, .created_ms = 100,
                                         .expires_ms = 200, .closed_ms = 150,
                                         .principal = "till:S001/T01",
                                         .closed_by = "operator:alice", .lots_count = 2};
    redemption.lots[0] = (lty_sale_lot_t){.expires_ms = 1000, .entry_id = 3, .points = 100};
    redemption.lots[1] = (lty_sale_lot_t){.expires_ms = 2000, .entry_id = 4, .points = 200};
    static uint8_t redemption_bytes[LTY_RECORD_GIFT_REDEMPTION_BYTES_MAX];
    size = lty_record_gift_redemption_encode(&redemption, redemption_bytes,
                                             sizeof(redemption_bytes));
    memset(&redemption_read, 0, sizeof(redemption_read));
    assert_int_equal(lty_record_gift_redemption_decode(
                         (lty_bytes_t){.data = redemption_bytes, .size = size}, &redemption_read),
                     0);
    static uint8_t redemption_again[LTY_RECORD_GIFT_REDEMPTION_BYTES_MAX];
    assert_int_equal(lty_record_gift_redemption_encode(&redemption_read, redemption_again,
                                                       sizeof(redemption_again)),
                     size);
    assert_memory_equal(redemption_again, redemption_bytes, size);
    assert_int_equal(redemption_read.lots[1].points, 200);
    for (size_t cut = 0; cut < size; cut++) {
        assert_int_equal(lty_record_gift_redemption_decode(
                             (lty_bytes_t){.data = redemption_bytes, .size = cut}, &redemption_read),
                         LTY_E_CORRUPT);
    }
    redemption.reverse_entry_id = 0; /* cancelled without the entry giving the points back */
    assert_false(lty_record_gift_redemption_valid(&redemption));
}

static void test_keys_sort_by_their_fields(void **state)
{
    (void)state;
    lty_key_t low, high;
    lty_key_coupon(&low, 1, UINT64_MAX);
    lty_key_coupon(&high, 2, 1);
    assert_true(memcmp(low.data, high.data, 16) < 0);
    lty_key_coupon_use(&low, 5, 2, 1);
    lty_key_coupon_use(&high, 6, 1, 1);
    assert_int_equal(low.size, 24);
    assert_true(memcmp(low.data, high.data, 24) < 0); /* uses in the order of their sales */
    lty_key_gift_reservation(&low, 100, 9);
    lty_key_gift_reservation(&high, 101, 1);
    assert_true(memcmp(low.data, high.data, 16) < 0);
    lty_key_member_coupon(&low, 7, 1, 1);
    lty_key_member_coupon_usage(&high, 7, 1);
    assert_int_equal(low.data[8], LTY_PART_COUPON);
    assert_int_equal(high.data[8], LTY_PART_COUPON_USAGE);
    lty_key_coupon_grant(&low, 1, "spring", 7);
    lty_key_coupon_grant(&high, 1, "spring", 8);
    assert_int_equal(low.size, 8 + 6 + 1 + 8);
    assert_true(memcmp(low.data, high.data, low.size) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_campaign_round_trip_and_damage),
        cmocka_unit_test(test_campaign_terms_checked_by_kind),
        cmocka_unit_test(test_coupon_use_offer_conflict_round_trip),
        cmocka_unit_test(test_gift_stock_redemption_round_trip),
        cmocka_unit_test(test_keys_sort_by_their_fields),
    };
    return cmocka_run_group_tests_name("records_coupons", tests, NULL, NULL);
}
