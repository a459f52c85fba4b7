/* SPDX-License-Identifier: MIT */
/* A till's sale: card and member checks, the points plan (ledger.c), one journal entry with
 * the redeem and earn postings, lots, and the sale record indexed by store and receipt_no.
 *
 * Policies (docs/storage.md): a receipt_no is unique per store, so a second sale with the same
 * receipt_no at the same store is refused with LTY_E_EXISTS (retries of one request are the
 * idempotency layer's business, not this one). A sale that neither earns nor redeems still
 * gets a journal entry, with no postings, so its sale_id exists and the member's history shows
 * it. Redeemed points are taken from lots before earned points form a new lot. */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <stdio.h>
#include <string.h>

static int sale_check(const lty_ops_sale_t *sale, lty_diag_t *diag)
{
    size_t receipt_size = strnlen(sale->receipt_no, sizeof(sale->receipt_no));
    if (receipt_size == 0 || receipt_size > LTY_RECEIPT_NO_BYTES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/receipt_no",
                            "receipt_no must be 1 to %d bytes", LTY_RECEIPT_NO_BYTES_MAX);
    }
    if (sale->lines_count < 1 || sale->lines_count > LTY_BASKET_LINES_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/lines",
                            "basket has %zu lines, limit is 1 to %d", sale->lines_count,
                            LTY_BASKET_LINES_MAX);
    }
    if (sale->redeem_points < 0 || sale->redeem_points > LTY_POINTS_PER_TXN_MAX) {
        return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/redeem_points",
                            "redeem_points must be 0 to %lld",
                            (long long)LTY_POINTS_PER_TXN_MAX);
    }
    for (size_t index = 0; index < sale->lines_count; index++) {
        const lty_sale_line_t *line = &sale->lines[index];
        size_t sku_size = strnlen(line->sku, sizeof(line->sku));
        bool ok = sku_size >= 1 && sku_size <= LTY_SKU_BYTES_MAX;
        ok = ok && strnlen(line->category, sizeof(line->category)) <= LTY_CATEGORY_BYTES_MAX;
        ok = ok && line->qty >= 1 && line->qty <= LTY_LINE_QTY_MAX;
        ok = ok && line->amount_cents >= 0 && line->amount_cents <= LTY_LINE_AMOUNT_CENTS_MAX;
        if (!ok) {
            return lty_diag_set(diag, LTY_E_INVALID_FIELD, "/lines",
                                "line %zu: sku 1..%d bytes, qty 1..%d, amount_cents 0..%lld",
                                index, LTY_SKU_BYTES_MAX, LTY_LINE_QTY_MAX,
                                (long long)LTY_LINE_AMOUNT_CENTS_MAX);
        }
    }
    return 0;
}

