/* SPDX-License-Identifier: MIT */
/* The ledger's business rules, pure: earning, redemption over lots, balanced postings and balance
 * limits. Nothing here reads or writes the store or allocates; the callers in ops_*.c own I/O
 * and transactions, so every rule can be tested (and fuzzed) without a disk.
 *
 * Refusals leave every output untouched, so a caller can refuse a request after calling a rule
 * without undoing anything. */
#include "ledger.h"
#include "calendar.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_checked.h"
#include "lty/lty_err.h"

#include <string.h>

__extension__ typedef __int128 wide_t; /* products of two amounts may exceed int64_t */

int64_t lty_ledger_round_div(int64_t numerator, int64_t denominator, int rounding)
{
    LTY_ASSERT(numerator >= 0 && denominator > 0);
    /* Integer division rounds toward zero, which for non-negative amounts is rounding down. */
    switch (rounding) {
    case LTY_EARN_ROUND_NEAREST:
        return (int64_t)(((wide_t)numerator * 2 + denominator) / ((wide_t)denominator * 2));
    case LTY_EARN_ROUND_UP: return (int64_t)(((wide_t)numerator + denominator - 1) / denominator);
    default: return numerator / denominator;
    }
}

int lty_ledger_points_earn(const lty_programme_t *programme, int64_t eligible_cents,
                           int64_t *points_out)
{
    LTY_ASSERT(programme != NULL && points_out != NULL);
    LTY_ASSERT(programme->earn_cents_per_point >= 1);
    LTY_ASSERT(eligible_cents >= 0);
    int64_t points = lty_ledger_round_div(eligible_cents, programme->earn_cents_per_point,
                                          programme->earn_rounding);
    if (points > LTY_POINTS_PER_TXN_MAX) return LTY_E_POINTS_LIMIT;
    LTY_ASSERT(points >= 0);
    *points_out = points;
    return 0;
}

int lty_ledger_points_value(const lty_programme_t *programme, int64_t points, int64_t *cents_out)
{
    LTY_ASSERT(programme != NULL && cents_out != NULL);
    LTY_ASSERT(programme->redeem_cents_per_point >= 1);
    LTY_ASSERT(points >= 0);
    int64_t cents;
    if (!lty_i64_mul(points, programme->redeem_cents_per_point, INT64_MAX, &cents)) {
        return LTY_E_POINTS_LIMIT;
    }
    *cents_out = cents;
    return 0;
}

int lty_ledger_basket_total(const lty_sale_line_t *lines, size_t lines_count,
                            int64_t *total_cents_out)
{
    LTY_ASSERT(lines != NULL && total_cents_out != NULL);
    LTY_ASSERT(lines_count <= LTY_BASKET_LINES_MAX);
    int64_t total = 0;
    for (size_t index = 0; index < lines_count; index++) {
        int64_t amount = lines[index].amount_cents;
        if (amount < 0 || amount > LTY_LINE_AMOUNT_CENTS_MAX) return LTY_E_INVALID_FIELD;
        if (!lty_i64_add(total, amount, LTY_SALE_AMOUNT_CENTS_MAX, &total)) {
            return LTY_E_INVALID_FIELD;
        }
    }
    LTY_ASSERT(total >= 0);
    *total_cents_out = total;
    return 0;
}

/* Redemption is refused before earning is computed, in the order a cashier would explain it:
 * the points cannot pay for more than the basket, and the member must hold them. */
