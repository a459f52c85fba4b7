/* tests/unit/domain/test_coupon.c
 * Goal: the pure coupon rules (coupon.c) give the documented discount and refuse in the
 * documented order: amounts off capped at the eligible total, percentages rounded down then
 * capped, free items worth one unit, minimum spend on the eligible lines only, the discount
 * spread over eligible lines to the fen without a line going below zero, every terms refusal,
 * nothing changed on a refusal, and the code expiry day taken from the campaign.
 * Method: small baskets with hand-computed expectations; a sweep of awkward amounts checks the
 * spread adds up exactly; expect_assert_failure for a contract violation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "coupon.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"

#include <cmocka.h>

static lty_campaign_t campaign_of(uint8_t kind)
{
    lty_campaign_t campaign;
    memset(&campaign, 0, sizeof(campaign));
    campaign.campaign_id = 1;
    campaign.status = LTY_CAMPAIGN_ACTIVE;
    campaign.kind = kind;
    campaign.uses_per_code = 1;
    strcpy(campaign.name, "test");
    return campaign;
}

static lty_coupon_t coupon_of(uint64_t member_id)
{
    lty_coupon_t coupon;
    memset(&coupon, 0, sizeof(coupon));
    coupon.campaign_id = 1;
    coupon.serial = 7;
    coupon.member_id = member_id;
    coupon.source = member_id == 0 ? LTY_COUPON_SOURCE_CODES : LTY_COUPON_SOURCE_MEMBER;
    coupon.expiry_day = LTY_COUPON_EXPIRY_NONE;
    return coupon;
}

static lty_coupon_context_t context_of(void)
{
    return (lty_coupon_context_t){.member_id = 5, .tier = 0, .store = "S001",
                                  .now_ms = 20000 * LTY_MS_PER_DAY};
}

static void line_set(lty_sale_line_t *line, const char *sku, const char *category, uint32_t qty,
                     int64_t amount_cents)
{
    memset(line, 0, sizeof(*line));
    strcpy(line->sku, sku);
    strcpy(line->category, category);
    line->qty = qty;
    line->amount_cents = amount_cents;
}

static int evaluate(const lty_campaign_t *campaign, lty_sale_line_t *lines, size_t count,
                    lty_coupon_outcome_t *outcome)
{
    lty_coupon_t coupon = coupon_of(0);
    lty_coupon_context_t context = context_of();
    return lty_coupon_evaluate(campaign, &coupon, &context, lines, count, outcome);
}

static void test_amount_off_never_exceeds_the_eligible_total(void **state)
{
    (void)state;
    lty_campaign_t campaign = campaign_of(LTY_COUPON_AMOUNT_OFF);
    campaign.amount_off_cents = 500;
    assert_int_equal(lty_coupon_discount(&campaign, 2000, 0), 500);
    assert_int_equal(lty_coupon_discount(&campaign, 500, 0), 500);
    assert_int_equal(lty_coupon_discount(&campaign, 499, 0), 499);
    assert_int_equal(lty_coupon_discount(&campaign, 0, 0), 0);
}

static void test_percent_rounds_down_then_caps(void **state)
{
    (void)state;
    lty_campaign_t campaign = campaign_of(LTY_COUPON_PERCENT_OFF);
    campaign.percent_off = 15;
    assert_int_equal(lty_coupon_discount(&campaign, 999, 0), 149);   /* 149.85 -> 149 */
    assert_int_equal(lty_coupon_discount(&campaign, 1000, 0), 150);
    assert_int_equal(lty_coupon_discount(&campaign, 1, 0), 0);       /* 0.15 -> 0 */
    campaign.cap_cents = 100;
    assert_int_equal(lty_coupon_discount(&campaign, 666, 0), 99);    /* under the cap */
    assert_int_equal(lty_coupon_discount(&campaign, 667, 0), 100);   /* 100.05 -> 100: at it */
    assert_int_equal(lty_coupon_discount(&campaign, 100000, 0), 100);
    campaign.percent_off = 100;
    campaign.cap_cents = 0;
    assert_int_equal(lty_coupon_discount(&campaign, 12345, 0), 12345);
    assert_int_equal(lty_coupon_discount(&campaign, LTY_SALE_AMOUNT_CENTS_MAX, 0),
                     LTY_SALE_AMOUNT_CENTS_MAX); /* the largest basket: no overflow */
}

