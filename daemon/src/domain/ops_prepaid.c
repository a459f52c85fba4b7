/* SPDX-License-Identifier: MIT */
/* Prepaid (stored value): top-ups at a till or by an operator, and the tender side of a sale.
 *
 * Postings (docs/api.md "Prepaid"): a top-up credits member-prepaid and debits cash-in or
 * bank-card-in by the amount received; paying from prepaid debits member-prepaid and credits
 * prepaid-float (the money the programme owes the store that took the payment). Cash and bank
 * card tenders of a sale are recorded on the sale (settlement reports them) but posted nowhere:
 * that money never was the programme's.
 *
 * Limits: a single top-up is at most programme->topup_cents_max (LTY_E_TOPUP_LIMIT) and the
 * balance after it at most programme->prepaid_balance_cents_max (LTY_E_PREPAID_BALANCE_LIMIT);
 * both are checked before anything is written. */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_checked.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int lty__ops_card_member(lty_store_txn_t *txn, const char *card_no, int64_t now_ms,
                         lty_card_t *card_out, lty_member_t *member_out)
{
    LTY_ASSERT(txn != NULL && card_no != NULL);
    LTY_ASSERT(card_out != NULL && member_out != NULL);
    int err = lty_card_no_check(card_no, strnlen(card_no, LTY_CARD_NO_SIZE));
    if (err != 0) return err;
    lty_key_t key;
    lty_key_text(&key, card_no);
    lty_bytes_t value;
    err = lty_store_get(txn, LTY_DB_CARDS, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_CARD_NOT_FOUND;
    if (err == 0) err = lty_record_card_decode(value, card_out);
    if (err != 0) return err;
    /* A closed account answers 410 whatever its (blocked) cards say. */
    if (card_out->member_id != 0) {
        err = lty__ops_member_load(txn, card_out->member_id, member_out);
        if (err == LTY_E_MEMBER_NOT_FOUND) return LTY_E_CORRUPT;
        if (err != 0) return err;
        if (member_out->status == LTY_MEMBER_CLOSED) return LTY_E_ACCOUNT_CLOSED;
    }
    return lty_ops_card_usable(card_out->status, card_out->expires_ms, now_ms);
}

int lty__ops_balances(lty_store_txn_t *txn, uint64_t member_id, lty_ops_balances_t *out)
{
    LTY_ASSERT(txn != NULL && out != NULL);
    LTY_ASSERT(member_id != 0);
    lty_account_t points;
    lty_account_t prepaid;
    int err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_POINTS, member_id, &points);
    if (err == 0) err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_PREPAID, member_id, &prepaid);
    if (err != 0) return err;
    out->member_id = member_id;
    out->points_balance = points.balance;
    out->prepaid_cents = prepaid.balance;
    return 0;
}

int lty__ops_balances_at(lty_store_txn_t *txn, uint64_t member_id, int64_t now_ms,
                         lty_ops_balances_t *out)
{
    int64_t balance = 0;
    int err = lty__ops_balances(txn, member_id, out);
    if (err == 0) err = lty_ops_points_available(txn, member_id, now_ms, &balance,
                                                 &out->points_balance);
    return err;
}

static int topup_check(const lty_programme_t *programme, const lty_ops_topup_t *topup,
                       bool operator_topup, lty_diag_t *diag)
{
    if (topup->tender != LTY_TENDER_CASH && topup->tender != LTY_TENDER_BANK_CARD) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/tender",
                            "tender must be \"cash\" or \"bank_card\"");
    }
    if (topup->amount_cents < 1 || topup->amount_cents > LTY_PREPAID_CENTS_PER_TXN_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/amount_cents",
                            "amount_cents must be positive");
    }
    size_t reason_size = strnlen(topup->reason, sizeof(topup->reason));
    if (operator_topup && (reason_size == 0 || reason_size > LTY_REASON_BYTES_MAX)) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/reason", "reason must be 1 to %d bytes",
                            LTY_REASON_BYTES_MAX);
    }
    if (topup->amount_cents > programme->topup_cents_max) {
        return lty_diag_set(diag, LTY_E_TOPUP_LIMIT, "/amount_cents",
                            "a single top-up is at most %" PRId64 " cents",
                            programme->topup_cents_max);
    }
    return 0;
}

/* The member of a top-up: the card a till scanned, or the member an operator named. */
static int topup_member(lty_store_txn_t *txn, const lty_ops_topup_t *topup, int64_t now_ms,
                        uint64_t *member_id_out)
{
    lty_member_t member;
    if (topup->card_no[0] != '\0') {
        lty_card_t card;
        int err = lty__ops_card_member(txn, topup->card_no, now_ms, &card, &member);
        if (err == 0) *member_id_out = card.member_id;
        return err;
    }
    int err = lty__ops_member_load(txn, topup->member_id, &member);
    if (err == 0 && member.status == LTY_MEMBER_CLOSED) err = LTY_E_ACCOUNT_CLOSED;
    if (err == 0) *member_id_out = member.member_id;
    return err;
}

