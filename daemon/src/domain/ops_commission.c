/* SPDX-License-Identifier: MIT */
/* The staff commission statement: per staff member, what the period's journal entries paid to
 * their commission-payable account (sales, card activations, top-ups) and took back (returns
 * and voids), and the account's balance now.
 *
 * Every figure is a sum of postings of the period's entries, so the statement reconciles with
 * the journal exactly, as the settlement does (ops_settlement.c). Not here: the commission rules
 * (ops_sale.c, ops_return.c, ops_card_life.c, ops_prepaid.c post them). */
#include "lty/lty_assert.h"
#include "lty/lty_sort.h"
#include "ops.h"

#include <stdlib.h>
#include <string.h>

typedef struct staff_slot_s {
    uint64_t staff_no;
    size_t row;                  /* index into the report's rows */
} staff_slot_t;

static int slot_compare(const void *left, const void *right)
{
    uint64_t a = ((const staff_slot_t *)left)->staff_no;
    uint64_t b = ((const staff_slot_t *)right)->staff_no;
    return a < b ? -1 : a > b;
}

/* One row per staff member, in staff_id order, and a staff_no -> row table. */
static int rows_load(lty_store_txn_t *txn, lty_ops_commission_report_t *report,
                     staff_slot_t *slots)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, LTY_DB_STAFF, &cursor);
    if (err != 0) return err;
    lty_bytes_t key = {0}, value = {0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key, &value);
    while (err == 0) {
        if (report->rows_count == LTY_COMMISSION_ROWS_MAX) {
            report->truncated = true;
            break;
        }
        lty_staff_t staff;
        err = lty_record_staff_decode(value, &staff);
        if (err != 0) break;
        lty_ops_commission_row_t *row = &report->rows[report->rows_count];
        memset(row, 0, sizeof(*row));
        memcpy(row->staff_id, staff.staff_id, sizeof(row->staff_id));
        memcpy(row->name, staff.name, sizeof(row->name));
        memcpy(row->store_id, staff.store_id, sizeof(row->store_id));
        lty_account_t account;
        err = lty__ops_account_get(txn, LTY_ACCOUNT_COMMISSION_PAYABLE, staff.staff_no, &account);
        row->balance_cents = account.balance;
        slots[report->rows_count] = (staff_slot_t){.staff_no = staff.staff_no,
                                                   .row = report->rows_count};
        report->rows_count++;
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    lty_sort(slots, report->rows_count, sizeof(slots[0]), slot_compare);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

static int sale_total(lty_store_txn_t *txn, uint64_t sale_id, int64_t *total_out)
{
    static _Thread_local lty_sale_t sale;
    int err = lty__ops_sale_of_entry(txn, sale_id, &sale);
    if (err == 0) *total_out = sale.total_cents;
    return err;
}

/* One entry's commission postings into the rows of their staff members. */
static int entry_add(lty_store_txn_t *txn, const lty_journal_entry_t *entry,
                     lty_ops_commission_report_t *report, const staff_slot_t *slots)
{
    int err = 0;
    for (uint32_t index = 0; err == 0 && index < entry->postings_count; index++) {
        const lty_posting_t *posting = &entry->postings[index];
        if (posting->account_kind != LTY_ACCOUNT_COMMISSION_PAYABLE) continue;
        staff_slot_t wanted = {.staff_no = posting->owner};
        const staff_slot_t *slot = bsearch(&wanted, slots, report->rows_count, sizeof(*slots),
                                           slot_compare);
        if (slot == NULL) continue; /* beyond a truncated report */
        lty_ops_commission_row_t *row = &report->rows[slot->row];
        if (posting->amount > 0) {
            row->commission_cents += posting->amount;
        } else {
            row->clawback_cents -= posting->amount;
            row->returns_count++;
        }
        row->net_cents += posting->amount;
        if (entry->kind == LTY_ENTRY_COMMISSION) row->cards_activated++;
        if (entry->kind == LTY_ENTRY_TOPUP) row->topups_count++;
        if (entry->kind == LTY_ENTRY_SALE) {
            int64_t total = 0;
            err = sale_total(txn, entry->entry_id, &total);
            row->sales_count++;
            row->sales_cents += total;
        }
    }
    return err;
}

/* Keep the rows that moved in the period, in staff_id order. */
static void rows_compact(lty_ops_commission_report_t *report)
{
    size_t kept = 0;
    for (size_t index = 0; index < report->rows_count; index++) {
        const lty_ops_commission_row_t *row = &report->rows[index];
        if (row->commission_cents == 0 && row->clawback_cents == 0) continue;
        if (kept != index) report->rows[kept] = *row;
        kept++;
    }
    report->rows_count = kept;
}

int lty_ops_commission_report(lty_store_txn_t *txn, const char *store, int64_t from_ms,
                              int64_t to_ms, lty_ops_commission_report_t *report_out)
{
    LTY_ASSERT(txn != NULL && store != NULL && report_out != NULL);
    LTY_ASSERT(from_ms <= to_ms);
    report_out->rows_count = 0;
    report_out->truncated = false;
    staff_slot_t *slots = lty_calloc(LTY_COMMISSION_ROWS_MAX, sizeof(*slots));
    if (slots == NULL) return LTY_E_NOMEM;
    int err = rows_load(txn, report_out, slots);
    lty_store_cursor_t *cursor = NULL;
    if (err == 0) err = lty_store_cursor_open(txn, LTY_DB_JOURNAL, &cursor);
    lty_bytes_t key = {0}, value = {0};
    if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, (lty_bytes_t){0}, &key,
                                              &value);
    while (err == 0) {
        lty_journal_entry_t entry;
        err = lty_record_entry_decode(value, &entry);
        if (err != 0) break;
        bool in_period = entry.created_ms >= from_ms && entry.created_ms < to_ms;
        if (in_period && (store[0] == '\0' || strcmp(entry.store, store) == 0)) {
            err = entry_add(txn, &entry, report_out, slots);
        }
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, (lty_bytes_t){0}, &key,
                                                  &value);
    }
    lty_store_cursor_close(cursor);
    lty_free(slots);
    if (err == LTY_E_NOT_FOUND) err = 0;
    if (err == 0) rows_compact(report_out);
    return err;
}
