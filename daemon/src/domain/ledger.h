/* SPDX-License-Identifier: MIT */
/**
 * @file ledger.h
 * Pure business rules of the points and prepaid ledger: earning, redemption over lots,
 * postings that balance per asset, and balance limits.
 *
 * Owns: the rules only. No I/O, no LMDB, no allocation: structs in, structs out. The caller
 * (ops_*.c) loads records, calls these, and stores the results in one transaction.
 *
 * Sign convention: a posting's amount is added to its account's balance. A member account holds
 * what the member owns (points >= 0 except after returns take back earned points; prepaid >= 0); its system
 * counterpart moves by the opposite amount, so every entry's postings sum to zero per asset and
 * all balances of one asset sum to zero. Earning 10 points: member-points +10, points-issued -10.
 *
 * Caveats:
 * - Contract violations (NULL, negative amounts where the caller validated, unsorted lots) are
 *   assertions. Operating refusals return a code and leave every output untouched.
 */
#ifndef LTY_LEDGER_H
#define LTY_LEDGER_H

#include "programme.h"
#include "records.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Any one posting's magnitude (points or minor units). */
#define LTY_LEDGER_POSTING_AMOUNT_MAX LTY_PREPAID_CENTS_PER_TXN_MAX
/** A system account's magnitude; refused beyond (it would take ~10^8 maximal entries). */
#define LTY_LEDGER_SYSTEM_BALANCE_MAX (INT64_MAX / 4)
_Static_assert(LTY_POINTS_PER_TXN_MAX <= LTY_LEDGER_POSTING_AMOUNT_MAX, "points posting fits");
_Static_assert(LTY_SALE_AMOUNT_CENTS_MAX <= LTY_LEDGER_POSTING_AMOUNT_MAX, "sale posting fits");
_Static_assert(LTY_LEDGER_SYSTEM_BALANCE_MAX <= INT64_MAX - LTY_LEDGER_POSTING_AMOUNT_MAX,
               "system balance headroom");

/** numerator / denominator (numerator >= 0, denominator > 0) rounded as rounding says
 *  (lty_earn_rounding_t: down, nearest with halves up, up). Exact: no intermediate overflow. */
int64_t lty_ledger_round_div(int64_t numerator, int64_t denominator, int rounding);

/** Points earned on eligible_cents (>= 0): rounded as the programme's earn_rounding says
 *  (down unless set). LTY_E_POINTS_LIMIT above LTY_POINTS_PER_TXN_MAX. */
int lty_ledger_points_earn(const lty_programme_t *programme, int64_t eligible_cents,
                           int64_t *points_out);
/** Value in minor units of points (>= 0) redeemed. LTY_E_POINTS_LIMIT if it overflows. */
int lty_ledger_points_value(const lty_programme_t *programme, int64_t points,
                            int64_t *cents_out);

/** Sum of line totals. LTY_E_INVALID_FIELD if a line is out of range or the total exceeds
 *  LTY_SALE_AMOUNT_CENTS_MAX. */
int lty_ledger_basket_total(const lty_sale_line_t *lines, size_t lines_count,
                            int64_t *total_cents_out);

/** The points side of a sale. */
typedef struct lty_ledger_sale_plan_s {
    int64_t total_cents;          /* basket total */
    int64_t redeem_value_cents;   /* points_redeemed * redeem_cents_per_point */
    int64_t eligible_cents;       /* what earns points */
    int64_t points_redeemed;
    int64_t points_earned;
    int64_t points_balance_after;
} lty_ledger_sale_plan_t;

/**
 * Plan a sale: redeem, then earn on the eligible amount.
 * @param[in] points_balance  The member's balance before the sale (may be negative after a return).
 * @return 0, LTY_E_REDEEM_EXCEEDS_BASKET (redeem value > total), LTY_E_REDEMPTION_BLOCKED
 *         (redeem_points > 0 while the balance is negative), LTY_E_INSUFFICIENT_POINTS
 *         (redeem_points > balance), LTY_E_POINTS_LIMIT (per-txn or balance limit).
 */
int lty_ledger_sale_plan(const lty_programme_t *programme, int64_t total_cents,
                         int64_t redeem_points, int64_t points_balance,
                         lty_ledger_sale_plan_t *plan_out);

/**
 * Take points from lots, soonest-expiring first. lots must be in key order (member, expires_ms,
 * entry_id) as LOTS returns them; lots_count <= LTY_LOTS_PER_REDEMPTION_MAX.
 * On success each lot's points_remaining is reduced and *touched_count_out says how many lots
 * (a prefix of the array) changed. All or nothing: on LTY_E_INSUFFICIENT_POINTS no lot changes.
 */