static int sale_parties(lty_store_txn_t *txn, const lty_actor_t *actor, const char *card_no,
                        int64_t now_ms, lty_card_t *card_out)
{
    int err = lty_card_no_check(card_no, strnlen(card_no, LTY_CARD_NO_SIZE));
    if (err != 0) return err;
    lty_key_t key;
    lty_key_text(&key, actor->store);
    lty_bytes_t value;
    err = lty_store_get(txn, LTY_DB_STORES, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_STORE_NOT_FOUND;
    if (err != 0) return err;
    lty_key_text(&key, card_no);
    err = lty_store_get(txn, LTY_DB_CARDS, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_CARD_NOT_FOUND;
    if (err == 0) err = lty_record_card_decode(value, card_out);
    if (err != 0) return err;
    lty_member_t member; /* a closed account answers 410 whatever its (blocked) cards say */
    err = card_out->member_id == 0 ? 0 : lty__ops_member_load(txn, card_out->member_id, &member);
    if (err == LTY_E_MEMBER_NOT_FOUND) return LTY_E_CORRUPT;
    if (err == 0 && card_out->member_id != 0 && member.status == LTY_MEMBER_CLOSED) {
        return LTY_E_ACCOUNT_CLOSED;
    }
    if (err != 0) return err;
    return lty_ops_card_usable(card_out->status, card_out->expires_ms, now_ms);
}

static void sale_entry_build(const lty_actor_t *actor, const lty_ops_sale_t *sale,
                             uint64_t member_id, const lty_ledger_sale_plan_t *plan,
                             lty_journal_entry_t *entry)
{
    memset(entry, 0, sizeof(*entry));
    entry->kind = LTY_ENTRY_SALE;
    entry->member_id = member_id;
    snprintf(entry->principal, sizeof(entry->principal), "%s", lty__ops_principal(actor));
    snprintf(entry->store, sizeof(entry->store), "%s", actor->store);
    snprintf(entry->till, sizeof(entry->till), "%s", actor->till);
    snprintf(entry->reference, sizeof(entry->reference), "%s", sale->receipt_no);
    if (plan->points_redeemed > 0) {
        lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_POINTS, member_id,
                               -plan->points_redeemed);
        lty_ledger_posting_add(entry, LTY_ACCOUNT_POINTS_REDEEMED, 0, plan->points_redeemed);
    }
    if (plan->points_earned > 0) {
        lty_ledger_posting_add(entry, LTY_ACCOUNT_MEMBER_POINTS, member_id, plan->points_earned);
        lty_ledger_posting_add(entry, LTY_ACCOUNT_POINTS_ISSUED, 0, -plan->points_earned);
    }
}

static int sale_record_store(lty_store_txn_t *txn, const lty_ops_sale_t *sale,
                             const lty_journal_entry_t *entry,
                             const lty_ledger_sale_plan_t *plan, const lty_sale_lot_t *lots,
                             uint32_t lots_count)
{
    static _Thread_local lty_sale_t record;
    static _Thread_local uint8_t buffer[LTY_RECORD_SALE_BYTES_MAX];
    memset(&record, 0, offsetof(lty_sale_t, lines));
    record.sale_id = entry->entry_id;
    memcpy(record.card_no, sale->card_no, sizeof(record.card_no));
    record.member_id = entry->member_id;
    memcpy(record.store, entry->store, sizeof(record.store));
    memcpy(record.till, entry->till, sizeof(record.till));
    memcpy(record.receipt_no, sale->receipt_no, sizeof(record.receipt_no));
    record.created_ms = entry->created_ms;
    record.status = LTY_SALE_COMPLETED;
    record.total_cents = plan->total_cents;
    record.redeem_value_cents = plan->redeem_value_cents;
    record.points_earned = plan->points_earned;
    record.points_redeemed = plan->points_redeemed;
    record.tenders_count = (uint32_t)sale->tenders_count;
    memcpy(record.tenders, sale->tenders, sizeof(record.tenders));
    record.lots_count = lots_count;
    if (lots_count > 0) memcpy(record.lots, lots, lots_count * sizeof(lots[0]));
    record.lines_count = (uint32_t)sale->lines_count;
    memcpy(record.lines, sale->lines, sale->lines_count * sizeof(sale->lines[0]));
    for (size_t index = 0; index < sale->lines_count; index++) record.lines[index].qty_returned = 0;
    size_t size = lty_record_sale_encode(&record, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_id(&key, record.sale_id);
    int err = lty_store_put(txn, LTY_DB_SALES, lty_key_bytes(&key),
                            (lty_bytes_t){.data = buffer, .size = size});
    return err;
}

static int receipt_claim(lty_store_txn_t *txn, const char *store, const char *receipt_no,
                         uint64_t sale_id)
{
    uint8_t id_bytes[8];
    lty_record_u64_encode(sale_id, id_bytes);
    lty_key_t key;
    lty_key_pair(&key, store, receipt_no);
    return lty_store_insert(txn, LTY_DB_SALES_BY_RECEIPT, lty_key_bytes(&key),
                            (lty_bytes_t){.data = id_bytes, .size = sizeof(id_bytes)});
}

/* Checked before any write so a duplicate receipt is refused without work to undo; the insert
 * in receipt_claim() stays the authority. */
static int receipt_unused(lty_store_txn_t *txn, const char *store, const char *receipt_no,
                          lty_diag_t *diag)
{
    lty_key_t key;
    lty_key_pair(&key, store, receipt_no);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_SALES_BY_RECEIPT, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return 0;
    if (err != 0) return err;
    return lty_diag_set(diag, LTY_E_EXISTS, "/receipt_no",
                        "this store already recorded receipt %s", receipt_no);
}

int lty_ops_sale(lty_store_txn_t *txn, const lty_actor_t *actor,
                 const lty_programme_t *programme, int64_t now_ms, const lty_ops_sale_t *sale,
                 lty_ops_sale_result_t *result_out, lty_diag_t *diag)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(sale != NULL && result_out != NULL);
    LTY_ASSERT(actor->store[0] != '\0'); /* the dispatcher only lets tills sell */
    int err = sale_check(sale, diag);
    lty_card_t card;
    if (err == 0) err = sale_parties(txn, actor, sale->card_no, now_ms, &card);
    if (err == 0) err = receipt_unused(txn, actor->store, sale->receipt_no, diag);
    int64_t total_cents = 0;
    if (err == 0) err = lty_ledger_basket_total(sale->lines, sale->lines_count, &total_cents);
    lty_account_t points;
    lty_account_t prepaid;
    if (err == 0) err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_POINTS, card.member_id, &points);
    if (err == 0) err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_PREPAID, card.member_id, &prepaid);
    lty_ledger_sale_plan_t plan;
    if (err == 0) err = lty_ledger_sale_plan(programme, total_cents, sale->redeem_points,
                                             points.balance, &plan);
    if (err == 0) err = lty__ops_tier_plan(txn, programme, card.member_id, &plan);
    if (err != 0) return err;
    lty_journal_entry_t entry;
    sale_entry_build(actor, sale, card.member_id, &plan, &entry);
    if (sale->tenders_count > 0) { /* paid through the programme (ops_prepaid.c) */
        err = lty__ops_sale_tenders(txn, programme, sale,
                                    plan.total_cents - plan.redeem_value_cents, card.member_id,
                                    &entry, diag);
    }
    static _Thread_local lty_sale_lot_t lots[LTY_LOTS_PER_REDEMPTION_MAX];
    uint32_t lots_count = 0;
    if (err == 0 && plan.points_redeemed > 0) {
        err = lty__ops_lots_debit_record(txn, card.member_id, plan.points_redeemed, lots,
                                         &lots_count);
    }
    if (err == 0) err = lty__ops_journal_post(txn, &entry, now_ms);
    if (err == 0) err = receipt_claim(txn, actor->store, sale->receipt_no, entry.entry_id);
    if (err == LTY_E_EXISTS) {
        return lty_diag_set(diag, LTY_E_EXISTS, "/receipt_no",
                            "this store already recorded receipt %s", sale->receipt_no);
    }
    if (err == 0 && plan.points_earned > 0) {
        err = lty__ops_lots_credit(txn, card.member_id, points.balance - plan.points_redeemed,
                                   plan.points_earned,
                                   now_ms + programme->points_lot_days * LTY_MS_PER_DAY,
                                   entry.entry_id);
    }
    if (err == 0) err = sale_record_store(txn, sale, &entry, &plan, lots, lots_count);
    if (err == 0) err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_PREPAID, card.member_id,
                                             &prepaid);
    uint32_t tier = 0; /* card validity on activity, spend buckets, upgrade at once */
    bool tier_upgraded = false;
    if (err == 0) err = lty__ops_card_activity(txn, programme, now_ms, &card);
    if (err == 0) err = lty__ops_tier_sale(txn, actor, programme, now_ms, card.member_id,
                                           plan.eligible_cents, plan.points_earned, &tier,
                                           &tier_upgraded);
    if (err != 0) return err;
    *result_out = (lty_ops_sale_result_t){.sale_id = entry.entry_id,
                                          .member_id = card.member_id,
                                          .points_earned = plan.points_earned,
                                          .points_redeemed = plan.points_redeemed,
                                          .points_balance = plan.points_balance_after,
                                          .prepaid_cents = prepaid.balance,
                                          .tier = tier,
                                          .tier_upgraded = tier_upgraded};
    return 0;
}
