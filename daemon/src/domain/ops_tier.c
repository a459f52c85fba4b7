/* SPDX-License-Identifier: MIT */
/* Tiers: the per-member monthly spend buckets behind the rolling 12-month
 * qualification, upgrade at once on the qualifying sale, downgrade at the periodic review,
 * and the tier history. The rules themselves are pure (ledger.c: lty_ledger_tier_*).
 *
 * Policies (docs/tiers.md): a sale adds its eligible spend (what earns points) and its points
 * earned to the bucket of the sale's UTC month; the qualifying value is the sum of the current
 * month and the 11 before it. The earning multiplier is the member's tier before the sale, so
 * the qualifying sale itself earns at the old rate. A review only lowers tiers (grace rule in
 * lty_ledger_tier_review). */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_checked.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Sum of the buckets of months (end - 11) .. end for the programme's basis. */
static int qualifying_sum(lty_store_txn_t *txn, const lty_programme_t *programme,
                          uint64_t member_id, uint64_t end_month, int64_t *sum_out)
{
    uint64_t first = end_month >= LTY_LEDGER_TIER_WINDOW_MONTHS - 1
                         ? end_month - (LTY_LEDGER_TIER_WINDOW_MONTHS - 1)
                         : 0;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_MEMBER_LEDGER, &cursor);
    if (err != 0) return err;
    lty_key_t start;
    lty_key_spend_month(&start, member_id, first); /* month 0, January 1970, is a valid month */
    lty_bytes_t key = {0}, value = {0};
    int64_t sum = 0;
    err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
    while (err == 0) {
        uint64_t month_index = 0;
        if (!lty_key_member_part_is(key, member_id, LTY_PART_SPEND)) break;
        if (!lty_key_u64_at(key, LTY_MEMBER_PART_PREFIX_BYTES, &month_index) ||
            month_index > end_month) {
            break;
        }
        lty_spend_month_t month;
        err = lty_record_spend_month_decode(value, &month);
        if (err != 0) break;
        int64_t add = programme->tier_basis == LTY_TIER_BASIS_POINTS ? month.points
                                                                     : month.spend_cents;
        if (!lty_i64_add(sum, add, INT64_MAX / 2, &sum)) sum = INT64_MAX / 2; /* saturate */
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    if (err == LTY_E_NOT_FOUND) err = 0;
    if (err == 0) *sum_out = sum;
    return err;
}

static int spend_add(lty_store_txn_t *txn, uint64_t member_id, uint64_t month_index,
                     int64_t spend_cents, int64_t points)
{
    lty_key_t key;
    lty_key_spend_month(&key, member_id, month_index);
    lty_bytes_t value;
    lty_spend_month_t month = {.member_id = member_id, .month = month_index};
    int err = lty_store_get(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_spend_month_decode(value, &month);
    else if (err == LTY_E_NOT_FOUND) err = 0;
    if (err != 0) return err;
    if (!lty_i64_add(month.spend_cents, spend_cents, INT64_MAX / 4, &month.spend_cents) ||
        !lty_i64_add(month.points, points, INT64_MAX / 4, &month.points)) {
        return LTY_E_POINTS_LIMIT;
    }
    if (month.spend_cents < 0) month.spend_cents = 0; /* a later reversal never goes below 0 */
    if (month.points < 0) month.points = 0;
    uint8_t buffer[LTY_RECORD_SPEND_MONTH_BYTES_MAX];
    size_t size = lty_record_spend_month_encode(&month, buffer, sizeof(buffer));
    return lty_store_put(txn, LTY_DB_MEMBER_LEDGER, lty_key_bytes(&key),
                         (lty_bytes_t){.data = buffer, .size = size});
}

/* Record the change: member record, tier history and audit, in this transaction. */
static int tier_change(lty_store_txn_t *txn, const lty_actor_t *actor,
                       const lty_programme_t *programme, int64_t now_ms, lty_member_t *member,
                       uint32_t tier_to, lty_tier_reason_t reason, int64_t qualifying)
{
    lty_tier_change_t change = {.member_id = member->member_id, .changed_ms = now_ms,
                                .tier_from = member->tier, .tier_to = (uint8_t)tier_to,
                                .reason = (uint8_t)reason, .qualifying = qualifying};
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_TIER_HISTORY, &cursor);
    if (err != 0) return err;
    lty_bytes_t found = {0}, value = {0};
    uint64_t last = 0;
    err = lty__ops_index_seek_before(cursor, member->member_id, UINT64_MAX, &found, &value);
    if (err == 0 && !lty_key_u64_at(found, 8, &last)) err = LTY_E_CORRUPT;
    lty_store_cursor_close(cursor);
    if (err != 0 && err != LTY_E_NOT_FOUND) return err;
    change.index = last + 1;
    lty_key_t key;
    uint8_t buffer[LTY_RECORD_TIER_CHANGE_BYTES_MAX];
    size_t size = lty_record_tier_change_encode(&change, buffer, sizeof(buffer));
    lty_key_member_entry(&key, member->member_id, change.index);
    err = lty_store_insert(txn, LTY_DB_TIER_HISTORY, lty_key_bytes(&key),
                           (lty_bytes_t){.data = buffer, .size = size});
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "member:%" PRIu64, member->member_id);
    if (err == 0) {
        err = lty__ops_audit_change(txn, actor, now_ms,
                                    reason == LTY_TIER_REASON_SALE     ? "tier.upgrade"
                                    : reason == LTY_TIER_REASON_REVIEW ? "tier.downgrade"
                                                                       : "tier.import",
                                    target, "tier", programme->tiers[member->tier].name,
                                    programme->tiers[tier_to].name);
    }
    member->tier = (uint8_t)tier_to;
    if (now_ms > member->updated_ms) member->updated_ms = now_ms;
    if (err == 0) err = lty__ops_member_store(txn, member);
    return err;
}

