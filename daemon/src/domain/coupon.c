/* SPDX-License-Identifier: MIT */
/* The pure coupon rules (coupon.h): terms, eligible lines, the discount and how it is spread
 * over the basket. No I/O and no allocation, so every rule is unit-tested without a store
 * (tests/unit/domain/test_coupon.c). Money is integers; see coupon.h for the rounding rule. */
#include "coupon.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"

#include <string.h>

bool lty_coupon_line_eligible(const lty_campaign_t *campaign, const lty_sale_line_t *line)
{
    LTY_ASSERT(campaign != NULL && line != NULL);
    if (campaign->kind == LTY_COUPON_FREE_ITEM) return strcmp(line->sku, campaign->free_sku) == 0;
    if (campaign->matches_count == 0) return true;
    for (uint32_t index = 0; index < campaign->matches_count; index++) {
        const lty_campaign_match_t *match = &campaign->matches[index];
        const char *value = match->type == LTY_MATCH_SKU ? line->sku : line->category;
        if (strcmp(value, match->value) == 0) return true;
    }
    return false;
}

int64_t lty_coupon_discount(const lty_campaign_t *campaign, int64_t eligible_cents,
                            int64_t free_unit_cents)
{
    LTY_ASSERT(campaign != NULL);
    LTY_ASSERT(eligible_cents >= 0 && eligible_cents <= LTY_SALE_AMOUNT_CENTS_MAX);
    LTY_ASSERT(free_unit_cents >= 0 && free_unit_cents <= eligible_cents);
    int64_t discount = 0;
    switch (campaign->kind) {
    case LTY_COUPON_AMOUNT_OFF: discount = campaign->amount_off_cents; break;
    case LTY_COUPON_PERCENT_OFF:
        /* 1e10 * 100 fits int64_t: no overflow before the division */
        discount = eligible_cents * (int64_t)campaign->percent_off / 100;
        if (campaign->cap_cents > 0 && discount > campaign->cap_cents) {
            discount = campaign->cap_cents;
        }
        break;
    case LTY_COUPON_FREE_ITEM: discount = free_unit_cents; break;
    default: LTY_ASSERT(false && "campaign kind checked by its record"); break;
    }
    if (discount > eligible_cents) discount = eligible_cents;
    LTY_ASSERT(discount >= 0);
    return discount;
}

uint32_t lty_coupon_expiry_day(const lty_campaign_t *campaign, int64_t issued_ms)
{
    LTY_ASSERT(campaign != NULL);
    LTY_ASSERT(issued_ms >= 0);
    int64_t day = INT64_MAX;
    /* valid_to is exclusive: the code's last day is the day of its last millisecond */
    if (campaign->valid_to_ms > 0) day = lty_clock_day(campaign->valid_to_ms - 1);
    if (campaign->code_valid_days > 0) {
        int64_t own = lty_clock_day(issued_ms) + (int64_t)campaign->code_valid_days;
        if (own < day) day = own;
    }
    return day >= LTY_COUPON_EXPIRY_NONE ? LTY_COUPON_EXPIRY_NONE : (uint32_t)day;
}