static void test_free_item_is_one_unit_of_its_sku(void **state)
{
    (void)state;
    lty_campaign_t campaign = campaign_of(LTY_COUPON_FREE_ITEM);
    strcpy(campaign.free_sku, "TEA");
    lty_sale_line_t lines[2];
    line_set(&lines[0], "A", "dairy", 1, 1000);
    line_set(&lines[1], "TEA", "drinks", 3, 1000); /* 333 a unit, rounded down */
    lty_coupon_outcome_t outcome;
    assert_int_equal(evaluate(&campaign, lines, 2, &outcome), 0);
    assert_int_equal(outcome.discount_cents, 333);
    assert_int_equal(lines[0].amount_cents, 1000);
    assert_int_equal(lines[1].amount_cents, 667);
    line_set(&lines[1], "COFFEE", "drinks", 1, 1000);
    assert_int_equal(evaluate(&campaign, lines, 2, &outcome), LTY_E_COUPON_NOT_ELIGIBLE);
}

static void test_min_spend_counts_eligible_lines_only(void **state)
{
    (void)state;
    lty_campaign_t campaign = campaign_of(LTY_COUPON_AMOUNT_OFF);
    campaign.amount_off_cents = 500;
    campaign.min_spend_cents = 2000;
    campaign.matches_count = 1;
    campaign.matches[0] = (lty_campaign_match_t){.type = LTY_MATCH_CATEGORY, .value = "dairy"};
    lty_sale_line_t lines[2];
    line_set(&lines[0], "MILK", "dairy", 1, 1999);
    line_set(&lines[1], "TV", "electronics", 1, 100000);
    lty_coupon_outcome_t outcome;
    assert_int_equal(evaluate(&campaign, lines, 2, &outcome), LTY_E_COUPON_MIN_SPEND);
    assert_int_equal(lines[0].amount_cents, 1999); /* unchanged on a refusal */
    assert_int_equal(lines[1].amount_cents, 100000);
    line_set(&lines[0], "MILK", "dairy", 1, 2000);
    assert_int_equal(evaluate(&campaign, lines, 2, &outcome), 0);
    assert_int_equal(outcome.eligible_cents, 2000);
    assert_int_equal(lines[0].amount_cents, 1500);
    assert_int_equal(lines[1].amount_cents, 100000); /* not eligible: untouched */
}

static void test_discount_only_on_eligible_lines_by_sku_or_category(void **state)
{
    (void)state;
    lty_campaign_t campaign = campaign_of(LTY_COUPON_PERCENT_OFF);
    campaign.percent_off = 50;
    campaign.matches_count = 2;
    campaign.matches[0] = (lty_campaign_match_t){.type = LTY_MATCH_SKU, .value = "A"};
    campaign.matches[1] = (lty_campaign_match_t){.type = LTY_MATCH_CATEGORY, .value = "fruit"};
    lty_sale_line_t lines[3];
    line_set(&lines[0], "A", "misc", 1, 1000);
    line_set(&lines[1], "B", "misc", 1, 1000);
    line_set(&lines[2], "C", "fruit", 1, 3000);
    lty_coupon_outcome_t outcome;
    assert_int_equal(evaluate(&campaign, lines, 3, &outcome), 0);
    assert_int_equal(outcome.eligible_cents, 4000);
    assert_int_equal(outcome.discount_cents, 2000);
    assert_int_equal(lines[0].amount_cents, 500);
    assert_int_equal(lines[1].amount_cents, 1000);
    assert_int_equal(lines[2].amount_cents, 1500);
    line_set(&lines[0], "X", "misc", 1, 1000);
    line_set(&lines[2], "Y", "veg", 1, 1000);
    assert_int_equal(evaluate(&campaign, lines, 3, &outcome), LTY_E_COUPON_NOT_ELIGIBLE);
}

