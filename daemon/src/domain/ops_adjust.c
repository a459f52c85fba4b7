/* SPDX-License-Identifier: MIT */
/* Operator adjustments and bonuses of a member's points: one journal entry against the
 * points-adjusted system account, a new lot for a credit, lots consumed soonest-expiring first
 * for a debit, and an audit record.
 *
 * Policy: an adjustment may not take a balance below zero (LTY_E_INSUFFICIENT_POINTS); only
 * returns may do that, down to the programme's floor. */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "lty/lty_checked.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int adjust_check(const lty_ops_adjust_t *adjust, lty_diag_t *diag)
{
    if (adjust->points == 0 || adjust->points > LTY_POINTS_PER_TXN_MAX ||
        adjust->points < -LTY_POINTS_PER_TXN_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/points",
                            "points must be non-zero and within +-%" PRId64,
                            LTY_POINTS_PER_TXN_MAX);
    }
    if (adjust->bonus && adjust->points < 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/points", "a bonus must be positive");
    }
    size_t reason_size = strnlen(adjust->reason, sizeof(adjust->reason));
    if (reason_size == 0 || reason_size > LTY_REASON_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/reason", "reason must be 1 to %d bytes",
                            LTY_REASON_BYTES_MAX);
    }
    return 0;
}

static int adjust_apply(lty_store_txn_t *txn, const lty_actor_t *actor,
                        const lty_programme_t *programme, int64_t now_ms,
                        const lty_ops_adjust_t *adjust, int64_t balance_before,
                        lty_journal_entry_t *entry)
{
    memset(entry, 0, sizeof(*entry));
    entry->kind = adjust->bonus ? LTY_ENTRY_BONUS : LTY_ENTRY_ADJUST;
    entry->member_id = adjust->member_id;
    snprintf(entry->principal, sizeof(entry->principal), "%s", lty__ops_principal(actor));
    snprintf(entry->store, sizeof(entry->store), "%s", actor->store);
    snprintf(entry->till, sizeof(entry->till), "%s", actor->till);
    snprintf(entry->reference, sizeof(entry->reference), "%s", adjust->reason);
    lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_POINTS, adjust->member_id, adjust->points);
    lty_ledger_posting_add(entry, LTY_ACCOUNT_POINTS_ADJUSTED, 0, -adjust->points);
    int err = 0;
    if (adjust->points < 0) {
        err = lty__ops_lots_take(txn, adjust->member_id, -adjust->points, now_ms,
                                 LTY_OPS_LOTS_UNEXPIRED, NULL, NULL);
    }
    if (err == 0) err = lty__ops_journal_post(txn, entry, now_ms);
    if (err == 0 && adjust->points > 0) {
        int64_t expires_ms = lty_programme_lot_expires_ms(programme, now_ms);
        err = lty__ops_lots_credit(txn, adjust->member_id, balance_before, adjust->points,
                                   expires_ms, entry->entry_id);
    }
    return err;
}

int lty_ops_adjust(lty_store_txn_t *txn, const lty_actor_t *actor,
                   const lty_programme_t *programme, int64_t now_ms,
                   const lty_ops_adjust_t *adjust, lty_ops_adjust_result_t *result_out,
                   lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(adjust != NULL && result_out != NULL);
    int err = adjust_check(adjust, diag);
    if (err != 0) return err;
    lty_member_t member;
    err = lty__ops_member_load(txn, adjust->member_id, &member);
    if (err != 0) return err;
    if (member.status == LTY_MEMBER_CLOSED) return LTY_E_ACCOUNT_CLOSED;
    lty_account_t account;
    err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_POINTS, adjust->member_id, &account);
    int64_t balance = 0, available = 0; /* expired lots cannot be taken (nor shown) */
    if (err == 0) err = lty_ops_points_available(txn, adjust->member_id, now_ms, &balance,
                                                 &available);
    if (err != 0) return err;
    int64_t balance_after = 0;
    if (!lty_i64_add(available, adjust->points, LTY_POINTS_BALANCE_MAX, &balance_after)) {
        return LTY_E_POINTS_LIMIT;
    }
    if (adjust->points < 0 && balance_after < 0) {
        return lty_diag_set(diag, LTY_E_INSUFFICIENT_POINTS, "/points",
                            "balance is %" PRId64 ", cannot take %" PRId64, available,
                            -adjust->points);
    }
    lty_journal_entry_t entry;
    err = adjust_apply(txn, actor, programme, now_ms, adjust, account.balance, &entry);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    char detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "member:%" PRIu64, adjust->member_id);
    snprintf(detail, sizeof(detail), "%+" PRId64 " points: %.200s", adjust->points,
             adjust->reason);
    if (err == 0) {
        err = lty__ops_audit(txn, actor, now_ms, adjust->bonus ? "bonus" : "adjust", target,
                             detail);
    }
    if (err == 0) {
        result_out->entry_id = entry.entry_id;
        result_out->points_balance = balance_after;
    }
    return err;
}