/* Terms that do not depend on the basket, in the order of the refusals in coupon.h. */
static int terms_check(const lty_campaign_t *campaign, const lty_coupon_t *coupon,
                       const lty_coupon_context_t *context)
{
    if (coupon->member_id != 0 && coupon->member_id != context->member_id) {
        return LTY_E_COUPON_NOT_YOURS;
    }
    if (context->code_uses >= campaign->uses_per_code) return LTY_E_COUPON_USED;
    if (campaign->status == LTY_CAMPAIGN_ENDED) return LTY_E_COUPON_EXPIRED;
    if (lty_coupon_code_expired(coupon->expiry_day, context->now_ms)) return LTY_E_COUPON_EXPIRED;
    if (campaign->valid_to_ms > 0 && context->now_ms >= campaign->valid_to_ms) {
        return LTY_E_COUPON_EXPIRED;
    }
    if (campaign->status == LTY_CAMPAIGN_PAUSED) return LTY_E_COUPON_NOT_ELIGIBLE;
    if (context->now_ms < campaign->valid_from_ms) return LTY_E_COUPON_NOT_ELIGIBLE;
    bool store_ok = campaign->stores_count == 0;
    for (uint32_t index = 0; !store_ok && index < campaign->stores_count; index++) {
        store_ok = strcmp(campaign->stores[index], context->store) == 0;
    }
    if (!store_ok) return LTY_E_COUPON_NOT_ELIGIBLE;
    if (campaign->tiers_mask != 0 &&
        (context->tier >= 32 || (campaign->tiers_mask & (1u << context->tier)) == 0)) {
        return LTY_E_COUPON_NOT_ELIGIBLE;
    }
    if (campaign->per_member_limit > 0 && context->member_uses >= campaign->per_member_limit) {
        return LTY_E_COUPON_NOT_ELIGIBLE;
    }
    if (campaign->redemptions_max > 0 && context->campaign_uses >= campaign->redemptions_max) {
        return LTY_E_CAMPAIGN_EXHAUSTED;
    }
    return 0;
}

/* Spread discount over the eligible lines by the nested floor (coupon.h). */
static void discount_spread(const lty_campaign_t *campaign, lty_sale_line_t *lines,
                            size_t lines_count, int64_t eligible_cents, int64_t discount)
{
    int64_t left = discount;
    int64_t amounts_left = eligible_cents;
    for (size_t index = 0; index < lines_count && left > 0; index++) {
        lty_sale_line_t *line = &lines[index];
        if (!lty_coupon_line_eligible(campaign, line) || line->amount_cents == 0) continue;
        LTY_ASSERT(amounts_left >= line->amount_cents);
        /* amount <= 1e8 and left <= 1e10: the product fits int64_t */
        int64_t share = line->amount_cents == amounts_left
                            ? left
                            : line->amount_cents * left / amounts_left;
        LTY_ASSERT(share >= 0 && share <= line->amount_cents);
        line->amount_cents -= share;
        left -= share;
        amounts_left -= line->amount_cents + share;
    }
    LTY_ASSERT(left == 0);
}

int lty_coupon_evaluate(const lty_campaign_t *campaign, const lty_coupon_t *coupon,
                        const lty_coupon_context_t *context, lty_sale_line_t *lines,
                        size_t lines_count, lty_coupon_outcome_t *outcome_out)
{
    LTY_ASSERT(campaign != NULL && coupon != NULL && context != NULL && outcome_out != NULL);
    LTY_ASSERT(lines != NULL && lines_count >= 1 && lines_count <= LTY_BASKET_LINES_MAX);
    LTY_ASSERT(coupon->campaign_id == campaign->campaign_id);
    int err = terms_check(campaign, coupon, context);
    if (err != 0) return err;
    int64_t eligible_cents = 0;
    int64_t free_unit_cents = -1;
    for (size_t index = 0; index < lines_count; index++) {
        if (!lty_coupon_line_eligible(campaign, &lines[index])) continue;
        eligible_cents += lines[index].amount_cents;
        if (free_unit_cents < 0) free_unit_cents = lines[index].amount_cents / lines[index].qty;
    }
    if (free_unit_cents < 0 || eligible_cents == 0) return LTY_E_COUPON_NOT_ELIGIBLE;
    if (eligible_cents < campaign->min_spend_cents) return LTY_E_COUPON_MIN_SPEND;
    int64_t discount = lty_coupon_discount(campaign, eligible_cents, free_unit_cents);
    if (campaign->budget_cents > 0 &&
        context->campaign_discount_cents + discount > campaign->budget_cents) {
        return LTY_E_CAMPAIGN_EXHAUSTED; /* honoured in full or not at all */
    }
    discount_spread(campaign, lines, lines_count, eligible_cents, discount);
    *outcome_out = (lty_coupon_outcome_t){.eligible_cents = eligible_cents,
                                          .discount_cents = discount};
    return 0;
}