static uint32_t member_tier(const lty_programme_t *programme, const lty_member_t *member)
{
    return member->tier < programme->tiers_count ? member->tier : programme->tiers_count - 1;
}

int lty__ops_tier_sale(lty_store_txn_t *txn, const lty_actor_t *actor,
                       const lty_programme_t *programme, int64_t now_ms, uint64_t member_id,
                       int64_t spend_cents, int64_t points, uint32_t *tier_out,
                       bool *upgraded_out)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(tier_out != NULL && upgraded_out != NULL);
    LTY_ASSERT(spend_cents >= 0 && points >= 0);
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    uint64_t month = lty_ledger_month_index(now_ms);
    if (err == 0 && (spend_cents > 0 || points > 0)) {
        err = spend_add(txn, member_id, month, spend_cents, points);
    }
    int64_t qualifying = 0;
    if (err == 0) err = qualifying_sum(txn, programme, member_id, month, &qualifying);
    if (err != 0) return err;
    uint32_t tier = member_tier(programme, &member);
    uint32_t reached = lty_ledger_tier_for(programme, qualifying);
    *upgraded_out = reached > tier;
    if (reached > tier) {
        err = tier_change(txn, actor, programme, now_ms, &member, reached, LTY_TIER_REASON_SALE,
                          qualifying);
        tier = reached;
    }
    if (err == 0) *tier_out = tier;
    return err;
}

int lty__ops_tier_give_back(lty_store_txn_t *txn, uint64_t member_id, int64_t sale_created_ms,
                            int64_t spend_cents, int64_t points)
{
    LTY_ASSERT(txn != NULL && member_id != 0);
    LTY_ASSERT(spend_cents >= 0 && points >= 0);
    if (spend_cents == 0 && points == 0) return 0;
    /* The sale's own month: the rolling window then loses exactly what the sale added. */
    return spend_add(txn, member_id, lty_ledger_month_index(sale_created_ms), -spend_cents,
                     -points);
}

int lty_ops_tier_status(lty_store_txn_t *txn, const lty_programme_t *programme, int64_t now_ms,
                        uint64_t member_id, lty_ops_tier_status_t *status_out)
{
    LTY_ASSERT(txn != NULL && programme != NULL);
    LTY_ASSERT(status_out != NULL);
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    lty_ops_tier_status_t status;
    memset(&status, 0, sizeof(status));
    if (err == 0) {
        err = qualifying_sum(txn, programme, member_id, lty_ledger_month_index(now_ms),
                             &status.qualifying);
    }
    if (err != 0) return err;
    status.tier = member_tier(programme, &member);
    status.has_next = lty_ledger_tier_next(programme, status.tier, status.qualifying,
                                           &status.next_tier, &status.next_needed);
    *status_out = status;
    return 0;
}

static int review_member(lty_store_txn_t *txn, const lty_actor_t *actor,
                         const lty_programme_t *programme, int64_t now_ms, lty_member_t *member,
                         bool *downgraded_out)
{
    *downgraded_out = false;
    int64_t grace_ms = now_ms - programme->tier_grace_days * LTY_MS_PER_DAY;
    int64_t qualifying_now = 0, qualifying_grace = 0;
    int err = qualifying_sum(txn, programme, member->member_id, lty_ledger_month_index(now_ms),
                             &qualifying_now);
    if (err == 0) {
        err = qualifying_sum(txn, programme, member->member_id,
                             lty_ledger_month_index(grace_ms > 0 ? grace_ms : 0),
                             &qualifying_grace);
    }
    if (err != 0) return err;
    uint32_t tier = member_tier(programme, member);
    uint32_t kept = lty_ledger_tier_review(programme, tier, qualifying_now, qualifying_grace);
    if (kept >= member->tier) return 0;
    *downgraded_out = true;
    return tier_change(txn, actor, programme, now_ms, member, kept, LTY_TIER_REASON_REVIEW,
                       qualifying_now);
}

