/* SPDX-License-Identifier: MIT */
/* Settlement: per store, till and UTC day, what the programme's entries moved. Owns reading the
 * journal (one pass in entry order), the sale records (tenders of sales) and the return records
 * (cash and bank card paid back) into report rows.
 *
 * Every money and points column is a sum of postings of the period's entries by account kind,
 * so the report reconciles exactly with the journal (docs/api.md "Settlement"): points earned
 * and redeemed are net of returns and voids; operator entries (no till) form rows with an
 * empty till, at the store the operator named ("" = head office). */
#include "ledger.h"
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <string.h>

static lty_ops_settlement_row_t *row_find(lty_ops_settlement_t *report,
                                          const lty_journal_entry_t *entry)
{
    int64_t day = entry->created_ms / LTY_MS_PER_DAY;
    for (size_t index = report->rows_count; index > 0; index--) {
        lty_ops_settlement_row_t *row = &report->rows[index - 1];
        if (row->day == day && strcmp(row->store, entry->store) == 0 &&
            strcmp(row->till, entry->till) == 0) {
            return row;
        }
    }
    if (report->rows_count == LTY_OPS_SETTLEMENT_ROWS_MAX) {
        report->truncated = true;
        return NULL;
    }
    lty_ops_settlement_row_t *row = &report->rows[report->rows_count++];
    memset(row, 0, sizeof(*row));
    memcpy(row->store, entry->store, sizeof(row->store));
    memcpy(row->till, entry->till, sizeof(row->till));
    row->day = day;
    return row;
}

static void postings_add(lty_ops_settlement_row_t *row, const lty_journal_entry_t *entry)
{
    for (uint32_t index = 0; index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        int64_t amount = posting->amount;
        switch (posting->account_kind) {
        case LTY_ACCOUNT_POINTS_ISSUED: row->points_earned -= amount; break;
        case LTY_ACCOUNT_POINTS_REDEEMED: row->points_redeemed += amount; break;
        case LTY_ACCOUNT_POINTS_EXPIRED: row->points_forfeited += amount; break;
        case LTY_ACCOUNT_POINTS_ADJUSTED: row->points_adjusted -= amount; break;
        case LTY_ACCOUNT_CASH_IN: row->prepaid_topped_up_cash -= amount; break;
        case LTY_ACCOUNT_BANK_CARD_IN: row->prepaid_topped_up_bank_card -= amount; break;
        case LTY_ACCOUNT_CASH_OUT: row->prepaid_paid_out += amount; break;
        case LTY_ACCOUNT_PREPAID_FLOAT:
            if (amount > 0) row->prepaid_spent += amount;
            else row->prepaid_refunded -= amount;
            break;
        default: break; /* member accounts: the counterparts above say it */
        }
    }
}

static int sale_tenders_add(lty_store_txn_t *txn, lty_ops_settlement_row_t *row,
                            uint64_t sale_id)
{
    static _Thread_local lty_sale_t sale;
    int err = lty__ops_sale_of_entry(txn, sale_id, &sale);
    for (uint32_t index = 0; err == 0 && index < sale.tenders_count; index++) {
        int64_t amount = sale.tenders[index].amount_cents;
        switch (sale.tenders[index].type) {
        case LTY_TENDER_CASH: row->sales_cash_cents += amount; break;
        case LTY_TENDER_BANK_CARD: row->sales_bank_card_cents += amount; break;
        default: row->sales_prepaid_cents += amount; break;
        }
    }
    return err;
}

static int return_refunds_add(lty_store_txn_t *txn, lty_ops_settlement_row_t *row,
                              uint64_t entry_id)
{
    lty_key_t key;
    lty_key_id(&key, entry_id);
    lty_bytes_t value;
    lty_return_t record;
    int err = lty_store_get(txn, LTY_DB_RETURNS, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_CORRUPT;
    if (err == 0) err = lty_record_return_decode(value, &record);
    if (err != 0) return err;
    row->refunded_cash_cents += record.refund_cash_cents;
    row->refunded_bank_card_cents += record.refund_bank_card_cents;
    return 0;
}

static int entry_add(lty_store_txn_t *txn, lty_ops_settlement_t *report,
                     const lty_journal_entry_t *entry)
{
    lty_ops_settlement_row_t *row = row_find(report, entry);
    if (row == NULL) return 0; /* truncated: said in the report */
    postings_add(row, entry);
    switch (entry->kind) {
    case LTY_ENTRY_SALE: row->sales_count++; return sale_tenders_add(txn, row, entry->entry_id);
    case LTY_ENTRY_RETURN: row->returns_count++; break;
    case LTY_ENTRY_VOID: row->voids_count++; break;
    default: return 0;
    }
    return return_refunds_add(txn, row, entry->entry_id);
}

int lty_ops_settlement(lty_store_txn_t *txn, const char *store, int64_t from_ms, int64_t to_ms,
                       lty_ops_settlement_t *report_out)
{
    LTY_ASSERT(txn != NULL && store != NULL && report_out != NULL);
    LTY_ASSERT(from_ms <= to_ms);
    report_out->rows_count = 0;
    report_out->truncated = false;
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_JOURNAL, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0};
    lty_bytes_t value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
    while (err == 0) {
        lty_journal_entry_t entry;
        err = lty_record_entry_decode(value, &entry);
        if (err != 0) break;
        bool in_period = entry.created_ms >= from_ms && entry.created_ms < to_ms;
        if (in_period && (store[0] == '\0' || strcmp(store, entry.store) == 0)) {
            err = entry_add(txn, report_out, &entry);
        }
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}
