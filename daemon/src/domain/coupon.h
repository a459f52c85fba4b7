/* SPDX-License-Identifier: MIT */
/**
 * @file coupon.h
 * What a coupon does to a basket: the pure rules of coupons. Whether a coupon may be used
 * now (owner, uses, expiry, campaign state, store, tier, per-member limit, totals), which lines
 * it applies to, how much it takes off, and how that discount is spread over the lines.
 *
 * Owns: the rules only (structs in, structs out, no I/O): domain/ops_coupon_sale.c reads the
 * records and the counters, calls lty_coupon_evaluate(), and writes the outcome.
 *
 * Rounding, the one rule (docs/coupons.md): a percentage is rounded down to the fen
 * (floor(eligible * percent / 100)), then capped; a discount is never more than the eligible
 * lines' total; it is spread over the eligible lines in basket order by the nested floor
 * (line i gets floor(amount_i * left / amounts_left), the last eligible line what is left), so
 * no line goes below zero and the parts add up to the discount exactly. The basket's line
 * amounts become the amounts after the discount: earning, tenders, tier spend and returns all
 * see what the member paid.
 */
#ifndef LTY_COUPON_H
#define LTY_COUPON_H

#include "records.h"
#include "records_coupons.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Where and for whom a coupon is used, and the counters it is judged against. Each counter
 *  includes the coupons applied earlier in the same sale. */
typedef struct lty_coupon_context_s {
    uint64_t member_id;          /* the sale's member */
    uint32_t tier;               /* the member's tier index */
    const char *store;           /* the till's store */
    int64_t now_ms;
    uint32_t code_uses;          /* live uses of this coupon */
    uint64_t member_uses;        /* live uses of this campaign by the member */
    uint64_t campaign_uses;      /* live uses of the campaign (its redeemed_count) */
    int64_t campaign_discount_cents; /* discount the campaign has given (its discount_cents) */
} lty_coupon_context_t;

/** One coupon's effect on a basket. */
typedef struct lty_coupon_outcome_s {
    int64_t eligible_cents;      /* the eligible lines' total before this coupon */
    int64_t discount_cents;      /* taken off those lines */
} lty_coupon_outcome_t;

/** True when line is eligible for campaign's coupons (no matches: every line; else its SKU or
 *  category is listed). A free-item campaign's eligible lines are those of its SKU. */
bool lty_coupon_line_eligible(const lty_campaign_t *campaign, const lty_sale_line_t *line);

/**
 * The discount campaign gives on eligible lines worth eligible_cents, free_unit_cents being the
 * unit price of the free SKU (floor(amount / qty) of its first line; 0 when absent). Never more
 * than eligible_cents.
 */
int64_t lty_coupon_discount(const lty_campaign_t *campaign, int64_t eligible_cents,
                            int64_t free_unit_cents);

/**
 * Judge one coupon and, when it applies, take its discount off lines (amounts changed in
 * place; nothing changes on a refusal).
 * @return 0, LTY_E_COUPON_NOT_YOURS, LTY_E_COUPON_USED, LTY_E_COUPON_EXPIRED (the code's day,
 *         the campaign's end or valid_to), LTY_E_COUPON_NOT_ELIGIBLE (paused, not yet valid,
 *         store, tier, the member's limit, no eligible line), LTY_E_COUPON_MIN_SPEND,
 *         LTY_E_CAMPAIGN_EXHAUSTED (redemptions_max, or the budget would be exceeded).
 */
int lty_coupon_evaluate(const lty_campaign_t *campaign, const lty_coupon_t *coupon,
                        const lty_coupon_context_t *context, lty_sale_line_t *lines,
                        size_t lines_count, lty_coupon_outcome_t *outcome_out);

/** The expiry day a new coupon's code carries: the end of the campaign's validity, or
 *  code_valid_days after issued_ms when that is sooner; LTY_COUPON_EXPIRY_NONE when neither
 *  bounds it (or the day is beyond what a code can carry). */
uint32_t lty_coupon_expiry_day(const lty_campaign_t *campaign, int64_t issued_ms);

#endif