int lty_ledger_sale_plan(const lty_programme_t *programme, int64_t total_cents,
                         int64_t redeem_points, int64_t points_balance,
                         lty_ledger_sale_plan_t *plan_out)
{
    LTY_ASSERT(programme != NULL && plan_out != NULL);
    LTY_ASSERT(total_cents >= 0 && total_cents <= LTY_SALE_AMOUNT_CENTS_MAX);
    LTY_ASSERT(redeem_points >= 0 && redeem_points <= LTY_POINTS_PER_TXN_MAX);
    LTY_ASSERT(points_balance >= -LTY_POINTS_BALANCE_MAX);
    LTY_ASSERT(points_balance <= LTY_POINTS_BALANCE_MAX);
    lty_ledger_sale_plan_t plan = {.total_cents = total_cents, .points_redeemed = redeem_points};
    int err = lty_ledger_points_value(programme, redeem_points, &plan.redeem_value_cents);
    if (err != 0 || plan.redeem_value_cents > total_cents) return LTY_E_REDEEM_EXCEEDS_BASKET;
    if (redeem_points > 0 && points_balance < 0) return LTY_E_REDEMPTION_BLOCKED;
    if (redeem_points > 0 && redeem_points > points_balance) return LTY_E_INSUFFICIENT_POINTS;
    plan.eligible_cents = total_cents;
    if (!programme->earn_on_redeemed_part) plan.eligible_cents -= plan.redeem_value_cents;
    err = lty_ledger_points_earn(programme, plan.eligible_cents, &plan.points_earned);
    if (err != 0) return err;
    int64_t after = points_balance - redeem_points; /* both bounded: no overflow */
    if (!lty_i64_add(after, plan.points_earned, LTY_POINTS_BALANCE_MAX, &after)) {
        return LTY_E_POINTS_LIMIT;
    }
    plan.points_balance_after = after;
    LTY_ASSERT(plan.eligible_cents >= 0 && plan.eligible_cents <= total_cents);
    *plan_out = plan;
    return 0;
}

int lty_ledger_lots_consume(lty_lot_t *lots, size_t lots_count, int64_t points,
                            size_t *touched_count_out)
{
    LTY_ASSERT(lots != NULL || lots_count == 0);
    LTY_ASSERT(touched_count_out != NULL);
    LTY_ASSERT(lots_count <= LTY_LOTS_PER_REDEMPTION_MAX);
    LTY_ASSERT(points > 0 && points <= LTY_POINTS_BALANCE_MAX);
    /* First pass decides, second pass applies: a refusal must change no lot. */
    int64_t needed = points;
    size_t touched = 0;
    for (size_t index = 0; index < lots_count && needed > 0; index++) {
        const lty_lot_t *lot = &lots[index];
        LTY_ASSERT(lty_record_lot_valid(lot));
        if (index > 0) {
            LTY_ASSERT(lot->member_id == lots[index - 1].member_id);
            LTY_ASSERT(lot->expires_ms >= lots[index - 1].expires_ms); /* soonest first */
        }
        needed -= lot->points_remaining < needed ? lot->points_remaining : needed;
        touched = index + 1;
    }
    if (needed > 0) return LTY_E_INSUFFICIENT_POINTS;
    needed = points;
    for (size_t index = 0; index < touched; index++) {
        int64_t take = lots[index].points_remaining < needed ? lots[index].points_remaining : needed;
        lots[index].points_remaining -= take;
        needed -= take;
    }
    LTY_ASSERT(needed == 0);
    *touched_count_out = touched;
    return 0;
}

int64_t lty_ledger_lot_credit(int64_t balance_before, int64_t points)
{
    LTY_ASSERT(points > 0 && points <= LTY_POINTS_BALANCE_MAX);
    LTY_ASSERT(balance_before >= -LTY_POINTS_BALANCE_MAX);
    LTY_ASSERT(balance_before <= LTY_POINTS_BALANCE_MAX);
    if (balance_before >= 0) return points;
    int64_t after = balance_before + points; /* both bounded: no overflow */
    return after > 0 ? after : 0;
}

void lty_ledger_posting_add(lty_journal_entry_t *entry, lty_account_kind_t kind, uint64_t owner,
                            int64_t amount)
{
    LTY_ASSERT(entry != NULL);
    LTY_ASSERT(entry->postings_count < LTY_POSTINGS_PER_ENTRY_MAX);
    LTY_ASSERT(amount != 0);
    LTY_ASSERT(amount >= -LTY_LEDGER_POSTING_AMOUNT_MAX && amount <= LTY_LEDGER_POSTING_AMOUNT_MAX);
    LTY_ASSERT((lty_account_kind_is_member(kind) || lty_account_kind_is_staff(kind)) ==
               (owner != 0));
    lty_posting_t *posting = &entry->postings[entry->postings_count++];
    posting->account_kind = (uint8_t)kind;
    posting->asset = (uint8_t)lty_account_kind_asset(kind);
    posting->owner = owner;
    posting->amount = amount;
}