/* The nested floor: line i gets floor(amount_i * left / amounts_left), the last the rest. */
static void test_spread_rounds_each_line_down_and_adds_up(void **state)
{
    (void)state;
    lty_campaign_t campaign = campaign_of(LTY_COUPON_AMOUNT_OFF);
    campaign.amount_off_cents = 100;
    lty_sale_line_t lines[3];
    line_set(&lines[0], "A", "", 1, 333);
    line_set(&lines[1], "B", "", 1, 333);
    line_set(&lines[2], "C", "", 1, 334);
    lty_coupon_outcome_t outcome;
    assert_int_equal(evaluate(&campaign, lines, 3, &outcome), 0);
    /* A: floor(333 * 100 / 1000) = 33; B: floor(333 * 67 / 667) = 33; C: 34 */
    assert_int_equal(lines[0].amount_cents, 300);
    assert_int_equal(lines[1].amount_cents, 300);
    assert_int_equal(lines[2].amount_cents, 300);
    for (int64_t discount = 1; discount <= 1001; discount += 7) {
        lty_sale_line_t sweep[4];
        line_set(&sweep[0], "A", "", 1, 1);
        line_set(&sweep[1], "B", "", 1, 0);
        line_set(&sweep[2], "C", "", 3, 599);
        line_set(&sweep[3], "D", "", 2, 401);
        campaign.amount_off_cents = discount;
        assert_int_equal(evaluate(&campaign, sweep, 4, &outcome), 0);
        int64_t total = 0;
        for (int index = 0; index < 4; index++) {
            assert_true(sweep[index].amount_cents >= 0);
            total += sweep[index].amount_cents;
        }
        int64_t expected = discount > 1001 ? 0 : 1001 - discount;
        assert_int_equal(total, expected);
        assert_int_equal(outcome.discount_cents, 1001 - total);
    }
}

static void test_terms_refused_in_order(void **state)
{
    (void)state;
    lty_campaign_t campaign = campaign_of(LTY_COUPON_AMOUNT_OFF);
    campaign.amount_off_cents = 100;
    lty_sale_line_t lines[1];
    line_set(&lines[0], "A", "", 1, 1000);
    lty_coupon_outcome_t outcome;
    lty_coupon_context_t context = context_of();
    lty_coupon_t coupon = coupon_of(9); /* member 9's, used by member 5 */
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome),
                     LTY_E_COUPON_NOT_YOURS);
    coupon = coupon_of(5);
    context.code_uses = 1;
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome),
                     LTY_E_COUPON_USED);
    campaign.uses_per_code = 2; /* a multi-use code: one use left */
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome), 0);
    line_set(&lines[0], "A", "", 1, 1000);
    context.code_uses = 0;
    coupon.expiry_day = 19999; /* yesterday */
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome),
                     LTY_E_COUPON_EXPIRED);
    coupon.expiry_day = LTY_COUPON_EXPIRY_NONE;
    campaign.valid_to_ms = context.now_ms; /* valid_to is exclusive */
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome),
                     LTY_E_COUPON_EXPIRED);
    campaign.valid_to_ms = 0;
    campaign.status = LTY_CAMPAIGN_PAUSED;
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome),
                     LTY_E_COUPON_NOT_ELIGIBLE);
    campaign.status = LTY_CAMPAIGN_ENDED;
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome),
                     LTY_E_COUPON_EXPIRED);
    campaign.status = LTY_CAMPAIGN_ACTIVE;
    campaign.valid_from_ms = context.now_ms + 1;
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome),
                     LTY_E_COUPON_NOT_ELIGIBLE);
    assert_int_equal(lines[0].amount_cents, 1000);
}

