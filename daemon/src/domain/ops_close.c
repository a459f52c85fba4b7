/* SPDX-License-Identifier: MIT */
/* Account close (checkout): an operator closes a member account. Owns the CLOSE journal entry
 * (prepaid paid out to cash-out, points forfeited to breakage), blocking the member's cards,
 * erasing personal data on request, and the audit record.
 *
 * Policies (docs/api.md "Account close"): the close entry is written even when both balances
 * are zero (postings then empty), so every closed member has one; it names who (principal),
 * where (store: the operator's "store" field, "" = head office) and how (reference: payout and
 * reason). A negative points balance (a debt left by a return) is written off to breakage too,
 * so a closed member holds zero of everything. Erasure clears name, phone (and its index),
 * email and birthday; ids, cards and the journal stay (anonymised). */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int close_check(lty_store_txn_t *txn, const lty_ops_close_t *close, lty_diag_t *diag)
{
    size_t reason_size = strnlen(close->reason, sizeof(close->reason));
    if (reason_size == 0 || reason_size > LTY_REASON_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/reason", "reason must be 1 to %d bytes",
                            LTY_REASON_BYTES_MAX);
    }
    if (strcmp(close->payout, "cash") != 0 && strcmp(close->payout, "bank_transfer") != 0) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/payout",
                            "payout must be \"cash\" or \"bank_transfer\"");
    }
    if (close->store[0] == '\0') return 0;
    lty_key_t key;
    lty_key_text(&key, close->store);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_STORES, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) {
        return lty_diag_set(diag, LTY_E_STORE_NOT_FOUND, "/store", "no store %s", close->store);
    }
    return err;
}

static void close_entry_build(const lty_actor_t *actor, const lty_ops_close_t *close,
                              const lty_ops_balances_t *balances, lty_journal_entry_t *entry)
{
    memset(entry, 0, sizeof(*entry));
    entry->kind = LTY_ENTRY_CLOSE;
    entry->member_id = close->member_id;
    snprintf(entry->principal, sizeof(entry->principal), "%s", lty__ops_principal(actor));
    snprintf(entry->store, sizeof(entry->store), "%s", close->store);
    snprintf(entry->reference, sizeof(entry->reference), "%.13s: %.200s", close->payout,
             close->reason); /* the first 200 bytes of the reason */
    if (balances->prepaid_cents > 0) {
        lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_PREPAID, close->member_id,
                               -balances->prepaid_cents);
        lty_ledger_posting_add(entry, LTY_ACCOUNT_CASH_OUT, 0, balances->prepaid_cents);
    }
    if (balances->points_balance != 0) {
        lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_POINTS, close->member_id,
                               -balances->points_balance);
        lty_ledger_posting_add(entry, LTY_ACCOUNT_POINTS_EXPIRED, 0, balances->points_balance);
    }
}

static int cards_block(lty_store_txn_t *txn, int64_t now_ms, lty_ops_member_view_t *view)
{
    int err = 0;
    for (size_t index = 0; err == 0 && index < view->cards_count; index++) {
        lty_card_t *card = &view->cards[index];
        /* A replaced card is blocked for ever already and keeps its link to the successor
         * (a closed card may not carry one: lty_record_card_valid). */
        if (card->status == LTY_CARD_CLOSED || card->status == LTY_CARD_REPLACED) continue;
        card->status = LTY_CARD_CLOSED;
        card->status_ms = now_ms;
        uint8_t buffer[LTY_RECORD_CARD_BYTES_MAX];
        size_t size = lty_record_card_encode(card, buffer, sizeof(buffer));
        lty_key_t key;
        lty_key_text(&key, card->card_no);
        err = lty_store_put(txn, LTY_DB_CARDS, lty_key_bytes(&key),
                            (lty_bytes_t){.data = buffer, .size = size});
    }
    return err;
}

static int member_close_store(lty_store_txn_t *txn, int64_t now_ms, bool erase,
                              lty_member_t *member)
{
    int err = 0;
    if (erase) {
        err = lty__ops_member_name_index(txn, member, false);
        if (err == 0 && member->phone[0] != '\0') {
            lty_key_t key;
            lty_key_text(&key, member->phone);
            err = lty_store_del(txn, LTY_DB_MEMBERS_BY_PHONE, lty_key_bytes(&key));
            if (err == LTY_E_NOT_FOUND) err = LTY_E_CORRUPT;
        }
        member->name[0] = '\0';
        member->phone[0] = '\0';
        member->email[0] = '\0';
        member->birthday[0] = '\0';
    }
    member->status = LTY_MEMBER_CLOSED;
    member->closed_ms = now_ms;
    member->updated_ms = now_ms > member->created_ms ? now_ms : member->created_ms;
    if (err == 0) err = lty__ops_member_store(txn, member);
    return err;
}

int lty_ops_member_close(lty_store_txn_t *txn, const lty_actor_t *actor, int64_t now_ms,
                         const lty_ops_close_t *close, lty_ops_close_result_t *result_out,
                         lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && close != NULL);
    LTY_ASSERT(result_out != NULL);
    static _Thread_local lty_ops_member_view_t view;
    int err = lty_ops_member_get(txn, close->member_id, &view);
    if (err == 0 && view.member.status == LTY_MEMBER_CLOSED) err = LTY_E_ACCOUNT_CLOSED;
    if (err == 0) err = close_check(txn, close, diag);
    lty_ops_balances_t balances;
    if (err == 0) err = lty__ops_balances(txn, close->member_id, &balances);
    if (err != 0) return err;
    lty_journal_entry_t entry;
    close_entry_build(actor, close, &balances, &entry);
    err = lty__ops_journal_post(txn, &entry, now_ms);
    if (err == 0 && balances.points_balance > 0) {
        err = lty__ops_lots_debit(txn, close->member_id, balances.points_balance);
    }
    if (err == 0) err = cards_block(txn, now_ms, &view);
    if (err == 0) err = member_close_store(txn, now_ms, close->erase_personal_data, &view.member);
    if (err == 0) err = lty_ops_sessions_end(txn, close->member_id, NULL, NULL); /* portal */
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    char detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "member:%" PRIu64, close->member_id);
    snprintf(detail, sizeof(detail), "paid out %" PRId64 " by %.13s, forfeited %" PRId64 "%s: %.150s",
             balances.prepaid_cents, close->payout, balances.points_balance,
             close->erase_personal_data ? ", erased" : "", close->reason);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "member.close", target, detail);
    if (err != 0) return err;
    *result_out = (lty_ops_close_result_t){.entry_id = entry.entry_id,
                                           .prepaid_paid_out_cents = balances.prepaid_cents,
                                           .points_forfeited = balances.points_balance,
                                           .cards_blocked = view.cards_count,
                                           .erased = close->erase_personal_data};
    return 0;
}