int lty_ledger_lots_consume(lty_lot_t *lots, size_t lots_count, int64_t points,
                            size_t *touched_count_out);

/** How many points of a credit of points (> 0) go into a new lot when the balance is
 *  balance_before: the part that lifts the balance above zero (all of it when balance >= 0). */
int64_t lty_ledger_lot_credit(int64_t balance_before, int64_t points);

/** Append a posting (asset derived from the kind). Asserts room, amount != 0, owner rules. */
void lty_ledger_posting_add(lty_journal_entry_t *entry, lty_account_kind_t kind, uint64_t owner,
                            int64_t amount);
/** True when, per asset, the postings sum to zero exactly (and no sum overflows). */
bool lty_ledger_entry_balanced(const lty_journal_entry_t *entry);

/**
 * Apply a posting amount to its account balance, with the account's limit:
 * member points within [-LTY_POINTS_BALANCE_MAX, LTY_POINTS_BALANCE_MAX] (LTY_E_POINTS_LIMIT),
 * member prepaid within [0, LTY_PREPAID_BALANCE_CENTS_MAX] (LTY_E_INSUFFICIENT_FUNDS below,
 * LTY_E_PREPAID_BALANCE_LIMIT above), system accounts within +-LTY_LEDGER_SYSTEM_BALANCE_MAX
 * (LTY_E_POINTS_LIMIT). On refusal the account is unchanged; on success entries_count++ and
 * updated_ms = now_ms.
 */
int lty_ledger_account_apply(lty_account_t *account, int64_t amount, int64_t now_ms);

/* ---- Returns: pro-rata amounts that never create or lose a fen ----------------
 *
 * Every amount of a return is computed cumulatively: what has come back after this return
 * minus what had come back before it. The cumulative functions are monotone and exact at the
 * end (everything returned = the original amounts), so partial returns in any order and size
 * add up to the sale exactly; the last return of a line or of a sale takes the remainder. */

/** Cumulative refund of a line of qty units and amount_cents once returned (0..qty) of them
 *  have come back: floor(amount_cents * returned / qty). */
int64_t lty_ledger_line_refund_cum(int64_t amount_cents, uint32_t qty, uint32_t returned);

/**
 * Split a cumulative returned amount over the parts it was paid with ("nested floor"): part i
 * gets floor(parts[i] * left / parts_left), where left and parts_left are what remains for
 * parts i..count-1; the last part takes what is left. Each part's share is monotone in
 * returned, within 0..parts[i], and the shares sum to returned exactly.
 * @param[in] parts     count (1..8) amounts >= 0 summing to total.
 * @param[in] returned  0..total.
 */
void lty_ledger_refund_split(const int64_t *parts, size_t count, int64_t total, int64_t returned,
                             int64_t *shares_out);

/** Cumulative share of value (>= 0) for a returned part of total: floor(value * returned /
 *  total); value when returned == total; 0 when total == 0. Used for points earned. */
int64_t lty_ledger_pro_rata(int64_t value, int64_t returned, int64_t total);

/* ---- Tiers (pure) ---------------------------------------------------------------------- */

/** The rolling qualification window: this month and the 11 before it. */
#define LTY_LEDGER_TIER_WINDOW_MONTHS 12

/** Months since 1970-01 (UTC) of time_ms (>= 0): 0 for January 1970. */
uint64_t lty_ledger_month_index(int64_t time_ms);
/** The highest tier (index) whose threshold is <= qualifying (>= 0). */
uint32_t lty_ledger_tier_for(const lty_programme_t *programme, int64_t qualifying);
/**
 * Apply the earning multiplier of tier to a planned sale: points_earned becomes
 * floor(points_earned * earn_percent / 100) and points_balance_after follows.
 * @return 0, or LTY_E_POINTS_LIMIT (per-transaction or balance limit); plan untouched then.
 */
int lty_ledger_sale_plan_tier(const lty_programme_t *programme, uint32_t tier,
                              lty_ledger_sale_plan_t *plan);
/**
 * The tier a member keeps at a review. Reviews only lower tiers; the grace rule keeps a tier
 * while the member qualified for it either now or grace days ago:
 * min(tier, max(tier_for(qualifying_now), tier_for(qualifying_grace))).
 */
uint32_t lty_ledger_tier_review(const lty_programme_t *programme, uint32_t tier,
                                int64_t qualifying_now, int64_t qualifying_grace);
/** The tier above tier and how much qualifying value is still missing for it (>= 0).
 *  false (outputs untouched) when tier is the top tier. */
bool lty_ledger_tier_next(const lty_programme_t *programme, uint32_t tier, int64_t qualifying,
                          uint32_t *next_out, int64_t *needed_out);

#endif