int lty_ops_tier_review(lty_store_txn_t *txn, const lty_actor_t *actor,
                        const lty_programme_t *programme, int64_t now_ms,
                        lty_ops_tier_review_t *review_out)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(review_out != NULL);
    lty_ops_tier_review_t review = {0};
    uint64_t next_id = 1;
    int err = 0;
    /* Re-seek after each member: the walk writes MEMBERS, so no cursor is kept across a put. */
    for (uint64_t visited = 0; err == 0 && visited < LTY_TIER_REVIEW_MEMBERS_MAX; visited++) {
        lty_store_cursor_t *cursor = NULL;
        err = lty_store_cursor_open(txn, LTY_DB_MEMBERS, &cursor);
        if (err != 0) break;
        lty_key_t start;
        lty_key_id(&start, next_id);
        lty_bytes_t key = {0}, value = {0};
        lty_member_t member;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_RANGE, lty_key_bytes(&start), &key, &value);
        if (err == 0) err = lty_record_member_decode(value, &member);
        lty_store_cursor_close(cursor);
        if (err != 0) break;
        next_id = member.member_id + 1;
        if (member.tier == 0 || member.status != LTY_MEMBER_ACTIVE) continue;
        review.members_reviewed++;
        bool downgraded = false;
        err = review_member(txn, actor, programme, now_ms, &member, &downgraded);
        if (downgraded) review.members_downgraded++;
    }
    if (err == LTY_E_NOT_FOUND) err = 0;
    if (err == 0) *review_out = review;
    return err;
}

int lty_ops_tier_history(lty_store_txn_t *txn, uint64_t member_id,
                         lty_ops_tier_history_t *history_out)
{
    LTY_ASSERT(txn != NULL && history_out != NULL);
    LTY_ASSERT(LTY_TIER_HISTORY_MAX > 0);
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    if (err != 0) return err;
    history_out->changes_count = 0;
    lty_store_cursor_t *cursor = NULL;
    err = lty_store_cursor_open(txn, LTY_DB_TIER_HISTORY, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    err = lty__ops_index_seek_before(cursor, member_id, UINT64_MAX, &key, &value);
    while (err == 0 && history_out->changes_count < LTY_TIER_HISTORY_MAX) {
        uint64_t owner = 0;
        if (!lty_key_u64_at(key, 0, &owner) || owner != member_id) break;
        err = lty_record_tier_change_decode(value,
                                            &history_out->changes[history_out->changes_count]);
        if (err != 0) break;
        history_out->changes_count++;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_PREV, (lty_bytes_t){0}, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

int lty__ops_tier_plan(lty_store_txn_t *txn, const lty_programme_t *programme,
                       uint64_t member_id, struct lty_ledger_sale_plan_s *plan)
{
    LTY_ASSERT(txn != NULL && programme != NULL);
    LTY_ASSERT(plan != NULL);
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    if (err != 0) return err;
    return lty_ledger_sale_plan_tier(programme, member_tier(programme, &member), plan);
}

int lty__ops_tier_import(lty_store_txn_t *txn, const lty_actor_t *actor,
                         const lty_programme_t *programme, int64_t now_ms, uint64_t member_id,
                         uint32_t tier)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(tier >= 1 && tier < programme->tiers_count);
    /* The old system's qualification is not known here: the member is taken to have qualified
     * this month, so the tier holds for the programme's window (and its grace), as an upgrade
     * by a sale today would (docs/tiers.md, "Imported members"). */
    int64_t threshold = programme->tiers[tier].threshold;
    bool points_basis = programme->tier_basis == LTY_TIER_BASIS_POINTS;
    int err = spend_add(txn, member_id, lty_ledger_month_index(now_ms),
                        points_basis ? 0 : threshold, points_basis ? threshold : 0);
    lty_member_t member;
    if (err == 0) err = lty__ops_member_load(txn, member_id, &member);
    if (err == 0) {
        err = tier_change(txn, actor, programme, now_ms, &member, tier, LTY_TIER_REASON_MIGRATION,
                          threshold);
    }
    return err;
}