static void test_store_tier_member_limit_and_totals(void **state)
{
    (void)state;
    lty_campaign_t campaign = campaign_of(LTY_COUPON_AMOUNT_OFF);
    campaign.amount_off_cents = 300;
    lty_sale_line_t lines[1];
    lty_coupon_outcome_t outcome;
    lty_coupon_t coupon = coupon_of(0);
    lty_coupon_context_t context = context_of();
    line_set(&lines[0], "A", "", 1, 1000);
    campaign.stores_count = 1;
    strcpy(campaign.stores[0], "S002");
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome),
                     LTY_E_COUPON_NOT_ELIGIBLE);
    strcpy(campaign.stores[0], "S001");
    campaign.tiers_mask = 1u << 2; /* Gold only; the member is at tier 0 */
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome),
                     LTY_E_COUPON_NOT_ELIGIBLE);
    context.tier = 2;
    campaign.per_member_limit = 2;
    context.member_uses = 2;
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome),
                     LTY_E_COUPON_NOT_ELIGIBLE);
    context.member_uses = 1;
    campaign.redemptions_max = 10;
    context.campaign_uses = 10;
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome),
                     LTY_E_CAMPAIGN_EXHAUSTED);
    context.campaign_uses = 9;
    campaign.budget_cents = 1000;
    context.campaign_discount_cents = 701; /* 701 + 300 > 1000: honoured in full or not at all */
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome),
                     LTY_E_CAMPAIGN_EXHAUSTED);
    assert_int_equal(lines[0].amount_cents, 1000);
    context.campaign_discount_cents = 700;
    assert_int_equal(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome), 0);
    assert_int_equal(lines[0].amount_cents, 700);
}

static void test_expiry_day_from_validity_and_code_days(void **state)
{
    (void)state;
    lty_campaign_t campaign = campaign_of(LTY_COUPON_AMOUNT_OFF);
    int64_t issued_ms = 20000 * LTY_MS_PER_DAY + 5000;
    assert_int_equal(lty_coupon_expiry_day(&campaign, issued_ms), LTY_COUPON_EXPIRY_NONE);
    campaign.valid_to_ms = 20100 * LTY_MS_PER_DAY; /* midnight: the last day is 20099 */
    assert_int_equal(lty_coupon_expiry_day(&campaign, issued_ms), 20099);
    campaign.code_valid_days = 30;
    assert_int_equal(lty_coupon_expiry_day(&campaign, issued_ms), 20030);
    campaign.code_valid_days = 365;
    assert_int_equal(lty_coupon_expiry_day(&campaign, issued_ms), 20099);
}

static void test_coupon_of_another_campaign_is_a_bug(void **state)
{
    (void)state;
    lty_campaign_t campaign = campaign_of(LTY_COUPON_AMOUNT_OFF);
    campaign.amount_off_cents = 1;
    lty_coupon_t coupon = coupon_of(0);
    coupon.campaign_id = 2;
    lty_coupon_context_t context = context_of();
    lty_sale_line_t lines[1];
    line_set(&lines[0], "A", "", 1, 10);
    lty_coupon_outcome_t outcome;
    expect_assert_failure(lty_coupon_evaluate(&campaign, &coupon, &context, lines, 1, &outcome));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amount_off_never_exceeds_the_eligible_total),
        cmocka_unit_test(test_percent_rounds_down_then_caps),
        cmocka_unit_test(test_free_item_is_one_unit_of_its_sku),
        cmocka_unit_test(test_min_spend_counts_eligible_lines_only),
        cmocka_unit_test(test_discount_only_on_eligible_lines_by_sku_or_category),
        cmocka_unit_test(test_spread_rounds_each_line_down_and_adds_up),
        cmocka_unit_test(test_terms_refused_in_order),
        cmocka_unit_test(test_store_tier_member_limit_and_totals),
        cmocka_unit_test(test_expiry_day_from_validity_and_code_days),
        cmocka_unit_test(test_coupon_of_another_campaign_is_a_bug),
    };
    return cmocka_run_group_tests_name("coupon", tests, NULL, NULL);
}