int lty_ops_topup(lty_store_txn_t *txn, const lty_actor_t *actor,
                  const lty_programme_t *programme, int64_t now_ms, const lty_ops_topup_t *topup,
                  lty_ops_balances_t *result_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(topup != NULL && result_out != NULL);
    bool operator_topup = topup->card_no[0] == '\0';
    uint64_t member_id = 0;
    int err = topup_check(programme, topup, operator_topup, diag);
    if (err == 0) err = topup_member(txn, topup, now_ms, &member_id);
    lty_ops_balances_t balances;
    if (err == 0) err = lty__ops_balances(txn, member_id, &balances);
    if (err != 0) return err;
    if (balances.prepaid_cents > programme->prepaid_balance_cents_max - topup->amount_cents) {
        return lty_diag_set(diag, LTY_E_PREPAID_BALANCE_LIMIT, "/amount_cents",
                            "balance %" PRId64 " + %" PRId64 " exceeds the maximum %" PRId64,
                            balances.prepaid_cents, topup->amount_cents,
                            programme->prepaid_balance_cents_max);
    }
    lty_journal_entry_t entry;
    memset(&entry, 0, sizeof(entry));
    entry.kind = LTY_ENTRY_TOPUP;
    entry.member_id = member_id;
    snprintf(entry.principal, sizeof(entry.principal), "%s", lty__ops_principal(actor));
    snprintf(entry.store, sizeof(entry.store), "%s", actor->store);
    snprintf(entry.till, sizeof(entry.till), "%s", actor->till);
    snprintf(entry.reference, sizeof(entry.reference), "%s",
             operator_topup ? topup->reason : (topup->tender == LTY_TENDER_CASH ? "cash"
                                                                               : "bank_card"));
    lty_ledger_posting_add(&entry, LTY_ACCOUNT_MEMBER_PREPAID, member_id, topup->amount_cents);
    lty_ledger_posting_add(&entry,
                           topup->tender == LTY_TENDER_CASH ? LTY_ACCOUNT_CASH_IN
                                                            : LTY_ACCOUNT_BANK_CARD_IN,
                           0, -topup->amount_cents);
    lty_staff_t staff; /* the staff member who took it earns the top-up commission */
    if (topup->staff_id[0] != '\0' && !operator_topup) {
        err = lty__ops_staff_active(txn, topup->staff_id, &staff, diag);
        if (err == 0 && programme->commission_topup_cents > 0) {
            lty__ops_commission_postings(&entry, &staff, programme->commission_topup_cents);
        }
    }
    if (err == 0) err = lty__ops_journal_post(txn, &entry, now_ms);
    if (err == 0 && operator_topup) {
        char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
        char detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
        snprintf(target, sizeof(target), "member:%" PRIu64, member_id);
        snprintf(detail, sizeof(detail), "+%" PRId64 " cents: %.200s", topup->amount_cents,
                 topup->reason);
        err = lty__ops_audit(txn, actor, now_ms, "prepaid.topup", target, detail);
    }
    if (err == 0) err = lty__ops_balances_at(txn, member_id, now_ms, result_out);
    if (err == 0) result_out->entry_id = entry.entry_id;
    return err;
}

/* ---- The tender side of a sale ------------------------------------------------------------- */

int lty__ops_sale_tenders(lty_store_txn_t *txn, const lty_programme_t *programme,
                          const lty_ops_sale_t *sale, int64_t left_to_pay, uint64_t member_id,
                          lty_journal_entry_t *entry, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && programme != NULL && sale != NULL && entry != NULL);
    LTY_ASSERT(sale->tenders_count >= 1 && sale->tenders_count <= LTY_TENDERS_PER_SALE_MAX);
    int64_t sum = 0;
    int64_t prepaid_cents = 0;
    for (size_t index = 0; index < sale->tenders_count; index++) {
        const lty_sale_tender_t *tender = &sale->tenders[index];
        LTY_ASSERT(tender->amount_cents > 0 && tender->amount_cents <= LTY_SALE_AMOUNT_CENTS_MAX);
        sum += tender->amount_cents; /* <= 4 * LTY_SALE_AMOUNT_CENTS_MAX: no overflow */
        if (tender->type == LTY_TENDER_PREPAID) prepaid_cents += tender->amount_cents;
    }
    if (sum != left_to_pay) {
        return lty_diag_set(diag, LTY_E_TENDER_MISMATCH, "/tenders",
                            "tenders add up to %" PRId64 ", left to pay is %" PRId64, sum,
                            left_to_pay);
    }
    if (prepaid_cents == 0) return 0;
    lty_account_t prepaid;
    int err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_PREPAID, member_id, &prepaid);
    if (err != 0) return err;
    if (prepaid.balance < prepaid_cents) {
        return lty_diag_set(diag, LTY_E_INSUFFICIENT_FUNDS, "/tenders",
                            "prepaid balance is %" PRId64 ", tendered %" PRId64, prepaid.balance,
                            prepaid_cents);
    }
    lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_PREPAID, member_id, -prepaid_cents);
    lty_ledger_posting_add(entry, LTY_ACCOUNT_PREPAID_FLOAT, 0, prepaid_cents);
    return 0;
}