bool lty_ledger_entry_balanced(const lty_journal_entry_t *entry)
{
    LTY_ASSERT(entry != NULL);
    LTY_ASSERT(entry->postings_count <= LTY_POSTINGS_PER_ENTRY_MAX);
    int64_t points = 0;
    int64_t currency = 0;
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        int64_t *sum = posting->asset == LTY_ASSET_POINTS ? &points : &currency;
        if (!lty_i64_add(*sum, posting->amount, INT64_MAX, sum)) return false;
    }
    return points == 0 && currency == 0;
}

static int account_limits(const lty_account_t *account, int64_t balance)
{
    switch (account->kind) {
    case LTY_ACCOUNT_MEMBER_POINTS:
        return balance > LTY_POINTS_BALANCE_MAX || balance < -LTY_POINTS_BALANCE_MAX
                   ? LTY_E_POINTS_LIMIT
                   : 0;
    case LTY_ACCOUNT_MEMBER_PREPAID:
        if (balance < 0) return LTY_E_INSUFFICIENT_FUNDS;
        return balance > LTY_PREPAID_BALANCE_CENTS_MAX ? LTY_E_PREPAID_BALANCE_LIMIT : 0;
    default:
        return balance > LTY_LEDGER_SYSTEM_BALANCE_MAX || balance < -LTY_LEDGER_SYSTEM_BALANCE_MAX
                   ? LTY_E_POINTS_LIMIT
                   : 0;
    }
}

int lty_ledger_account_apply(lty_account_t *account, int64_t amount, int64_t now_ms)
{
    LTY_ASSERT(account != NULL);
    LTY_ASSERT(lty_account_kind_known(account->kind));
    LTY_ASSERT(amount != 0);
    LTY_ASSERT(amount >= -LTY_LEDGER_POSTING_AMOUNT_MAX && amount <= LTY_LEDGER_POSTING_AMOUNT_MAX);
    int64_t balance;
    /* A stored balance is within its limit, so this cannot overflow; checked anyway. */
    if (!lty_i64_add(account->balance, amount, INT64_MAX, &balance)) return LTY_E_POINTS_LIMIT;
    int err = account_limits(account, balance);
    if (err != 0) return err;
    account->balance = balance;
    account->entries_count++;
    if (now_ms > account->updated_ms) account->updated_ms = now_ms;
    return 0;
}

/* ---- Returns ------------------------------------------------------------------------------ */

int64_t lty_ledger_pro_rata(int64_t value, int64_t returned, int64_t total)
{
    LTY_ASSERT(value >= 0 && total >= 0);
    LTY_ASSERT(returned >= 0 && returned <= total);
    if (total == 0) return 0;
    int64_t share = (int64_t)((wide_t)value * returned / total);
    LTY_ASSERT(share >= 0 && share <= value);
    return share;
}

int64_t lty_ledger_line_refund_cum(int64_t amount_cents, uint32_t qty, uint32_t returned)
{
    LTY_ASSERT(amount_cents >= 0 && amount_cents <= LTY_LINE_AMOUNT_CENTS_MAX);
    LTY_ASSERT(qty >= 1 && returned <= qty);
    return lty_ledger_pro_rata(amount_cents, returned, qty);
}

void lty_ledger_refund_split(const int64_t *parts, size_t count, int64_t total, int64_t returned,
                             int64_t *shares_out)
{
    LTY_ASSERT(parts != NULL && shares_out != NULL);
    LTY_ASSERT(count >= 1 && count <= 8);
    LTY_ASSERT(returned >= 0 && returned <= total);
    int64_t left = returned;
    int64_t parts_left = total;
    for (size_t index = 0; index < count; index++) {
        LTY_ASSERT(parts[index] >= 0 && parts[index] <= parts_left);
        int64_t share = index + 1 == count ? left
                                           : lty_ledger_pro_rata(parts[index], left, parts_left);
        LTY_ASSERT(share >= 0 && share <= parts[index]);
        shares_out[index] = share;
        left -= share;
        parts_left -= parts[index];
        LTY_ASSERT(left >= 0 && left <= parts_left);
    }
    LTY_ASSERT(left == 0);
}

/* ---- Tiers (pure) ---------------------------------------------------------------------- */

uint64_t lty_ledger_month_index(int64_t time_ms)
{
    LTY_ASSERT(time_ms >= 0);
    LTY_ASSERT(LTY_MS_PER_DAY > 0);
    int64_t year = 0, month = 0, day = 0; /* tier months stay UTC months (docs/tiers.md) */
    lty_cal_civil_from_days(time_ms / LTY_MS_PER_DAY, &year, &month, &day);
    LTY_ASSERT(year >= 1970 && month >= 1 && month <= 12);
    return (uint64_t)((year - 1970) * 12 + (month - 1));
}

uint32_t lty_ledger_tier_for(const lty_programme_t *programme, int64_t qualifying)
{
    LTY_ASSERT(programme != NULL);
    LTY_ASSERT(programme->tiers_count >= 1 && programme->tiers_count <= LTY_TIERS_MAX);
    uint32_t tier = 0;
    for (uint32_t index = 1; index < programme->tiers_count; index++) {
        if (qualifying >= programme->tiers[index].threshold) tier = index;
    }
    return tier;
}

int lty_ledger_sale_plan_tier(const lty_programme_t *programme, uint32_t tier,
                              lty_ledger_sale_plan_t *plan)
{
    LTY_ASSERT(programme != NULL && plan != NULL);
    LTY_ASSERT(plan->points_earned >= 0 && plan->points_earned <= LTY_POINTS_PER_TXN_MAX);
    if (tier >= programme->tiers_count) tier = programme->tiers_count - 1; /* programme shrank */
    int64_t percent = programme->tiers[tier].earn_percent;
    LTY_ASSERT(percent >= 0 && percent <= LTY_PROGRAMME_EARN_PERCENT_MAX);
    int64_t earned = plan->points_earned * percent / 100; /* <= 10^7 * 10^3: no overflow */
    if (earned > LTY_POINTS_PER_TXN_MAX) return LTY_E_POINTS_LIMIT;
    int64_t after = plan->points_balance_after - plan->points_earned + earned;
    if (after > LTY_POINTS_BALANCE_MAX) return LTY_E_POINTS_LIMIT;
    plan->points_earned = earned;
    plan->points_balance_after = after;
    return 0;
}

uint32_t lty_ledger_tier_review(const lty_programme_t *programme, uint32_t tier,
                                int64_t qualifying_now, int64_t qualifying_grace)
{
    LTY_ASSERT(programme != NULL);
    LTY_ASSERT(qualifying_now >= 0 && qualifying_grace >= 0);
    uint32_t now = lty_ledger_tier_for(programme, qualifying_now);
    uint32_t then = lty_ledger_tier_for(programme, qualifying_grace);
    uint32_t kept = now > then ? now : then;
    if (tier >= programme->tiers_count) tier = programme->tiers_count - 1;
    return kept < tier ? kept : tier;
}

bool lty_ledger_tier_next(const lty_programme_t *programme, uint32_t tier, int64_t qualifying,
                          uint32_t *next_out, int64_t *needed_out)
{
    LTY_ASSERT(programme != NULL && next_out != NULL && needed_out != NULL);
    LTY_ASSERT(qualifying >= 0);
    if (tier + 1 >= programme->tiers_count) return false;
    int64_t needed = programme->tiers[tier + 1].threshold - qualifying;
    *next_out = tier + 1;
    *needed_out = needed > 0 ? needed : 0;
    return true;
}
